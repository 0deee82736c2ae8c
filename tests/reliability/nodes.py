"""Several web nodes on this machine: gunicorn nodes with local disks of their own behind HAProxy, Celery
workers with theirs, one PostgreSQL, one Redis and one S3 API server (moto's server mode) shared by all.

Used by tests/reliability/test_web_nodes.py and `python bench/run.py --nodes 2`:

    with Cluster(database_url=..., redis_url=..., workdir=Path(...), nodes=2, workers=1) as cluster:
        requests.get(cluster.url + "/health/")      # HAProxy, round robin over the nodes
        cluster.nodes[0].var_dir                     # node 1's own DJANGO_VAR_DIR (its media folder inside)
        cluster.s3.client().list_objects_v2(Bucket=cluster.bucket)

Every answer through HAProxy carries `X-Node: node1` (the server's name) so a caller can tell which node
served it; `cluster.next_on(name)` makes the next request land on that node (round robin is strict: each
request goes to the next node, whatever connection it came on). Nothing is reached but 127.0.0.1; every
process is started here and stopped by its own process id; every wait is bounded.
"""

# ruff: noqa: S603, S310 - this interpreter's modules and Debian's haproxy, fixed arguments; URLs of 127.0.0.1

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.processes import stop_process

ROOT = Path(__file__).resolve().parents[2]
HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"
# moto's server takes any credentials; the app is configured as for a real object store.
S3_KEY_ID, S3_SECRET, S3_REGION = "nodes-test-key", "nodes-test-secret", "eu-west-3"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def missing(*, haproxy: bool = True) -> str | None:
    """Why the cluster (or, haproxy=False, the S3 server alone) cannot start here, or None."""
    if haproxy and not Path(HAPROXY).exists():
        return "haproxy is missing (apt-get install -y haproxy; .ci/run installs it)"
    try:
        import moto.server  # noqa: F401
        import storages.backends.s3  # noqa: F401
    except ImportError as exc:
        return f"{exc.name} is missing (pip install -e '.[test]')"
    return None


def _wait_http(url: str, *, seconds: float, process: subprocess.Popen | None = None, log: Path | None = None):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{url}: the process ended ({process.returncode}); {_tail(log)}")
        try:
            urllib.request.urlopen(urllib.request.Request(url, headers={"Host": "localhost"}), timeout=5)
            return
        except urllib.error.HTTPError:
            return  # it answers
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer in {seconds:.0f} s; {_tail(log)}")


def _tail(log: Path | None) -> str:
    if log is None or not log.exists():
        return ""
    return f"{log}:\n" + log.read_text(errors="replace")[-3000:]


class Process:
    """One started program, its output in a log file; stopped by its own process id."""

    def __init__(self, name: str, command: list[str], *, env: dict, log: Path):
        self.name, self.log = name, log
        self._out = log.open("a")
        self.popen = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self._out, stderr=subprocess.STDOUT, start_new_session=True
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def stop(self, timeout: float = 15) -> None:
        stop_process(self.popen, timeout=timeout)
        self._out.close()


class S3Server:
    """moto's S3 API server (`python -m moto.server`) on a free port of 127.0.0.1, with a private bucket."""

    def __init__(self, workdir: Path, *, bucket: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.bucket = bucket
        self.process = Process(
            "moto",
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            env={**os.environ, "MOTO_ALLOW_NONEXISTENT_REGION": "true"},
            log=workdir / "moto.log",
        )
        try:
            _wait_http(f"{self.url}/moto-api/", seconds=30, process=self.process.popen, log=self.process.log)
            self.client().create_bucket(
                Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": S3_REGION}
            )
        except BaseException:
            self.process.stop()
            raise

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.url,
            region_name=S3_REGION,
            aws_access_key_id=S3_KEY_ID,
            aws_secret_access_key=S3_SECRET,
        )

    def keys(self, prefix: str = "") -> list[str]:
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
        return [item["Key"] for page in pages for item in page.get("Contents", [])]

    def env(self) -> dict[str, str]:
        """The app's settings for this server (README, Configuration)."""
        return s3_env(endpoint=self.url, bucket=self.bucket)

    def stop(self) -> None:
        self.process.stop()


