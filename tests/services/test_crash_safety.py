"""Promise 15 (docs/reliability.md#crash-safety): kill -9 loses nothing acknowledged and
duplicates nothing.

The app runs as in production — gunicorn, a master and two workers, PMSYS_ENV=production —
on a database of its own (tests/live.py: a fresh SQLite file, or a PostgreSQL schema of its
own) holding the fee world (tests/fee_world.py). Client threads post payments as manager_a
and file tickets as resident_a in a loop; after a random number of acknowledged writes and
a random moment more, the whole process group is killed with SIGKILL and the server is
started again, CYCLES times. Every write answered with a success is written down. A
payment whose answer was lost is posted again with the same receipt after the restart (it
must answer 200 if it had been committed, 201 if not, and never make a second payment); a
ticket whose answer was lost is looked for at the end by the tag in its description.

At the end, in the database: every acknowledged payment and ticket is there exactly once
with its audit record (and a ticket with its first event); a ticket filed without an answer
is there with all of those or not at all; each household owes and holds as credit exactly
what its bills and the posted payments say; and the collection summary
(pmsys/fees/summary.py) equals the one computed again from the bills.

The seed of the random kill moments and amounts is printed; PMSYS_CRASH_SEED=<seed> replays
them (the timing of the threads cannot be replayed).
"""

from __future__ import annotations

import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from pmsys import money
from pmsys.extensions import db as _db
from pmsys.fees import services, summary
from pmsys.models.audit import AuditRecord
from pmsys.models.fees import CollectionDay, CollectionSummary, Payment, PaymentAllocation
from pmsys.models.tickets import Ticket, TicketEvent
from tests.factories import DEFAULT_PASSWORD
from tests.fee_world import build_fee_world
from tests.live import live_database

pytestmark = pytest.mark.crash
SCHEMA = "crash_safety"
ROOT = Path(__file__).resolve().parents[2]  # where wsgi.py is
CYCLES = 10
# The SIGKILL comes after this many more acknowledged writes, then this many seconds more,
# both drawn per cycle: a busy machine answers slower, so the count, not a time, says when.
KILL_AFTER_WRITES = (4, 12)
KILL_AFTER_SECONDS = (0.0, 0.3)
HOUSEHOLDS = ("CA/1/1/101", "CA/1/1/102", "CA/2/1/201", "CA/3/1/301")  # manager_a's CA
PAYERS, FILERS = 2, 2  # client threads per cycle
TAG = "crash-"


# --- the server --------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn with two workers, in a process group of its own that SIGKILL ends at once."""

    def __init__(self, database_url: str, folder: Path):
        self.env = {key: value for key, value in os.environ.items()
                    if key not in ("FLASK_DEBUG", "PMSYS_DEBUG")} | {
            "PMSYS_ENV": "production",
            "DATABASE_URL": database_url,
            "SECRET_KEY": "crash-safety-test-secret-key-0123456789",
            "PMSYS_RATE_LIMITS": "off",
            "UPLOAD_FOLDER": str(folder / "uploads"),
        }
        self.log_path = folder / "gunicorn.log"
        self.process: subprocess.Popen | None = None
        self.port = 0

    def start(self) -> None:
        self.port = _free_port()
        # --preload: the master imports the app once and forks the workers, which halves the
        # work of each of the eleven starts; what a SIGKILL does is the same either way.
        with open(self.log_path, "a") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-w", "2", "--preload",
                 "-b", f"127.0.0.1:{self.port}", "wsgi:app"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                try:
                    connection.request("GET", "/login")
                    if connection.getresponse().status == 200:
                        return
                finally:
                    connection.close()
            except (OSError, http.client.HTTPException):
                time.sleep(0.05)
        self.kill()
        raise AssertionError("gunicorn did not answer: " + self.log_path.read_text()[-3000:])

    def kill(self) -> None:
        """SIGKILL the master and its workers together, as a crash or the OOM killer would."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()
        self.process = None


def call(port: int, path: str, body: dict, token: str | None = None):
    """POST `body`; (status, answer), or None when the answer was lost."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    try:
        connection.request("POST", path, body=json.dumps(body), headers=headers)
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    except (OSError, http.client.HTTPException, ValueError):
        return None
    finally:
        connection.close()


# --- what the clients sent and what was acknowledged ---------------------------------------

@dataclass
class Sent:
    household: str
    amount: str
    id: int | None = None  # the id of the answer, once one came


@dataclass
class Ledger:
    payments: dict[str, Sent] = field(default_factory=dict)  # by receipt number
    tickets: dict[str, int | None] = field(default_factory=dict)  # by tag: the id answered
    lost: list[str] = field(default_factory=list)  # receipts whose answer was lost
    committed_unanswered: int = 0  # lost answers of payments that had been committed
    acknowledged: int = 0  # successes answered so far
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def unexpected(self, what: str, reply) -> None:
        with self.lock:
            self.errors.append(f"{what}: {reply}")


def payment_body(receipt: str, sent: Sent) -> dict:
    return {"receipt_no": receipt, "household": sent.household, "amount": sent.amount,
            "paid_on": "2025-06-01", "method": "cash"}


def pay(port, token, ledger: Ledger, receipt: str, sent: Sent, expected: tuple[int, ...]) -> bool:
    """Post a payment; False when its answer was lost (it goes on the list to post again)."""
    reply = call(port, "/api/v1/payments", payment_body(receipt, sent), token)
    if reply is None:
        with ledger.lock:
            ledger.lost.append(receipt)
        return False
    status, answer = reply
    if status not in expected or (answer["receipt_no"], answer["household"], answer["amount"]) != (
            receipt, sent.household, sent.amount):
        ledger.unexpected(f"payment {receipt} expected {expected}", reply)
    elif sent.id is not None and answer["id"] != sent.id:
        ledger.unexpected(f"payment {receipt} answered before as {sent.id}", reply)
    else:
        with ledger.lock:
            sent.id = answer["id"]
            ledger.acknowledged += 1
            ledger.committed_unanswered += expected == (200, 201) and status == 200
    return True


def post_lost_again(port, token, ledger: Ledger) -> None:
    """Post again each payment whose answer was lost: 200 if it had been committed, else 201."""
    lost, ledger.lost = ledger.lost, []
    for receipt in lost:
        pay(port, token, ledger, receipt, ledger.payments[receipt], (200, 201))


def payer(port, token, ledger: Ledger, rng: random.Random, name: str, stop) -> None:
    number = 0
    while not stop.is_set():
        number += 1
        receipt = f"{TAG}{name}-{number}"
        sent = Sent(rng.choice(HOUSEHOLDS), f"{rng.randint(100, 1500) / 100:.2f}")
        with ledger.lock:
            ledger.payments[receipt] = sent
        if not pay(port, token, ledger, receipt, sent, (201,)):
            return  # the server is gone


def filer(port, token, ledger: Ledger, name: str, stop) -> None:
    number = 0
    while not stop.is_set():
        number += 1
        tag = f"{TAG}{name}-{number}"
        with ledger.lock:
            ledger.tickets[tag] = None
        reply = call(port, "/api/v1/tickets", {
            "category": "lighting", "community": "CA", "description": f"{tag} 楼道灯不亮"},
            token)
        if reply is None:
            return  # the server is gone
        status, answer = reply
        if status != 201 or answer["description"] != f"{tag} 楼道灯不亮":
            ledger.unexpected(f"ticket {tag}", reply)
        else:
            with ledger.lock:
                ledger.tickets[tag] = answer["id"]
                ledger.acknowledged += 1


def await_writes(server: Server, ledger: Ledger, count: int) -> None:
    """Wait until `count` writes in all have been acknowledged."""
    deadline = time.monotonic() + 60
    while ledger.acknowledged < count and not ledger.errors:
        assert time.monotonic() < deadline, server.log_path.read_text()[-3000:]
        time.sleep(0.01)


