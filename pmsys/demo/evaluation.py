"""Demo evaluation (docs/domain.md#evaluation): follow-up calls, inspection deductions and a
year of published bulletins, through the services, as the demo logins would.

- The street offices call back the closed demo tickets on their call lists: about four
  calls in five reach the reporter, who is satisfied when they rated the fix 4–5 (or,
  without a rating, two times in three).
- Each organisation managing a community today is inspected every month of the last
  twelve: a professional property company is found at fault about one month in five, the
  other managers (self-management, original units, community offices) one in two, for
  0.5–3 points — so the managers who collect more (docs of pmsys/demo/fees.py) also lose
  fewer points.
- The bureau publishes the monthly bulletins of the last twelve complete months and the
  yearly result of last year for its region.

Every decision is drawn from a generator seeded by the names involved, and each step
skips what is already there, so a second run adds nothing.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from pmsys import clock
from pmsys.evaluation import periods, services
from pmsys.models.auth import Organization, User
from pmsys.models.evaluation import EvaluationBulletin, OrgDeduction
from pmsys.models.governance import ManagementMode, ManagementTerm
from pmsys.models.tickets import Ticket, TicketCallback
from pmsys.places.services import own_region
from pmsys.tickets.services import callbacks

SEED = "pmsys-evaluation-2021"
OFFICES = ("street", "shequ")
BUREAU = "bureau"
FINDINGS = ("楼道堆物未清理", "垃圾清运不及时", "绿化缺损未补植", "单元门禁损坏未修",
            "消防通道被占用", "路灯不亮未报修")


def _rng(*parts) -> random.Random:
    return random.Random("|".join((SEED, *map(str, parts))))


def _user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def _call_back(session: Session) -> int:
    """The offices call the closed tickets of their lists that nobody called yet."""
    made = 0
    for username in OFFICES:
        office = _user(session, username)
        if office is None or not callbacks.may_call_back(office):
            continue
        page = 1
        while True:
            items, total = callbacks.call_list(session, office, page=page, per_page=200)
            for item in items:
                if item.attempts:
                    continue
                rng = _rng("call", item.number)
                reached = rng.random() < 0.8
                satisfied = None
                if reached:
                    satisfied = (item.rating >= 4 if item.rating is not None
                                 else rng.random() < 2 / 3)
                callbacks.record_callback(session, office, session.get(Ticket, item.ticket_id),
                                          reached=reached, satisfied=satisfied,
                                          note="" if reached else "无人接听")
                made += 1
            if page * 200 >= total:
                break
            page += 1
    return made


def _managers(session: Session, today: date) -> list[tuple[Organization, ManagementMode]]:
    rows = session.execute(
        select(Organization, ManagementTerm.mode)
        .join(ManagementTerm, ManagementTerm.organization_id == Organization.id)
        .where(ManagementTerm.start <= today,
               or_(ManagementTerm.end.is_(None), ManagementTerm.end >= today))
        .order_by(Organization.code)).all()
    found = {}
    for org, mode in rows:
        found.setdefault(org.code, (org, mode))
    return list(found.values())


def _inspect(session: Session, today: date) -> int:
    """Monthly inspections of the last twelve months for managers not inspected yet."""
    offices = [user for user in map(lambda name: _user(session, name), OFFICES) if user]
    made = 0
    for org, mode in _managers(session, today):
        if session.scalar(select(func.count()).select_from(OrgDeduction)
                          .where(OrgDeduction.organization_id == org.id)):
            continue
        fault = 0.2 if mode is ManagementMode.professional else 0.5
        for back in range(12, 0, -1):
            rng = _rng("inspect", org.code, back)
            if rng.random() >= fault:
                continue
            on = today - timedelta(days=30 * back - rng.randrange(0, 20))
            office = next((user for user in offices
                           if services.inspects(session, user, org, on)), None)
            if office is None:
                continue
            points = Decimal(rng.randrange(5, 31)) / 10
            services.record_deduction(session, office, org, on=on, points=points,
                                      note=rng.choice(FINDINGS))
            made += 1
    return made


def _publish(session: Session, today: date) -> int:
    """The bureau's bulletins: the last twelve complete months and last year's result."""
    bureau = _user(session, BUREAU)
    if bureau is None or own_region(bureau) is None:
        return 0
    region = own_region(bureau)
    wanted = []
    first = date(today.year, today.month, 1)
    for _month in range(12):
        first = (first - timedelta(days=1)).replace(day=1)
        wanted.append(periods.of_day(first, "month"))
    wanted.append(f"{today.year - 1:04d}")
    existing = set(session.scalars(select(EvaluationBulletin.period)
                                   .where(EvaluationBulletin.region_id == region.id)))
    made = 0
    for code in reversed(wanted):
        if code not in existing:
            services.publish(session, bureau, period=code, region=region.code)
            made += 1
    return made


def build_evaluation_examples(session: Session) -> dict:
    """Calls, deductions and bulletins; how many of each this run made."""
    today = clock.today()
    made = {"callbacks": _call_back(session), "deductions": _inspect(session, today)}
    session.flush()
    made["bulletins"] = _publish(session, today)
    made["calls_total"] = session.scalar(select(func.count()).select_from(TicketCallback))
    return made
