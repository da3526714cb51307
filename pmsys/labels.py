"""Words for codes that several layers show: modes, roles, kinds, hand-over steps, places.

The pages, the reports and the notification texts all name these the same way,
in the reader's language (lazy gettext: rendered when shown).
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from pmsys.models.assets import HandoverStatus
from pmsys.models.auth import OrgKind, Role

MODE_LABELS = {
    "professional": _l("Professional property company"),
    "self": _l("Owner self-management"),
    "community": _l("Community quasi-property service"),
    "original_unit": _l("Original unit"),
    "none": _l("No management"),
}

COMMITTEE_LABELS = {
    "active": _l("In office"),
    "none": _l("Not formed"),
    "preparing": _l("Being prepared"),
    "expired": _l("Expired"),
}

ROLE_LABELS = {
    Role.resident: _l("Resident"),
    Role.committee_member: _l("Owners' committee member"),
    Role.manager: _l("Property manager"),
    Role.operator: _l("Operator"),
    Role.street_officer: _l("Street officer"),
    Role.bureau_admin: _l("Housing bureau administrator"),
    Role.sysadmin: _l("System administrator"),
    Role.building_leader: _l("Building leader"),
    Role.grid_worker: _l("Grid worker"),
}

ORG_KIND_LABELS = {
    OrgKind.housing_bureau: _l("Housing bureau"),
    OrgKind.street_office: _l("Street office"),
    OrgKind.community_office: _l("Community office"),
    OrgKind.utility: _l("Utility"),
    OrgKind.property_company: _l("Property company"),
    OrgKind.self_management: _l("Self-management group"),
    OrgKind.original_unit: _l("Original property unit"),
    OrgKind.contractor: _l("Contractor"),
    OrgKind.maintainer: _l("Maintainer"),
    OrgKind.authority: _l("Authority"),
    OrgKind.owners_committee: _l("Owners' committee"),
    OrgKind.party_organization: _l("Party organisation"),
    OrgKind.parking_committee: _l("Parking committee"),
}


HANDOVER_STATUS_LABELS = {
    HandoverStatus.draft: _l("Draft"),
    HandoverStatus.submitted: _l("Submitted"),
    HandoverStatus.returned: _l("Returned"),
    HandoverStatus.inspected: _l("Inspected"),
    HandoverStatus.signed: _l("Signed"),
    HandoverStatus.effective: _l("Effective"),
}

# The steps of a hand-over's trail (HandoverEvent.action).
EVENT_LABELS = {
    "create": _l("Drafted"),
    "submit": _l("Submitted"),
    "return": _l("Returned"),
    "inspect": _l("Jointly inspected"),
    "fix_defect": _l("Defect fixed"),
    "sign": _l("Signed"),
    "effective": _l("Became effective"),
}


def address(building: str | None = None, unit: str | None = None,
            household: str | None = None, *, building_name: str | None = None,
            community: str | None = None) -> str:
    """A place as residents say it, "供销楼 1号楼 2单元 301室", from its codes (not "GXL/1/2/301").

    `building_name` is the building's own name where it has one; `community` the
    community's name, put first when given.
    """
    parts = [community] if community else []
    if building:
        parts.append(building_name or _("Building %(code)s", code=building))
    if unit:
        parts.append(_("Unit %(code)s", code=unit))
    if household:
        parts.append(_("Household %(code)s", code=household))
    return " ".join(parts)