def token_of(port: int, username: str) -> str:
    reply = call(port, "/api/v1/auth/token", {"username": username, "password": DEFAULT_PASSWORD})
    assert reply is not None and reply[0] == 201, reply
    return reply[1]["token"]


# --- what the database holds -------------------------------------------------------------

def balances(session: Session) -> dict[str, tuple[Decimal, Decimal]]:
    """Per household of HOUSEHOLDS: (still owed on its bills, credit left on its payments)."""
    result = {}
    for path in HOUSEHOLDS:
        household = services.household_by_path(session, path)
        owed = sum((bill.outstanding for bill in services.open_bills(session, household)),
                   Decimal("0.00"))
        credit = Decimal("0.00")
        for payment in session.scalars(select(Payment).where(
                Payment.household_id == household.id)):
            used = sum((part.amount for part in payment.allocations), Decimal("0.00"))
            assert Decimal(0) <= used <= payment.amount, payment
            credit += payment.amount - used
        result[path] = (money.fen(owed), money.fen(credit))
    return result


def summary_rows(session: Session) -> dict:
    """The collection summary's rows and its day rows."""
    return {
        **{(row.period, row.community_id, row.mode, row.paid_month):
           (row.bills, money.fen(Decimal(row.billed)), money.fen(Decimal(row.waived)),
            money.fen(Decimal(row.paid)), row.paid_full)
           for row in session.scalars(select(CollectionSummary))},
        **{(row.period, row.community_id, row.mode, row.paid_on):
           (money.fen(Decimal(row.paid)), row.paid_full)
           for row in session.scalars(select(CollectionDay))},
    }


@pytest.fixture(scope="module")
def live(app, database_url, tmp_path_factory):
    """The fee world on a database of its own; yields (app, balances before any payment)."""

    def build() -> dict:
        build_fee_world()
        return {"balances": balances(_db.session)}

    with live_database(app, database_url, tmp_path_factory, SCHEMA, build) as live_world:
        yield live_world


