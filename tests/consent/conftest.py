"""Fixtures of the consent tests (used explicitly: the other tests do not need them)."""

import pytest


@pytest.fixture
def celery_eager():
    """Tasks enqueued after commit run in the test's thread instead of reaching a broker."""
    from config.celery import app

    previous = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous
