"""The housing bureau's report pages in a real browser at 390 px.

The bureau admin of district D1 (login bureau: CA and CC) opens every report of the main
menu and every page its home page links to; each must fit the phone and be in Chinese,
with every grouping its filter offers, and each report's Excel download must answer.
On top of the ticket world (tests/ticket_world.py), the module adds a month of work
done through the services: tickets filed, answered, fixed, rated and one disputed in
CA in May 2025, CA's fee with three months of bills and two payments, and three
utility assets of a project accepted in 2024 that nobody took over (the backlog).
"""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from pmsys import clock
from pmsys.fees import services as fees
from pmsys.models.assets import Asset, Project
from pmsys.models.auth import User
from pmsys.models.places import Community
from pmsys.spreadsheets import XLSX_MIMETYPE
from pmsys.tickets.services import file_ticket, take_action
from tests.browser.conftest import check_page, login
from tests.ticket_world import NOW

# resident_a's reports in CA: (category, days before NOW, steps: (login, action, hours after))
WORK = (
    ("water_supply", 20, (("operator_in", "accept", 1), ("operator_in", "resolve", 20),
                          ("resident_a", "confirm", 30))),
    ("lighting", 15, (("manager_a", "accept", 2), ("manager_a", "resolve", 70),
                      ("resident_a", "confirm", 80))),
    ("water_supply", 9, (("operator_in", "dispute", 3), ("officer", "reassign", 6))),
    ("lighting", 4, (("manager_a", "accept", 30),)),
    ("water_supply", 2, ()),
)


def _do_a_month_of_work(live) -> None:
    with live.session() as session:
        users = {u.username: u for u in session.scalars(select(User))}
        for category, days, steps in WORK:
            filed_at = NOW - timedelta(days=days)
            with clock.frozen(filed_at):
                ticket = file_ticket(session, users["resident_a"], category=category,
                                     community="CA", building="1", description="楼道设施故障")
            for login_name, action, hours in steps:
                with clock.frozen(filed_at + timedelta(hours=hours)):
                    take_action(session, users[login_name], ticket, action, note="已处理",
                                rating=4 if action == "confirm" else None,
                                org="PM-A" if action == "reassign" else None)
        community = session.scalar(select(Community).where(Community.code == "CA"))
        with clock.frozen(NOW):
            fees.set_standard(session, users["manager_a"], community,
                              price_per_m2_month="0.50", start="2025-01-01")
            for month in ("2025-04", "2025-05", "2025-06"):
                fees.run_billing(session, "scheduler", month)
            fees.post_payment(session, users["manager_a"], receipt_no="R-1", amount="62.50",
                              household="CA/1/1/101", paid_on=date(2025, 5, 10),
                              method="cash")
            fees.post_payment(session, users["manager_a"], receipt_no="R-2", amount="35.00",
                              household="CA/2/1/201", paid_on=date(2025, 5, 28),
                              method="bank", period_text="2025-05")
        # A project accepted in 2024 whose utility assets were never handed over: the
        # backlog (past the 90 days of docs/domain.md#backlog), in both streets of D1.
        project = Project(code="P-2024", name="2024年老旧小区改造", year=2024,
                          completed_on=date(2024, 10, 20), accepted_on=date(2024, 11, 15))
        cc = session.scalar(select(Community).where(Community.code == "CC"))
        session.add_all([project] + [
            Asset(code=code, name=name, category=category, community=place, project=project)
            for code, name, category, place in (
                ("CA-HT-24", "供热管网", "heating", community),
                ("CA-PW-24", "供电线路", "power", community),
                ("CC-WS-24", "供水管网", "water_supply", cc))])
        session.commit()


@pytest.fixture(scope="module")
def bureau_world(live):
    clock.set_now(NOW)
    try:
        _do_a_month_of_work(live)
    finally:
        clock.set_now(None)
    return live


