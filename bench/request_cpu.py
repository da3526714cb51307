"""CPU milliseconds per request for the three hot API paths, in-process, for A/B runs.

    .venv/bin/python bench/request_cpu.py prepare --tickets 2000      # prints the database URL
    .venv/bin/python bench/request_cpu.py measure --runs 300           # JSON on the last line
    .venv/bin/python bench/request_cpu.py profile --path file          # cProfile, top 40
    .venv/bin/python bench/request_cpu.py ab --other /work/wt-base --reps 6   # A/B, alternating

The database comes from BENCH_DATABASE_URL (a SQLite file by default) and is prepared
the way bench/run.py prepares it (migrations, the demo region, tickets filed through
the service). `measure` calls GET /api/v1/me, an operator's GET /api/v1/tickets and a
resident's POST /api/v1/tickets through the Flask test client, alternating the paths
round by round so that a busy moment of the machine spreads over all three, and
prints the median process CPU time per request. Compare two checkouts by running the
same script from each, alternately, against copies of one prepared database: `ab`
runs `measure` in a fresh process per run, this checkout and --other (a checkout with
its own .venv) by turns, each on a fresh copy of the prepared SQLite file (or of the
PostgreSQL database, as a template), and prints the medians of the runs.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# `ab` runs this script against another checkout's code: BENCH_CPU_ROOT names it.
ROOT = Path(os.environ.get("BENCH_CPU_ROOT") or HERE.parent)
sys.path.insert(0, str(ROOT))

from bench.run import CREATE_BODY, PASSWORD, pmsys_env, prepare  # noqa: E402

PATHS = ("me", "queue", "file")


def database_url() -> str:
    default = ROOT / "instance" / "bench-cpu.db"
    return os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{default}"


def calls(app) -> dict:
    client = app.test_client()

    def bearer(user: str) -> dict:
        answer = client.post("/api/v1/auth/token", json={"username": user, "password": PASSWORD})
        return {"Authorization": "Bearer " + answer.get_json()["token"]}

    operator, resident = bearer("water"), bearer("resident")
    body = CREATE_BODY.replace("{n}", "cpu")
    return {
        "me": (lambda: client.get("/api/v1/me", headers=operator), 200),
        "queue": (lambda: client.get("/api/v1/tickets", headers=operator), 200),
        "file": (lambda: client.post("/api/v1/tickets", data=body,
                                     content_type="application/json", headers=resident), 201),
    }


def load_app(url: str):
    os.environ.update(pmsys_env(url))
    from wsgi import app

    return app


def measure(url: str, runs: int) -> dict:
    app = load_app(url)
    paths = calls(app)
    for call, expect in paths.values():
        for _ in range(10):
            answer = call()
            assert answer.status_code == expect, answer.get_data(as_text=True)[:300]
    cpu: dict[str, list[float]] = {name: [] for name in PATHS}
    for _ in range(runs):
        for name in PATHS:
            call, expect = paths[name]
            ticks = time.process_time()
            answer = call()
            cpu[name].append((time.process_time() - ticks) * 1000)
            assert answer.status_code == expect
    return {name: statistics.median(values) for name, values in cpu.items()}


def profile(url: str, path: str, runs: int, top: int) -> None:
    app = load_app(url)
    call, expect = calls(app)[path]
    for _ in range(10):
        assert call().status_code == expect
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(runs):
        call()
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)


def fresh_copy(url: str, name: str) -> str:
    """A copy of the prepared database to run on (filing adds tickets), named `name`."""
    if url.startswith("sqlite:///"):
        source = Path(url.removeprefix("sqlite:///"))
        target = source.with_name(f"{source.stem}-{name}{source.suffix}")
        for left in ("-wal", "-shm"):  # an earlier copy's log would be read into this one
            target.with_name(target.name + left).unlink(missing_ok=True)
        shutil.copyfile(source, target)
        return f"sqlite:///{target}"
    from sqlalchemy import create_engine, text

    base, _, database = url.rpartition("/")
    copy = f"{database}_{name}"
    engine = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{copy}"'))
        connection.execute(text(f'CREATE DATABASE "{copy}" TEMPLATE "{database}"'))
    engine.dispose()
    return f"{base}/{copy}"


def ab(url: str, other: Path, reps: int, runs: int) -> None:
    """Alternate `measure` runs of this checkout and `other`; print each run and the medians."""
    checkouts = {"this": HERE.parent, "other": other}
    results: dict[str, list[dict]] = {name: [] for name in checkouts}
    for rep in range(reps):
        order = list(checkouts) if rep % 2 == 0 else list(reversed(checkouts))
        for name in order:
            root = checkouts[name]
            copy = fresh_copy(url, "ab")
            env = {**os.environ, "BENCH_DATABASE_URL": copy, "BENCH_CPU_ROOT": str(root)}
            out = subprocess.run([str(root / ".venv" / "bin" / "python"), str(Path(__file__)),
                                  "measure", "--runs", str(runs)], env=env, cwd=root,
                                 check=True, capture_output=True, text=True).stdout
            results[name].append(json.loads(out.strip().splitlines()[-1]))
            print(name, root, os.getloadavg()[0], results[name][-1], flush=True)
    for name, rows in results.items():
        medians = {path: statistics.median(row[path] for row in rows) for path in PATHS}
        print("median", name, checkouts[name], json.dumps(medians))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("prepare", "measure", "profile", "ab"))
    parser.add_argument("--other", type=Path, help="the checkout to compare with (ab)")
    parser.add_argument("--reps", type=int, default=6, help="runs per checkout (ab)")
    parser.add_argument("--tickets", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--path", choices=PATHS, default="file")
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()
    url = database_url()
    if args.command == "prepare":
        prepare(url, args.tickets)
        print(url)
    elif args.command == "ab":
        ab(url, args.other, args.reps, args.runs)
    elif args.command == "measure":
        print(json.dumps(measure(url, args.runs)))
    else:
        profile(url, args.path, args.runs, args.top)


if __name__ == "__main__":
    main()
