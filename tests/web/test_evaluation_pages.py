"""The evaluation pages (docs/domain.md#evaluation): scores, export, publishing, bulletins,
the deductions form with its photo."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from pmsys.extensions import db
from pmsys.models.evaluation import EvaluationBulletin, OrgDeduction
from tests.access_tickets import tiny_png
from tests.api.test_evaluation_api import world as evaluation_world  # noqa: F401 (fixture)
from tests.conftest import csrf_token


@pytest.fixture
def world(evaluation_world):  # noqa: F811 (the API test's world)
    return evaluation_world


def test_the_bureau_reads_exports_and_publishes(client, login_as, world):
    login_as(world.users["bureau"])
    page = client.get("/evaluation?period=2025-05")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "PM-A" in html and 'action="/evaluation/publish"' in html
    export = client.get("/evaluation.xlsx?period=2025-05")
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.data)).active
    codes = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "PM-A" in codes
    assert client.get("/evaluation?period=2025-13").status_code == 400
    published = client.post("/evaluation/publish", data={
        "period": "2025-05", "region": "D1", "csrf_token": csrf_token(client, "/")})
    bulletin = db.session.scalars(select(EvaluationBulletin)).one()
    assert published.status_code == 302
    assert published.headers["Location"].endswith(f"/evaluation/bulletins/{bulletin.id}")
    login_as(world.users["resident_a"])
    assert client.get("/evaluation").status_code == 302  # to the bulletins
    listed = client.get("/evaluation/bulletins").get_data(as_text=True)
    assert f"/evaluation/bulletins/{bulletin.id}" in listed
    shown = client.get(f"/evaluation/bulletins/{bulletin.id}").get_data(as_text=True)
    assert "PM-A" in shown and "/deductions" not in shown
    assert client.post("/evaluation/publish", data={
        "period": "2025-04", "region": "D1",
        "csrf_token": csrf_token(client, "/")}).status_code == 403


def test_the_street_office_deducts_with_a_photo(client, login_as, world):
    login_as(world.users["officer"])
    page = client.get("/orgs/PM-A/deductions")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.get_data(
        as_text=True)
    answer = client.post("/orgs/PM-A/deductions", data={
        "on": "2025-05-20", "points": "2.5", "note": "垃圾堆放",
        "photo": (io.BytesIO(tiny_png()), "inspection.png"),
        "csrf_token": csrf_token(client, "/")}, content_type="multipart/form-data")
    assert answer.status_code == 302
    deduction = db.session.scalars(select(OrgDeduction)).one()
    assert deduction.photo_name and str(deduction.points) == "2.5"
    photo = client.get(f"/orgs/PM-A/deductions/{deduction.id}/photo")
    assert photo.status_code == 200 and photo.mimetype == "image/png"
    refused = client.post("/orgs/PM-B/deductions", data={
        "on": "2025-05-20", "points": "1", "note": "x", "csrf_token": csrf_token(client, "/")})
    assert refused.status_code == 403
    bad = client.post("/orgs/PM-A/deductions", data={
        "on": "2025-05-20", "points": "0", "note": "x", "csrf_token": csrf_token(client, "/")})
    assert bad.status_code == 400
    assert db.session.scalars(select(OrgDeduction)).all() == [deduction]
    login_as(world.users["manager_a"])
    assert client.get("/orgs/PM-A/deductions").status_code == 403
