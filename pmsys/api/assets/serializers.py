"""JSON shapes of projects, assets, hand-overs and the backlog (docs/api.md#register, #handovers),
with their schemas.

Each shape sits next to the OpenAPI schema that documents it, so the two are
changed together; pmsys/api/assets/docs.py registers the schemas next to the routes.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from pmsys import clock
from pmsys.api.helpers import date_str, decimal_str
from pmsys.api.openapi import CODE, DATE, DATETIME, nullable, ref
from pmsys.api.refs import org_ref
from pmsys.assets import warranty
from pmsys.assets.services.backlog import Backlog
from pmsys.assets.services.handovers import committees_for
from pmsys.assets.services.register import maintainer_on
from pmsys.categories import CODES as CATEGORY_CODES
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

SCOPES = ("community", "building", "unit")
RATIO = {"type": "string", "pattern": r"^\d\.\d{4}$", "examples": ["0.9500"]}


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
        "accepted_by": names.get(project.accepted_by_id),
        "acceptance_note": project.acceptance_note or "",
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
    """The overdue utility assets with their counts by category, street and receiver."""
    return {
        "items": [
            {
                "asset": item.asset.code,
                "category": item.asset.category,
                "community": item.community.code,
                "street": item.street.code,
                "project": item.project.code,
                "accepted_on": date_str(item.project.accepted_on),
                "days_overdue": item.days_overdue,
                "handover": item.handover.code if item.handover else None,
                "handover_status": item.handover.status.value if item.handover else None,
                "receiver": org_ref(item.receiver),
            }
            for item in backlog.items
        ],
        "total": len(backlog.items),
        "by_category": dict(sorted(backlog.by_category.items())),
        "by_street": dict(sorted(backlog.by_street.items())),
        "by_receiver": dict(sorted(backlog.by_receiver.items())),
    }


# --- OpenAPI schemas of the shapes above --------------------------------------------------------

_CATEGORY = {"type": "string", "enum": sorted(CATEGORY_CODES)}
_USERNAME = nullable({"type": "string", "description": "The username of who did it."})
_COUNTS = {"type": "object", "additionalProperties": {"type": "integer", "minimum": 1}}
_SIGNATURE = nullable({
    "type": "object",
    "required": ["by", "at"],
    "properties": {"by": _USERNAME, "at": DATETIME},
})

_ASSET_PLACE = {
    "code": CODE,
    "category": _CATEGORY,
    "community": CODE,
    "building": nullable(CODE),
    "unit": nullable(CODE),
}

SCHEMAS: dict[str, dict] = {
    "Project": {
        "type": "object",
        "required": ["code", "name", "year", "contractor", "completed_on", "accepted_on",
                     "satisfaction_rate", "accepted_by", "acceptance_note", "communities",
                     "items"],
        "properties": {
            "code": CODE,
            "name": {"type": "string"},
            "year": {"type": "integer", "minimum": 1990, "maximum": 2100},
            "contractor": nullable(ref("OrgRef")),
            "completed_on": nullable(DATE),
            "accepted_on": nullable(DATE),
            "satisfaction_rate": nullable(
                {**RATIO, "description": "The acceptance survey's satisfaction, 4 places."}
            ),
            "accepted_by": _USERNAME,
            "acceptance_note": {"type": "string"},
            "communities": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["code", "name", "committee_signed_at", "committee_signed_by",
                                 "committee_required"],
                    "properties": {
                        "code": CODE,
                        "name": {"type": "string"},
                        "committee_signed_at": nullable(DATETIME),
                        "committee_signed_by": _USERNAME,
                        "committee_required": {
                            "type": "boolean",
                            "description": "The community has an active owners' committee, "
                            "whose sign-off acceptance needs.",
                        },
                    },
                },
            },
            "items": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["kind", "class", "category", "community", "contractor",
                                 "description"],
                    "properties": {
                        "kind": {"type": "string", "enum": sorted(ITEM_KINDS)},
                        "class": {"type": "string", "enum": [c.value for c in ItemClass]},
                        "category": nullable(_CATEGORY),
                        "community": nullable(CODE),
                        "contractor": nullable(ref("OrgRef")),
                        "description": {"type": "string"},
                    },
                },
            },
        },
    },
    "Asset": {
        "type": "object",
        "required": ["code", "name", "category", "community", "building", "unit", "scope",
                     "project", "warranty", "maintainer", "maintainers"],
        "properties": {
            **_ASSET_PLACE,
            "name": {"type": "string"},
            "scope": {"type": "string", "enum": list(SCOPES)},
            "project": nullable(CODE),
            "warranty": {
                "type": "object",
                "required": ["contractor", "until", "contract_until", "in_warranty_today"],
                "properties": {
                    "contractor": nullable(ref("OrgRef")),
                    "until": nullable({**DATE, "description": "The last day covered: the "
                                       "statutory minimum or the contract's date if later."}),
                    "contract_until": nullable(DATE),
                    "in_warranty_today": {"type": "boolean"},
                },
            },
            "maintainer": nullable({**ref("OrgRef"), "description": "Today's maintainer."}),
            "maintainers": {
                "type": "array",
                "description": "Every maintainer, oldest first; `end` null while current.",
                "items": {
                    "type": "object",
                    "required": ["org", "name", "start", "end", "handover"],
                    "properties": {
                        "org": CODE,
                        "name": {"type": "string"},
                        "start": DATE,
                        "end": nullable(DATE),
                        "handover": nullable(CODE),
                    },
                },
            },
        },
    },
    "Handover": {
        "type": "object",
        "required": ["code", "status", "from", "to", "assets", "submitted_at", "return_reason",
                     "inspection", "defects", "signatures", "effective_on", "events"],
        "properties": {
            "code": CODE,
            "status": {"type": "string", "enum": [s.value for s in HandoverStatus]},
            "from": ref("OrgRef"),
            "to": ref("OrgRef"),
            "assets": {
                "type": "array",
                "items": {"type": "object", "required": list(_ASSET_PLACE),
                          "properties": _ASSET_PLACE},
            },
            "submitted_at": nullable(DATETIME),
            "return_reason": {"type": "string"},
            "inspection": nullable({
                "type": "object",
                "required": ["on", "participants"],
                "properties": {"on": DATE, "participants": {"type": "string"}},
            }),
            "defects": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["index", "description", "fixed_at"],
                    "properties": {
                        "index": {"type": "integer", "minimum": 0},
                        "description": {"type": "string"},
                        "fixed_at": nullable(DATETIME),
                    },
                },
            },
            "signatures": {
                "type": "object",
                "required": ["transferor", "receiver", "committee", "committee_required"],
                "properties": {
                    "transferor": _SIGNATURE,
                    "receiver": _SIGNATURE,
                    "committee": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["community", "by", "at"],
                            "properties": {"community": nullable(CODE), "by": _USERNAME,
                                           "at": DATETIME},
                        },
                    },
                    "committee_required": {"type": "boolean"},
                },
            },
            "effective_on": nullable(DATE),
            "events": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["at", "actor", "action", "status", "note"],
                    "properties": {
                        "at": DATETIME,
                        "actor": nullable({"type": "string"}),
                        "action": {"type": "string"},
                        "status": {"type": "string"},
                        "note": {"type": "string"},
                    },
                },
            },
        },
    },
    "HandoverBacklog": {
        "type": "object",
        "required": ["items", "total", "by_category", "by_street", "by_receiver"],
        "properties": {
            "items": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["asset", "category", "community", "street", "project",
                                 "accepted_on", "days_overdue", "handover", "handover_status",
                                 "receiver"],
                    "properties": {
                        "asset": CODE,
                        "category": _CATEGORY,
                        "community": CODE,
                        "street": CODE,
                        "project": CODE,
                        "accepted_on": DATE,
                        "days_overdue": {"type": "integer", "minimum": 1},
                        "handover": nullable(CODE),
                        "handover_status": nullable(
                            {"type": "string", "enum": [s.value for s in HandoverStatus]}
                        ),
                        "receiver": nullable({
                            **ref("OrgRef"),
                            "description": "The open hand-over's receiver, else the one "
                            "utility serving the category nearest the street.",
                        }),
                    },
                },
            },
            "total": {"type": "integer", "minimum": 0},
            "by_category": _COUNTS,
            "by_street": _COUNTS,
            "by_receiver": {**_COUNTS, "description": "By receiver code; `-` where no "
                            "single receiver is known."},
        },
    },
}
