"""Prometheus metrics, served at `/metrics` in the text exposition format (prometheus_client writes it).

Every metric the app exposes is declared below, once; each app moves its own where the event happens,
in one line (`BANS.inc_after_commit(...)`, `with PDF_RENDER_SECONDS.time(template=...):`). The
gauges are read when Prometheus scrapes: the Celery queues' depth here, the e-mails still to send by the
outbox, which supplies the number (`EMAILS_PENDING.read_with(...)` in its AppConfig).

Where the counts live: in Redis (`settings.REDIS_URL`, the rate limits' Redis), not in each process.
prometheus_client's multiprocess mode would keep them in files of one host's gunicorn workers; but half
of what is counted here happens in Celery workers (sweeps, PDFs, the lapses' bans), in other containers on
other nodes, with no HTTP server of their own, and Prometheus would have to scrape every web node and
every worker apart, past the load balancer. In Redis, every process of every node adds to the same
numbers with one pipelined round trip (a HINCRBYFLOAT per figure: atomic, no lost update between
processes), and any web node answers the whole desk's figures. A process restart loses nothing; if Redis
does not answer, figures are dropped for a few seconds (`config.redis_client.redis_answering`), never a
request slowed or failed, and `incident_desk_metrics_store_up` says so at the next scrape. Without Redis
(`make run`), each process counts for itself.

`/metrics` is private: with `DJANGO_METRICS_TOKEN` it asks for `Authorization: Bearer <token>`, with
`DJANGO_METRICS_ALLOWED_NETS` for a client address in those networks (both, when both are set); with
neither it answers 404, so it is never public by accident.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_safe
from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.exposition import choose_encoder

from config.redis_client import redis_answered, redis_answering, redis_client, redis_failed
from config.security import client_ip

log = logging.getLogger(__name__)

# The request methods a latency is labelled with; anything else is "other" (labels stay few).
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def _key(name: str) -> str:
    return f"{getattr(settings, 'METRICS_KEY_PREFIX', 'metrics:')}{name}"


def _field(values: Sequence[str]) -> str:
    # JSON: a label value may hold any character, the field still splits back into exactly those values.
    return json.dumps(list(values), separators=(",", ":"))


class _MemoryStore:
    """The counts of this process alone: `make run` without Redis."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._hashes: dict[str, dict[str, float]] = {}

    def add(self, updates: list[tuple[str, str, float]]) -> None:
        with self._lock:
            for key, field, amount in updates:
                fields = self._hashes.setdefault(key, {})
                fields[field] = fields.get(field, 0.0) + amount

    def read(self, keys: list[str]) -> list[dict[str, float]]:
        with self._lock:
            return [dict(self._hashes.get(key, {})) for key in keys]


_memory = _MemoryStore()


def _add(updates: list[tuple[str, str, float]]) -> None:
    """Add each amount to its (hash, field), in one round trip; dropped while Redis does not answer."""
    url = getattr(settings, "REDIS_URL", "")
    if not url:
        _memory.add(updates)
        return
    client = redis_answering(url, "metrics")
    if client is None:
        return
    try:
        pipe = client.pipeline(transaction=False)
        for key, field, amount in updates:
            pipe.hincrbyfloat(key, field, amount)
        pipe.execute()
    except Exception as exc:  # noqa: BLE001 - a figure is never a reason to fail what it measures
        redis_failed(url, "metrics")
        log.warning("metrics not recorded: Redis does not answer (%s)", type(exc).__name__)
        return
    redis_answered(url, "metrics")


def _read(keys: list[str]) -> list[dict[str, float]] | None:
    """Each hash's fields and amounts; None when Redis does not answer."""
    url = getattr(settings, "REDIS_URL", "")
    if not url:
        return _memory.read(keys)
    client = redis_answering(url, "metrics")
    if client is None:
        return None
    try:
        pipe = client.pipeline(transaction=False)
        for key in keys:
            pipe.hgetall(key)
        replies = pipe.execute()
    except Exception as exc:  # noqa: BLE001 - the scrape says the store is down instead
        redis_failed(url, "metrics")
        log.warning("metrics not readable: Redis does not answer (%s)", type(exc).__name__)
        return None
    redis_answered(url, "metrics")
    return [{field.decode(): float(amount) for field, amount in reply.items()} for reply in replies]


