"""The evaluation's use cases (docs/domain.md#evaluation): the measures of every managing
organisation of a region in a period, scored by pmsys/evaluation/scoring.py; the street
offices' inspection deductions; the bureau's published bulletins.

Each measure is one grouped statement over the region's communities (tickets by their
assignee, follow-up calls, bills by the organisation that billed them, deductions).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pmsys import audit, clock, money
from pmsys.auth import permissions
from pmsys.errors import Conflict, Forbidden, InvalidInput, NotFound
from pmsys.evaluation import periods, scoring
from pmsys.models.auth import Organization, Role
from pmsys.models.evaluation import EvaluationBulletin, OrgDeduction
from pmsys.models.fees import Bill, BillAdjustment, PaymentAllocation
from pmsys.models.governance import ManagementTerm
from pmsys.models.places import Community, Region
from pmsys.models.tickets import Ticket, TicketCallback, TicketStatus
from pmsys.places.services import region_or_404
from pmsys.settings import get_setting
from pmsys.tickets import measures
from pmsys.tickets.photos import reencode, write_photo

# Who reads the scores as they stand; everyone else reads published bulletins only.
SCORE_READERS = frozenset({Role.bureau_admin, Role.street_officer, Role.sysadmin})
MAX_NOTE = 2000


def may_read_scores(actor) -> bool:
    return permissions.is_active_user(actor) and actor.role in SCORE_READERS


def may_publish(actor) -> bool:
    """The housing bureau publishes bulletins (半月通报)."""
    return permissions.is_active_user(actor) and actor.role is Role.bureau_admin


def may_deduct(actor) -> bool:
    """Street and community offices enter inspection deductions (see `arbitrates`)."""
    return permissions.may_rule_on_disputes(actor)


def period_or_400(code) -> periods.Period:
    try:
        return periods.parse(code)
    except ValueError as refused:
        raise InvalidInput(str(refused), code="invalid_period",
                           fields={"period": str(refused)}) from None


def _communities(region: Region | None):
    query = select(Community.id)
    if region is not None:
        query = query.where(Community.street_id.in_(permissions.region_subtree(region.id)))
    return query


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), clock.LOCAL_TZ)


def _flag(condition):
    return func.sum(case((condition, 1), else_=0))


def gather(session: Session, region: Region | None, period: periods.Period
           ) -> list[scoring.OrgFacts]:
    """The facts of every organisation managing a community of `region` during `period`."""
    communities = _communities(region)
    orgs = session.execute(
        select(Organization.id, Organization.code, Organization.name).where(
            Organization.id.in_(select(ManagementTerm.organization_id).where(
                ManagementTerm.community_id.in_(communities),
                ManagementTerm.start <= period.last,
                or_(ManagementTerm.end.is_(None), ManagementTerm.end >= period.first))))
    ).all()
    ids = [org.id for org in orgs]
    in_period = and_(Ticket.community_id.in_(communities), Ticket.assignee_id.in_(ids),
                     Ticket.reported_at >= _midnight(period.first),
                     Ticket.reported_at < _midnight(period.last + timedelta(days=1)),
                     Ticket.status != TicketStatus.cancelled)
    resolved = Ticket.status.in_(sorted(measures.RESOLVED_STATUSES))
    tickets = {row.org: row._mapping for row in session.execute(
        select(Ticket.assignee_id.label("org"),
               func.count().label("filed"),
               _flag(resolved).label("resolved"),
               _flag(and_(resolved, Ticket.resolved_at <= Ticket.due_resolve_at))
               .label("resolved_on_time"),
               _flag(Ticket.rating.is_not(None)).label("rated"),
               _flag(Ticket.rating >= measures.SATISFIED_FROM).label("satisfied"),
               _flag(Ticket.reopen_count > 0).label("reopens"),
               _flag(Ticket.dispute_count > 0).label("disputes"))
        .where(in_period).group_by(Ticket.assignee_id))}
    calls = {row.org: (row.reached, row.satisfied or 0) for row in session.execute(
        select(Ticket.assignee_id.label("org"), func.count().label("reached"),
               _flag(TicketCallback.satisfied).label("satisfied"))
        .join(Ticket, Ticket.id == TicketCallback.ticket_id)
        .where(in_period, TicketCallback.reached).group_by(Ticket.assignee_id))}
    first_month, last_month = period.months
    adjusted = (select(func.coalesce(func.sum(BillAdjustment.amount), 0))
                .where(BillAdjustment.bill_id == Bill.id).scalar_subquery())
    paid = (select(func.coalesce(func.sum(PaymentAllocation.amount), 0))
            .where(PaymentAllocation.bill_id == Bill.id).scalar_subquery())
    bills = {row.org: (row.asked, row.paid) for row in session.execute(
        select(Bill.organization_id.label("org"),
               func.sum(Bill.amount + adjusted).label("asked"), func.sum(paid).label("paid"))
        .where(Bill.community_id.in_(communities), Bill.organization_id.in_(ids),
               Bill.period >= first_month, Bill.period <= last_month)
        .group_by(Bill.organization_id))}
    deducted = dict(session.execute(
        select(OrgDeduction.organization_id, func.sum(OrgDeduction.points))
        .where(OrgDeduction.organization_id.in_(ids), OrgDeduction.on >= period.first,
               OrgDeduction.on <= period.last)
        .group_by(OrgDeduction.organization_id)).all())
    facts = []
    for org in orgs:
        counted = measures.from_counts(org.code, org.name, tickets.get(org.id, {}))
        reached, satisfied = calls.get(org.id, (0, 0))
        asked, paid_sum = bills.get(org.id, (0, 0))
        rates = {
            "collection_rate": money.ratio(money.fen(paid_sum), money.fen(asked))
            if asked and money.fen(asked) > 0 else None,
            "on_time_rate": counted.on_time_rate,
            "satisfaction_rate": counted.satisfaction_rate,
            "callback_satisfaction_rate": measures.rate(int(satisfied), int(reached)),
            "reopen_rate": counted.reopen_rate,
            "dispute_rate": counted.dispute_rate,
        }
        facts.append(scoring.OrgFacts(org.code, org.name, rates,
                                      Decimal(deducted.get(org.id) or 0)))
    return facts


def _sheet(session: Session, region: Region | None):
    try:
        sheet = scoring.sheet_from(get_setting(session, "evaluation_sheet", region))
    except ValueError:
        sheet = scoring.DEFAULT_SHEET
    try:
        tiers = scoring.tiers_from(get_setting(session, "evaluation_tiers", region))
    except ValueError:
        tiers = scoring.DEFAULT_TIERS
    return sheet, tiers


@dataclass(frozen=True)
class Evaluation:
    region: Region | None
    period: periods.Period
    scores: list[scoring.OrgScore]
    tiers: tuple[scoring.Tier, ...]


def evaluate(session: Session, actor, *, period: str, region: str | None = None) -> Evaluation:
    """Score every managing organisation of the region in the period (bureau, street
    offices, sysadmins; others: Forbidden — they read published bulletins)."""
    if not may_read_scores(actor):
        raise Forbidden("scores are read by the bureau and the street offices; others read "
                        "published bulletins", code="not_your_report")
    asked = period_or_400(period)
    place = region_or_404(session, actor, region)
    sheet, tiers = _sheet(session, place)
    return Evaluation(place, asked, scoring.score_all(gather(session, place, asked), sheet,
                                                     tiers), tiers)


def _num(value, places: int) -> str | None:
    return None if value is None else money.decimal_str(value, places)


def scores_json(scores: list[scoring.OrgScore]) -> list[dict]:
    """The ranked scores as the API writes them (and a bulletin keeps them)."""
    return [{
        "org": s.org, "name": s.name, "score": _num(s.score, 2), "rank": s.rank,
        "tier": s.tier.code if s.tier else None, "reward": bool(s.tier and s.tier.reward),
        "items": {item: {"value": _num(i.value, 1 if item == scoring.INSPECTION else 4),
                         "weight": _num(i.weight, 2), "points": _num(i.points, 2)}
                  for item, i in s.items.items()},
    } for s in scores]


# --- bulletins -------------------------------------------------------------------------------

def publish(session: Session, actor, *, period: str, region: str | None = None
            ) -> EvaluationBulletin:
    """Publish the period's ranked scores of a region as a bulletin (the bureau; audited).

    The bulletin keeps the scores as they are now; 409 `already_published` the second time.
    """
    if not may_publish(actor):
        audit.refusal(session, actor, "evaluation_publish_refused", "evaluation", period,
                      reason="not_the_bureau")
        raise Forbidden("the housing bureau publishes bulletins", code="not_your_action")
    result = evaluate(session, actor, period=period, region=region)
    if result.region is None:
        raise InvalidInput("name the region of the bulletin", fields={"region": "required"})
    if session.scalar(select(EvaluationBulletin.id).where(
            EvaluationBulletin.region_id == result.region.id,
            EvaluationBulletin.period == result.period.code)) is not None:
        raise Conflict("this bulletin is already published", code="already_published")
    bulletin = EvaluationBulletin(region_id=result.region.id, period=result.period.code,
                                  published_at=clock.now(), published_by_id=actor.id,
                                  scores=scores_json(result.scores))
    session.add(bulletin)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict("this bulletin is already published", code="already_published") from None
    audit.record(session, actor, "evaluation_published", "evaluation",
                 f"{result.region.code}/{result.period.code}", organisations=len(result.scores))
    return bulletin


def bulletins(session: Session, actor) -> list[EvaluationBulletin]:
    """Every published bulletin, newest first (a bulletin is public to every login)."""
    if not permissions.is_active_user(actor):
        return []
    return list(session.scalars(select(EvaluationBulletin)
                                .order_by(EvaluationBulletin.published_at.desc(),
                                          EvaluationBulletin.id.desc())))


def bulletin_or_404(session: Session, actor, bulletin_id) -> EvaluationBulletin:
    found = None
    if permissions.is_active_user(actor) and isinstance(bulletin_id, int):
        found = session.get(EvaluationBulletin, bulletin_id)
    if found is None:
        raise NotFound(f"no bulletin {bulletin_id}", code="bulletin_not_found")
    return found


def published(session: Session, *, period: str, region: str | None) -> EvaluationBulletin:
    """The published bulletin of a region and period; NotFound if there is none."""
    asked = period_or_400(period)
    found = None
    if region is not None:
        found = session.scalar(
            select(EvaluationBulletin).join(Region, Region.id == EvaluationBulletin.region_id)
            .where(Region.code == region, EvaluationBulletin.period == asked.code))
    if found is None:
        raise NotFound("no published bulletin for this period and region",
                       code="bulletin_not_found")
    return found


# --- inspection deductions -------------------------------------------------------------------

def org_or_404(session: Session, code: str) -> Organization:
    """An organisation by code (organisations are public: their codes are on every ticket)."""
    org = session.scalar(select(Organization).where(Organization.code == code))
    if org is None:
        raise NotFound(f"no organisation {code}", code="org_not_found")
    return org


def inspects(session: Session, actor, org: Organization, on: date) -> bool:
    """Whether `actor`'s office inspects `org`: it manages a community of the office's on `on`."""
    if not may_deduct(actor):
        return False
    return session.scalar(
        select(ManagementTerm.id).join(Community, Community.id == ManagementTerm.community_id)
        .where(ManagementTerm.organization_id == org.id, ManagementTerm.start <= on,
               or_(ManagementTerm.end.is_(None), ManagementTerm.end >= on),
               permissions.arbitration_clause(actor)).limit(1)) is not None


def _points(value) -> Decimal:
    try:
        points = Decimal(str(value))
    except ArithmeticError:
        points = None
    if (points is None or not points.is_finite() or not 0 < points <= 100
            or points != points.quantize(Decimal("0.1"))):
        raise InvalidInput("points from 0.1 to 100, to one decimal",
                           fields={"points": "from 0.1 to 100, one decimal"})
    return points


def record_deduction(session: Session, actor, org: Organization, *, on: date, points,
                     note: str, photo: bytes | None = None,
                     upload_folder: str | None = None) -> OrgDeduction:
    """Deduct inspection points from a managing organisation, with a note and a photo.

    The street (or community) office of a community `org` manages on `on`
    (others 403 `not_your_org`, audited); `on` not after today; `points` from
    0.1 to 100 (one decimal); a note. Audited (`org_deduction`).
    """
    if not isinstance(on, date) or on > clock.today():
        raise InvalidInput("the day of the inspection, not after today",
                           fields={"on": "a day not after today"})
    if not inspects(session, actor, org, on):
        audit.refusal(session, actor, "org_deduction_refused", "organization", org.code,
                      reason="not_your_org")
        raise Forbidden("only the street office of a community it manages deducts points",
                        code="not_your_org")
    points = _points(points)
    note = (note or "").strip()
    if not note or len(note) > MAX_NOTE:
        raise InvalidInput("say what the inspection found",
                           fields={"note": f"required, at most {MAX_NOTE} characters"})
    stored = None
    if photo:
        stored = write_photo(upload_folder, reencode(photo))
    deduction = OrgDeduction(organization_id=org.id, on=on, points=points, note=note,
                             entered_by_org_id=actor.organization_id, entered_by_id=actor.id,
                             created_at=clock.now(),
                             photo_name=stored.stored_name if stored else None,
                             photo_type=stored.content_type if stored else None)
    session.add(deduction)
    session.flush()
    audit.record(session, actor, "org_deduction", "organization", org.code, on=on.isoformat(),
                 points=str(points), photo=stored is not None)
    return deduction


def may_read_deductions(actor) -> bool:
    return may_read_scores(actor)


def deductions_of(session: Session, actor, org: Organization) -> list[OrgDeduction]:
    """The organisation's deductions, newest first (bureau, street offices, sysadmins)."""
    if not may_read_deductions(actor):
        raise Forbidden("deductions are read by the bureau and the street offices",
                        code="not_your_report")
    return list(session.scalars(select(OrgDeduction).where(OrgDeduction.organization_id == org.id)
                                .order_by(OrgDeduction.on.desc(), OrgDeduction.id.desc())))
