"""A real streaming replica (issue 17): the test starts a primary and a replica of its own (initdb,
pg_basebackup, two PostgreSQL servers on free ports), migrates the app onto the primary and runs
tests/reliability/replica_scenario.py against both, with the replica's replay paused.

The lists go to the replica; a user who just wrote reads the primary (their own writes), until the pin
ends; the replica's copy arrives once replay resumes.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_postgres(*command: str, **kwargs) -> subprocess.CompletedProcess:
    """PostgreSQL's servers refuse to run as root: the commands run as the `postgres` system user."""
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run(  # noqa: S603 - the test's own fixed commands
        [*prefix, *command], check=True, capture_output=True, text=True, timeout=120, **kwargs
    )


def _start(datadir: Path, *conf_lines: str) -> None:
    """Adds the lines to the cluster's postgresql.conf, then starts it; its log goes beside its folder."""
    with open(datadir / "postgresql.conf", "a") as conf:
        conf.write("\n" + "\n".join(conf_lines) + "\n")
    _as_postgres(
        str(PG_BIN / "pg_ctl"), "-D", str(datadir), "-l", str(datadir.with_suffix(".log")), "-w", "start"
    )


def _can_run_clusters() -> str | None:
    if not (PG_BIN / "initdb").exists():
        return f"{PG_BIN}/initdb is missing (Debian's postgresql-15)"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "runuser is missing"
    return None


pytestmark = pytest.mark.skipif(_can_run_clusters() is not None, reason=str(_can_run_clusters()))


@pytest.fixture(scope="module")
def primary_and_replica():
    workdir = Path(tempfile.mkdtemp(prefix="incident-desk-replica-"))
    if os.geteuid() == 0:
        shutil.chown(workdir, "postgres", "postgres")
    primary, replica = workdir / "primary", workdir / "replica"
    primary_port, replica_port = _free_port(), _free_port()
    settings = "\n".join(
        [
            "listen_addresses = '127.0.0.1'",
            f"unix_socket_directories = '{workdir}'",
            "wal_level = replica",
            "max_wal_senders = 4",
            "fsync = off",  # a throwaway pair: speed over durability
            "shared_buffers = 32MB",
        ]
    )
    started = []
    try:
        _as_postgres(str(PG_BIN / "initdb"), "-D", str(primary), "-A", "trust", "-U", "postgres", "--no-sync")
        _start(primary, settings, f"port = {primary_port}")
        started.append(primary)
        _as_postgres(
            str(PG_BIN / "pg_basebackup"),
            *("-h", "127.0.0.1", "-p", str(primary_port), "-U", "postgres", "-D", str(replica)),
            *("-R", "-X", "stream", "--no-sync"),
        )
        _start(replica, f"port = {replica_port}")
        started.append(replica)
        _as_postgres(
            str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(primary_port), "-U", "postgres", "desk"
        )
        yield (
            f"postgres://postgres@127.0.0.1:{primary_port}/desk",
            f"postgres://postgres@127.0.0.1:{replica_port}/desk",
        )
    finally:
        for datadir in reversed(started):
            subprocess.run(  # noqa: S603 - the test's own fixed commands
                [
                    "runuser",
                    "-u",
                    "postgres",
                    "--",
                    str(PG_BIN / "pg_ctl"),
                    "-D",
                    str(datadir),
                    "-m",
                    "immediate",
                    "stop",
                ]
                if os.geteuid() == 0
                else [str(PG_BIN / "pg_ctl"), "-D", str(datadir), "-m", "immediate", "stop"],
                capture_output=True,
                timeout=60,
            )
        shutil.rmtree(workdir, ignore_errors=True)


def _run(args: list[str], primary_url: str, replica_url: str, var_dir: Path) -> str:
    env = {
        **os.environ,
        "DATABASE_URL": primary_url,
        "DATABASE_REPLICA_URL": replica_url,
        "DATABASE_REPLICA_PIN_SECONDS": "2",
        "DJANGO_MFA_REQUIRED": "false",
        "DJANGO_SECURE_SSL": "false",  # the test client speaks plain HTTP
        "DJANGO_RATE_LIMIT_MULTIPLIER": "0",
        # The tasks it queues (e-mails) go to a broker folder of its own, which nobody consumes.
        "CELERY_BROKER_URL": "filesystem://",
        "DJANGO_VAR_DIR": str(var_dir),
        "PYTHONPATH": str(ROOT),
    }
    done = subprocess.run(  # noqa: S603 - this interpreter, the app's manage.py and the scenario
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_lists_read_the_replica_and_a_writer_reads_their_own_writes(primary_and_replica, tmp_path):
    primary_url, replica_url = primary_and_replica
    for folder in ("celery/queue", "celery/processed", "celery/control", "static"):
        (tmp_path / folder).mkdir(parents=True)
    _run(["manage.py", "migrate", "--noinput"], primary_url, replica_url, tmp_path)
    seen = json.loads(_run(["-m", "tests.reliability.replica_scenario"], primary_url, replica_url, tmp_path))
    first, second = seen["first"], seen["second"]

    ids, reads = seen["customer_after_write"]
    assert second in ids and reads["replica"] == 0  # pinned to the primary: their own write is there

    ids, reads = seen["agent_on_replica"]
    assert first in ids and second not in ids  # the replica, paused before the second ticket
    assert reads["replica"] > 0

    assert seen["claim_status"] == 200
    ids, reads = seen["agent_after_write"]
    assert second in ids and reads["replica"] == 0

    ids, reads = seen["agent_after_pin"]
    assert second not in ids and reads["replica"] > 0  # the pin is over: back on the (paused) replica

    ids, reads = seen["agent_after_replay"]
    assert second in ids and reads["replica"] > 0  # replay resumed: the replica has caught up
