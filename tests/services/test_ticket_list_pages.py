"""Pages of ticket lists: each page is the slice of the whole list a caller sees.

A page newest first is cut from the union of the newest tickets of each way the caller
sees tickets (queries._page_ids: reporter, who entered it, assignee, community), so
that the database reads a few index entries per branch instead of every ticket's row.
These tests hold every page, for every login of the ticket world, to the plain
ordered query it replaces, with tickets seen several ways and times that tie.
"""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import select

from pmsys.extensions import db
from pmsys.models.tickets import Ticket
from pmsys.tickets import queries
from pmsys.tickets.services.filing import file_for_household
from tests.statements import statements_sent
from tests.ticket_world import NOW, build_ticket_world, file_as

# (login, fields): residents of CA, CB and CC, a hotline call, and several categories, so
# that logins see tickets as reporter, as the one who entered it, as assignee (water, roof,
# lighting) and by community (managers, committee, street offices, bureau); the fixture
# adds a building leader's filings for households (their residents, leaders, grid workers).
FILINGS = (
    ("resident_a", {"building": "1"}),
    ("resident_a", {"category": "lighting"}),
    ("resident_a", {"category": "roof_leak", "building": "1"}),
    ("resident_b", {"community": "CB", "category": "lighting"}),
    ("resident_b", {"community": "CB"}),
    ("resident_ac", {"community": "CC"}),
    ("tenant_a", {"category": "lighting"}),
    ("officer", {"caller": {"name": "王大爷", "phone": "13912345678"}}),
    ("officer", {"category": "lighting", "caller": {"name": "李阿姨"}}),
    ("bureau", {"community": "CC", "category": "lighting", "caller": {"name": "张师傅"}}),
)


@pytest.fixture
def world(db):
    world = build_ticket_world()
    rng = random.Random(20261208)
    for _round in range(4):
        for login, fields in FILINGS:
            file_as(world, login, **fields)
        # For a household of the leader's building (channel proxy): its residents see it,
        # and the leaders of the building.
        for household in ("CA/1/1/101", "CA/1/1/102"):
            file_for_household(db.session, world.users["leader_a"], household=household,
                               category="water_supply", description="厨房水管漏水")
        db.session.commit()
    # Times spread over a month, several tickets on the same second (ties go by id).
    for ticket in db.session.scalars(select(Ticket)):
        ticket.reported_at = NOW - timedelta(hours=rng.choice(range(0, 720, 7)))
    db.session.commit()
    return world


def everything(conditions) -> list[int]:
    """The whole list, newest first, as the plain query reads it."""
    return list(db.session.scalars(select(Ticket.id).where(*conditions)
                                   .order_by(*queries.NEWEST_FIRST)))


def test_every_page_is_the_slice_of_the_whole_list_for_every_login(world):
    for login, user in world.users.items():
        conditions = queries.ticket_conditions(user)
        whole = everything(conditions)
        if login in ("resident_a", "leader_a", "grid_a", "operator_in", "manager_a"):
            assert len(whole) > 7, login  # several pages, seen more than one way
        for per_page in (1, 4, 7):
            pages = -(-len(whole) // per_page)
            for page in range(1, pages + 2):
                views, total = queries.page_of(db.session, conditions, page, per_page,
                                               trail=False)
                assert total == len(whole), login
                assert [view.id for view in views] == \
                    whole[(page - 1) * per_page:page * per_page], (login, per_page, page)


@pytest.mark.parametrize("filters", [{"status": "assigned"}, {"category": "lighting"},
                                     {"community": "CA"}])
def test_filtered_pages_are_slices_of_the_filtered_list(world, filters):
    for login in ("operator_in", "manager_a", "officer", "resident_a", "bureau"):
        conditions = queries.ticket_conditions(world.users[login], **filters)
        whole = everything(conditions)
        for page in range(1, -(-len(whole) // 3) + 2):
            views, total = queries.page_of(db.session, conditions, page, 3, trail=False)
            assert (total, [view.id for view in views]) == \
                (len(whole), whole[(page - 1) * 3:page * 3]), (login, page)


def test_a_page_past_the_end_clamps_to_the_last_one(world):
    conditions = queries.ticket_conditions(world.users["manager_a"])
    whole = everything(conditions)
    views, total = queries.page_of(db.session, conditions, 99, 5, trail=False, clamp=True)
    last = -(-len(whole) // 5)
    assert total == len(whole)
    assert [view.id for view in views] == whole[(last - 1) * 5:]


def test_a_page_is_cut_from_each_way_the_caller_sees_tickets(world):
    """The operator sees tickets it entered or that are assigned to it: two branches, each
    read newest first up to the page's end (and on PostgreSQL counted as the union of
    their ids). A sysadmin sees every ticket: no branches."""
    def page_statement(login: str) -> str:
        conditions = queries.ticket_conditions(world.users[login])
        with statements_sent(db.engine) as statements:
            queries.page_of(db.session, conditions, 2, 5, trail=False)
        return next(text for text in statements if "count(*)" in text)

    operator = page_statement("operator_in")
    # PostgreSQL also counts the union of the branches' ids (queries._counted).
    assert operator.count("UNION") == (2 if db.engine.dialect.name == "postgresql" else 1)
    assert operator.count("LIMIT") == 3  # each branch to the page's end, then the page
    assert "UNION" not in page_statement("sysadmin")
