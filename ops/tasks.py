"""Celery entry point of the hourly deadline sweep (scheduled in config/celery.py)."""

from celery import shared_task

from config.celery import RETRYING_TASK
from ops.sweeps import deadlines_enforce


@shared_task(**RETRYING_TASK)
def deadlines_enforce_task() -> dict[str, int]:
    return deadlines_enforce()