def test_kill_9_loses_and_duplicates_nothing_acknowledged(live, tmp_path):
    """Promise 15 (docs/reliability.md#crash-safety)."""
    live_app, before = live
    seed = int(os.environ.get("PMSYS_CRASH_SEED") or random.randrange(10**9))
    print(f"crash safety: seed {seed} (PMSYS_CRASH_SEED={seed} replays it)")
    rng = random.Random(seed)
    server = Server(live_app.config["SQLALCHEMY_DATABASE_URI"], tmp_path)
    ledger = Ledger()
    try:
        server.start()
        tokens = {name: token_of(server.port, name) for name in ("manager_a", "resident_a")}
        for cycle in range(CYCLES):
            if cycle:
                server.start()
            # What was answered before the crash answers the same again (200, the same id).
            post_lost_again(server.port, tokens["manager_a"], ledger)
            answered = [r for r, sent in ledger.payments.items() if sent.id is not None]
            for receipt in rng.sample(answered, min(2, len(answered))):
                pay(server.port, tokens["manager_a"], ledger, receipt, ledger.payments[receipt],
                    (200,))
            stop = threading.Event()
            threads = [threading.Thread(target=payer, args=(
                server.port, tokens["manager_a"], ledger, random.Random(rng.random()),
                f"{cycle}p{index}", stop)) for index in range(PAYERS)]
            threads += [threading.Thread(target=filer, args=(
                server.port, tokens["resident_a"], ledger, f"{cycle}t{index}", stop))
                for index in range(FILERS)]
            for thread in threads:
                thread.start()
            await_writes(server, ledger, ledger.acknowledged + rng.randint(*KILL_AFTER_WRITES))
            time.sleep(rng.uniform(*KILL_AFTER_SECONDS))
            server.kill()
            stop.set()
            for thread in threads:
                thread.join()
        server.start()
        post_lost_again(server.port, tokens["manager_a"], ledger)
    finally:
        server.kill()

    print(f"crash safety: {len(ledger.payments)} payments, {len(ledger.tickets)} tickets, "
          f"{ledger.committed_unanswered} payments committed whose answer was lost")
    assert ledger.errors == []
    assert ledger.lost == []
    acknowledged = {tag: id_ for tag, id_ in ledger.tickets.items() if id_ is not None}
    # Enough happened for the checks below to mean something.
    assert ledger.acknowledged >= KILL_AFTER_WRITES[0] * CYCLES
    assert min(len(ledger.payments), len(acknowledged)) >= CYCLES // 2

    with live_app.app_context(), Session(_db.engine) as session:
        # Every payment sent is there once (each lost answer was posted again), as answered.
        payments = session.scalars(select(Payment).where(Payment.receipt_no.like(TAG + "%"))).all()
        paths = {services.household_by_path(session, path).id: path for path in HOUSEHOLDS}
        present = {payment.receipt_no for payment in payments}
        assert sorted(set(ledger.payments) - present) == [], "answered, yet missing"
        assert sorted(present - set(ledger.payments)) == [], "never sent, yet present"
        for payment in payments:
            sent = ledger.payments[payment.receipt_no]
            assert (payment.id, paths[payment.household_id], payment.amount) == (
                sent.id, sent.household, Decimal(sent.amount))
        posted = Counter(session.scalars(select(AuditRecord.object_key).where(
            AuditRecord.action == "payment_posted", AuditRecord.object_key.like(TAG + "%"))))
        assert posted == Counter(list(ledger.payments))
        for payment in payments:
            [record] = session.scalars(select(AuditRecord).where(
                AuditRecord.action == "payment_posted",
                AuditRecord.object_key == payment.receipt_no))
            used = sum((part.amount for part in payment.allocations), Decimal("0.00"))
            assert (Decimal(record.data["allocated"]), record.data["household"]) == (
                used, payment.household_id)

        # Every acknowledged ticket is there once; one filed without an answer once or never;
        # each with its audit record and its first event.
        tickets = session.execute(select(Ticket.id, Ticket.number, Ticket.description)
                                  .where(Ticket.description.like(TAG + "%"))).all()
        by_tag = Counter(description.split()[0] for _id, _number, description in tickets)
        assert set(by_tag) <= set(ledger.tickets)
        assert max(by_tag.values()) == 1
        ids = {description.split()[0]: id_ for id_, _number, description in tickets}
        assert {tag: ids.get(tag) for tag in acknowledged} == acknowledged, "answered, not there"
        filed = Counter(session.scalars(select(AuditRecord.object_key).where(
            AuditRecord.action == "ticket_filed")))
        events = Counter(session.scalars(select(TicketEvent.ticket_id).where(
            TicketEvent.action == "file")))
        for id_, number, _description in tickets:
            assert (filed[number], events[id_]) == (1, 1), number

        # Each household owes what its bills asked less what was posted, and holds the rest
        # as credit; no bill is paid beyond what it asks.
        paid = dict.fromkeys(HOUSEHOLDS, Decimal("0.00"))
        for sent in ledger.payments.values():
            paid[sent.household] += Decimal(sent.amount)
        expected = {}
        for path, (owed, credit) in before["balances"].items():
            settled = min(owed, paid[path])
            expected[path] = (owed - settled, credit + paid[path] - settled)
        assert balances(session) == expected
        for bill_id, net in services.net_amounts(session, session.scalars(
                select(PaymentAllocation.bill_id).distinct())).items():
            parts = session.scalars(select(PaymentAllocation.amount)
                                    .where(PaymentAllocation.bill_id == bill_id))
            assert sum(parts, Decimal("0.00")) <= net, bill_id

        # The collection summary is what the bills give when computed again from them.
        stored = summary_rows(session)
        summary.rebuild(session)
        summary.rebuild_days(session)
        assert summary_rows(session) == stored
        session.rollback()
