"""What each report request costs in SQL statements, whatever the number of rows it reports.

The ticket measures are one statement for the tickets and one for the disputes, however many
groups and tickets (tests/services/test_ticket_report_sql.py holds their figures to a plain
count); the hand-over backlog reads its assets (with their open hand-overs), their settings,
the receivers and the region tree once each. Speed itself is measured by
bench/city_reports.py, never asserted here.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from pmsys import clock
from pmsys.categories import UTILITY_CODES
from tests.api.asset_world import AssetFactory, Caller, build_asset_world
from tests.api.test_request_costs import counted
from tests.ticket_world import NOW, build_ticket_world, file_as

# The budgets: what each report request costs today (the token and its user included). Lower
# is welcome; higher is a regression to look at, not a number to raise without a reason.
A_YEAR_AGO = (NOW - timedelta(days=365)).date().isoformat()
TICKET_REPORT_STATEMENTS = 4  # the token with its user, the tickets' measures, the disputes,
#                              the follow-up calls
# By month or by category a bureau administrator (or street officer) first asks whether it
# sees every community: if so, the measures come from the monthly rollups.
ROLLUP_GROUPS = ("group=month", "group=category")
# By community or by organisation over a period with a whole month, on PostgreSQL: the bureau
# asks the same question (one more statement); a sysadmin sees every ticket without asking and
# reads which months stand, then their group rollups, whose groups add up to the total (one
# more than the per-ticket statement; a bureau that sees every community pays both: two more).
# pmsys/tickets/rollup.py.
GROUP_ROLLUP_PATHS = (f"/reports/tickets?group=community&from={A_YEAR_AGO}",
                      f"/reports/tickets?group=org&from={A_YEAR_AGO}")
# The backlog: the token with its user, the assets with their open hand-overs, settings (2),
# receivers, regions.
BACKLOG_STATEMENTS = 6
TICKET_REPORTS = ("/reports/tickets", "/reports/tickets?group=community",
                  f"/reports/tickets?group=month&from={A_YEAR_AGO}",
                  "/reports/tickets?group=category", "/reports/tickets?group=org&to=2025-06-02")


@pytest.fixture
def tickets_api(client, db):
    return Caller(client, build_ticket_world())


def file_tickets(world, count: int) -> None:
    """`count` tickets over the last 40 days, in two communities and several categories."""
    categories = ("water_supply", "lighting", "common_parts")
    for n in range(count):
        with clock.frozen(NOW - timedelta(days=n % 40, hours=n % 7)):
            file_as(world, "bureau", community=("CA", "CC")[n % 2],
                    category=categories[n % 3], description=f"楼道水管漏水 {n}")


@pytest.mark.parametrize("path", TICKET_REPORTS)
@pytest.mark.parametrize("tickets", [2, 40])
def test_a_ticket_report_costs_the_same_for_two_tickets_and_for_forty(tickets_api, path,
                                                                     tickets):
    file_tickets(tickets_api.world, tickets)
    tickets_api.get("bureau", "/me")  # issue the token and record its use
    with counted() as statements:
        response = tickets_api.get("bureau", path)
    assert response.status_code == 200, response.get_json()
    assert sum(item["filed"] for item in response.get_json()["items"]) == (
        response.get_json()["total"]["filed"])
    budget = TICKET_REPORT_STATEMENTS + any(group in path for group in ROLLUP_GROUPS)
    assert len(statements) == budget, "\n".join(statements)


@pytest.mark.parametrize("path", GROUP_ROLLUP_PATHS)
@pytest.mark.parametrize("login", ["bureau", "sysadmin"])
def test_a_report_by_group_over_whole_months_costs_one_statement_more_on_postgresql(
        tickets_api, db, path, login):
    file_tickets(tickets_api.world, 12)
    tickets_api.get(login, "/me")
    with counted() as statements:
        response = tickets_api.get(login, path)
    assert response.status_code == 200, response.get_json()
    # The bureau asks whether it sees every community (it does not: the per-ticket statement);
    # the sysadmin does without asking: which months stand, then the group rollups of those
    # months (written into the statement, for the planner), which give the total too.
    more = 1
    if db.session.get_bind().dialect.name != "postgresql":
        more = 0
    assert len(statements) == TICKET_REPORT_STATEMENTS + more, "\n".join(statements)


@pytest.mark.parametrize("extra", [0, 30])
def test_the_backlog_costs_the_same_for_a_few_assets_and_for_many(client, db, extra):
    world = build_asset_world()
    utilities = sorted(UTILITY_CODES)
    for n in range(extra):  # more overdue assets of the same project, across both streets
        community = world.communities[("CA", "CB")[n % 2]]
        AssetFactory(code=f"EXTRA-{n}", name=f"EXTRA-{n}", category=utilities[n % len(utilities)],
                     community=community, project=world.projects["P2021"])
    db.session.commit()
    api = Caller(client, world)
    api.get("bureau", "/me")
    with counted() as statements:
        response = api.get("bureau", "/reports/handover-backlog?on=2022-02-19")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["total"] == 4 + extra
    assert len(statements) == BACKLOG_STATEMENTS, "\n".join(statements)


# The three coverages: the token with its user and organisation, the reader's region, the
# counts per street, the regions, the communities with a gap.
THREE_COVERAGES_STATEMENTS = 5


@pytest.mark.parametrize("extra", [0, 30])
def test_the_three_coverages_cost_the_same_for_a_few_communities_and_for_many(client, db,
                                                                             extra):
    from datetime import date

    from pmsys.models.auth import OrgKind
    from pmsys.models.places import RegionKind
    from tests.factories import (
        CommunityFactory,
        ManagementTermFactory,
        OrganizationFactory,
        RegionFactory,
    )
    from tests.world import build_world

    world = build_world()
    district = world.streets["S1"].parent
    for n in range(extra):  # new streets of D1: some managed, some with a Party branch
        community = CommunityFactory(code=f"Z{n:02d}", street=RegionFactory(
            kind=RegionKind.street, parent=district))
        if n % 2:
            ManagementTermFactory(community=community, start=date(2024, 1, 1))
        if n % 3:
            OrganizationFactory(kind=OrgKind.party_organization, community=community)
    db.session.commit()
    api = Caller(client, world)
    api.get("bureau", "/me")
    with counted() as statements:
        response = api.get("bureau", "/reports/three-coverages")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["total"]["communities"] == 2 + extra
    assert len(statements) == THREE_COVERAGES_STATEMENTS, "\n".join(statements)


# The collection report: the token with its user, whether the bureau sees every community (it
# does not), the figures per group (collection, arrears and recovery in one statement), the
# trend.
COLLECTION_STATEMENTS = 4


@pytest.mark.parametrize("level", ["community", "street", "district", "mode"])
@pytest.mark.parametrize("as_of", ["", "2025-05-20"])
@pytest.mark.parametrize("extra", [0, 12])
def test_the_collection_report_costs_the_same_for_a_few_communities_and_for_many(
        client, db, level, as_of, extra):
    from decimal import Decimal

    from pmsys.fees import services
    from tests.factories import CommunityFactory, HouseholdFactory
    from tests.services.test_fee_reports import PERIODS, build_fee_world

    world = build_fee_world()
    admin = world.users["sysadmin"]
    street = world.communities["CA"].street
    added = []
    for n in range(extra):  # new communities of CA's street, billed every month, some paid
        community = CommunityFactory(code=f"Z{n:02d}", street=street)
        added.append(HouseholdFactory(unit__building__community=community,
                                      area=Decimal("40.00")))
        services.set_standard(db.session, admin, community, price_per_m2_month="1.00",
                              start="2024-01-01")
    for period in PERIODS if added else ():
        services.run_billing(db.session, "scheduler", period)
    for n, household in enumerate(added):
        if n % 3:
            services.post_payment(db.session, admin, receipt_no=f"Z-{n}", household=household,
                                  amount="20.00", paid_on="2025-05-10", method="cash",
                                  period_text="2025-05")
    db.session.commit()
    api = Caller(client, world)
    api.get("bureau", "/me")
    with counted() as statements:
        response = api.get("bureau", f"/reports/collection?period=2025-05&level={level}"
                                     + (f"&as_of={as_of}" if as_of else ""))
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    # The bureau sees CA (3 households) and CC (1), and the new communities of CA's street.
    assert answer["total"]["households_billed"] == 4 + extra
    assert sum(item["households_billed"] for item in answer["items"]) == 4 + extra
    assert len(answer["arrears"]["items"]) >= 1
    assert len(statements) == COLLECTION_STATEMENTS, "\n".join(statements)
