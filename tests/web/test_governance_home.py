"""The home pages' governance panels: votes open or coming, committee terms ending soon."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from pmsys import clock
from pmsys.extensions import db
from pmsys.governance.services import votes
from pmsys.models.governance import Committee, CommitteeStatus
from tests.web.test_governance_pages import squash
from tests.world import NOW, build_world

TITLE = "关于选聘物业服务企业的表决"


@pytest.fixture
def world(db):
    world = build_world()
    votes.convene(db.session, world.users["committee_a"], world.communities["CA"],
                  matter="hire_manager", title=TITLE, opens_at=NOW,
                  closes_at=NOW + timedelta(days=7))
    committee = db.session.scalar(select(Committee).where(
        Committee.community_id == world.communities["CA"].id,
        Committee.status == CommitteeStatus.active))
    committee.term_start = date(2022, 1, 1)
    committee.term_end = clock.today() + timedelta(days=30)
    db.session.commit()
    return world


@pytest.mark.parametrize(("who", "sees_vote"), [
    ("resident_a", True), ("tenant_a", True), ("committee_a", True), ("officer", True),
    ("resident_b", False), ("manager_a", False), ("operator_in", False), ("bureau", False),
])
def test_the_home_page_lists_the_votes_the_user_takes_part_in(client, login_as, world, who,
                                                              sees_vote):
    login_as(world.users[who])
    page = squash(client.get("/"))
    assert (TITLE in page) is sees_vote


@pytest.mark.parametrize(("who", "warned"), [
    ("officer", True), ("bureau", True), ("committee_a", True), ("sysadmin", True),
    ("resident_a", False), ("manager_a", False), ("operator_in", False),
])
def test_the_home_page_warns_of_committee_terms_ending_soon(client, login_as, world, who,
                                                            warned):
    login_as(world.users[who])
    page = client.get("/").get_data(as_text=True)
    assert ('href="/communities/CA/committee"' in page and 'id="terms-ending"' in page) is warned


def test_a_term_ending_later_than_the_warning_window_is_not_listed(client, login_as, world):
    committee = db.session.scalar(select(Committee).where(
        Committee.community_id == world.communities["CA"].id))
    committee.term_end = clock.today() + timedelta(days=91)
    db.session.commit()
    login_as(world.users["officer"])
    page = client.get("/").get_data(as_text=True)
    assert 'id="terms-ending"' in page and 'href="/communities/CA/committee"' not in page
