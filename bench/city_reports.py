"""City-scale reports: 24 billed months and 500,000 tickets, each report endpoint timed.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/city_reports \\
        .venv/bin/python bench/city_reports.py --setup     # import the city first (bench/city.py)
    DATABASE_URL=… .venv/bin/python bench/city_reports.py  # a database bench/city.py filled

On a PostgreSQL database holding the city of bench/city.py (imported and billed for
its last month), the setup fills, with bulk SQL, what the reports read at scale:
every billed household's bill copied to each of the --months months before (24
in all), a payment for most bills (dated within a few weeks of the month, some
in part, some late), waivers on a few unpaid bills, then the collection summary
computed again from the bills (pmsys/fees/summary.py rebuild, as the migration
does), --tickets tickets over the last --ticket-months months (a tenth still open)
with the ticket summary written again (pmsys/tickets/summary.py rebuild), and a
street officer of the first street. Each step is skipped when its rows are there.
Before the ticket measures are timed, the `ticket_rollups` job runs once, as the
scheduler runs it every 30 minutes (it writes only months new or changed since).
Then the city's bureau admin asks each report endpoint through the Flask test
client: --warmups times, then --reps times timed; p50 and p95 are printed and
written to bench/results/city-reports-DATE-TIME.md with the machine's state.
With --only tickets, the ticket measures are timed instead, at city level (the
bureau admin) and street level (the street officer), grouped by month, community,
category and organisation over the last 12 and 24 whole months, and written to
bench/results/ticket-reports-DATE-TIME.md; with --only collection, the collection
report's four levels alone. Timings are reported, never asserted.

Without PostgreSQL (or without the city) it says so and stops: bench/run.py --city
runs it after bench/city.py, which fills SQLite unless DATABASE_URL is given.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

ADMIN = ("city-admin", "Bureau of 2026 city")  # bench/city.py's bureau admin
SECRET = "bench-only-secret-key-0123456789-abcdefgh"
LAST_PERIOD = "2026-12"  # what bench/city.py's billing job bills
PATHS = (
    ("collection, community", "/api/v1/reports/collection?period={period}"),
    ("collection, street", "/api/v1/reports/collection?period={period}&level=street"),
    ("collection, district", "/api/v1/reports/collection?period={period}&level=district"),
    ("collection, mode", "/api/v1/reports/collection?period={period}&level=mode"),
    # As of a day early in a past month, where its payments gather: the 8th and 10th add back
    # the days up to them, the 11th takes off the days after it (pmsys/fees/summary.py as_of).
    # Either side reads the most day rows at the split: the 10th and the 11th are the worst.
    ("collection as of a past month's 8th",
     "/api/v1/reports/collection?period={past_period}&as_of={past_day}"),
    ("collection as of a past month's 8th, district",
     "/api/v1/reports/collection?period={past_period}&as_of={past_day}&level=district"),
    ("collection as of a past month's 10th",
     "/api/v1/reports/collection?period={past_period}&as_of={past_day_10}"),
    ("collection as of a past month's 11th",
     "/api/v1/reports/collection?period={past_period}&as_of={past_day_11}"),
    ("collection as of a past month's 11th, district",
     "/api/v1/reports/collection?period={past_period}&as_of={past_day_11}&level=district"),
    ("tickets (org, 30 days)", "/api/v1/reports/tickets"),
    ("tickets by community", "/api/v1/reports/tickets?group=community"),
    ("tickets by month, a year", "/api/v1/reports/tickets?group=month&from={year_ago}"),
    ("handover backlog", "/api/v1/reports/handover-backlog"),
    ("coverage", "/api/v1/reports/coverage"),
)
# The ticket measures at city (bureau) and street level over 12 and 24 whole months
# (--only tickets times these alone). A street officer of the first street reads its
# communities' tickets (the setup adds the user).
STREET = ("street-officer", "Street office of 2026 city")
TICKET_PATHS = tuple(
    (f"tickets by {group}, {months} months, {level}",
     f"/api/v1/reports/tickets?group={group}&from={{months_{months}}}&to={{last_day}}", reader)
    for level, reader in (("city", ADMIN), ("street", STREET))
    for months in (12, 24)
    for group in ("month", "community", "category", "org")
)

# --- the setup (PostgreSQL, bulk SQL) ----------------------------------------------------------

# Every bill of LAST_PERIOD again for each earlier month (same household, standard, amount).
COPY_BILLS = """
INSERT INTO bills (household_id, period, community_id, standard_id, area, amount, mode,
                   organization_id, created_at)
