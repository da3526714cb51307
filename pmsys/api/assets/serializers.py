"""JSON shapes of projects, assets, hand-overs and the backlog (docs/api.md#register, #handovers),
with their answer models.

Each shape sits next to the model that documents it, so the two are changed
together; the views name the models in their `@endpoint` declarations.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from pmsys import clock
from pmsys.api.helpers import date_str
from pmsys.api.refs import org_ref
from pmsys.api.tickets.serializers import CategoryCode, CodeText, Moment, OrgRef
from pmsys.api.typed import Answer, DateText, decimal_text
from pmsys.assets import warranty
from pmsys.assets.services.backlog import Backlog
from pmsys.assets.services.handovers import committees_for
from pmsys.assets.services.register import maintainer_on
from pmsys.governance.services import active_committees
from pmsys.models.assets import (
    ITEM_KINDS,
    Asset,
    Handover,
    HandoverEvent,
    HandoverStatus,
    ItemClass,
    Project,
)
from pmsys.models.auth import User
from pmsys.money import decimal_str

SCOPES = ("community", "building", "unit")


def time_str(moment: datetime | None) -> str | None:
    """Format a stored UTC time as ISO 8601 in China Standard Time (docs/api.md#conventions)."""
    return moment.astimezone(clock.LOCAL_TZ).isoformat() if moment else None


def _usernames(session: Session, ids) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(select(User.id, User.username).where(User.id.in_(wanted)))
    return {row_id: name for row_id, name in rows}


# --- projects ----------------------------------------------------------------------------------


def project_json(session: Session, project: Project) -> dict:
    """A project with its communities' committee sign-offs and its items."""
    links = project.community_links
    committees = active_committees(session, [link.community_id for link in links])
    names = _usernames(session, [project.accepted_by_id]
                       + [link.committee_signed_by_id for link in links])
    return {
        "code": project.code,
        "name": project.name,
        "year": project.year,
        "contractor": org_ref(project.contractor),
        "completed_on": date_str(project.completed_on),
        "accepted_on": date_str(project.accepted_on),
        "satisfaction_rate": decimal_str(project.satisfaction_rate, 4),
        "satisfaction_source": project.satisfaction_source,
        "satisfaction_survey": project.satisfaction_survey,
        "participation_rate": decimal_str(project.participation_rate, 4),
        "satisfaction_reason": project.satisfaction_reason,
        "accepted_by": names.get(project.accepted_by_id),
        "acceptance_note": project.acceptance_note or "",
        "management_override": project.management_override,
        "communities": [
            {
                "code": link.community.code,
                "name": link.community.name,
                "committee_signed_at": time_str(link.committee_signed_at),
                "committee_signed_by": names.get(link.committee_signed_by_id),
                "committee_required": link.community_id in committees,
            }
            for link in links
        ],
        "items": [
            {
                "kind": item.kind,
                "class": item.item_class.value,
                "category": ITEM_KINDS.get(item.kind),
                "community": item.community.code if item.community else None,
                "contractor": org_ref(item.contractor),
                "description": item.description or "",
            }
            for item in project.items
        ],
    }


# --- assets ------------------------------------------------------------------------------------


def asset_place(asset: Asset) -> dict:
    """Where an asset is: its community, and its building and unit where it has them."""
    return {
        "code": asset.code,
        "category": asset.category,
        "community": asset.community.code,
        "building": asset.building.code if asset.building else None,
        "unit": asset.unit.code if asset.unit else None,
    }


def asset_json(session: Session, asset: Asset, today: date) -> dict:
    """An asset with its warranty, today's maintainer and every earlier maintainer."""
    stints = sorted(asset.stints, key=lambda s: s.start)
    handover_ids = {s.handover_id for s in stints if s.handover_id is not None}
    codes = {}
    if handover_ids:
        rows = session.execute(
            select(Handover.id, Handover.code).where(Handover.id.in_(handover_ids))
        )
        codes = {row_id: code for row_id, code in rows}
    return {
        **asset_place(asset),
        "name": asset.name,
        "scope": asset.scope,
        "project": asset.project.code if asset.project else None,
        "warranty": {
            "contractor": org_ref(asset.warranty_contractor),
            "until": date_str(asset.warranty_until),
            "contract_until": date_str(asset.warranty_contract_until),
            "in_warranty_today": warranty.in_warranty(asset.warranty_until, today),
        },
        "parking": ({"spaces": asset.spaces, "space_numbers": asset.space_numbers}
                    if asset.spaces is not None else None),
        "maintainer": org_ref(maintainer_on(asset, today)),
        "maintainers": [
            {
                **org_ref(stint.organization),
                "start": date_str(stint.start),
                "end": date_str(stint.end),
                "handover": codes.get(stint.handover_id),
            }
            for stint in stints
        ],
    }


# --- hand-overs --------------------------------------------------------------------------------


def handover_json(session: Session, handover: Handover) -> dict:
    """A hand-over with its inspection, defects, signatures and trail (docs/api.md#handovers)."""
    events = session.scalars(
        select(HandoverEvent)
        .where(HandoverEvent.handover_id == handover.id)
        .order_by(HandoverEvent.at, HandoverEvent.id)
    ).all()
    committee_rows = sorted(handover.committee_signatures, key=lambda s: s.signed_at)
    names = _usernames(
        session,
        [handover.transferor_signed_by_id, handover.receiver_signed_by_id]
        + [s.signed_by_id for s in committee_rows],
    )
    community_codes = {asset.community_id: asset.community.code for asset in handover.assets}

    def signature(by_id, at):
        return {"by": names.get(by_id), "at": time_str(at)} if at is not None else None

    inspection = None
    if handover.inspected_on is not None:
        inspection = {
            "on": date_str(handover.inspected_on),
            "participants": handover.inspection_participants or "",
        }
    return {
        "code": handover.code,
        "status": handover.status.value,
        "from": org_ref(handover.from_org),
        "to": org_ref(handover.to_org),
        "assets": [asset_place(asset) for asset in handover.assets],
        "submitted_at": time_str(handover.submitted_at),
        "return_reason": handover.return_reason or "",
        "inspection": inspection,
        "defects": [
            {
                "index": defect.position,
                "description": defect.description,
                "fixed_at": time_str(defect.fixed_at),
            }
            for defect in handover.defects
        ],
        "signatures": {
            "transferor": signature(handover.transferor_signed_by_id,
                                    handover.transferor_signed_at),
            "receiver": signature(handover.receiver_signed_by_id, handover.receiver_signed_at),
            "committee": [
                {
                    "community": community_codes.get(row.community_id),
                    "by": names.get(row.signed_by_id),
                    "at": time_str(row.signed_at),
                }
                for row in committee_rows
            ],
            "committee_required": bool(committees_for(session, handover)),
        },
        "effective_on": date_str(handover.effective_on),
        "events": [
            {
                "at": time_str(event.at),
                "actor": event.actor.username if event.actor else None,
                "action": event.action,
                "status": event.status_after,
                "note": event.note or "",
            }
            for event in events
        ],
    }


# --- the backlog -------------------------------------------------------------------------------


def backlog_json(backlog: Backlog) -> dict:
    """The overdue utility assets with their counts by category, street and receiver.

    `backlog`: from handover_backlog_rows (each item a BacklogRow of codes).
    """
    return {
        "items": [
            {
                "asset": item.asset,
                "category": item.category,
                "community": item.community,
                "street": item.street,
                "project": item.project,
                "accepted_on": date_str(item.accepted_on),
                "days_overdue": item.days_overdue,
                "handover": item.handover,
                "handover_status": item.handover_status.value if item.handover else None,
                "receiver": ({"org": item.receiver[0], "name": item.receiver[1]}
                             if item.receiver else None),
            }
            for item in backlog.items
        ],
        "total": len(backlog.items),
        "by_category": dict(sorted(backlog.by_category.items())),
        "by_street": dict(sorted(backlog.by_street.items())),
        "by_receiver": dict(sorted(backlog.by_receiver.items())),
    }


# --- The shapes above, as typed answers (the OpenAPI document is built from them) --------------

Scope = Literal[SCOPES]
HandoverStatusName = Literal[tuple(status.value for status in HandoverStatus)]
Username = Annotated[str | None, Field(description="The username of who did it.")]
Counts = dict[str, Annotated[int, Field(ge=1)]]


class ProjectCommunityAnswer(Answer):
    code: CodeText
    name: str
    committee_signed_at: Moment | None
    committee_signed_by: Username
    committee_required: Annotated[bool, Field(description=(
        "The community has an active owners' committee, whose sign-off acceptance needs."))]


class ProjectItemAnswer(Answer):
    kind: Literal[tuple(sorted(ITEM_KINDS))]
    item_class: Annotated[Literal[tuple(c.value for c in ItemClass)], Field(alias="class")]
    category: CategoryCode | None
    community: CodeText | None
    contractor: OrgRef | None
    description: str


class ProjectAnswer(Answer):
    """A renovation project with its communities' sign-offs, items and acceptance."""

    code: CodeText
    name: str
    year: Annotated[int, Field(ge=1990, le=2100)]
    contractor: OrgRef | None
    completed_on: DateText | None
    accepted_on: DateText | None
    satisfaction_rate: Annotated[decimal_text(4, example="0.9500") | None, Field(
        description="The acceptance survey's satisfaction, 4 places.")]
    satisfaction_source: Annotated[str | None, Field(
        json_schema_extra={"enum": ["survey", "typed", None]},
        description="Where the rate came from: the project's survey, or typed with a reason.")]
    satisfaction_survey: Annotated[str | None, Field(description="The survey's code.")]
    participation_rate: Annotated[decimal_text(4, example="0.9500") | None, Field(
        description="Households that answered the survey / households asked, 4 places.")]
    satisfaction_reason: Annotated[str | None, Field(
        description="Why the rate was typed instead of the survey's.")]
    accepted_by: Username
    acceptance_note: str
    management_override: Annotated[str | None, Field(description=(
        "Why the project was accepted although a community had no long-term management "
        "arrangement; null where none was needed."))]
    communities: list[ProjectCommunityAnswer]
    items: list[ProjectItemAnswer]


class AssetPlace(Answer):
    """Where an asset is."""

    code: CodeText
    category: CategoryCode
    community: CodeText
    building: CodeText | None
    unit: CodeText | None


class WarrantyAnswer(Answer):
    contractor: OrgRef | None
    until: Annotated[DateText | None, Field(description=(
        "The last day covered: the statutory minimum or the contract's date if later."))]
    contract_until: DateText | None
    in_warranty_today: bool


class MaintainerAnswer(OrgRef):
    start: DateText
    end: DateText | None
    handover: CodeText | None


class ParkingSpaces(Answer):
    """A parking asset's spaces (docs/domain.md#parking)."""

    spaces: Annotated[int, Field(gt=0)]
    space_numbers: Annotated[str, Field(description="As painted; may be empty.")]


class AssetAnswer(AssetPlace):
    """An asset with its warranty, today's maintainer and every earlier maintainer."""

    name: str
    scope: Scope
    project: CodeText | None
    warranty: WarrantyAnswer
    parking: Annotated[ParkingSpaces | None, Field(description=(
        "Its parking spaces, for a `parking` asset; null for any other."))]
    maintainer: Annotated[OrgRef | None, Field(description="Today's maintainer.")]
    maintainers: Annotated[list[MaintainerAnswer], Field(description=(
        "Every maintainer, oldest first; `end` null while current."))]


class InspectionAnswer(Answer):
    on: DateText
    participants: str


class DefectAnswer(Answer):
    index: Annotated[int, Field(ge=0)]
    description: str
    fixed_at: Moment | None


class SignatureAnswer(Answer):
    by: Username
    at: Moment


class CommitteeSignatureAnswer(SignatureAnswer):
    community: CodeText | None


class SignaturesAnswer(Answer):
    transferor: SignatureAnswer | None
    receiver: SignatureAnswer | None
    committee: list[CommitteeSignatureAnswer]
    committee_required: bool


class HandoverEventAnswer(Answer):
    at: Moment
    actor: str | None
    action: str
    status: str
    note: str


class HandoverAnswer(Answer):
    """A hand-over with its assets, inspection, defects, signatures and trail."""

    code: CodeText
    status: HandoverStatusName
    from_org: Annotated[OrgRef, Field(alias="from")]
    to: OrgRef
    assets: list[AssetPlace]
    submitted_at: Moment | None
    return_reason: str
    inspection: InspectionAnswer | None
    defects: list[DefectAnswer]
    signatures: SignaturesAnswer
    effective_on: DateText | None
    events: list[HandoverEventAnswer]


class BacklogItemAnswer(Answer):
    asset: CodeText
    category: CategoryCode
    community: CodeText
    street: CodeText
    project: CodeText
    accepted_on: DateText
    days_overdue: Annotated[int, Field(ge=1)]
    handover: CodeText | None
    handover_status: HandoverStatusName | None
    receiver: Annotated[OrgRef | None, Field(description=(
        "The open hand-over's receiver, else the one utility serving the category nearest "
        "the street."))]


class HandoverBacklogAnswer(Answer):
    """The overdue utility assets, oldest acceptance first, with their counts."""

    items: list[BacklogItemAnswer]
    total: Annotated[int, Field(ge=0)]
    by_category: Counts
    by_street: Counts
    by_receiver: Annotated[Counts, Field(description=(
        "By receiver code; `-` where no single receiver is known."))]