class _Metric:
    def __init__(self, name: str, documentation: str, labelnames: Sequence[str] = ()) -> None:
        self.name, self.documentation, self.labelnames = name, documentation, tuple(labelnames)
        _DECLARED.append(self)

    def _values(self, labels: dict[str, object]) -> list[str]:
        if set(labels) != set(self.labelnames):
            raise ValueError(f"{self.name} takes the labels {self.labelnames}, not {tuple(labels)}")
        return [str(labels[name]) for name in self.labelnames]

    def family(self, fields: dict[str, float]) -> Any:
        raise NotImplementedError


class Counter(_Metric):
    """A count that only goes up (Prometheus' rate() over it gives events per second)."""

    def inc(self, amount: float = 1, **labels: object) -> None:
        if amount:
            _add([(_key(self.name), _field(self._values(labels)), amount)])

    def inc_after_commit(self, amount: float = 1, **labels: object) -> None:
        """Count what the open transaction does once it commits: a rolled-back event was none."""
        self._values(labels)  # a wrong label fails here, in the caller's transaction, not after it
        if amount:
            transaction.on_commit(lambda: self.inc(amount, **labels))

    def family(self, fields: dict[str, float]) -> CounterMetricFamily:
        family = CounterMetricFamily(self.name, self.documentation, labels=self.labelnames)
        for field, amount in sorted(fields.items()):
            family.add_metric(json.loads(field), amount)
        return family


class Histogram(_Metric):
    """Durations in seconds, counted per bucket (Prometheus' histogram_quantile() gives percentiles)."""

    def __init__(
        self, name: str, documentation: str, labelnames: Sequence[str] = (), *, buckets: Sequence[float]
    ) -> None:
        super().__init__(name, documentation, labelnames)
        self.bounds = sorted(buckets)

    def observe(self, seconds: float, **labels: object) -> None:
        values = self._values(labels)
        # One field per bucket the observation falls in (not per bucket above it): the scrape adds them up.
        bucket = next((repr(float(bound)) for bound in self.bounds if seconds <= bound), "+Inf")
        key = _key(self.name)
        _add([(key, _field([*values, bucket]), 1), (key, _field([*values, "sum"]), seconds)])

    @contextmanager
    def time(self, **labels: object) -> Iterator[None]:
        """Observe how long the block takes, whether it returns or raises."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.observe(time.perf_counter() - started, **labels)

    def family(self, fields: dict[str, float]) -> HistogramMetricFamily:
        series: dict[tuple[str, ...], dict[str, float]] = {}
        for field, amount in fields.items():
            *values, part = json.loads(field)
            series.setdefault(tuple(values), {})[part] = amount
        family = HistogramMetricFamily(self.name, self.documentation, labels=self.labelnames)
        for values, parts in sorted(series.items()):
            cumulative, buckets = 0.0, []
            for bound in [*(repr(float(bound)) for bound in self.bounds), "+Inf"]:
                cumulative += parts.get(bound, 0.0)
                buckets.append((bound, cumulative))
            family.add_metric(list(values), buckets, parts.get("sum", 0.0))
        return family


class ScrapeGauge:
    """A number read when Prometheus scrapes, from the function its owning app gives (`read_with`): a
    number, or {label values: number} for a gauge with labels."""

    def __init__(self, name: str, documentation: str, labelnames: Sequence[str] = ()) -> None:
        self.name, self.documentation, self.labelnames = name, documentation, tuple(labelnames)
        self.source: Callable[[], Any] | None = None
        _GAUGES.append(self)

    def read_with(self, source: Callable[[], Any]) -> None:
        self.source = source

    def family(self) -> GaugeMetricFamily | None:
        if self.source is None:
            return None
        try:
            value = self.source()
        except Exception as exc:  # noqa: BLE001 - one figure missing must not hide the others
            log.warning("metric %s not read (%s: %s)", self.name, type(exc).__name__, exc)
            return None
        family = GaugeMetricFamily(self.name, self.documentation, labels=self.labelnames)
        for values, number in value.items() if isinstance(value, dict) else [((), value)]:
            family.add_metric(list(values), number)
        return family


_DECLARED: list[_Metric] = []
_GAUGES: list[ScrapeGauge] = []

# ------------------------------------------------------------------------------------- the catalogue

REQUEST_SECONDS = Histogram(
    "incident_desk_http_request_duration_seconds",
    "Time to answer a request, by the view's URL name (never the raw path) and method.",
    ["view", "method"],
    buckets=[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
)
SWEEP_SECONDS = Histogram(
    "incident_desk_deadline_sweep_duration_seconds",
    "Time each deadline sweep of ops.sweeps took; sweep=deadlines_enforce is the whole run.",
    ["sweep"],
    buckets=[0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600],
)
PDF_RENDER_SECONDS = Histogram(
    "incident_desk_pdf_render_duration_seconds",
    "Time WeasyPrint took to render one document, by template.",
    ["template"],
    buckets=[0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
)
BANS = Counter(
    "incident_desk_bans_total",
    "Accounts banned from support (a refused invoice, or one lapsed unpaid), counted once committed.",
    ["reason"],
)
EMAILS_PENDING = ScrapeGauge(
    "incident_desk_emails_pending", "E-mails recorded in the outbox and not sent yet."
)
QUEUE_LENGTH = ScrapeGauge(
    "incident_desk_celery_queue_length", "Tasks waiting in each Celery queue of the broker.", ["queue"]
)
STORE_UP = (
    "incident_desk_metrics_store_up",
    "1 when the counters and histograms could be read from Redis, 0 when the scrape lacks them.",
)

# kombu's Redis transport keeps a queue's messages of priority 3, 6, 9 in lists of their own.
_PRIORITY_SEPARATOR, _PRIORITY_STEPS = "\x06\x16", (0, 3, 6, 9)


def queue_lengths() -> dict[tuple[str], int]:
    """The messages waiting in each queue of `CELERY_TASK_QUEUES`, on a Redis broker (none elsewhere)."""
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://")):
        return {}
    queues = list(settings.CELERY_TASK_QUEUES)
    pipe = redis_client(url).pipeline(transaction=False)
    for queue in queues:
        for step in _PRIORITY_STEPS:
            pipe.llen(queue if not step else f"{queue}{_PRIORITY_SEPARATOR}{step}")
    lengths = pipe.execute()
    steps = len(_PRIORITY_STEPS)
    return {(queue,): sum(lengths[i * steps : (i + 1) * steps]) for i, queue in enumerate(queues)}


QUEUE_LENGTH.read_with(queue_lengths)


class _Collector:
    """What a scrape shows: the stored counts of every declared metric, then the gauges read now."""

    def collect(self) -> Iterator[Any]:
        stored = _read([_key(metric.name) for metric in _DECLARED])
        yield GaugeMetricFamily(*STORE_UP, value=int(stored is not None))
        for metric, fields in zip(_DECLARED, stored or [], strict=False):
            yield metric.family(fields)
        for gauge in _GAUGES:
            family = gauge.family()
            if family is not None:
                yield family


def exposition(accept: str = "") -> tuple[bytes, str]:
    """The figures and their content type: the format the scraper's Accept header asks for (OpenMetrics,
    the text format 1.0.0), else the classic text format 0.0.4 every Prometheus reads."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Collector())
    encode, content_type = choose_encoder(accept)
    return encode(registry), content_type


