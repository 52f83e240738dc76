"""Measure per-page latency under concurrency against a real gunicorn (see scripts/bench.sh).

A trivial view (/healthz) is measured in the same run as the baseline, so the numbers say how
much each page costs beyond the server's own overhead on this machine. Standard library only.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import django

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))


def session_cookie(email: str) -> str:
    """A logged-in session for `email`, made directly in the session store."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    user = get_user_model().objects.get(email=email)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    # Staff pages ask for two-factor first (REQUIRE_STAFF_MFA): without this the bench measured
    # the redirect to /accounts/2fa/totp/activate/ instead of the page.
    from accounts.oidc import TWO_FACTOR_SESSION_KEY

    session[TWO_FACTOR_SESSION_KEY] = user.pk
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def measure(url: str, cookie: str | None, requests: int, concurrency: int) -> dict:
    def one(_):
        request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
        start = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                response.read()
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        return time.perf_counter() - start, status

    for _ in range(2):
        one(None)  # warm-up
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(one, range(requests)))
    elapsed = time.perf_counter() - started
    times = sorted(t * 1000 for t, _ in results)
    q = statistics.quantiles(times, n=100, method="inclusive")
    return {
        "p50_ms": round(q[49], 1),
        "p95_ms": round(q[94], 1),
        "p99_ms": round(q[98], 1),
        "rps": round(requests / elapsed, 1),
        "statuses": sorted({s for _, s in results}),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()

    django.setup()
    from applications.models import Application
    from calls.models import Call

    call = Call.objects.get(slug="bench")
    some_application = Application.objects.filter(call=call).order_by("pk").first()
    pages = [
        ("trivial view (/healthz)", "/healthz", None),
        ("home", "/", None),
        ("calls list", "/calls/", None),
        ("call page", "/calls/desinformatie-2022/", None),
        ("funded projects", "/funded/", None),
        ("my applications (20 orgs)", "/applications/", "bench-applicant@example.org"),
        ("staff application list", f"/manage/calls/{call.slug}/applications/", "bench-manager@example.org"),
        (
            "staff application page",
            f"/manage/calls/{call.slug}/applications/{some_application.pk}/",
            "bench-manager@example.org",
        ),
        ("ranking (10k applications)", f"/manage/calls/{call.slug}/ranking/", "bench-manager@example.org"),
        ("reviewer dashboard", "/review/", "bench-reviewer1@example.org"),
    ]
    cookies = {email: session_cookie(email) for _, _, email in pages if email}

    workers = os.environ.get("BENCH_WORKERS", "2")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "portal.wsgi:application",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            workers,
            "--log-level",
            "warning",
            "--timeout",
            "120",
        ],
        cwd=BASE,
    )
    try:
        base_url = f"http://127.0.0.1:{args.port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base_url + "/healthz", timeout=1)
                break
            except Exception:
                time.sleep(0.2)
        results = {}
        print(f"{'page':34} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'req/s':>7}  status")
        for name, path, email in pages:
            r = measure(base_url + path, cookies.get(email), args.requests, args.concurrency)
            results[name] = {"path": path, **r}
            print(f"{name:34} {r['p50_ms']:>8} {r['p95_ms']:>8} {r['p99_ms']:>8} {r['rps']:>7}  {r['statuses']}")
        if os.environ.get("BENCH_SCALE", "1") == "1":  # the large-call figures (issue 13)
            sys.path.insert(0, str(BASE / "scripts"))
            import bench_scale

            results["scale"] = bench_scale.run(
                base_url, session_cookie, small_slug=os.environ.get("BENCH_SMALL_SLUG") or None
            )
        out = BASE / "var" / "bench-results.json"
        out.write_text(json.dumps(results, indent=2))
        print(
            f"\n{args.requests} requests per page, {args.concurrency} concurrent, gunicorn with {workers} workers. Saved to {out}."
        )
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
