"""GET /reports/collection and /reports/collection.xlsx: filters, tables, SVG charts, Excel.

The fee world and its figures are those of tests/services/test_fee_reports.py.
"""

from __future__ import annotations

import re
from datetime import date
from io import BytesIO

import pytest
from openpyxl import load_workbook

from pmsys.fees import services
from tests.services.test_fee_reports import build_fee_world

URL = "/reports/collection"
EXPORT = "/reports/collection.xlsx"
QUERY = "?period=2025-05&as_of=2025-06-02"


@pytest.fixture
def world(db):
    return build_fee_world()


def page(login_as, world, who="sysadmin", query=QUERY, status=200) -> str:
    client = login_as(world.users[who])
    response = client.get(URL + query)
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    return response.get_data(as_text=True)


def table(html: str, heading_id: str) -> list[list[str]]:
    """The cells of each row (body and foot) of the table under the heading `heading_id`."""
    section = html.split(f'id="{heading_id}"', 1)[1].split("</section>", 1)[0]
    result = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", section, re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        if cells:
            result.append([re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", c)).strip()
                           for c in cells])
    return result


def charts(html: str) -> dict[str, str]:
    """Each chart's SVG by its section id."""
    return dict(re.findall(r'<section class="card chart" id="([^"]+)"[^>]*>.*?(<svg.*?</svg>)',
                           html, re.S))


def test_the_collection_table_per_community_with_the_total(login_as, world):
    rows = table(page(login_as, world), "collection-heading")
    assert rows == [
        ["供销楼小区 CA", "180.75", "82.50", "45.64 %", "3", "1", "33.33 %"],
        ["环卫院小区 CB", "55.00", "55.00", "100.00 %", "1", "1", "100.00 %"],
        ["无人管小区 CC", "40.00", "0.00", "0.00 %", "1", "0", "0.00 %"],
        [rows[3][0], "275.75", "137.50", "49.86 %", "5", "2", "40.00 %"],
    ]


def test_arrears_recovery_and_the_months(login_as, world):
    html = page(login_as, world)
    arrears = table(html, "arrears-heading")
    assert arrears[0] == ["供销楼小区 CA", "279.00", "180.75", "150.75", "110.75", "721.25"]
    assert arrears[-1][1:] == ["414.00", "275.75", "245.75", "205.75", "1,141.25"]
    recovery = table(html, "recovery-heading")
    assert recovery[0] == ["供销楼小区 CA", "723.00", "100.00", "13.83 %"]
    assert recovery[-1][1:] == ["1,103.00", "100.00", "9.07 %"]
    months = table(html, "trend-heading")
    assert [row[0] for row in months][::11] == ["2024-06", "2025-05"] and len(months) == 12
    assert months[0][1:4] == ["0.00", "0.00", "—"]


def test_the_charts_are_inline_svg_without_script_or_style(login_as, world):
    html = page(login_as, world)
    drawn = charts(html)
    assert set(drawn) == {"chart-trend", "chart-arrears"}
    for chart_id, svg in drawn.items():
        assert re.search(rf'<title id="{chart_id}-title">[^<]+</title>', svg)
        assert f'aria-labelledby="{chart_id}-title {chart_id}-desc"' in svg
    assert "<script" not in html and "style=" not in html
    trend = drawn["chart-trend"]
    # A column per month: 2024-10 collected 10.88 %, 2025-05 49.86 % of 120 units.
    heights = [float(h) for h in re.findall(r'class="column-value"[^>]*height="([0-9.]+)"',
                                            trend)]
    assert len(heights) == 12
    assert (heights[4], heights[-1]) == (13.1, 59.8)
    assert sum(heights) == pytest.approx(13.1 + 59.8)
    # The household line goes through the four months with bills.
    points = re.search(r'class="line-value" points="([^"]+)"', trend).group(1).split()
    assert len(points) == 4
    assert points[-1].endswith(",84.0")  # 40 % of the way up a 120-unit plot from 132
    arrears = drawn["chart-arrears"]
    widths = [float(w) for w in re.findall(r'class="bar-value"[^>]*width="([0-9.]+)"', arrears)]
    assert widths[0] == 200.0 and widths == sorted(widths, reverse=True)


@pytest.mark.parametrize("level, first_cells", [
    ("street", ["萨拉齐镇 S1", "沙河街道 S2", "双龙镇 S3"]),
    ("district", ["土右旗 D1", "九原区 D2"]),
])
def test_the_level_changes_the_rows(login_as, world, level, first_cells):
    rows = table(page(login_as, world, query=QUERY + f"&level={level}"), "collection-heading")
    assert [row[0] for row in rows[:-1]] == first_cells


@pytest.mark.parametrize("who, codes", [
    ("manager_a", ["CA"]), ("committee_a", ["CA"]), ("officer", ["CA"]),
    ("bureau", ["CA", "CC"]), ("manager_b", ["CB"]),
])
def test_each_reader_sees_only_its_communities(login_as, world, who, codes):
    html = page(login_as, world, who)
    for heading in ("collection-heading", "arrears-heading"):
        assert [row[0].split()[-1] for row in table(html, heading)[:-1]] == codes
    for hidden in {"CA", "CB", "CC"} - set(codes):
        assert f'<span class="code">{hidden}</span>' not in html


