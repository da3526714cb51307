"""The hand-over workflow as use cases: create, then one action at a time
(docs/domain.md#handovers)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from pmsys import audit, clock
from pmsys.assets import workflow
from pmsys.assets.maintainers import HistoryConflict, Stint, hand_over
from pmsys.assets.services.register import parse_day
from pmsys.assets.workflow import Party, Refusal, State, TransitionRefused
from pmsys.auth import permissions
from pmsys.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleRefused
from pmsys.governance.services import active_committees
from pmsys.models.assets import (
    Asset,
    AssetMaintainer,
    Handover,
    HandoverAsset,
    HandoverCommitteeSignature,
    HandoverDefect,
    HandoverEvent,
    HandoverStatus,
)
from pmsys.models.auth import Organization, OrgKind, Role
from pmsys.models.places import Community
from pmsys.notify import notify_users, org_user_ids
from pmsys.outbox import publish

OPEN_STATES = (
    HandoverStatus.draft,
    HandoverStatus.submitted,
    HandoverStatus.returned,
    HandoverStatus.inspected,
    HandoverStatus.signed,
)
_REFUSALS = {Refusal.state: Conflict, Refusal.party: Forbidden, Refusal.rule: RuleRefused}


def committees_for(session: Session, handover: Handover) -> dict[int, Organization]:
    """The active owners' committees of the communities whose assets are handed over."""
    return active_committees(session, [asset.community_id for asset in handover.assets])


def handover_parties(session: Session, actor, handover: Handover) -> set[Party]:
    """The parties in which `actor` may act on this hand-over."""
    parties: set[Party] = set()
    org_id = getattr(actor, "organization_id", None)
    if org_id is None or not permissions.is_active_user(actor):
        return parties
    if org_id == handover.from_org_id and actor.role is not Role.committee_member:
        parties.add(Party.transferor)
    if org_id == handover.to_org_id and actor.role is not Role.committee_member:
        parties.add(Party.receiver)
    if actor.role is Role.committee_member:
        if org_id in {c.id for c in committees_for(session, handover).values()}:
            parties.add(Party.committee)
    return parties


def signed_parties(handover: Handover) -> set[Party]:
    """The transferor and the receiver, where they have signed (the committee: `signed_by`)."""
    signed = set()
    if handover.transferor_signed_at is not None:
        signed.add(Party.transferor)
    if handover.receiver_signed_at is not None:
        signed.add(Party.receiver)
    return signed


def _event(session: Session, actor, handover: Handover, action: str, note: str = "") -> None:
    session.add(HandoverEvent(handover_id=handover.id, actor_id=getattr(actor, "id", None),
                              action=action, status_after=handover.status.value, note=note))


def get_handover_or_404(session: Session, actor, code: str) -> Handover:
    """The hand-over with this code if `actor` may see it; else NotFound."""
    handover = session.scalar(
        select(Handover).where(Handover.code == code, permissions.handover_clause(actor))
    )
    if handover is None:
        raise NotFound(f"no hand-over {code}", code="handover_not_found",
                       hidden=permissions.probe(session, Handover.code, code, "handover"))
    return handover


def visible_handovers(actor, *, status: str | None = None, community: str | None = None):
    """A select of the hand-overs `actor` may see, optionally by status and community code."""
    query = select(Handover).where(permissions.handover_clause(actor))
    if status is not None:
        query = query.where(Handover.status == HandoverStatus(status))
    if community is not None:
        touching = (
            select(HandoverAsset.handover_id)
            .join(Asset, Asset.id == HandoverAsset.asset_id)
            .join(Community, Community.id == Asset.community_id)
            .where(Community.code == community)
        )
        query = query.where(Handover.id.in_(touching))
    return query


