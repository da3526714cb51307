"""The maintenance fund ledger of a community (维修资金, docs/domain.md#fund).

The fund sits in a co-managed account (共管账户) of the owners, the street office and the
committee. Every movement is an entry that is never edited or deleted; a mistake is put
right by a `correction` entry. Deposits belong to a household; interest and corrections
either name a household or are shared by the households' balances; a spend rests on a
passed `use_maintenance_fund` vote, is shared by exclusive area, and counts only once the
committee and the street office have both signed it.

Every write holds the community's row lock (PostgreSQL; SQLite's writer lock does the same)
from the check of its ref to its insert, so that the same ref posted twice at once makes one
entry, two spends of one vote at once never pass its approved amount, and interest is shared
over balances no other entry is changing. Services check permission, audit every change,
flush and never commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from pmsys import audit, clock
from pmsys.auth import permissions
from pmsys.db import valid_id
from pmsys.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleRefused
from pmsys.fees.revenue import bounded_text
from pmsys.fees.services import community_of, household_by_path, money, price
from pmsys.fund.shares import apportion, deposit_amount
from pmsys.models.auth import Role
from pmsys.models.fund import FundEntry, FundKind, FundShare, FundSide, FundSignature, FundStatus
from pmsys.models.governance import Vote, VoteStatus
from pmsys.models.places import Building, Community, Household, Unit

MAX_REF = 64
MAX_NOTE = 500
MAX_PREFIX = 24
ZERO = Decimal("0.00")
FUND_MATTER = "use_maintenance_fund"
KINDS = tuple(kind.value for kind in FundKind)


# --- reading -----------------------------------------------------------------------------

@dataclass
class HouseholdLine:
    household_id: int
    path: str
    building: str
    area: Decimal
    balance: Decimal


@dataclass
class BuildingLine:
    building: str
    households: int
    balance: Decimal


@dataclass
class EntryView:
    """An entry as one caller may read it: another household's identity left out."""

    entry: FundEntry
    household: str | None
    ref: str | None
    note: str
    share: Decimal | None  # the caller's own household's part, for a resident


@dataclass
class Statement:
    community: Community
    balance: Decimal
    pending: Decimal
    households: list[HouseholdLine]
    buildings: list[BuildingLine] | None  # staff only
    entries: list[EntryView] = field(default_factory=list)


def _household_rows(session: Session, community: Community, clause=None):
    query = (select(Household.id, Building.code, Unit.code, Household.code, Household.area)
             .join(Unit, Unit.id == Household.unit_id)
             .join(Building, Building.id == Unit.building_id)
             .where(Building.community_id == community.id)
             .order_by(Building.code, Unit.code, Household.code))
    if clause is not None:
        query = query.where(clause)
    return session.execute(query).all()


def _path(community: Community, building: str, unit: str, code: str) -> str:
    return f"{community.code}/{building}/{unit}/{code}"


def household_balances(session: Session, community: Community) -> dict[int, Decimal]:
    """Each household's posted balance (households with shares only), in one statement."""
    rows = session.execute(
        select(FundShare.household_id, func.sum(FundShare.amount))
        .join(FundEntry, FundEntry.id == FundShare.entry_id)
        .where(FundEntry.community_id == community.id, FundEntry.status == FundStatus.posted)
        .group_by(FundShare.household_id))
    return {household_id: Decimal(str(total)).quantize(ZERO) for household_id, total in rows}


def _balance(session: Session, community: Community, status: FundStatus) -> Decimal:
    total = session.scalar(select(func.coalesce(func.sum(FundEntry.amount), 0)).where(
        FundEntry.community_id == community.id, FundEntry.status == status))
    return Decimal(str(total)).quantize(ZERO)


