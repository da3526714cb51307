"""Building leaders and grid workers (docs/domain.md#building-leaders): the buildings assigned
to them, and who assigns them."""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, select, true

from pmsys import clock
from pmsys.auth.permissions.communities import _is_user
from pmsys.models.auth import BUILDING_ROLES, OrgKind, Role
from pmsys.models.leaders import BuildingAssignment
from pmsys.models.places import Community


def assigned_building_ids(user_id: int):
    """A selectable of the buildings assigned to a user today (a leader's, a grid worker's)."""
    today = clock.today()
    return select(BuildingAssignment.building_id).where(
        BuildingAssignment.user_id == user_id,
        BuildingAssignment.start <= today,
        or_(BuildingAssignment.end.is_(None), BuildingAssignment.end >= today),
    )


def has_buildings(actor) -> bool:
    """Whether `actor`'s role reaches by assigned buildings: a building leader, a grid worker."""
    return _is_user(actor) and actor.role in BUILDING_ROLES


def may_file_for_households(actor) -> bool:
    """Whether `actor` files tickets for the households of their buildings (channel proxy)."""
    return has_buildings(actor)


def may_record_visits(actor) -> bool:
    """Whether `actor` records follow-up visits (on the tickets of their buildings)."""
    return has_buildings(actor)


# The role each assignment page and route names, by its path word.
ASSIGNED_ROLES = {"building-leaders": Role.building_leader, "grids": Role.grid_worker}


def assignment_clause(actor) -> ColumnElement[bool]:
    """The filter on Community for the communities whose building leaders and grid workers
    `actor` assigns: the street office of the community's street, or its community office;
    a sysadmin every community."""
    if not _is_user(actor):
        return false()
    if actor.role is Role.sysadmin:
        return true()
    org = actor.organization
    if actor.role is not Role.street_officer or org is None:
        return false()
    if org.kind is OrgKind.community_office:
        return Community.community_office_id == org.id
    if org.kind is OrgKind.street_office and org.region_id is not None:
        return Community.street_id == org.region_id
    return false()
