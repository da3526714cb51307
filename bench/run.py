"""Benchmarks: the hot paths in-process and over HTTP beside a bare-Flask ceiling.

    make bench                                    # SQLite files in a fresh folder
    BENCH_DATABASE_URL=postgresql://…/a BENCH_CEILING_DATABASE_URL=postgresql://…/b make bench
    .venv/bin/python bench/run.py --help          # sizes, durations, what to skip

1. Prepares a database: migrations, the demo region, then tickets filed through
   pmsys's own filing service (routing, deadlines, events, notifications, audit)
   until there are --tickets of them, spread over every demo community.
2. In-process (Flask test client): SQL statements and CPU time per request for
   GET /api/v1/me, an operator's GET /api/v1/tickets (newest 50) and a resident's
   POST /api/v1/tickets.
3. Over HTTP: gunicorn (2 sync workers) serving pmsys, and bench/ceiling.py
   serving bare Flask and a one-table Flask-SQLAlchemy app, loaded by concurrent
   clients (wrk when installed) in interleaved runs; requests per second, p50 and
   p95, and pmsys / ceiling ratios.
4. With --city, the city-scale steps (bench/city.py, bench/city_reports.py).

Timings are reported, never asserted: tests check behaviour and statement counts.
Results are printed and written to bench/results/ with the machine's state.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from bench.load import Call, Result, measure  # noqa: E402

PASSWORD = "Salaqi-2021"
SECRET = "bench-only-secret-key-0123456789-abcdefgh"
CREATE_BODY = ('{"category": "water_supply", "community": "DKHTXQ", "building": "1", '
               '"description": "楼道水管漏水，请尽快维修 {n}"}')
CEILING_BODY = '{"title": "走廊灯不亮 {n}", "description": "楼道灯坏了，请尽快修理。"}'
CATEGORIES = ("water_supply", "drainage", "heating", "gas", "power", "telecom", "roof_leak",
              "lighting", "common_parts", "road", "greenery", "other")


def pmsys_env(url: str) -> dict:
    # One resident files ticket after ticket: the per-login limits would answer 429.
    return {**os.environ, "PMSYS_ENV": "production", "SECRET_KEY": SECRET, "DATABASE_URL": url,
            "PMSYS_RATE_LIMITS": "off", "PYTHONPATH": str(ROOT)}


def flask(url: str, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT,
                   env=pmsys_env(url), check=True, stdout=subprocess.DEVNULL)


# --- 1. the database ---------------------------------------------------------------------------


def prepare(url: str, tickets: int) -> None:
    """Migrate, load the demo region when missing, and file tickets until there are enough."""
    flask(url, "db", "upgrade")
    os.environ.update(pmsys_env(url))
    from sqlalchemy import func, select

    from pmsys.extensions import db
    from pmsys.models.auth import User
    from wsgi import app

    with app.app_context():
        have_demo = db.session.scalar(select(func.count(User.id))
                                      .where(User.username == "street"))
    if not have_demo:
        flask(url, "pmsys", "demo")
    seed_tickets(app, tickets)


def seed_tickets(app, total: int) -> None:
    """File tickets as the demo hotline officer for callers, back-dated over 29 days."""
    from sqlalchemy import func, select

    from pmsys import clock
    from pmsys.errors import DomainError
    from pmsys.extensions import db
    from pmsys.models.auth import User
    from pmsys.models.places import Community
    from pmsys.models.tickets import Channel, Ticket
    from pmsys.tickets.services import file_ticket

    rnd = random.Random(20261206)
    # A request context for the texts filing writes in the caller's language; a POST, as a
    # filing is: a GET's reads run outside a transaction on PostgreSQL (pmsys/db.py).
    with app.app_context(), app.test_request_context(method="POST"):
        session = db.session
        have = session.scalar(select(func.count(Ticket.id)))
        officer = session.scalar(select(User).where(User.username == "street"))
        communities = session.scalars(select(Community.code).order_by(Community.code)).all()
        now, filed, started = clock.now(), 0, time.perf_counter()
        while have + filed < total:
            n = have + filed
            try:
                with session.begin_nested():
                    file_ticket(session, officer, category=rnd.choice(CATEGORIES),
                                community=communities[n % len(communities)],
                                description=f"楼道报修（热线 {n}）",
                                caller={"name": f"来电人{n % 997}",
                                        "phone": f"1380000{n % 10000:04d}"},
                                reported_at=now - timedelta(minutes=rnd.randrange(29 * 1440)),
                                channel=Channel.hotline)
                filed += 1
            except DomainError:
                continue
            if filed % 500 == 0:
                session.commit()
        session.commit()
        if filed:
            print(f"seeded {filed} tickets in {time.perf_counter() - started:.0f} s")


def trim_tickets(app, keep: int) -> None:
    """Delete the tickets filed after the first `keep` (undo a create run; audits stay)."""
    from sqlalchemy import delete, select

    from pmsys.extensions import db
    from pmsys.models.tickets import Notification, Ticket, TicketEvent, TicketPhoto

    with app.app_context():
        cutoff = db.session.scalar(select(Ticket.id).order_by(Ticket.id).offset(keep - 1)
                                   .limit(1))
        if cutoff is None:
            return
        for model in (Notification, TicketEvent, TicketPhoto):
            db.session.execute(delete(model).where(model.ticket_id > cutoff))
        db.session.execute(delete(Ticket).where(Ticket.id > cutoff))
        db.session.commit()


# --- 2. in-process -----------------------------------------------------------------------------


def in_process(app, runs: int) -> list[tuple]:
    """Statements and CPU milliseconds per request, through the test client."""
    from sqlalchemy import event

    from pmsys.extensions import db

    client = app.test_client()

    def bearer(user: str) -> dict:
        answer = client.post("/api/v1/auth/token", json={"username": user,
                                                         "password": PASSWORD})
        return {"Authorization": "Bearer " + answer.get_json()["token"]}

    operator, resident = bearer("water"), bearer("resident")
    body = CREATE_BODY.replace("{n}", "in-process")
    paths = [
        ("GET /api/v1/me", lambda: client.get("/api/v1/me", headers=operator), 200),
        ("GET /api/v1/tickets (50)", lambda: client.get("/api/v1/tickets", headers=operator),
         200),
        ("POST /api/v1/tickets", lambda: client.post(
            "/api/v1/tickets", data=body, content_type="application/json", headers=resident),
         201),
    ]
    statements: list[str] = []
    rows = []
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute",
                 lambda _c, _cur, statement, *_a: statements.append(statement))
    for label, call, expect in paths:
        for _ in range(5):
            assert call().status_code == expect
        statements.clear()
        call()
        work = [s for s in statements if not s.lstrip().upper().startswith(
            ("BEGIN", "SAVEPOINT", "RELEASE", "COMMIT", "ROLLBACK", "PRAGMA"))]
        cpu, wall = [], []
        for _ in range(runs):
            started, ticks = time.perf_counter(), time.process_time()
            answer = call()
            cpu.append((time.process_time() - ticks) * 1000)
            wall.append((time.perf_counter() - started) * 1000)
            assert answer.status_code == expect
        rows.append((label, len(work), statistics.median(cpu), statistics.median(wall),
                     percentile(wall, 95)))
    return rows


def percentile(values: list[float], p: int) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * p / 100) - 1)]


# --- 3. over HTTP ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """A gunicorn with 2 sync workers on a free loopback port, stopped on exit."""

    def __init__(self, name: str, app: str, env: dict, cwd: Path):
        self.name, self.port = name, free_port()
        self.app, self.env, self.cwd = app, env, cwd
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "2", "-k", "sync", "--bind",
             f"127.0.0.1:{self.port}", "--log-level", "warning", app],
            cwd=cwd, env=env, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{name} did not start")

    def stop(self) -> None:
        """Stop gracefully and wait: the workers finish the requests they accepted (the
        connections still queued are dropped), so nothing is written once this returns."""
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=60)

    def again(self) -> Server:
        """The same server started anew (on another free port), its workers answering."""
        self.stop()
        server = Server(self.name, self.app, self.env, self.cwd)
        server.wake()
        return server

    def wake(self, requests: int = 4) -> None:
        """A few GETs, so that each worker has loaded the app before it is timed."""
        import http.client

        for _ in range(requests):
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            connection.request("GET", "/")
            connection.getresponse().read()
            connection.close()


def bearer_over_http(port: int, user: str) -> dict:
    import http.client
    import json

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("POST", "/api/v1/auth/token",
                       body=json.dumps({"username": user, "password": PASSWORD}),
                       headers={"Content-Type": "application/json"})
    answer = json.loads(connection.getresponse().read())
    return {"Authorization": "Bearer " + answer["token"]}


def settle(seconds: float = 2.0) -> None:
    """Let queued work finish and the machine calm down between runs."""
    time.sleep(seconds)


def over_http(url: str, ceiling_url: str, app, args) -> list[tuple]:
    """Interleaved runs of pmsys and the ceiling; returns (scenario, target, Result) rows."""
    ceiling_env = {**os.environ, "CEILING_DATABASE_URL": ceiling_url}
    subprocess.run([sys.executable, str(HERE / "ceiling.py"), "seed", str(args.tickets)],
                   env=ceiling_env, check=True)
    servers = {
        "hello": Server("bare Flask", "bench.ceiling:hello_app", ceiling_env, ROOT),
        "ceiling": Server("Flask-SQLAlchemy", "bench.ceiling:app", ceiling_env, ROOT),
        "pmsys": Server("pmsys", "wsgi:app", pmsys_env(url), ROOT),
    }
    rows = []
    try:
        operator = bearer_over_http(servers["pmsys"].port, "water")
        resident = bearer_over_http(servers["pmsys"].port, "resident")
        json_type = {"Content-Type": "application/json"}
        scenarios = {
            "hello": [("hello", Call("GET", "/hello", {})),
                      ("pmsys", Call("GET", "/api/v1/me", operator))],
            "list": [("ceiling", Call("GET", "/tickets", {})),
                     ("pmsys", Call("GET", "/api/v1/tickets", operator))],
            "create": [("ceiling", Call("POST", "/tickets", json_type, CEILING_BODY, 201)),
                       ("pmsys", Call("POST", "/api/v1/tickets", {**json_type, **resident},
                                      CREATE_BODY, 201))],
        }
        for scenario, targets in scenarios.items():
            for name, call in targets:  # warm-up
                measure(servers[name].port, call, seconds=2, connections=args.connections)
            results: dict[str, list[Result]] = {name: [] for name, _ in targets}
            for _rep in range(args.reps):
                for name, call in targets:
                    settle()
                    results[name].append(measure(servers[name].port, call,
                                                 seconds=args.duration,
                                                 connections=args.connections))
                    if scenario == "create":
                        # The load generator has stopped, but the server may still be
                        # answering POSTs it had queued: trimming then would race them
                        # (a notification inserted for a ticket being deleted). Stop it
                        # and wait, trim, then start it again for the next run.
                        servers[name].stop()
                        undo_creates(name, app, ceiling_env, args.tickets)
                        servers[name] = servers[name].again()
            for name, _call in targets:
                rows.append((scenario, servers[name].name, median_result(results[name])))
    finally:
        for server in servers.values():
            server.stop()
    return rows


def undo_creates(name: str, app, ceiling_env: dict, keep: int) -> None:
    if name == "pmsys":
        trim_tickets(app, keep)
    else:
        subprocess.run([sys.executable, str(HERE / "ceiling.py"), "trim", str(keep)],
                       env=ceiling_env, check=True)


def median_result(results: list[Result]) -> Result:
    best = sorted(results, key=lambda r: r.rate)[len(results) // 2]
    return Result(best.requests, best.seconds, sum(r.errors for r in results),
                  statistics.median(r.p50_ms for r in results),
                  statistics.median(r.p95_ms for r in results))


# --- 4. the city -------------------------------------------------------------------------------


def city(args) -> None:
    for script, *options in (("city.py",), ("city_reports.py",),
                             ("city_reports.py", "--only", "tickets")):
        path = HERE / script
        if path.exists():
            print(f"\n== {script} {' '.join(options)}")
            subprocess.run([sys.executable, str(path), *options], cwd=ROOT, check=True)


# --- report ------------------------------------------------------------------------------------


def machine_state() -> list[str]:
    load = os.getloadavg()
    versions = []
    for module in ("flask", "sqlalchemy", "psycopg", "gunicorn"):
        try:
            from importlib.metadata import version

            versions.append(f"{module} {version(module)}")
        except Exception:  # noqa: BLE001 - a missing package is just not listed
            pass
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    return [
        f"- when: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; commit {commit}",
        f"- machine: {os.cpu_count()} cores, {platform.platform()}, Python "
        f"{platform.python_version()}",
        f"- load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}",
        f"- load generator: {'wrk' if shutil_which('wrk') else 'Python clients'}",
        f"- {', '.join(versions)}",
    ]


def shutil_which(name: str) -> str | None:
    import shutil

    return shutil.which(name)


def report(url: str, args, inproc: list[tuple], http_rows: list[tuple], state) -> str:
    engine = url.split(":", 1)[0]
    lines = [f"# pmsys bench ({engine})", "", *state, "",
             f"{args.tickets} tickets in the table; {args.connections} connections, "
             f"{args.duration:.0f} s per run, median of {args.reps} interleaved runs.", ""]
    if inproc:
        lines += ["## In-process (Flask test client)", "",
                  "| request | statements | CPU ms (median) | ms (median) | ms (p95) |",
                  "|---|---:|---:|---:|---:|"]
        lines += [f"| {label} | {count} | {cpu:.2f} | {wall:.2f} | {p95:.2f} |"
                  for label, count, cpu, wall, p95 in inproc]
        lines.append("")
    if http_rows:
        lines += ["## Over HTTP (gunicorn, 2 sync workers)", "",
                  "| scenario | target | req/s | p50 ms | p95 ms | errors | pmsys / ceiling |",
                  "|---|---|---:|---:|---:|---:|---:|"]
        ceiling = {s: r.rate for s, name, r in http_rows if name != "pmsys"}
        for scenario, name, result in http_rows:
            ratio = (f"{result.rate / ceiling[scenario]:.3f}"
                     if name == "pmsys" and ceiling.get(scenario) else "")
            lines.append(f"| {scenario} | {name} | {result.rate:.1f} | {result.p50_ms:.1f} | "
                         f"{result.p95_ms:.1f} | {result.errors} | {ratio} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=200, help="in-process requests per path")
    parser.add_argument("--duration", type=float, default=10, help="seconds per HTTP run")
    parser.add_argument("--reps", type=int, default=3, help="interleaved HTTP runs per target")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--skip-in-process", action="store_true")
    parser.add_argument("--city", action="store_true", help="also the city-scale steps")
    parser.add_argument("--results", default=str(HERE / "results"),
                        help="folder for the markdown report ('' for none)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="pmsys-bench-"))
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{workdir / 'pmsys.db'}"
    ceiling_url = (os.environ.get("BENCH_CEILING_DATABASE_URL")
                   or f"sqlite:///{workdir / 'ceiling.db'}")
    state = machine_state()
    prepare(url, args.tickets)
    from wsgi import app

    inproc = [] if args.skip_in_process else in_process(app, args.runs)
    trim_tickets(app, args.tickets)
    http_rows = [] if args.skip_http else over_http(url, ceiling_url, app, args)
    text = report(url, args, inproc, http_rows, state)
    print("\n" + text)
    if args.results:
        out = Path(args.results)
        out.mkdir(parents=True, exist_ok=True)
        name = f"bench-{url.split(':', 1)[0]}-{datetime.now(UTC):%Y%m%d-%H%M%S}.md"
        (out / name).write_text(text, encoding="utf-8")
        print(f"written to {out / name}")
    if args.city:
        city(args)


if __name__ == "__main__":
    main()