def create_handover(
    session: Session, actor, *, code: str, from_org: str, to_org: str, assets: list[str]
) -> Handover:
    """Draft a hand-over of `assets` from the transferor to the receiver."""
    fields = {}
    if not isinstance(code, str) or not code or len(code) > 64 or "/" in code:
        fields["code"] = "required, at most 64 characters, no '/'"
    if not isinstance(assets, list) or not assets or not all(isinstance(a, str) for a in assets):
        fields["assets"] = "a non-empty list of asset codes"
    for field, value in (("from", from_org), ("to", to_org)):
        if not isinstance(value, str) or not value:
            fields[field] = "an organisation code"
    if "from" not in fields and from_org == to_org:
        fields["to"] = "the receiver must differ from the transferor"
    if fields:
        raise InvalidInput("the hand-over is incomplete", fields=fields)
    orgs = {o.code: o for o in session.scalars(
        select(Organization).where(Organization.code.in_([from_org, to_org])))}
    for field, org_code in (("from", from_org), ("to", to_org)):
        if org_code not in orgs:
            raise InvalidInput(f"unknown organisation {org_code}", fields={field: "unknown"})
        if orgs[org_code].kind is OrgKind.owners_committee:
            # Committee members co-sign as the committee; they are never a party's staff.
            raise InvalidInput(f"{org_code} is an owners' committee, which co-signs but is "
                               "not a party", fields={field: "an owners' committee"})
    found = {a.code: a for a in session.scalars(
        select(Asset).where(Asset.code.in_(assets), permissions.asset_clause(actor)))}
    unknown = [c for c in assets if c not in found]
    if unknown:
        raise InvalidInput("unknown assets: " + ", ".join(unknown),
                           fields={"assets": "unknown: " + ", ".join(unknown)})
    _check_parking_committee(orgs[from_org], orgs[to_org], list(found.values()))
    transferor = orgs[from_org]
    keeps = all(permissions.can_keep_register(session, actor, a.community)
                for a in found.values())
    if getattr(actor, "organization_id", None) != transferor.id and not keeps:
        raise Forbidden("only the transferor or the housing bureau may draft a hand-over")
    if session.scalar(select(Handover.id).where(Handover.code == code)) is not None:
        raise Conflict(f"hand-over {code} exists", code="duplicate_code", fields={"code": "taken"})
    busy = session.execute(
        select(Asset.code, Handover.code)
        .join(HandoverAsset, HandoverAsset.asset_id == Asset.id)
        .join(Handover, Handover.id == HandoverAsset.handover_id)
        .where(Asset.id.in_([a.id for a in found.values()]), Handover.status.in_(OPEN_STATES))
    ).all()
    if busy:
        listed = ", ".join(f"{asset} ({other})" for asset, other in busy)
        raise Conflict("assets already in an open hand-over: " + listed,
                       code="asset_in_open_handover", fields={"assets": listed})
    handover = Handover(code=code, from_org=transferor, to_org=orgs[to_org],
                        status=HandoverStatus.draft, created_by_id=actor.id,
                        assets=[found[c] for c in sorted(set(assets))])
    session.add(handover)
    session.flush()
    _event(session, actor, handover, "create")
    audit.record(session, actor, "handover_created", "handover", code,
                 assets=sorted(found),
                 **{"from": from_org, "to": to_org})
    return handover


def _check_parking_committee(transferor: Organization, receiver: Organization,
                             assets: list[Asset]) -> None:
    """A parking committee hands over or receives only the parking spaces of its community."""
    for field, org in (("from", transferor), ("to", receiver)):
        if org.kind is not OrgKind.parking_committee:
            continue
        foreign = sorted(a.code for a in assets
                         if a.category != "parking" or a.community_id != org.community_id)
        if foreign:
            raise InvalidInput(
                f"{org.code} is a parking committee: it takes only the parking spaces of its "
                "community, not " + ", ".join(foreign),
                fields={field: "a parking committee takes only its community's parking spaces"})


def signed_by(session: Session, actor, handover: Handover,
              parties: set[Party] | None = None) -> set[Party]:
    """The parties that have signed, as seen by `actor` (its parties, if already known).

    The committee counts as signed once every active committee has; for a
    committee member, once their own committee has (whichever member signed).
    """
    if parties is None:
        parties = handover_parties(session, actor, handover)
    signed = signed_parties(handover)
    committees = committees_for(session, handover)
    done = {s.community_id for s in handover.committee_signatures}
    if committees and set(committees) <= done:
        signed.add(Party.committee)
    elif Party.committee in parties:
        ours = {cid for cid, c in committees.items() if c.id == actor.organization_id}
        if ours and ours <= done:
            signed.add(Party.committee)
    return signed