SELECT b.household_id, to_char(m.first, 'YYYY-MM'), b.community_id, b.standard_id, b.area,
       b.amount, b.mode, b.organization_id, m.first
FROM bills b
CROSS JOIN (SELECT (to_date(:last, 'YYYY-MM') - make_interval(months => n))::date AS first
            FROM generate_series(1, :months - 1) AS n) AS m
WHERE b.period = :last
ON CONFLICT DO NOTHING
"""
# 1 % of the bills (none paid) are half waived.
WAIVE = """
INSERT INTO bill_adjustments (bill_id, kind, amount, reason, created_at)
SELECT id, 'waiver', -round(amount / 2, 2), 'bench: low-income household', now()
FROM bills WHERE (id::bigint * 7919) % 100 = 0 AND amount >= 0.02
"""
# Most bills paid once, within 0-40 days of their month's first day (none after today);
# one in ten in part; bills (id × 7919) % 100 < 12 not at all (the waived among them).
PAY = """
WITH paid AS (
    INSERT INTO payments (receipt_no, household_id, amount, paid_on, method, period,
                          created_at)
    SELECT 'BENCH-' || b.id, b.household_id,
           CASE WHEN b.id % 10 = 3 THEN round(b.amount / 2, 2) ELSE b.amount END,
           LEAST(to_date(b.period, 'YYYY-MM') + (b.id % 41)::int, :today),
           'wechat', b.period, now()
    FROM bills b
    WHERE (b.id::bigint * 7919) % 100 >= 12 AND b.amount >= 0.02
    RETURNING id, receipt_no, amount
)
INSERT INTO payment_allocations (payment_id, bill_id, amount)
SELECT id, substr(receipt_no, 7)::int, amount FROM paid
"""
# Tickets over the last --ticket-months months: routed to any organisation, most answered
# and closed.
TICKETS = """
INSERT INTO tickets (number, status, category, priority, channel, community_id, inside_home,
                     description, reported_at, reporter_name, assignee_id, routing_reason,
                     routing_flags, routing_steps, due_respond_at, due_resolve_at, assigned_at,
                     responded_at, resolved_at, closed_at, resolution_note, dispute_reason,
                     escalation_level, rating, reopen_count, dispute_count, created_at, version)
SELECT 'BENCH-' || n,
       CASE WHEN n % 10 = 0 THEN 'assigned' WHEN n % 10 = 1 THEN 'resolved' ELSE 'closed' END,
       (ARRAY['water_supply','drainage','heating','gas','power','telecom','roof_leak',
              'lighting','common_parts','road','greenery','other'])[1 + n % 12],
       'normal', 'hotline', c.id, false, 'bench ticket ' || n, t.at, 'bench',
       o.id, 'bench', '[]', '[]', t.at + interval '24 hours', t.at + interval '72 hours', t.at,
       CASE WHEN n % 10 <> 0 THEN t.at + (n % 1999) * interval '1 minute' END,
       CASE WHEN n % 10 > 0 THEN t.at + (n % 4999) * interval '1 minute' END,
       CASE WHEN n % 10 > 1 THEN t.at + interval '5 days' END, '', '', 0,
       CASE WHEN n % 10 > 1 THEN 1 + n % 5 END, (n % 50 = 0)::int, (n % 70 = 0)::int,
       t.at, 1
