"""Issue 15 in `make bench`: the full-text search and the double-funding check on the generated
data set (scripts/bench.sh runs this after the page latencies; standard library and Django only).

- search: the staff list of the bench call and the cross-call search page with a search term,
  requested in-process through Django's test client (one request at a time: what one search
  costs, without the server's overhead), and the number of queries each takes;
- duplicate check: reworded copies (20 % of the words replaced, partners reordered) of generated
  proposals submitted to another call, each checked as the Celery task does after the receipt,
  plus the check of unrelated generated applications; all inside a transaction rolled back at
  the end, so the data set is left as it was.
"""

import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

import django

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))


def percentiles(times: list[float]) -> dict:
    ms = sorted(t * 1000 for t in times)
    q = statistics.quantiles(ms, n=100, method="inclusive") if len(ms) > 1 else [ms[0]] * 99
    return {"p50_ms": round(q[49], 1), "p95_ms": round(q[94], 1), "max_ms": round(ms[-1], 1), "n": len(ms)}


def bench_search(call, repeats: int) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(email="bench-manager@example.org"))
    terms = ["trollenfabriek", "mediawijsheid", "deepfakes leerkrachten", "Gent", "factcheckplatform"]
    pages = [
        ("staff list + search", f"/manage/calls/{call.slug}/applications/"),
        ("search across calls", "/manage/search/"),
    ]
    print(f"\n{'search (one at a time)':34} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'queries':>8}  hits")
    for name, path in pages:
        times, queries, hits = [], 0, {}
        for index in range(repeats):
            term = terms[index % len(terms)]
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(path, {"q": term})
                times.append(time.perf_counter() - started)
            assert response.status_code == 200, response.status_code
            queries = max(queries, len(captured))
            hits[term] = response.context["page"].paginator.count
        r = percentiles(times)
        print(f"{name:34} {r['p50_ms']:>8} {r['p95_ms']:>8} {r['max_ms']:>8} {queries:>8}  {hits}")


def bench_duplicates(call, copies: int) -> None:
    from django.db import transaction
    from django.utils import timezone

    from applications.models import Application, BudgetLine, Partner, Status
    from calls.models import Call
    from reviews import demo_text, duplicates

    rng = random.Random(15)
    total = Application.objects.filter(submitted_at__isnull=False).count()
    with transaction.atomic():
        other_call = Call.objects.create(
            slug="bench-resubmitted",
            reference_prefix="BRS",
            title_nl="Tweede ronde",
            title_en="Second round",
            total_budget=call.total_budget,
            opens_at=call.opens_at,
            closes_at=call.closes_at,
            published=True,
        )
        originals = list(
            Application.objects.filter(call=call).select_related("lead_organisation").prefetch_related("partners")
        )
        rng.shuffle(originals)
        check_times, flagged = [], 0
        for number, original in enumerate(originals[:copies], start=1):
            proposal = demo_text.Proposal(
                title=original.title,
                summary=original.summary,
                partners=[(p.name, p.kbo_number) for p in original.partners.all()],
                budget=[(b.category, b.description, b.amount) for b in original.budget_lines.all()],
            )
            copy = demo_text.reword(proposal, rng, share=0.2)
            application = Application.objects.create(
                call=other_call,
                lead_organisation=original.lead_organisation,
                title=copy.title,
                summary=copy.summary,
                status=Status.SUBMITTED,
                reference=f"BRS-{number:05d}",
                submitted_at=timezone.now() - timedelta(minutes=number),
                requested_amount=original.requested_amount,
            )
            Partner.objects.bulk_create(
                [
                    Partner(application=application, name=n, kind="news_media", order=i)
                    for i, (n, _) in enumerate(copy.partners)
                ]
            )
            BudgetLine.objects.bulk_create(
                [BudgetLine(application=application, category=c, description=d, amount=a) for c, d, a in copy.budget]
            )
            started = time.perf_counter()
            flags = duplicates.check(application.pk)
            check_times.append(time.perf_counter() - started)
            flagged += any(f.other_id == original.pk for f in flags)
        unrelated_times, false_flags = [], 0
        for original in originals[copies : 2 * copies]:
            started = time.perf_counter()
            flags = duplicates.check(original.pk)
            unrelated_times.append(time.perf_counter() - started)
            false_flags += len([f for f in flags if f.other.call_id == call.pk])
        transaction.set_rollback(True)
    print(f"\n{'double-funding check':34} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}  against {total} submitted")
    r = percentiles(check_times)
    print(
        f"{'reworded copy (20 %), per check':34} {r['p50_ms']:>8} {r['p95_ms']:>8} {r['max_ms']:>8}  {flagged}/{copies} flagged"
    )
    r = percentiles(unrelated_times)
    print(
        f"{'generated application, per check':34} {r['p50_ms']:>8} {r['p95_ms']:>8} {r['max_ms']:>8}  {false_flags} flags among unrelated"
    )
    print("The check runs in a Celery task after the submission commits: it adds nothing to a submit request.")


def main():
    django.setup()
    from django.test.utils import setup_test_environment

    from calls.models import Call

    setup_test_environment()  # the test client then keeps each response's context (hit counts)

    call = Call.objects.get(slug="bench")
    bench_search(call, int(os.environ.get("BENCH_SEARCH_REPEATS", "20")))
    bench_duplicates(call, int(os.environ.get("BENCH_DUPLICATE_COPIES", "20")))


if __name__ == "__main__":
    main()