def take_action(session: Session, actor, handover: Handover, action: str, **payload) -> Handover:
    """Take one workflow action; refusals: 409 state, 403 party, 422 rule, 400 bad input.

    Payload: `note` (the return's reasons, the inspection's participants, any
    remark), `defects` (inspect), `inspected_on` (inspect), `defect` (fix_defect,
    the defect's index) and `effective_on` (sign). Every action bumps the
    hand-over's version, so of two people acting on the same version the second
    gets a StaleDataError (409 concurrent_update) instead of overwriting the first.
    """
    if not isinstance(action, str) or action not in workflow.ACTIONS:
        raise InvalidInput(f"unknown action {action!r}",
                           fields={"action": "one of " + ", ".join(workflow.ACTIONS)})
    note = payload.pop("note", None)
    parties = handover_parties(session, actor, handover)
    signed = signed_by(session, actor, handover, parties)
    open_defects = sum(1 for d in handover.defects if d.fixed_at is None)
    try:
        party = workflow.check(action, State(handover.status.value), parties,
                               open_defects=open_defects, signed_by=signed)
    except TransitionRefused as refused:
        if refused.kind is not Refusal.state:  # denials are audited; state conflicts are not
            audit.refusal(session, actor, "handover_action_refused", "handover", handover.code,
                         attempted=action, reason=refused.code, status=handover.status.value,
                         open_defects=open_defects)
        raise _REFUSALS[refused.kind](refused.message, code=refused.code) from None
    if note is None:
        note = ""
    if not isinstance(note, str):
        raise InvalidInput("note must be text", fields={"note": "not text"})
    handler = {
        "submit": _submit, "return": _return, "inspect": _inspect,
        "fix_defect": _fix_defect, "sign": _sign,
    }[action]
    detail = handler(session, actor, handover, party, note=note.strip(), **payload)
    # Some actions touch only child rows (a defect, a committee signature): bump anyway.
    flag_modified(handover, "status")
    _event(session, actor, handover, action, note.strip())
    audit.record(session, actor, f"handover_{action}", "handover", handover.code,
                 party=party.value, status=handover.status.value, **(detail or {}))
    session.flush()
    _notify_parties(session, actor, handover, action)
    return handover


def _notify_parties(session: Session, actor, handover: Handover, action: str) -> None:
    """Tell the other parties' staff (and, once inspected, the committees) what happened."""

    orgs = {handover.from_org_id, handover.to_org_id}
    if handover.status in (HandoverStatus.inspected, HandoverStatus.signed):
        orgs |= {c.id for c in committees_for(session, handover).values()}
    users = {uid for org_id in orgs for uid in org_user_ids(session, org_id)} - {actor.id}
    notify_users(session, users, "handover", None, handover=handover.code, action=action,
                 status=handover.status.value)
    for org_id in sorted(_waiting_for(handover) - {actor.organization_id}):
        publish(session, org_id, "handover.waiting",
                {"handover": handover.code, "action": action, "status": handover.status.value})


def _waiting_for(handover: Handover) -> set[int]:
    """The parties whose step the hand-over now waits for (docs/domain.md#handovers)."""
    if handover.status is HandoverStatus.submitted:
        return {handover.to_org_id}
    if handover.status is HandoverStatus.returned:
        return {handover.from_org_id}
    if handover.status is HandoverStatus.inspected:
        return {handover.from_org_id, handover.to_org_id}
    return set()


def _submit(session, actor, handover, party, **_):
    handover.status = HandoverStatus.submitted
    handover.submitted_at = clock.now()


def _return(session, actor, handover, party, *, note, **_):
    if not note:
        raise InvalidInput("say why the hand-over is returned", fields={"note": "required"})
    handover.status = HandoverStatus.returned
    handover.return_reason = note


def _inspect(session, actor, handover, party, *, note, defects=None, inspected_on=None, **_):
    defects = defects if defects is not None else []
    if not isinstance(defects, list) or not all(isinstance(d, str) and d.strip() for d in defects):
        raise InvalidInput("defects must be a list of descriptions", fields={"defects": "invalid"})
    on = parse_day(inspected_on, "inspected_on") or clock.today()
    if on > clock.today():
        raise InvalidInput("the inspection cannot be dated in the future",
                           fields={"inspected_on": "in the future"})
    handover.inspected_on = on
    handover.inspection_participants = note
    for position, text in enumerate(defects):
        handover.defects.append(HandoverDefect(position=position, description=text.strip()))
    handover.status = HandoverStatus.inspected
    return {"defects": len(defects), "inspected_on": on.isoformat()}


