"""Requests per second under wrk, each page as a ratio to the bare /healthz view, in one run.

Usage: python -m benchmarks.http_bench BASE_URL PREPARED.json OUT.json

Runs ``wrk -t2 -c32 -d10s`` (loopback only) against: /healthz (the baseline:
no database, no template), the "realistic floor" (``leucocases/benchfloor.py``,
served when the server runs with ``DJANGO_BENCH_FLOOR=1``: a signed-in view that
reads the session, loads the user, runs five queries and renders a 30 KB page,
the least a signed-in page can cost), a cause page and the case list (anonymous, so
from the page cache, and logged in, so rendered), a case being played (GET
as a logged-in learner with an attempt in progress) and the play page's
htmx choose POST for a pool of learners (CSRF cookie and
token). Choosing a step an attempt already has changes nothing (the service
returns the earlier choice), so once a learner has ordered every step the
POST measures the no-op path; both paths take the same row lock.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

DURATION = "10s"
THREADS = "2"
CONNECTIONS = "32"


def lua_table(data: dict) -> str:
    sessions = ",\n".join(
        "  {" + f'sid="{s["sid"]}", attempt={s["attempt"]}, choose="{s["choose"]}"' + "}" for s in data["sessions"]
    )
    steps = ", ".join(f'"{slug}"' for slug in data["steps"])
    return f'return {{\n csrf="{data["csrf"]}",\n steps={{{steps}}},\n sessions={{\n{sessions}\n }}\n}}\n'


def fetch(url: str, cookie: str | None = None) -> float:
    request = urllib.request.Request(url)  # noqa: S310 - a loopback http:// URL we built
    if cookie:
        request.add_header("Cookie", cookie)
    started = time.monotonic()
    with urllib.request.urlopen(request, timeout=300) as response:  # noqa: S310
        response.read()
    return time.monotonic() - started


def drain(base: str) -> None:
    """Wait until requests wrk left queued in gunicorn are done (a slow page leaves a backlog)."""
    deadline = time.monotonic() + 300
    while fetch(f"{base}/healthz") > 0.05 and time.monotonic() < deadline:
        time.sleep(0.5)


def run_wrk(url: str, *extra: str, script_args: tuple[str, ...] = ()) -> dict:
    args = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{DURATION}", "--timeout", "10s", *extra, url]
    if script_args:
        args += ["--", *script_args]
    out = subprocess.run(args, capture_output=True, text=True, check=True, timeout=120).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    latency = re.search(r"Latency\s+([\d.]+\w+)", out)
    return {
        "rps": rps,
        "non_2xx_3xx": int(bad.group(1)) if bad else 0,
        "socket_errors": sum(map(int, socket.groups())) if socket else 0,
        "mean_latency": latency.group(1) if latency else "",
    }


def main(base: str, prepared: Path, out: Path) -> None:
    data = json.loads(prepared.read_text())
    first = data["sessions"][0]
    cookie = f"sessionid={first['sid']}; csrftoken={data['csrf']}"
    pool = out.with_name("wrk_pool.lua")
    pool.write_text(lua_table(data))
    script = Path(__file__).with_name("wrk_choose.lua")
    logged_in = ("-H", f"Cookie: {cookie}")
    targets = [
        ("baseline /healthz", f"{base}/healthz", None, ()),
        ("realistic floor", f"{base}/bench/floor/", cookie, logged_in),
        # Visitors without a session get reader pages from the page cache ...
        ("cause page", f"{base}{data['cause_page']}", None, ()),
        ("case list", f"{base}/cases/", None, ()),
        # ... a logged-in learner gets them rendered.
        ("cause page (logged in)", f"{base}{data['cause_page']}", cookie, logged_in),
        ("case list (logged in)", f"{base}/cases/", cookie, logged_in),
        ("case play GET", f"{base}{first['play']}", cookie, logged_in),
        ("choose POST (htmx)", base, None, ("-s", str(script))),
    ]
    results = {}
    for name, url, warm_cookie, extra in targets:
        drain(base)
        if name != "choose POST (htmx)":
            for _ in range(5):
                fetch(url, warm_cookie)
        script_args = (str(pool),) if name == "choose POST (htmx)" else ()
        results[name] = run_wrk(url, *extra, script_args=script_args)
        print(f"{name:<22} {results[name]['rps']:>9.1f} req/s  (non-2xx/3xx {results[name]['non_2xx_3xx']})")
    baseline = results["baseline /healthz"]["rps"]
    floor = results["realistic floor"]["rps"]
    for result in results.values():
        result["ratio"] = round(result["rps"] / baseline, 3) if baseline else 0.0
        result["to_floor"] = round(result["rps"] / floor, 3) if floor else 0.0
    out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]))
