"""The large-call figures of `make bench` (issue 13): single requests against the running gunicorn,
each beside the trivial view measured in the same run, the ranking SQL beside a plain aggregate
over the same scores, and the exports' time and peak memory.

Called by scripts/bench.py once its server is up (`run(base_url, cookie_for)`); it writes its
section of docs/benchmarks.md between the `scale` markers, so other sections stay as they are.
Standard library only (plus Django for the SQL figures).
"""

import os
import platform
import re
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
DOC = BASE / "docs" / "benchmarks.md"
START, END = "<!-- scale:start -->", "<!-- scale:end -->"
REPEAT = int(os.environ.get("BENCH_REPEAT", "5"))


def single(url: str, cookie: str | None, repeat: int = REPEAT) -> dict:
    """Sequential requests, one at a time: the median and the best, in seconds."""
    times, status, size = [], None, 0
    for _ in range(repeat + 1):  # the first one warms up
        request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
        start = time.perf_counter()
        with urllib.request.urlopen(request, timeout=120) as response:
            size = len(response.read())
            status = response.status
        times.append(time.perf_counter() - start)
    times = times[1:]
    return {"median_s": statistics.median(times), "best_s": min(times), "status": status, "bytes": size}


def sql_figures(slug: str, repeat: int = REPEAT) -> dict:
    """The ranking's SQL (the query the default page runs, and the full one of ?all=1 and the
    exports) beside a plain aggregate over the same scores, best of `repeat`, in the same run."""
    from django.db import connection

    from calls.models import Call
    from reviews.ranking import lines_queryset
    from reviews.scoring import active_criteria

    call = Call.objects.get(slug=slug)
    criteria = active_criteria(call)
    lines = lines_queryset(call, criteria)
    full = lines_queryset(call, criteria, figures=True)
    plain = (
        "SELECT a.application_id, s.criterion_id, COUNT(s.score), AVG(s.score), MIN(s.score), MAX(s.score), "
        "PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY s.score) "
        "FROM reviews_score s JOIN reviews_review r ON r.id = s.review_id "
        "JOIN reviews_assignment a ON a.id = r.assignment_id JOIN applications_application ap ON ap.id = a.application_id "
        "WHERE ap.call_id = %s AND s.score IS NOT NULL AND r.submitted_at IS NOT NULL AND NOT a.conflict "
        "GROUP BY a.application_id, s.criterion_id"
    )
    if connection.vendor != "postgresql":
        plain = plain.replace(", PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY s.score)", "").replace(
            "NOT a.conflict", "a.conflict = 0"
        )

    def best(sql, params):
        result = []
        for _ in range(repeat):
            with connection.cursor() as cursor:
                start = time.perf_counter()
                cursor.execute(sql, params)
                cursor.fetchall()
                result.append(time.perf_counter() - start)
        return min(result)

    figures = {
        "plain_aggregate_s": best(plain, [call.pk]),
        "ranking_sql_s": best(*lines.query.sql_with_params()),
        "ranking_sql_full_s": best(*full.query.sql_with_params()),
    }
    figures["ratio"] = figures["ranking_sql_s"] / figures["plain_aggregate_s"]
    figures["ratio_full"] = figures["ranking_sql_full_s"] / figures["plain_aggregate_s"]
    return figures


