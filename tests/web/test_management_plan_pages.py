"""The long-term management plan on the terms page, and the acceptance form's refusal naming the
communities without an arrangement and its override (tests/web/asset_world.py: GXL has a term,
HXY none; HXY's plan is removed here)."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from pmsys.audit import AuditRecord
from pmsys.models.assets import Project
from pmsys.models.governance import ManagementPlan
from tests.web.asset_world import build_asset_world
from tests.web.test_assets_pages import PROJECT_FORM, Browser, squash

ACCEPT = {"accepted_on": "2025-01-10", "satisfaction_percent": "96.5",
          "satisfaction_reason": "paper survey"}


@pytest.fixture
def world(db):
    world = build_asset_world()
    db.session.execute(delete(ManagementPlan))
    for user in world.users.values():
        user.locale = "en"
    db.session.commit()
    return world


@pytest.fixture
def web(client, login_as, world):
    return Browser(client, login_as, world)


def signed_project(web):
    assert web.post("bureau", "/projects/new", **PROJECT_FORM).status_code == 302
    assert web.post("committee", "/projects/2025-01/sign-off",
                    community="GXL").status_code == 302


def test_the_form_names_the_community_and_a_plan_lets_the_acceptance_through(web, db):
    signed_project(web)
    response = web.post("bureau", "/projects/2025-01/accept", **ACCEPT)
    assert response.status_code == 422
    assert ("No long-term management arrangement (no management term in force on the "
            "acceptance day, no recorded plan) for: 环卫院小区 (HXY).") in squash(response)
    assert "Accept without a long-term management arrangement, because" in squash(response)

    terms = web.get("officer", "/communities/HXY/terms")
    assert 'id="new-plan"' in terms.get_data(as_text=True)
    assert "No plan has been recorded." in squash(terms)
    response = web.post("officer", "/communities/HXY/management-plan", mode="community",
                        note="社区居委会托管", starts_on="2025-03-01")
    assert response.status_code == 302
    page = squash(web.get("resident", "/communities/GXL/terms"))
    assert "No plan has been recorded." in page
    page = squash(web.get("officer", "/communities/HXY/terms"))
    assert "社区居委会托管" in page and "to start on 2025-03-01" in page

    assert web.post("bureau", "/projects/2025-01/accept", **ACCEPT).status_code == 302
    project = db.session.scalar(select(Project).where(Project.code == "2025-01"))
    assert project.accepted_on is not None and project.management_override is None


def test_an_override_with_a_reason_is_shown_on_the_project(web, db):
    signed_project(web)
    response = web.post("bureau", "/projects/2025-01/accept", **ACCEPT,
                        management_override="街道承诺年内引入物业")
    assert response.status_code == 302
    page = web.get("resident", "/projects/2025-01")
    assert 'id="accepted-override"' in page.get_data(as_text=True)
    assert "街道承诺年内引入物业" in squash(page)
    entry = db.session.scalars(select(AuditRecord).where(
        AuditRecord.action == "project_accepted")).one()
    assert entry.data["without_arrangement"] == ["HXY"]


def test_a_plan_needs_a_note_and_the_right_office(web, db):
    response = web.post("officer", "/communities/HXY/management-plan", mode="community",
                        note="")
    assert response.status_code == 400
    response = web.post("officer", "/communities/HXY/management-plan", mode="original_unit",
                        note="x")
    assert response.status_code == 400
    assert web.post("committee", "/communities/GXL/management-plan", mode="self",
                    note="x").status_code == 403
    assert web.post("bureau_far", "/communities/HXY/management-plan", mode="self",
                    note="x").status_code == 404
    assert 'id="new-plan"' not in web.get("committee", "/communities/GXL/terms").get_data(
        as_text=True)
    assert db.session.scalars(select(ManagementPlan)).all() == []
