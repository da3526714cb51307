"""The demo's building leaders and grid worker (pmsys/demo/leaders.py): printed logins, their
buildings, a ticket filed for a household and a visit."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pmsys.auth.passwords import verify_password
from pmsys.demo.leaders import LEADER_LOGINS, build_leader_examples
from pmsys.models.auth import Role, User
from pmsys.models.leaders import BuildingAssignment, TicketVisit
from pmsys.models.tickets import Channel, Ticket
from pmsys.tickets.services import leaders

pytestmark = pytest.mark.database("demo_region")


def test_the_demo_prints_two_leaders_and_a_grid_worker_who_log_in(db, demo_region):
    output = demo_region.result.output
    users = {u.username: u for u in db.session.scalars(select(User).where(
        User.username.in_([name for name, _, _ in LEADER_LOGINS])))}
    assert [users[name].role for name, _, _ in LEADER_LOGINS] == [
        Role.building_leader, Role.building_leader, Role.grid_worker]
    for username, password, _ in LEADER_LOGINS:
        assert f"  {username} " in output
        assert verify_password(users[username].password_hash, password)
    assert all(users[name].person_id for name in ("louzhang", "louzhang2"))


def test_the_demo_leader_sees_the_ticket_filed_for_a_household_with_its_visit(db, demo_region):
    leader = db.session.scalar(select(User).where(User.username == "louzhang"))
    proxy = db.session.scalars(select(Ticket).where(Ticket.channel == Channel.proxy)).one()
    assert proxy.filed_by_id == leader.id and proxy.household_id is not None
    listed = leaders.building_tickets(db.session, leader)
    assert proxy.id in [t.id for t in listed]
    assert {t.building_id for t in listed} == {proxy.building_id}  # building 1 only
    visit = db.session.scalars(select(TicketVisit)).one()
    assert (visit.ticket_id, visit.visitor_id) == (proxy.id, leader.id)
    grid = db.session.scalar(select(User).where(User.username == "wangge"))
    assert {b.community.code for b in leaders.my_buildings(db.session, grid)} == {"GXL", "TJJSL"}


def test_a_second_run_adds_nothing(db, demo_region):
    before = db.session.scalar(select(func.count()).select_from(BuildingAssignment))
    assert build_leader_examples(db.session) == {"leaders": 0, "grids": 0, "tickets": 0,
                                                 "visits": 0}
    assert db.session.scalar(select(func.count()).select_from(BuildingAssignment)) == before