def export_memory(slug: str, fmt: str, email: str) -> dict:
    """Time and peak memory of one export in a fresh process, as a worker serves it. The peak is
    the process's own high-water mark (VmHWM, which starts afresh at exec): getrusage's
    ru_maxrss would include the memory of the parent at fork time (this script's, which holds
    the whole benchmark)."""
    code = f"""
import resource, time, django
def high_water():
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
django.setup()
from django.test import Client
from django.contrib.auth import get_user_model
client = Client(HTTP_HOST="127.0.0.1")
client.force_login(get_user_model().objects.get(email={email!r}))
before = high_water()
start = time.perf_counter()
response = client.get("/manage/calls/{slug}/ranking/export.{fmt}")
size = sum(len(chunk) for chunk in response) if response.streaming else len(response.content)
elapsed = time.perf_counter() - start
peak = high_water()
print(response.status_code, size, elapsed, before, peak)
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=BASE, capture_output=True, text=True, check=True)
    status, size, elapsed, before, peak = out.stdout.split()[-5:]
    return {
        "status": int(status),
        "bytes": int(size),
        "seconds": float(elapsed),
        "rss_before_mb": int(before) / 1024,
        "peak_rss_mb": int(peak) / 1024,
    }


def machine() -> str:
    cpu = ""
    try:
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        pass
    return f"{os.cpu_count()} cores ({cpu or platform.machine()}), Python {platform.python_version()}"


def settle(limit: float = 1.0, longest: int = 120) -> None:
    """The single requests are about one request on its own: wait (at most `longest` seconds)
    until the concurrent run before them has died down (1-minute load average under `limit`)."""
    deadline = time.monotonic() + longest
    while time.monotonic() < deadline:
        try:
            if float(Path("/proc/loadavg").read_text().split()[0]) < limit:
                return
        except (OSError, ValueError):
            return
        time.sleep(5)


def cpu_reference(repeat: int = 3) -> float:
    """Seconds for ten million additions in a Python loop, the best of `repeat`: how fast this
    machine's core was during the run (a shared virtual machine's speed changes by the hour;
    about 0.4 s on this machine when the host gives it a whole core, 0.7 s and more when not)."""
    best = None
    for _ in range(repeat):
        start, total = time.perf_counter(), 0
        for i in range(10_000_000):
            total += i
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return best


def load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def run(base_url: str, cookie_for, *, slug: str = "bench", small_slug: str | None = None) -> dict:
    manager = cookie_for("bench-manager@example.org")
    pages = [
        ("trivial view (/healthz)", "/healthz", None),
        ("ranking, default", f"/manage/calls/{slug}/ranking/", manager),
        ("ranking, ?all=1", f"/manage/calls/{slug}/ranking/?all=1", manager),
        ("CSV export", f"/manage/calls/{slug}/ranking/export.csv", manager),
        ("XLSX export", f"/manage/calls/{slug}/ranking/export.xlsx", manager),
        ("staff application list", f"/manage/calls/{slug}/applications/", manager),
    ]
    if small_slug:
        pages.append(("ranking, default (N=1,900)", f"/manage/calls/{small_slug}/ranking/", manager))
    settle()
    load_before = load()
    results = {"pages": {}, "load_before": load_before, "cpu_before": cpu_reference()}
    print(f"\nSingle requests (median of {REPEAT}, after one warm-up), load {load_before}:")
    print(f"{'page':32} {'median s':>9} {'best s':>8} {'× trivial':>10} {'KB':>8}")
    trivial = None
    for name, path, cookie in pages:
        r = single(base_url + path, cookie)
        trivial = trivial or r["median_s"]
        r["ratio"] = r["median_s"] / trivial
        results["pages"][name] = {"path": path, **r}
        print(f"{name:32} {r['median_s']:>9.3f} {r['best_s']:>8.3f} {r['ratio']:>10.0f} {r['bytes'] / 1024:>8.0f}")
    results["sql"] = sql_figures(slug)
    s = results["sql"]
    print(
        f"\nRanking SQL {s['ranking_sql_s']:.3f} s (full rows {s['ranking_sql_full_s']:.3f} s) beside a plain "
        f"aggregate over the same scores {s['plain_aggregate_s']:.3f} s: × {s['ratio']:.2f} (full × {s['ratio_full']:.2f})"
    )
    results["exports"] = {fmt: export_memory(slug, fmt, "bench-manager@example.org") for fmt in ("csv", "xlsx")}
    for fmt, e in results["exports"].items():
        print(
            f"{fmt.upper()} export in a fresh process: {e['seconds']:.2f} s, {e['bytes'] / 1024:.0f} KB, "
            f"peak RSS {e['peak_rss_mb']:.0f} MB (Django loaded: {e['rss_before_mb']:.0f} MB)"
        )
    results["load_after"] = load()
    results["cpu_after"] = cpu_reference()
    print(
        f"CPU reference (10 million additions in Python): {results['cpu_before']:.2f} s before, {results['cpu_after']:.2f} s after"
    )
    results["machine"] = machine()
    write_doc(results)
    return results


def write_doc(results: dict) -> None:
    from django.db import connection

    date = datetime.now(UTC).strftime("%d %B %Y %H:%M UTC")
    database = (
        f"{connection.vendor} {'.'.join(str(v) for v in divmod(connection.pg_version, 10000))}"
        if (connection.vendor == "postgresql")
        else connection.vendor
    )
    lines = [
        START,
        f"## Large call (10,000 applications): last run {date}",
        "",
        f"Machine: {results['machine']}, {database}. Load average (1, 5, 15 min) {results['load_before']} "
        f"before and {results['load_after']} after: other processes shared the two cores, so these are upper bounds. "
        f"CPU reference (ten million additions in a Python loop, best of 3): {results['cpu_before']:.2f} s before and "
        f"{results['cpu_after']:.2f} s after; about 0.4 s is this machine with a whole core, a higher figure means "
        "the host gave it less.",
        "",
        "| single request | median s | best s | × trivial view |",
        "|---|---:|---:|---:|",
    ]
    for name, r in results["pages"].items():
        lines.append(f"| {name} | {r['median_s']:.3f} | {r['best_s']:.3f} | {r['ratio']:.0f} |")
    s = results["sql"]
    lines += [
        "",
        f"Ranking SQL (what the default page runs, read to the end): {s['ranking_sql_s']:.3f} s; with every "
        f"figure (`?all=1`, the exports): {s['ranking_sql_full_s']:.3f} s; a plain aggregate over the same scores (count, mean, min, max, "
        f"median per application and criterion) in the same run: {s['plain_aggregate_s']:.3f} s, so × "
        f"{s['ratio']:.2f} and × {s['ratio_full']:.2f}.",
        "",
        "Exports in a fresh process (the time includes the first request's start-up: imports, URLs, "
        "catalogues), as a worker that serves nothing else would run them; the peak is the process's own "
        "high-water mark (VmHWM):",
        "",
        "| export (fresh process, test client) | seconds | size KB | peak RSS MB |",
        "|---|---:|---:|---:|",
    ]
    for fmt, e in results["exports"].items():
        lines.append(f"| {fmt.upper()} | {e['seconds']:.2f} | {e['bytes'] / 1024:.0f} | {e['peak_rss_mb']:.0f} |")
    lines.append(END)
    text = DOC.read_text()
    section = "\n".join(lines)
    if START in text:
        text = re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _m: section, text, flags=re.S)
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    DOC.write_text(text)
    print(f"Written to {DOC.relative_to(BASE)}.")