def _fix_defect(session, actor, handover, party, *, defect=None, **_):
    if not isinstance(defect, int) or isinstance(defect, bool):
        raise InvalidInput("name the defect by its index", fields={"defect": "an index"})
    match = next((d for d in handover.defects if d.position == defect), None)
    if match is None:
        raise InvalidInput(f"no defect {defect}", fields={"defect": "unknown"})
    if match.fixed_at is not None:
        raise Conflict(f"defect {defect} is already fixed", code="already_fixed")
    match.fixed_at = clock.now()
    match.fixed_by_id = actor.id
    return {"defect": defect}


def _sign(session, actor, handover, party, *, effective_on=None, **_):
    """Sign in `party`; the last required signature makes it signed, or effective from today.

    Everything is checked before anything is written, so a refusal changes nothing.
    """
    now, today = clock.now(), clock.today()
    chosen = parse_day(effective_on, "effective_on")
    signed_before = signed_parties(handover) | (
        {Party.committee} if handover.committee_signatures else set()
    )
    if chosen is not None:
        if handover.inspected_on is not None and chosen < handover.inspected_on:
            raise RuleRefused("the effective date cannot precede the inspection",
                              code="effective_before_inspection",
                              fields={"effective_on": "before the inspection"})
        if signed_before and handover.effective_on not in (None, chosen):
            # Whoever signed, signed that date: a later signer may not change it.
            raise RuleRefused(
                f"the parties that signed agreed on {handover.effective_on}; sign that date",
                code="effective_on_agreed", fields={"effective_on": "already agreed"})
    committees = committees_for(session, handover)
    done = {s.community_id for s in handover.committee_signatures}
    mine = []
    if party is Party.committee:
        mine = [cid for cid, c in committees.items()
                if c.id == actor.organization_id and cid not in done]
    signed = signed_parties(handover) | ({party} if party is not Party.committee else set())
    if committees and set(committees) <= done | set(mine):
        signed.add(Party.committee)
    day = chosen or handover.effective_on or today
    state = workflow.state_after_signing(signed, bool(committees), day <= today)
    plan = _plan_stints(handover, day) if state is not State.inspected else []

    if chosen is not None:
        handover.effective_on = chosen
    if party is Party.transferor:
        handover.transferor_signed_by_id, handover.transferor_signed_at = actor.id, now
    elif party is Party.receiver:
        handover.receiver_signed_by_id, handover.receiver_signed_at = actor.id, now
    for community_id in mine:
        handover.committee_signatures.append(HandoverCommitteeSignature(
            community_id=community_id, signed_by_id=actor.id, signed_at=now))
    if state is not State.inspected:
        handover.effective_on = day
        _apply_stints(session, handover, plan)
        handover.status = HandoverStatus(state.value)
    return {"effective_on": str(handover.effective_on) if handover.effective_on else None,
            "committees": len(mine)}


def _plan_stints(handover: Handover, effective_on: date):
    """For each asset: its stint rows and the history after the hand-over; 422 on a conflict."""
    plan = []
    for asset in handover.assets:
        rows = sorted(asset.stints, key=lambda s: s.start)
        try:
            history = hand_over([Stint(r.id, r.start, r.end) for r in rows],
                                handover.to_org_id, effective_on)
        except HistoryConflict as conflict:
            raise RuleRefused(f"{asset.code}: {conflict}", code="history_conflict") from None
        plan.append((asset, rows, history))
    return plan


def _apply_stints(session: Session, handover: Handover, plan) -> None:
    """Make the receiver each asset's maintainer from the effective date (history kept)."""
    for asset, rows, history in plan:
        if rows:
            rows[-1].end = history[-2].end
        session.add(AssetMaintainer(asset=asset, organization_id=handover.to_org_id,
                                    start=handover.effective_on, handover_id=handover.id))


def activate_due_handovers(session: Session, on: date) -> int:
    """Mark signed hand-overs whose effective date has come as effective; return how many."""
    due = session.scalars(
        select(Handover).where(Handover.status == HandoverStatus.signed,
                               Handover.effective_on <= on)
    ).all()
    for handover in due:
        handover.status = HandoverStatus.effective
        _event(session, None, handover, "effective")
        audit.record(session, "scheduler", "handover_effective", "handover", handover.code,
                     effective_on=str(handover.effective_on))
    session.flush()
    return len(due)