@pytest.mark.parametrize("who", ["resident_a", "operator_in"])
@pytest.mark.parametrize("url", [URL, EXPORT])
def test_residents_and_operators_are_refused(login_as, world, who, url):
    assert login_as(world.users[who]).get(url + QUERY).status_code == 403


@pytest.mark.parametrize("url", [URL, EXPORT])
def test_anonymous_is_sent_to_log_in(client, world, url):
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_default_is_the_latest_month_with_a_payment_as_of_today(login_as, world):
    html = page(login_as, world, "bureau", query="")
    assert 'value="2025-05"' in html and 'value="2025-06-02"' in html
    assert [row[0] for row in table(html, "collection-heading")[:-1]] == [
        "供销楼小区 CA", "无人管小区 CC"]
    link = re.search(r'href="(/reports/collection\.xlsx\?[^"]+)"', html).group(1)
    assert set(link.split("?", 1)[1].replace("&amp;", "&").split("&")) == {
        "period=2025-05", "as_of=2025-06-02", "level=community"}


def test_the_default_moves_to_the_current_month_once_something_is_paid_for_it(login_as, db,
                                                                            world):
    # June is billed but nothing is paid toward it: 0.00 % everywhere, so not the default.
    services.run_billing(db.session, "scheduler", "2025-06")
    db.session.commit()
    assert 'value="2025-05"' in page(login_as, world, "manager_a", query="")
    services.post_payment(db.session, world.users["manager_a"], receipt_no="R-0601",
                          household="CA/1/1/101", amount="62.50", paid_on=date(2025, 6, 1),
                          method="wechat", period_text="2025-06")
    db.session.commit()
    html = page(login_as, world, "manager_a", query="")
    assert 'value="2025-06"' in html
    assert table(html, "collection-heading")[0][:4] == [
        "供销楼小区 CA", "180.75", "62.50", "34.58 %"]


def test_without_any_payment_the_default_is_the_current_month(login_as, world):
    # CB's latest payment is for May; nothing is paid in CC, so its office reads this month.
    assert 'value="2025-05"' in page(login_as, world, "manager_b", query="")
    assert 'value="2025-06"' in page(login_as, world, "office_officer", query="")


@pytest.mark.parametrize("query, field", [
    ("?period=2025-13", "period"),
    ("?period=1969-12", "period"),
    ("?as_of=2025-02-30", "as_of"),
    ("?as_of=3000-01-01", "as_of"),
    ("?level=city", "level"),
])
@pytest.mark.parametrize("url", [URL, EXPORT])
def test_bad_filters_answer_400_with_the_error_on_the_field(login_as, world, query, field,
                                                            url):
    response = login_as(world.users["sysadmin"]).get(url + query)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    label = html.split(f'name="{field}"', 1)[1].split("</label>", 1)[1]
    assert label.lstrip().startswith('<p class="field-error">')
    assert 'id="collection-heading"' not in html


# --- the Excel export -------------------------------------------------------------------------


def export(login_as, world, who="sysadmin", query=QUERY):
    response = login_as(world.users[who]).get(EXPORT + query)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response


def test_the_export_is_an_xlsx_attachment(login_as, world):
    response = export(login_as, world)
    assert response.mimetype == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="collection-2025-05-community-2025-06-02.xlsx"')
    assert response.data[:2] == b"PK"


def test_the_export_holds_the_page_tables_with_numbers_as_numbers(login_as, world):
    book = load_workbook(BytesIO(export(login_as, world).data))
    assert len(book.worksheets) == 4
    collection, trend, arrears, recovery = (
        [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets)
    assert collection[1] == ["CA", "供销楼小区", 180.75, 82.5, 0.4564, 3, 1, 0.3333]
    assert collection[2][:3] == ["CB", "环卫院小区", 55]
    assert collection[-1][2:] == [275.75, 137.5, 0.4986, 5, 2, 0.4]
    assert len(collection) == 1 + 3 + 1
    sheet = book.worksheets[0]
    assert sheet["C2"].data_type == "n" and sheet["C2"].number_format == "#,##0.00"
    assert sheet["E2"].number_format == "0.00%"
    # A month without bills has no rate: an empty cell, not 0 %.
    assert trend[1] == ["2024-06", 0, 0, None, 0, 0, None]
    assert trend[-1][0] == "2025-05" and trend[-1][3] == 0.4986
    assert arrears[1] == ["CA", "供销楼小区", 279, 180.75, 150.75, 110.75, 721.25]
    assert arrears[-1][2:] == [414, 275.75, 245.75, 205.75, 1141.25]
    assert recovery[1] == ["CA", "供销楼小区", 723, 100, 0.1383]


def test_the_export_lists_only_what_the_reader_sees(login_as, world):
    book = load_workbook(BytesIO(export(login_as, world, "bureau",
                                        QUERY + "&level=district").data))
    collection = [row for row in book.worksheets[0].iter_rows(values_only=True)]
    assert [row[0] for row in collection[1:-1]] == ["D1"]
    assert collection[-1][2:4] == (220.75, 82.5)


def test_a_name_that_looks_like_a_formula_is_exported_as_text(login_as, world, db):
    """docs/reliability.md#exports: an imported name never becomes a live formula."""
    world.communities["CA"].name = '=HYPERLINK("http://x","y")'
    db.session.commit()
    book = load_workbook(BytesIO(export(login_as, world).data))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    names = [cell.value for cell in cells
             if isinstance(cell.value, str) and "HYPERLINK" in cell.value]
    assert names and all(name.startswith("'=") for name in names)