def statement(session: Session, actor, community: Community) -> Statement:
    """The community's fund as `actor` may read it.

    Whoever sees the community reads its totals and its entries; the households' lines
    are those `actor` may read (all for the staff who serve it, their own for a resident,
    none for an operator), and entries of other households lose their identity.
    """
    if not permissions.can_see_community(session, actor, community):
        raise NotFound(f"no community {community.code}", code="community_not_found")
    balances = household_balances(session, community)
    readable = _household_rows(session, community, permissions.household_clause(actor, community))
    lines = [HouseholdLine(household_id, _path(community, b, u, h), b, area,
                           balances.get(household_id, ZERO))
             for household_id, b, u, h, area in readable]
    buildings = None
    if actor.role in permissions.HOUSEHOLD_READERS:
        per_building: dict[str, BuildingLine] = {}
        for household_id, b, _u, _h, _area in _household_rows(session, community):
            line = per_building.setdefault(b, BuildingLine(b, 0, ZERO))
            line.households += 1
            line.balance += balances.get(household_id, ZERO)
        buildings = list(per_building.values())
    own = {line.household_id: line.path for line in lines}
    entries = list(session.scalars(
        select(FundEntry).where(FundEntry.community_id == community.id)
        .options(selectinload(FundEntry.signatures).selectinload(FundSignature.organization),
                 selectinload(FundEntry.signatures).selectinload(FundSignature.user),
                 selectinload(FundEntry.vote))
        .order_by(FundEntry.created_at, FundEntry.id)))
    shares: dict[int, Decimal] | None = None  # the resident's own part of each entry
    if actor.role is Role.resident and own:
        shares = {}
        for entry_id, amount in session.execute(
                select(FundShare.entry_id, FundShare.amount)
                .join(FundEntry, FundEntry.id == FundShare.entry_id)
                .where(FundEntry.community_id == community.id,
                       FundShare.household_id.in_(own))):
            shares[entry_id] = shares.get(entry_id, ZERO) + amount
    views = []
    for entry in entries:
        hidden = entry.household_id is not None and entry.household_id not in own
        views.append(EntryView(
            entry=entry, household=None if hidden or entry.household_id is None
            else own[entry.household_id],
            ref=None if hidden else entry.ref, note="" if hidden else entry.note,
            share=None if shares is None else shares.get(entry.id, ZERO)))
    return Statement(community=community, balance=_balance(session, community, FundStatus.posted),
                     pending=-_balance(session, community, FundStatus.pending),
                     households=lines, buildings=buildings, entries=views)


# --- writing -----------------------------------------------------------------------------

def _lock_community(session: Session, community: Community) -> None:
    """Serialise the fund writes of one community (PostgreSQL row lock; SQLite's writer lock)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(Community.id).where(Community.id == community.id)
                        .with_for_update())


def _check_keeper(session: Session, actor, community: Community) -> None:
    if permissions.can_keep_fund(session, actor, community):
        return
    if not permissions.can_see_community(session, actor, community):
        raise NotFound(f"no community {community.code}", code="community_not_found")
    audit.refusal(session, actor, "fund_entry_refused", "community", community.code,
                  reason="not_a_keeper")
    raise Forbidden("only the street office, the bureau or the owners' committee in office "
                    "records the maintenance fund", code="not_a_fund_keeper")


def _ref(value) -> str:
    ref = bounded_text(value, "ref", MAX_REF)
    if not ref:
        raise InvalidInput("ref is required (at most 64 characters)", fields={"ref": "required"})
    return ref


def _household_of(session: Session, community: Community, value) -> Household:
    if isinstance(value, Household):
        target = value
    else:
        target = household_by_path(session, value)
    if community_of(session, target).id != community.id:
        raise InvalidInput("the household is not in this community",
                           fields={"household": "not in this community"})
    return target


def _vote_of(session: Session, community: Community, value) -> Vote:
    key = value.id if isinstance(value, Vote) else (
        valid_id(value) if isinstance(value, (int, str)) and not isinstance(value, bool) else None)
    vote = session.get(Vote, key) if key is not None else None
    if vote is None or vote.community_id != community.id:
        raise InvalidInput("no such vote in this community", fields={"vote": "unknown"})
    if vote.matter != FUND_MATTER:
        raise RuleRefused("the vote is not on using the maintenance fund",
                          code="vote_wrong_matter", fields={"vote": FUND_MATTER})
    if vote.status is not VoteStatus.closed or not vote.passed:
        raise RuleRefused("the vote has not passed", code="vote_not_passed",
                          fields={"vote": "not passed"})
    if vote.amount is None:
        raise RuleRefused("the vote approved no amount", code="vote_without_amount",
                          fields={"vote": "no approved amount"})
    return vote


@dataclass
class _Request:
    ref: str
    kind: FundKind
    amount: Decimal  # signed, as it moves the balance
    household: Household | None
    vote: Vote | None
    note: str


@dataclass(frozen=True)
class Body:
    """What an entry says, checked by the ledger's rules before anything is looked up."""

    kind: FundKind
    amount: Decimal  # signed, as it moves the balance
    note: str