# ------------------------------------------------------------------------------------- the endpoint


def _bearer_token(request) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _in_allowed_nets(request) -> bool:
    try:
        address = ipaddress.ip_address(client_ip(request) or "")
    except ValueError:
        return False
    return any(address in network for network in settings.METRICS_ALLOWED_NETS)


@require_safe
def metrics_view(request):
    """The figures for Prometheus: 404 unless a token or networks are configured; 403 from outside the
    networks; 401 without the bearer token, 403 with a wrong one."""
    token, nets = settings.METRICS_TOKEN, settings.METRICS_ALLOWED_NETS
    if not token and not nets:
        raise Http404
    if nets and not _in_allowed_nets(request):
        return HttpResponse("Forbidden.\n", status=403, content_type="text/plain")
    if token:
        given = _bearer_token(request)
        if given is None:
            response = HttpResponse("Bearer token required.\n", status=401, content_type="text/plain")
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
            return response
        # Constant time: the answer's timing says nothing of how much of the token was right.
        if not hmac.compare_digest(given.encode(), token.encode()):
            return HttpResponse("Forbidden.\n", status=403, content_type="text/plain")
    body, content_type = exposition(request.headers.get("Accept", ""))
    return HttpResponse(body, content_type=content_type)


class RequestMetricsMiddleware:
    """Times every request, labelled by the view its URL resolved to ("unresolved" for none)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        try:
            return self.get_response(request)
        finally:
            match = getattr(request, "resolver_match", None)
            REQUEST_SECONDS.observe(
                time.perf_counter() - started,
                view=match.view_name if match is not None else "unresolved",
                method=request.method if request.method in _METHODS else "other",
            )