REPORTS = {  # the main menu's report links: path → the filter a reader regroups by
    "/reports/handover-backlog": None,
    "/reports/collection": "level",
    "/reports/tickets": "group",
    "/reports/coverage": "level",
}


def assert_download_is_a_workbook(page, live) -> None:
    link = page.locator("main a[download]")
    assert link.count() == 1, page.url
    answer = page.request.get(live.url(link.get_attribute("href")))
    assert answer.status == 200, link.get_attribute("href")
    assert answer.headers["content-type"] == XLSX_MIMETYPE
    assert answer.body()[:2] == b"PK"  # a zip: an Office Open XML workbook


def test_the_bureau_reads_every_report_on_a_phone_and_downloads_each(bureau_world, walk):
    live, page = bureau_world, walk.page
    walk.open(live.url("/login"))
    login(walk, "bureau")
    check_page(page)
    menu = [urlsplit(href).path for href in page.locator("nav.mainnav a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))")]
    assert set(REPORTS) <= set(menu)

    for path, regroup in REPORTS.items():
        walk.tap(f"nav.mainnav a[href='{path}']")
        assert urlsplit(page.url).path == path
        check_page(page)
        assert page.locator("main table tbody tr").count() >= 1, path  # it has figures
        assert_download_is_a_workbook(page, live)
        if regroup is None:
            continue
        options = page.locator(f"select[name={regroup}] option").evaluate_all(
            "options => options.map(o => o.value)")
        assert len(options) >= 2, path
        for value in options:
            walk.choose(f"select[name={regroup}]", value)
            walk.tap("form.filters button[type=submit]")
            assert f"{regroup}={value}" in page.url
            check_page(page)
            assert page.locator("main table tbody tr").count() >= 1, (path, value)
            assert_download_is_a_workbook(page, live)


def bars(page, chart_id: str) -> int:
    return page.locator(f"#{chart_id} svg[role=img] g.bar").count()


def test_the_report_pages_draw_their_charts_from_the_data(bureau_world, walk):
    live, page = bureau_world, walk.page
    walk.open(live.url("/login?next=/reports/tickets"))
    login(walk, "bureau")
    assert urlsplit(page.url).path == "/reports/tickets"
    # The last 30 days, shown in the filter: five tickets, two confirmed, one disputed.
    assert (page.locator("input[name=from]").input_value(),
            page.locator("input[name=to]").input_value()) == ("2025-05-04", "2025-06-02")
    assert page.locator("section.stats .stat-value").first.inner_text() == "5"
    assert page.locator("main svg[role=img]").count() == 4
    # By organisation: the utility W-D1 and the property company PM-A.
    for chart in ("chart-response", "chart-on-time", "chart-satisfaction"):
        assert bars(page, chart) == 2, chart
    assert page.locator("#chart-months svg[role=img]").count() == 1
    assert page.locator("#disputes tfoot td").nth(1).inner_text() == "1"
    check_page(page)

    walk.open(live.url("/reports/collection?period=2025-05"))
    assert page.locator("#chart-trend svg[role=img]").count() == 1
    assert page.locator("#chart-arrears svg[role=img]").count() == 1
    assert "供销楼小区" in page.locator("main table").first.inner_text()
    check_page(page)

    walk.open(live.url("/reports/handover-backlog"))
    assert page.locator("section.stats .stat-value").first.inner_text() == "3"
    assert bars(page, "chart-backlog-category") == 3  # heating, power, water
    assert bars(page, "chart-backlog-street") == 2  # S1 (CA) and S3 (CC)
    check_page(page)


def test_every_page_the_bureaus_home_links_to_fits_the_phone_in_chinese(bureau_world, walk):
    live, page = bureau_world, walk.page
    walk.open(live.url("/login"))
    login(walk, "bureau")
    check_page(page)
    hrefs = page.locator("main a[href^='/']").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))")
    assert len(hrefs) >= 5
    for href in dict.fromkeys(hrefs):
        answer = walk.open(live.url(href))
        assert answer.status == 200, href
        check_page(page)