def entry_body(*, kind, amount, note, household_named: bool, vote_named: bool) -> Body:
    """Check an entry's kind, amount and note (and whether it names a household or a vote).

    Pure: InvalidInput, with the offending field in `fields`, for what the ledger refuses.
    """
    if not isinstance(kind, str) or kind not in KINDS:
        raise InvalidInput("unknown kind", fields={"kind": ", ".join(KINDS)})
    kind = FundKind(kind)
    signed = kind is FundKind.correction
    value = money(amount, "amount", allow_negative=signed)
    if value == 0:
        raise InvalidInput("amount must not be zero", fields={"amount": "not zero"})
    note = bounded_text(note, "note", MAX_NOTE)
    if kind in (FundKind.spend, FundKind.correction) and not note:
        raise InvalidInput("say what the money is for", fields={"note": "required"})
    if household_named and kind is FundKind.spend:
        raise InvalidInput("a spend is shared by every household: name none",
                           fields={"household": "not for a spend"})
    if not household_named and kind is FundKind.deposit:
        raise InvalidInput("a deposit names its household", fields={"household": "required"})
    if kind is FundKind.spend:
        if not vote_named:
            raise InvalidInput("a spend names the vote that approved it",
                               fields={"vote": "required"})
        value = -value
    elif vote_named:
        raise InvalidInput("only a spend names a vote", fields={"vote": "only for a spend"})
    return Body(kind, value, note)


def _request(session: Session, community: Community, *, ref, kind, amount, household,
             vote, note) -> _Request:
    ref = _ref(ref)
    body = entry_body(kind=kind, amount=amount, note=note,
                      household_named=household not in (None, ""),
                      vote_named=vote not in (None, ""))
    target = None if household in (None, "") else _household_of(session, community, household)
    basis = None if vote in (None, "") else _vote_of(session, community, vote)
    return _Request(ref, body.kind, body.amount, target, basis, body.note)


def _same(existing: FundEntry, request: _Request) -> FundEntry:
    if (existing.kind is not request.kind or existing.amount != request.amount
            or existing.household_id != (request.household.id if request.household else None)
            or existing.vote_id != (request.vote.id if request.vote else None)
            or existing.note != request.note):
        raise Conflict(f"ref {existing.ref} was recorded for another entry",
                       code="ref_conflict", fields={"ref": "already recorded"})
    return existing


def _find(session: Session, community: Community, ref: str) -> FundEntry | None:
    return session.scalar(select(FundEntry).where(FundEntry.community_id == community.id,
                                                  FundEntry.ref == ref))


def _area_weights(session: Session, community: Community) -> dict[int, Decimal]:
    return {household_id: area for household_id, _b, _u, _h, area
            in _household_rows(session, community)}


def _shares(session: Session, community: Community, request: _Request) -> dict[int, Decimal]:
    if request.household is not None:
        return {request.household.id: request.amount}
    if request.kind is FundKind.spend:
        shares = apportion(request.amount, _area_weights(session, community))
        if not shares:
            raise RuleRefused("the community has no households with an area to share a spend",
                              code="no_households", fields={"amount": "nobody to share it"})
        return shares
    shares = apportion(request.amount, household_balances(session, community))
    if not shares:
        raise RuleRefused("no household has a balance to share this by; name the household",
                          code="no_balance_to_share", fields={"household": "required"})
    return shares