def s3_env(*, endpoint: str, bucket: str) -> dict[str, str]:
    return {
        "DJANGO_STORAGE": "s3",
        "DJANGO_S3_ENDPOINT_URL": endpoint,
        "DJANGO_S3_BUCKET": bucket,
        "DJANGO_S3_REGION": S3_REGION,
        "DJANGO_S3_ACCESS_KEY_ID": S3_KEY_ID,
        "DJANGO_S3_SECRET_ACCESS_KEY": S3_SECRET,
    }


def haproxy_config(*, port: int, servers: list[tuple[str, int]]) -> str:
    """Round robin over `servers` (name, port), each checked on /health/; the server's name in X-Node."""
    lines = [
        "global",
        "    maxconn 1024",
        "defaults",
        "    mode http",
        "    timeout connect 5s",
        "    timeout client 120s",
        "    timeout server 120s",
        # The client's address for the app (DJANGO_TRUSTED_PROXY_COUNT=1): rate limits per IP, login throttle.
        "    option forwardfor",
        "frontend web",
        f"    bind 127.0.0.1:{port}",
        "    default_backend nodes",
        "backend nodes",
        "    balance roundrobin",
        "    option httpchk",
        "    http-check send meth GET uri /health/ ver HTTP/1.1 hdr Host localhost",
        "    http-response set-header X-Node %[srv_name]",
        *(f"    server {name} 127.0.0.1:{p} check inter 2s fall 2 rise 1" for name, p in servers),
    ]
    return "\n".join(lines) + "\n"


class Node:
    """gunicorn serving the app on a free port, with a DJANGO_VAR_DIR (its local disk) of its own."""

    def __init__(self, name: str, *, workdir: Path, env: dict, app: str, workers: int, threads: int = 1):
        self.name = name
        self.var_dir = workdir / name
        for folder in ("media", "static"):
            (self.var_dir / folder).mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-m", "gunicorn", app, "--bind", f"127.0.0.1:{self.port}"]
        command += ["--workers", str(workers), "--timeout", "60", "--log-level", "warning"]
        if threads > 1:
            command += ["--threads", str(threads)]
        self.process = Process(
            name, command, env={**env, **local_disk_env(self.var_dir)}, log=workdir / f"{name}.log"
        )

    def worker_pids(self) -> list[int]:
        pid = self.process.pid
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


class Worker:
    """A Celery worker (the `celery` and `pdf` queues) with a DJANGO_VAR_DIR of its own."""

    def __init__(self, name: str, *, workdir: Path, env: dict, concurrency: int = 1):
        self.name = name
        self.var_dir = workdir / name
        (self.var_dir / "media").mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "celery,pdf"]
        command += ["-n", f"{name}@%h", "--concurrency", str(concurrency), "--loglevel", "INFO"]
        command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        self.process = Process(
            name, command, env={**env, **local_disk_env(self.var_dir)}, log=workdir / f"{name}.log"
        )


def local_disk_env(var_dir: Path) -> dict[str, str]:
    return {
        "DJANGO_VAR_DIR": str(var_dir),
        "DJANGO_MEDIA_ROOT": str(var_dir / "media"),
        "DJANGO_STATIC_ROOT": str(var_dir / "static"),
    }


def files_under(folder: Path) -> list[Path]:
    """Every file a process left under `folder` (a node's or worker's local disk)."""
    return [path for path in folder.rglob("*") if path.is_file()]