FROM generate_series(:first + 1, :first + :count) AS n
CROSS JOIN LATERAL (SELECT now() - ((n::bigint * 7919) % :minutes) * interval '1 minute'
                           - (n % 1000) * interval '1 second' AS at) AS t
JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM communities) AS c
  ON c.k = n % :communities
JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM organizations) AS o
  ON o.k = (n / 7) % :organizations
"""


def setup(engine, months: int, tickets: int, ticket_months: int = 12) -> list[str]:
    """Fill what is missing (bills, payments, waivers, summary, tickets, the street officer);
    say what was done."""
    from sqlalchemy import select, text
    from sqlalchemy.orm import Session

    from pmsys.auth.passwords import hash_password
    from pmsys.fees import summary
    from pmsys.models.auth import Organization, OrgKind, Role, User
    from pmsys.tickets import summary as ticket_summary

    done = []

    def step(label: str, sql: str, **params) -> None:
        started = time.perf_counter()
        with engine.begin() as connection:
            count = connection.execute(text(sql), params).rowcount
        done.append(f"{label}: {count:,} rows in {time.perf_counter() - started:.0f} s")
        print(done[-1], flush=True)

    with engine.connect() as connection:
        periods = connection.scalar(text("SELECT count(DISTINCT period) FROM bills"))
        payments = connection.scalar(text("SELECT count(*) FROM payments"))
        have_tickets = connection.scalar(text("SELECT count(*) FROM tickets"))
        communities = connection.scalar(text("SELECT count(*) FROM communities"))
        organizations = connection.scalar(text("SELECT count(*) FROM organizations"))
    filled = False
    if periods < months:
        step(f"bills of {months} months", COPY_BILLS, last=LAST_PERIOD, months=months)
        step("waivers", WAIVE)
        filled = True
    if payments == 0:
        step("payments and their allocations", PAY, today=date.today())
        filled = True
    if filled:
        started = time.perf_counter()
        with engine.begin() as connection:
            rows = summary.rebuild(Session(bind=connection))
            days = summary.rebuild_days(Session(bind=connection))
        done.append(f"collection summary rebuilt: {rows:,} rows and {days:,} day rows in "
                    f"{time.perf_counter() - started:.0f} s")
        print(done[-1], flush=True)
    if have_tickets < tickets:
        step(f"tickets over {ticket_months} months", TICKETS, first=have_tickets,
             count=tickets - have_tickets, communities=communities,
             organizations=organizations, minutes=ticket_months * 43_800)
        # Bulk SQL goes around the flushes that keep the ticket summary: write it again.
        started = time.perf_counter()
        with engine.begin() as connection:
            rows = ticket_summary.rebuild(Session(bind=connection))
        done.append(f"ticket summary rebuilt: {rows:,} rows in "
                    f"{time.perf_counter() - started:.0f} s")
        print(done[-1], flush=True)
    with engine.begin() as connection:
        session = Session(bind=connection)
        if session.scalar(select(User.id).where(User.username == STREET[0])) is None:
            office = session.scalars(select(Organization).where(
                Organization.kind == OrgKind.street_office).order_by(Organization.code)).first()
            session.add(User(username=STREET[0], password_hash=hash_password(STREET[1]),
                             role=Role.street_officer, organization_id=office.id))
            session.flush()
            done.append(f"street officer {STREET[0]} of {office.code}")
            print(done[-1], flush=True)
    if done:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    return done


def sizes(engine) -> str:
    from sqlalchemy import text

    with engine.connect() as connection:
        counts = {table: connection.scalar(text(f"SELECT count(*) FROM {table}"))  # noqa: S608
                  for table in ("households", "bills", "payments", "bill_adjustments",
                                "fee_collection_summaries", "tickets")}
    return ", ".join(f"{count:,} {table}" for table, count in counts.items())


# --- timing -------------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share / 100 * (len(ordered) - 1))))]


def time_paths(app, reps: int, warmups: int, paths=None) -> list[tuple]:
    """(label, path, statements, bytes, p50 ms, p95 ms) per report path.

    `paths`: (label, path template, (username, password)) triples; default PATHS read
    by the bureau admin.
    """
    from sqlalchemy import event

    from pmsys.extensions import db

    client = app.test_client()
    tokens: dict[str, dict] = {}

    def headers_of(reader) -> dict:
        if reader[0] not in tokens:
            answer = client.post("/api/v1/auth/token", json={"username": reader[0],
                                                             "password": reader[1]})
            if answer.status_code not in (200, 201):
                sys.exit(f"cannot log in as {reader[0]}: {answer.status_code} "
                         f"{answer.get_data()[:200]}")
            tokens[reader[0]] = {"Authorization": "Bearer " + answer.get_json()["token"]}
        return tokens[reader[0]]

    statements: list[str] = []
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute",
                 lambda _c, _cur, statement, *_a: statements.append(statement))
    today = date.today()
    first_of_month = today.replace(day=1)
    past = date(today.year - (today.month <= 2), (today.month - 3) % 12 + 1, 8)  # two back
    values = {"period": LAST_PERIOD, "year_ago": (today - timedelta(days=365)).isoformat(),
              "past_period": f"{past.year:04d}-{past.month:02d}", "past_day": past.isoformat(),
              "past_day_10": past.replace(day=10).isoformat(),
              "past_day_11": past.replace(day=11).isoformat(),
              "last_day": (first_of_month - timedelta(days=1)).isoformat()}
    for months in (12, 24):  # the first day of the whole months before this one
        year, month = divmod(first_of_month.year * 12 + first_of_month.month - 1 - months, 12)
        values[f"months_{months}"] = date(year, month + 1, 1).isoformat()
    rows = []
    for label, template, reader in paths or [(label, path, ADMIN) for label, path in PATHS]:
        path = template.format(**values)
        headers = headers_of(reader)
        for _ in range(warmups):
            answer = client.get(path, headers=headers)
            if answer.status_code != 200:
                sys.exit(f"{path}: {answer.status_code} {answer.get_data()[:300]}")
        statements.clear()
        size = len(client.get(path, headers=headers).get_data())
        count = len([s for s in statements if not s.lstrip().upper().startswith(
            ("BEGIN", "SAVEPOINT", "RELEASE", "COMMIT", "ROLLBACK"))])
        wall = []
        for _ in range(reps):
            started = time.perf_counter()
            answer = client.get(path, headers=headers)
            wall.append((time.perf_counter() - started) * 1000)
            assert answer.status_code == 200
        rows.append((label, path, count, size, statistics.median(wall), percentile(wall, 95)))
        print(f"{label:<40} p50 {rows[-1][4]:7.1f} ms  p95 {rows[-1][5]:7.1f} ms", flush=True)
    return rows


def machine_state() -> list[str]:
    load = os.getloadavg()
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        fields = dict(line.split(":", 1) for line in meminfo.read_text().splitlines())
        memory = (f"{int(fields['MemTotal'].split()[0]) // 1024:,} MiB memory, "
                  f"{int(fields['MemAvailable'].split()[0]) // 1024:,} MiB available")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    return [
        f"- when: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; commit {commit}",
        f"- machine: nproc {os.cpu_count()}, {memory}, {platform.platform()}, "
        f"Python {platform.python_version()}",
        f"- load average before timing: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="PostgreSQL URL (default: DATABASE_URL)")
    parser.add_argument("--setup", action="store_true",
                        help="first import the city into the (emptied) database: "
                             "bench/city.py --reset")
    parser.add_argument("--months", type=int, default=24, help="billed months (default 24)")
    parser.add_argument("--tickets", type=int, default=500_000)
    parser.add_argument("--ticket-months", type=int, default=24,
                        help="months the generated tickets spread over (default 24)")
    parser.add_argument("--only", choices=("all", "tickets", "collection"), default="all",
                        help="tickets: time the ticket measures at city and street level "
                             "over 12 and 24 months (TICKET_PATHS) instead of PATHS; "
                             "collection: the collection report's four levels of PATHS alone")
    parser.add_argument("--groups", default="",
                        help="with --only tickets: the groupings to time, comma-separated "
                             "(e.g. community,org; default every one)")
    parser.add_argument("--reps", type=int, default=20, help="timed requests per path")
    parser.add_argument("--warmups", type=int, default=2)
    parser.add_argument("--results", default=str(HERE / "results"),
                        help="folder for the markdown report ('' for none)")
    args = parser.parse_args()

    url = args.database or os.environ.get("DATABASE_URL") or ""
    if not url.startswith("postgresql"):
        print("city_reports: needs a PostgreSQL database with the city (--database or "
              "DATABASE_URL); skipped")
        return
    if args.setup:
        subprocess.run([sys.executable, str(HERE / "city.py"), "--database", url, "--reset"],
                       cwd=ROOT, check=True)
    os.environ.update({"DATABASE_URL": url, "PMSYS_ENV": "production", "SECRET_KEY": SECRET})
    from sqlalchemy import create_engine, text

    from pmsys.config import normalise_database_url

    engine = create_engine(normalise_database_url(url))
    with engine.connect() as connection:
        version = connection.scalar(text("SHOW server_version"))
        admin = connection.scalar(text("SELECT count(*) FROM users WHERE username = :name"),
                                  {"name": ADMIN[0]})
    if not admin:
        print(f"city_reports: no {ADMIN[0]} in the database: run bench/city.py (or --setup)"
              " first; skipped")
        return
    prepared = setup(engine, args.months, args.tickets, args.ticket_months)
    held = sizes(engine)
    engine.dispose()
    print(held)
    state = machine_state()
    from wsgi import app

    if args.only in ("all", "tickets"):
        # What the scheduler does every 30 minutes, and the city's ticket measures read:
        # the rollups of closed months (new or changed), which only this job writes.
        # Without it they are measured ticket by ticket, in seconds.
        from pmsys.scheduling import run_job

        started = time.perf_counter()
        with app.app_context():
            summary = run_job("ticket_rollups")
        took = time.perf_counter() - started
        prepared.append(f"the ticket_rollups job: {summary} in {took:.0f} s")

    paths = {"tickets": TICKET_PATHS,
             "collection": [(label, path, ADMIN) for label, path in PATHS
                            if label.startswith("collection")]}.get(args.only)
    if args.only == "tickets" and args.groups:
        chosen = args.groups.split(",")
        paths = [path for path in paths if path[1].split("group=")[1].split("&")[0] in chosen]
    rows = time_paths(app, args.reps, args.warmups, paths)
    lines = [f"# City-scale reports ({date.today().isoformat()})", "", *state,
             f"- PostgreSQL {version}; the database holds {held}", "",
             *(f"- setup: {line}" for line in prepared), "" if prepared else None,
             f"Bureau admin `{ADMIN[0]}` (street level: `{STREET[0]}`), Flask test client in "
             f"one process, {args.warmups} warm-ups then {args.reps} timed requests per path.", "",
             "| report | path | statements | bytes | p50 ms | p95 ms |",
             "|---|---|---:|---:|---:|---:|"]
    lines += [f"| {label} | `{path}` | {count} | {size:,} | {p50:.1f} | {p95:.1f} |"
              for label, path, count, size, p50, p95 in rows]
    text_ = "\n".join(line for line in lines if line is not None) + "\n"
    print("\n" + text_)
    if args.results:
        out = Path(args.results)
        out.mkdir(parents=True, exist_ok=True)
        name = "ticket-reports" if args.only == "tickets" else "city-reports"
        target = out / f"{name}-{datetime.now(UTC):%Y-%m-%d-%H%M}.md"
        target.write_text(text_, encoding="utf-8")
        print(f"written to {target}")


if __name__ == "__main__":
    main()
