"""Time the pages people use most, against a running rjcase (for example `make run`).

    .venv/bin/python bench/pages.py --base http://127.0.0.1:8000 --user facilitator --requests 200

Signs in through the sign-in form as a demo user, warms up, then requests each page
in turn and prints the median and 95th percentile of the response times. Only
addresses on this machine are allowed: this is a measuring tool, not a load test.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import re
import statistics
import sys
import time
import urllib.parse
import urllib.request

DEMO_PASSWORD = "rjcase-demo-2026"  # noqa: S105 - the published demo password
PAGES = {
    "facilitator": ["/cases/my-work/", "/cases/search/?q=NS", "/service/"],
    "manager": ["/risk/approvals/", "/cases/", "/cases/unallocated/", "/cases/my-work/"],
    "admin": ["/cases/", "/reporting/returns/"],
    "offender_manager": ["/cases/my-referrals/"],
    "commissioner": ["/reporting/dashboard/"],
}


def _opener() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))


def sign_in(opener: urllib.request.OpenerDirector, base: str, username: str) -> None:
    page = opener.open(f"{base}/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if token is None:
        sys.exit("No sign-in form found")
    data = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token.group(1), "username": username, "password": DEMO_PASSWORD}
    ).encode()
    request = urllib.request.Request(f"{base}/login/", data=data, headers={"Referer": f"{base}/login/"})
    response = opener.open(request)
    if "/login/" in response.geturl():
        sys.exit(f"Could not sign in as {username}")


def measure(opener: urllib.request.OpenerDirector, url: str, count: int) -> list[float]:
    timings = []
    for _ in range(count):
        start = time.perf_counter()
        with opener.open(url) as response:
            response.read()
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--user", choices=sorted(PAGES), default="facilitator")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args()
    host = urllib.parse.urlparse(args.base).hostname
    if host not in {"127.0.0.1", "localhost", "::1"}:
        sys.exit("bench/pages.py only measures a server on this machine")
    opener = _opener()
    sign_in(opener, args.base, args.user)
    print(f"{'page':40} {'median ms':>10} {'p95 ms':>10}  (n={args.requests}, user={args.user})")
    for path in PAGES[args.user]:
        url = args.base + path
        measure(opener, url, args.warmup)
        timings = sorted(measure(opener, url, args.requests))
        p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
        print(f"{path:40} {statistics.median(timings):10.1f} {p95:10.1f}")


if __name__ == "__main__":
    main()
