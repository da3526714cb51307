"""Two checkouts over HTTP by turns: requests per second of one hot path, A/B.

    .venv/bin/python bench/ab_http.py --other /work/wt-base --path file --reps 3
    BENCH_DATABASE_URL=postgresql+psycopg://…/bench .venv/bin/python bench/ab_http.py …

The database is the one `bench/request_cpu.py prepare` made (BENCH_DATABASE_URL, by
default its SQLite file); with --other-database, --other serves that one instead (the
same data as its own migrations left it, when the schemas differ). Each run serves a
fresh copy (a file copy, or a PostgreSQL database made from it as a template) with
gunicorn, 2 sync workers, from this checkout or from --other (run with this checkout's
Python: gunicorn puts the served checkout first on the path), and loads it with 16
connections for --seconds (bench/load.py: wrk when installed). The checkouts
alternate, their order swapped every rep, so a busy moment of the machine falls on
both. Paths: `me` (GET /api/v1/me as the water company's operator), `queue` (its GET
/api/v1/tickets) and `file` (a resident's POST /api/v1/tickets). Prints each run and
the medians; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.load import Call, measure  # noqa: E402
from bench.request_cpu import database_url, fresh_copy  # noqa: E402
from bench.run import CREATE_BODY, Server, bearer_over_http, pmsys_env, settle  # noqa: E402


def call_of(path: str, port: int) -> Call:
    if path == "file":
        headers = {"Content-Type": "application/json", **bearer_over_http(port, "resident")}
        return Call("POST", "/api/v1/tickets", headers, CREATE_BODY, 201)
    headers = bearer_over_http(port, "water")
    return Call("GET", "/api/v1/me" if path == "me" else "/api/v1/tickets", headers)


def run(checkout: Path, url: str, path: str, seconds: float, connections: int):
    env = {**pmsys_env(fresh_copy(url, "abhttp")), "PYTHONPATH": str(checkout)}
    server = Server(checkout.name, "wsgi:app", env, checkout)
    try:
        server.wake()
        call = call_of(path, server.port)
        measure(server.port, call, seconds=2, connections=connections)  # warm-up
        settle()
        return measure(server.port, call, seconds=seconds, connections=connections)
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--other", type=Path, required=True, help="the checkout to compare with")
    parser.add_argument("--path", choices=("me", "queue", "file"), default="file")
    parser.add_argument("--reps", type=int, default=3, help="runs per checkout")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--other-database", metavar="URL",
                        help="the database --other serves (copied for each run), when its "
                             "schema differs: one its own migrations made")
    args = parser.parse_args()
    url = database_url()
    checkouts = {"this": HERE.parent, "other": args.other.resolve()}
    databases = {"this": url, "other": args.other_database or url}
    rates: dict[str, list[float]] = {name: [] for name in checkouts}
    p95s: dict[str, list[float]] = {name: [] for name in checkouts}
    for rep in range(args.reps):
        order = list(checkouts) if rep % 2 == 0 else list(reversed(checkouts))
        for name in order:
            result = run(checkouts[name], databases[name], args.path, args.seconds,
                         args.connections)
            rates[name].append(result.rate)
            p95s[name].append(result.p95_ms)
            print(f"{rep + 1} {name:<5} {args.path} {result.rate:8.1f} req/s  p95 "
                  f"{result.p95_ms:6.1f} ms  errors {result.errors}  load "
                  f"{os.getloadavg()[0]:.2f}", flush=True)
    for name in checkouts:
        print(f"median {name:<5} {checkouts[name]}: {statistics.median(rates[name]):.1f} req/s, "
              f"p95 {statistics.median(p95s[name]):.1f} ms")


if __name__ == "__main__":
    main()