def _check_vote_cap(session: Session, request: _Request) -> None:
    spent = session.scalar(select(func.coalesce(func.sum(-FundEntry.amount), 0))
                           .where(FundEntry.vote_id == request.vote.id))
    spent = Decimal(str(spent)).quantize(ZERO)
    if spent - request.amount > request.vote.amount:
        left = request.vote.amount - spent
        raise RuleRefused(
            f"the vote approved {request.vote.amount}; {left} of it is left",
            code="vote_amount_exceeded", fields={"amount": f"at most {left}"})


def record_entry(session: Session, actor, community: Community, *, ref, kind, amount,
                 household=None, vote=None, note="") -> tuple[FundEntry, bool]:
    """Record an entry once per ref; (entry, created).

    The same ref again with the same body returns the first entry (created False); with
    another body it is refused (409 `ref_conflict`). A spend needs a passed
    use_maintenance_fund vote of the community with an approved amount, and the spends of
    one vote never add up to more (422 `vote_amount_exceeded`); it waits for two signatures.
    """
    _check_keeper(session, actor, community)
    request = _request(session, community, ref=ref, kind=kind, amount=amount,
                       household=household, vote=vote, note=note)
    return _record(session, actor, community, request)


def import_entry(session: Session, actor, community: Community, *, ref, kind, amount,
                 household=None, note="", on: date | None = None) -> tuple[FundEntry, bool]:
    """Record an entry of a region bundle once per ref, by the rules of `record_entry`.

    For pmsys/imports, which has checked that `actor` may import (a User, or a string for
    unattended work): no keeper check, and no spend (a spend needs a vote and two
    signatures). `on` dates an entry made before pmsys (noon, local time); else now.
    """
    if kind == FundKind.spend.value:
        raise InvalidInput("a spend is not imported", fields={"kind": "not a spend"})
    request = _request(session, community, ref=ref, kind=kind, amount=amount,
                       household=household, vote=None, note=note)
    at = None if on is None else datetime.combine(on, time(12), clock.LOCAL_TZ)
    return _record(session, actor, community, request, at)


def _record(session: Session, actor, community: Community, request: _Request,
            at: datetime | None = None) -> tuple[FundEntry, bool]:
    existing = _find(session, community, request.ref)
    if existing is not None:
        return _same(existing, request), False
    _lock_community(session, community)
    existing = _find(session, community, request.ref)
    if existing is not None:
        return _same(existing, request), False
    if request.vote is not None:
        _check_vote_cap(session, request)
    shares = _shares(session, community, request)
    now = at or clock.now()
    spend = request.kind is FundKind.spend
    entry = FundEntry(community_id=community.id, ref=request.ref, kind=request.kind,
                      household_id=request.household.id if request.household else None,
                      vote_id=request.vote.id if request.vote else None, amount=request.amount,
                      note=request.note,
                      status=FundStatus.pending if spend else FundStatus.posted,
                      recorded_by_id=getattr(actor, "id", None), created_at=now,
                      posted_at=None if spend else now)
    try:
        with session.begin_nested():
            session.add(entry)
            session.flush()
    except IntegrityError:
        # Recorded at the same moment by somebody else: theirs is the one entry.
        existing = _find(session, community, request.ref)
        if existing is None:
            raise
        return _same(existing, request), False
    session.execute(insert(FundShare), [
        {"entry_id": entry.id, "household_id": household_id, "amount": part}
        for household_id, part in shares.items()])
    session.flush()
    audit.record(session, actor, "fund_entry_recorded", "fund_entry", entry.id,
                 community=community.code, ref=entry.ref, kind=entry.kind.value,
                 amount=str(entry.amount), household=entry.household_id, vote=entry.vote_id,
                 status=entry.status.value)
    return entry, True