class Cluster:
    """`nodes` gunicorn nodes behind HAProxy and `workers` Celery workers, on one database and Redis, with
    an S3 API server of their own (or `s3_endpoint`/`bucket` given), until the `with` block ends."""

    def __init__(
        self,
        *,
        database_url: str,
        redis_url: str,
        workdir: Path,
        nodes: int = 2,
        workers: int = 0,
        gunicorn_workers: int = 2,
        gunicorn_threads: int = 1,
        app: str = "config.wsgi:application",
        env: dict[str, str] | None = None,
        bucket: str = "incident-desk",
        worker_concurrency: int = 1,
    ):
        self.database_url, self.redis_url, self.workdir = database_url, redis_url, workdir
        self.node_count, self.worker_count = nodes, workers
        self.gunicorn_workers, self.gunicorn_threads, self.app = gunicorn_workers, gunicorn_threads, app
        self.extra_env, self.bucket, self.worker_concurrency = env or {}, bucket, worker_concurrency
        self.nodes: list[Node] = []
        self.workers: list[Worker] = []
        self.s3: S3Server | None = None
        self.balancer: Process | None = None
        self.port = 0
        self.url = ""

    def env(self) -> dict[str, str]:
        """What every node and worker shares: the database, Redis, the object store, the secret key."""
        assert self.s3 is not None
        return {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "CELERY_BROKER_URL": self.redis_url,
            "REDIS_URL": self.redis_url,
            **self.s3.env(),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_DEBUG": "false",
            "DJANGO_SECURE_SSL": "false",  # plain HTTP on loopback: TLS is the balancer's job in production
            "DJANGO_TRUSTED_PROXY_COUNT": "1",  # HAProxy appends the client's address to X-Forwarded-For
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            # One key for every node: each signs what the others check (sessions, CSRF, password resets).
            "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or "nodes-harness-" + "k" * 50,
            "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
            "DJANGO_LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
            **self.extra_env,
        }

    def __enter__(self) -> "Cluster":
        self.workdir.mkdir(parents=True, exist_ok=True)
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def _start(self) -> None:
        self.s3 = S3Server(self.workdir, bucket=self.bucket)
        env = self.env()
        self._purge_queues()
        for n in range(self.node_count):
            self.nodes.append(
                Node(
                    f"node{n + 1}",
                    workdir=self.workdir,
                    env=env,
                    app=self.app,
                    workers=self.gunicorn_workers,
                    threads=self.gunicorn_threads,
                )
            )
        for n in range(self.worker_count):
            self.workers.append(
                Worker(f"worker{n + 1}", workdir=self.workdir, env=env, concurrency=self.worker_concurrency)
            )
        for node in self.nodes:
            _wait_http(f"{node.url}/health/", seconds=90, process=node.process.popen, log=node.process.log)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = self.workdir / "haproxy.cfg"
        config.write_text(haproxy_config(port=self.port, servers=[(n.name, n.port) for n in self.nodes]))
        checked = subprocess.run([HAPROXY, "-c", "-q", "-f", str(config)], capture_output=True, text=True)
        if checked.returncode:
            raise RuntimeError(f"haproxy refused {config}: {checked.stdout}{checked.stderr}")
        self.balancer = Process(
            "haproxy",
            [HAPROXY, "-db", "-f", str(config)],
            env=dict(os.environ),
            log=self.workdir / "haproxy.log",
        )
        _wait_http(f"{self.url}/health/", seconds=30, process=self.balancer.popen, log=self.balancer.log)
        self._wait_all_up()

    def _wait_all_up(self) -> None:
        """Until a round of requests has reached every node (HAProxy's first checks have passed)."""
        names = {node.name for node in self.nodes}
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            seen = {self.probe() for _ in range(len(names))}
            if seen == names:
                return
            time.sleep(0.5)
        raise RuntimeError(
            f"HAProxy did not reach every node: {_tail(self.balancer.log if self.balancer else None)}"
        )

    def _purge_queues(self) -> None:
        """The broker's `celery` and `pdf` queues are the cluster's: tasks an earlier run left unconsumed
        in this Redis database would otherwise run against this run's data."""
        import redis

        client = redis.Redis.from_url(self.redis_url)
        for queue in ("celery", "pdf"):
            client.delete(queue, *client.keys(f"{queue}\x06\x16*"))

    def probe(self) -> str:
        """One request to /health/ through HAProxy; the name of the node that answered."""
        with urllib.request.urlopen(f"{self.url}/health/", timeout=10) as answer:
            return answer.headers["X-Node"]

    def next_on(self, name: str) -> None:
        """Probe until the next request through HAProxy goes to node `name` (strict round robin)."""
        order = [node.name for node in self.nodes]
        before = order[(order.index(name) - 1) % len(order)]
        for _ in range(len(order) + 1):
            if self.probe() == before:
                return
        raise RuntimeError(f"the round robin does not reach {name}")

    def stop(self) -> None:
        for process in [self.balancer, *(w.process for w in self.workers), *(n.process for n in self.nodes)]:
            if process is not None:
                process.stop()
        if self.s3 is not None:
            self.s3.stop()


@contextmanager
def s3_server(workdir: Path, *, bucket: str = "incident-desk") -> Iterator[S3Server]:
    """An S3 API server alone (tests of the storage itself)."""
    server = S3Server(workdir, bucket=bucket)
    try:
        yield server
    finally:
        server.stop()
