"""Submissions per call for `/metrics` (portal/metrics.py), read from the database when scraped:
right whichever web process answers, and never lost by a restart."""

from django.db.models import Count
from prometheus_client.core import CounterMetricFamily

from .models import Application


def submissions():
    counter = CounterMetricFamily(
        "oproep_submissions", "Applications submitted at least once, per call.", labels=["call"]
    )
    rows = (
        Application.objects.filter(submitted_at__isnull=False)
        .values_list("call__slug")
        .annotate(n=Count("pk"))
        .order_by("call__slug")
    )
    for slug, count in rows:
        counter.add_metric([slug], count)
    yield counter
