"""Servers the tests start themselves (a Celery worker, dovecot, gunicorn nodes, beats): one way to stop them."""

import subprocess


def stop_process(process: subprocess.Popen, *, timeout: float = 10) -> None:
    """SIGTERM, time to shut down cleanly, then SIGKILL: a stuck server never outlives its test."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)
