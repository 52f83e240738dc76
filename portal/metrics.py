"""`/metrics` in Prometheus' text format, for operators (issue 16).

Two kinds of numbers:
- **measured in the process**: request latency per view (a histogram), requests per view and
  status class, and errors (5xx answers and unhandled exceptions) per view, recorded by
  `MetricsMiddleware`. Under gunicorn with several workers, set `PROMETHEUS_MULTIPROC_DIR` to
  an empty directory shared by the workers and the numbers of all workers are summed
  (prometheus_client's multiprocess mode);
- **read when scraped**, so they are right whichever process answers: the outbox backlog
  (pending and failed e-mails), the Celery queue length in Redis, and what apps register with
  `register_collector` (applications registers submissions per call). `portal` imports no app.

Access: only from `METRICS_ALLOWED_IPS` (addresses or networks) or with
`Authorization: Bearer <METRICS_TOKEN>`; everyone else gets a 404, as if it did not exist.
"""

import hmac
import ipaddress
import logging
import os
import time
from collections.abc import Callable, Iterable

from django.conf import settings
from django.http import Http404, HttpResponse
from django.views.decorators.cache import never_cache
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from .http import client_ip

log = logging.getLogger(__name__)

REQUEST_LATENCY = Histogram(
    "oproep_request_duration_seconds",
    "Time to answer a request, per view.",
    ["view", "method"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
REQUESTS = Counter("oproep_requests", "Requests answered, per view and status class.", ["view", "method", "status"])
ERRORS = Counter("oproep_request_errors", "Requests that ended in a server error (5xx), per view.", ["view"])

_collectors: list[Callable[[], Iterable]] = []


def register_collector(collect: Callable[[], Iterable]) -> None:
    """Add a scrape-time source of metric families (called from an app's ready())."""
    if collect not in _collectors:
        _collectors.append(collect)


def _outbox() -> Iterable:
    from django.db.models import Count

    from .models import Notification

    counts = dict(Notification.objects.values_list("status").annotate(n=Count("pk")).order_by())
    gauge = GaugeMetricFamily("oproep_outbox_messages", "E-mails in the outbox, by status.", labels=["status"])
    for status in (Notification.Status.PENDING, Notification.Status.FAILED):
        gauge.add_metric([status], counts.get(status, 0))
    yield gauge


def _celery_queue() -> Iterable:
    gauge = GaugeMetricFamily("oproep_celery_queue_length", "Tasks waiting in the broker, per queue.", labels=["queue"])
    if settings.REDIS_URL:
        import redis

        try:
            client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
            gauge.add_metric(["celery"], client.llen("celery"))
        except Exception as exc:  # the broker being down must not break the scrape
            log.warning("Could not read the Celery queue length: %s", exc)
    yield gauge


class _ScrapeTime(Collector):
    def collect(self):
        for source in (_outbox, _celery_queue, *_collectors):
            yield from source()


def _registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        for metric in (REQUEST_LATENCY, REQUESTS, ERRORS):
            registry.register(metric)
    registry.register(_ScrapeTime())
    return registry


def is_allowed(request) -> bool:
    token = getattr(settings, "METRICS_TOKEN", "")
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].encode(), token.encode()):
        return True
    try:
        address = ipaddress.ip_address(client_ip(request))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net, strict=False) for net in settings.METRICS_ALLOWED_IPS)


@never_cache
def metrics_view(request):
    if not is_allowed(request):
        raise Http404
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)


class MetricsMiddleware:
    """Times every request and counts errors, labelled with the view's name (never the path,
    which would make one series per application id)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name or match._func_path) if match else "unresolved"
        REQUEST_LATENCY.labels(view, request.method).observe(time.perf_counter() - started)
        REQUESTS.labels(view, request.method, f"{response.status_code // 100}xx").inc()
        if response.status_code >= 500:
            ERRORS.labels(view).inc()
        return response