def collect_deposits(session: Session, actor, community: Community, *, rate,
                     prefix) -> tuple[int, Decimal]:
    """One deposit per household of `rate` yuan per m² of its exclusive area.

    Each deposit's ref is PREFIX/BUILDING/UNIT/HOUSEHOLD, so collecting again under the same
    prefix adds nothing for a household already collected; (deposits made, their total).
    """
    _check_keeper(session, actor, community)
    per_m2 = price(rate, "rate")
    if per_m2 <= 0:
        raise InvalidInput("rate must be more than zero", fields={"rate": "more than zero"})
    prefix = bounded_text(prefix, "prefix", MAX_PREFIX)
    if not prefix or "/" in prefix:
        raise InvalidInput("a prefix of 1 to 24 characters without '/' is needed",
                           fields={"prefix": "1 to 24 characters, no /"})
    made, total = 0, ZERO
    for household_id, b, u, h, area in _household_rows(session, community):
        value = deposit_amount(area, per_m2)
        ref = f"{prefix}/{b}/{u}/{h}"
        if value <= 0 or len(ref) > MAX_REF:
            continue
        entry, created = record_entry(
            session, actor, community, ref=ref, kind="deposit", amount=str(value),
            household=session.get(Household, household_id),
            note=f"{per_m2} × {area}")
        if created:
            made += 1
            total += entry.amount
    audit.record(session, actor, "fund_deposits_collected", "community", community.code,
                 prefix=prefix, rate=str(per_m2), deposits=made, total=str(total))
    return made, total


def entry_or_404(session: Session, actor, entry_id) -> FundEntry:
    """The entry with this id if `actor` sees its community; else NotFound, as for none."""
    key = valid_id(entry_id)
    entry = session.get(FundEntry, key) if key is not None else None
    if entry is None or not permissions.can_see_community(session, actor, entry.community):
        raise NotFound(f"no fund entry {entry_id}", code="fund_entry_not_found",
                       hidden=permissions.probe(session, FundEntry.id, key, "fund_entry"))
    return entry


def sign(session: Session, actor, entry: FundEntry, *, now: datetime | None = None) -> FundEntry:
    """Sign a pending spend for the committee or the street office; the second posts it.

    Posting is refused when the fund's balance is short of the spend (422
    `fund_insufficient`); the signature stays out too, so it may be given again later.
    """
    community = entry.community
    side = permissions.fund_signing_side(session, actor, community)
    if side is None:
        audit.refusal(session, actor, "fund_sign_refused", "fund_entry", entry.id,
                      reason="not_a_signer")
        raise Forbidden("only the committee in office and the street office sign a spend",
                        code="not_a_signer")
    _lock_community(session, community)
    session.refresh(entry)
    if entry.status is not FundStatus.pending:
        raise Conflict("this entry is posted; nothing is left to sign", code="not_pending")
    signed = {signature.side.value for signature in entry.signatures}
    if side in signed:
        raise Conflict("this side has signed already", code="already_signed")
    now = now or clock.now()
    if len(signed) == 1 and _balance(session, community, FundStatus.posted) + entry.amount < 0:
        raise RuleRefused("the fund's balance does not cover this spend",
                          code="fund_insufficient")
    signature = FundSignature(entry_id=entry.id, side=FundSide(side), user_id=actor.id,
                              organization_id=actor.organization_id, signed_at=now)
    session.add(signature)
    session.flush()
    audit.record(session, actor, "fund_spend_signed", "fund_entry", entry.id,
                 community=community.code, side=side, at=now.isoformat())
    if len(signed) == 1:
        entry.status = FundStatus.posted
        entry.posted_at = now
        session.flush()
        audit.record(session, actor, "fund_spend_posted", "fund_entry", entry.id,
                     community=community.code, amount=str(entry.amount), vote=entry.vote_id)
    session.refresh(entry)
    return entry
