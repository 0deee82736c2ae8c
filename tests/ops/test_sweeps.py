"""The deadline sweep list: one failing sweep does not stop the others, and the hourly beat runs it."""

import pytest

from config.celery import app
from ops import sweeps
from ops.tasks import deadlines_enforce_task


def test_a_failing_sweep_is_named_and_the_next_ones_still_run(monkeypatch):
    ran = []

    def broken(*, now):
        raise RuntimeError("database down")

    def working(*, now):
        ran.append(now)
        return 0

    monkeypatch.setattr(sweeps, "DEADLINE_SWEEPS", [broken, working])
    with pytest.raises(sweeps.SweepFailed, match="^broken$"):
        sweeps.deadlines_enforce()
    assert len(ran) == 1


def test_every_periodic_task_is_a_registered_task_and_the_hourly_one_is_the_sweep():
    app.loader.import_default_modules()  # what a worker and beat do at start: autodiscovers the tasks
    for entry in app.conf.beat_schedule.values():
        assert entry["task"] in app.tasks
    assert app.conf.beat_schedule["enforce-deadlines-hourly"]["task"] == deadlines_enforce_task.name
