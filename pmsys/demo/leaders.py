"""Demo building leaders and a grid worker (docs/domain.md#building-leaders), through the
services, as the demo logins would.

In 供销楼 (GXL, community office 东城社区居委会) two resident volunteers lead buildings:
`louzhang` building 1, `louzhang2` buildings 2 and 3; the office's grid worker `wangge` has a
grid of GXL's and 统建家属楼's (TJJSL) buildings. The office (`shequ`) assigns them;
`louzhang` files a ticket for an elderly owner of building 1 without a phone and records a
follow-up visit. A second run finds the logins and adds nothing.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from pmsys.auth.passwords import hash_password
from pmsys.demo.places import DEMO_PASSWORD
from pmsys.models.auth import Organization, Role, User
from pmsys.models.places import Building, Community, Household, Unit
from pmsys.tickets.services import file_for_household, leaders

OFFICE = "shequ"  # street_officer of the community office SLQ-DC
GRID_ORG = "SLQ-DC"
# (username, community, buildings, description)
LEADERS = (
    ("louzhang", "GXL", ("1",), "building_leader — 供销楼 1号楼 (a resident volunteer)"),
    ("louzhang2", "GXL", ("2", "3"), "building_leader — 供销楼 2、3号楼"),
)
GRID = ("wangge", ("GXL", "TJJSL"), "grid_worker — 东城社区居委会, grid 供销楼 + 统建家属楼")
LEADER_LOGINS: list[tuple[str, str, str]] = [
    *((name, DEMO_PASSWORD, text) for name, _, _, text in LEADERS),
    (GRID[0], DEMO_PASSWORD, GRID[2]),
]


def _households(session: Session, community: str, building: str) -> list[Household]:
    return list(session.scalars(
        select(Household).join(Unit, Unit.id == Household.unit_id)
        .join(Building, Building.id == Unit.building_id)
        .join(Community, Community.id == Building.community_id)
        .where(Community.code == community, Building.code == building)
        .order_by(Unit.code, Household.code)))


def _login(session: Session, username: str, role: Role, **fields) -> User:
    user = User(username=username, password_hash=hash_password(DEMO_PASSWORD), role=role,
                **fields)
    session.add(user)
    session.flush()
    return user


def build_leader_examples(session: Session) -> dict[str, int]:
    """The demo's building leaders, grid worker, a proxy-filed ticket and a visit."""
    office = session.scalar(select(User).where(User.username == OFFICE))
    grid_org = session.scalar(select(Organization).where(Organization.code == GRID_ORG))
    counts = {"leaders": 0, "grids": 0, "tickets": 0, "visits": 0}
    if office is None or grid_org is None or session.scalar(
            select(User.id).where(User.username == LEADERS[0][0])) is not None:
        return counts
    logins = set(session.scalars(select(User.person_id).where(User.person_id.is_not(None))))
    first = None
    for username, code, buildings, _ in LEADERS:
        # The volunteer owns the last home of their first building and has no login yet.
        home = next(h for h in reversed(_households(session, code, buildings[0]))
                    if h.owner_id not in logins)
        logins.add(home.owner_id)
        user = _login(session, username, Role.building_leader, person_id=home.owner_id)
        community = leaders.assigner_community(session, office, code)
        leaders.assign(session, office, community, "building-leaders", user=username,
                       buildings=list(buildings))
        counts["leaders"] += 1
        first = first or (user, code, buildings[0])
    worker = _login(session, GRID[0], Role.grid_worker, organization_id=grid_org.id)
    for code in GRID[1]:
        community = leaders.assigner_community(session, office, code)
        codes = list(session.scalars(select(Building.code).where(
            Building.community_id == community.id).order_by(Building.code)))
        leaders.assign(session, office, community, "grids", user=worker.username,
                       buildings=codes)
        counts["grids"] += 1
    leader, code, building = first
    elderly = next(h for h in _households(session, code, building) if h.owner_id not in logins)
    ticket = file_for_household(session, leader, household=elderly.place_code,
                                category="water_supply", inside_home=True,
                                description="独居老人家中水龙头漏水，老人没有手机，楼栋长代报")
    counts["tickets"] += 1
    leaders.record_visit(session, leader, ticket, outcome="not_resolved",
                         note="上门看过，维修人员尚未到场，老人已知晓处理进度")
    counts["visits"] += 1
    return counts
