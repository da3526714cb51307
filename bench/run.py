"""Benchmarks: how long the hot paths take on a region of realistic size.

    make bench                                    # SQLite in a temporary folder
    BENCH_DATABASE_URL=postgresql://… make bench  # an EMPTY PostgreSQL database

Loads the demo region, grows the asset register and the ticket table to the sizes
given below, then times filing a ticket (routing included), the routing preview,
an operator's queue and the ticket measures. Prints the median and the 95th
percentile of each, and the SQL statements one filing costs. Timings are reported,
never asserted: the tests check behaviour, this script measures speed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, insert, select  # noqa: E402

from pmsys import clock, create_app  # noqa: E402
from pmsys.config import TestConfig  # noqa: E402
from pmsys.extensions import db  # noqa: E402


def timed(label: str, runs: int, func) -> None:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    p95 = samples[max(0, int(len(samples) * 0.95) - 1)]
    print(f"{label:<44} median {statistics.median(samples):8.2f} ms   p95 {p95:8.2f} ms"
          f"   ({runs} runs)")


def grow_register(community, assets: int) -> None:
    """Add `assets` water assets at building scope to one community (bulk insert)."""
    from pmsys.assets.models import Asset

    buildings = [b.id for b in community.buildings]
    rows = [
        {"code": f"BENCH-{community.code}-{n}", "name": f"bench {n}", "category": "lighting",
         "community_id": community.id, "building_id": buildings[n % len(buildings)],
         "created_at": clock.now()}
        for n in range(assets)
    ]
    db.session.execute(insert(Asset), rows)


def grow_tickets(tickets: int) -> None:
    """Bulk-insert `tickets` closed tickets over the last year, spread over the region."""
    from pmsys.auth.models import Organization
    from pmsys.places.models import Community
    from pmsys.tickets.models import Ticket

    communities = db.session.scalars(select(Community.id)).all()
    orgs = db.session.scalars(select(Organization.id)).all()
    start = clock.now() - timedelta(days=365)
    rows = []
    for n in range(tickets):
        at = start + timedelta(minutes=n * 525600 // max(tickets, 1))
        rows.append({
            "number": f"B{n:09d}", "status": "closed", "category": "lighting",
            "priority": "normal", "channel": "web",
            "community_id": communities[n % len(communities)],
            "assignee_id": orgs[n % len(orgs)], "description": "bench",
            "reported_at": at, "reporter_name": "bench", "routing_reason": "manager",
            "routing_flags": [], "routing_steps": [], "inside_home": False,
            "due_respond_at": at + timedelta(hours=24), "due_resolve_at": at + timedelta(days=7),
            "assigned_at": at, "responded_at": at + timedelta(hours=n % 30),
            "resolved_at": at + timedelta(days=n % 9), "closed_at": at + timedelta(days=10),
            "rating": 1 + n % 5, "escalation_level": 0, "reopen_count": n % 17 == 0,
            "dispute_count": 0, "version": 1, "created_at": at,
            "resolution_note": "", "dispute_reason": "",
        })
        if len(rows) == 5000:
            db.session.execute(insert(Ticket), rows)
            rows = []
    if rows:
        db.session.execute(insert(Ticket), rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=5000, help="extra assets in one community")
    parser.add_argument("--tickets", type=int, default=50000, help="tickets in the table")
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()

    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        url = "sqlite:///" + str(Path(tempfile.mkdtemp()) / "bench.db")
    app = create_app(TestConfig, overrides={"SQLALCHEMY_DATABASE_URI": url,
                                            "UPLOAD_FOLDER": tempfile.mkdtemp()})
    import flask_migrate

    from pmsys.auth.models import User
    from pmsys.auth.permissions import visible_communities
    from pmsys.imports.services import import_bundle
    from pmsys.places.demo import build_bundle
    from pmsys.tickets import services

    with app.app_context(), app.test_request_context():
        clock.set_now(datetime(2025, 6, 2, 2, 0, tzinfo=UTC))
        flask_migrate.upgrade()
        import_bundle(db.session, build_bundle(), actor="bench")
        resident = db.session.scalar(select(User).where(User.username == "resident"))
        community = db.session.scalars(visible_communities(resident)).first()
        grow_register(community, args.assets)
        grow_tickets(args.tickets)
        db.session.commit()
        print(f"database: {db.engine.url.render_as_string(hide_password=True)}")
        print(f"register: +{args.assets} assets in {community.code}; {args.tickets} tickets\n")

        statements = []
        event.listen(db.engine, "before_cursor_execute",
                     lambda *a: statements.append(1))

        def file_one():
            services.file_ticket(db.session, resident, category="lighting",
                                 community=community.code, description="路灯不亮")
            db.session.commit()

        statements.clear()
        file_one()
        print(f"statements for one filing: {len(statements)}")
        timed("file a ticket (routing, deadlines, notify)", args.runs, file_one)
        timed("routing preview", args.runs, lambda: services.preview_routing(
            db.session, resident, category="water_supply", community=community.code))
        operator = db.session.scalar(select(User).where(User.username == "water"))
        timed("an operator's queue (first page)", args.runs, lambda: db.session.scalars(
            services.open_queue(operator).limit(50)).all())
        bureau = db.session.scalar(select(User).where(User.username == "bureau"))
        timed("a bureau's ticket list (first page)", args.runs, lambda: db.session.scalars(
            services.visible_tickets(bureau).order_by(None).limit(50)).all())
        try:
            from pmsys.tickets.services.reports import ticket_report
        except ImportError:  # pragma: no cover - the measures arrive with their module
            return
        year_ago = clock.today() - timedelta(days=365)
        for group in ("org", "community", "category", "month"):
            timed(f"ticket measures for a year, by {group}", max(3, args.runs // 10),
                  lambda group=group: ticket_report(db.session, bureau, date_from=year_ago,
                                                    date_to=clock.today(), group=group,
                                                    now=clock.now()))


if __name__ == "__main__":
    main()
