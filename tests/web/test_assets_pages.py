"""Projects, the asset register, hand-overs and the backlog, through the pages (issue 3)."""

from __future__ import annotations

import html
import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from pmsys import clock
from pmsys.assets import services
from pmsys.assets.services import handovers as handover_services
from pmsys.audit import AuditRecord
from pmsys.extensions import db as _db
from pmsys.models.assets import (
    ITEM_KINDS,
    Asset,
    Handover,
    HandoverStatus,
    Project,
)
from pmsys.web.assets.forms import ITEM_KIND_LABELS
from tests.conftest import csrf_token
from tests.web.asset_world import build_asset_world
from tests.web.test_security import EVENT_HANDLER, INLINE_SCRIPT, INLINE_STYLE

ITEMS = {
    "items-0-kind": "water_pipes", "items-0-item_class": "basic", "items-0-community": "GXL",
    "items-1-kind": "power_lines", "items-1-item_class": "basic", "items-1-community": "GXL",
    "items-2-kind": "roof_waterproofing", "items-2-item_class": "complete",
    "items-2-community": "",
}
PROJECT_FORM = {"code": "2025-01", "name": "2025 renovation", "year": "2025",
                "contractor": "BUILDER", "completed_on": "2025-01-05",
                "communities": ["GXL", "HXY"], **ITEMS}


@pytest.fixture
def world(db):
    world = build_asset_world()
    for user in world.users.values():
        user.locale = "en"  # the assertions read the English source strings
    db.session.commit()
    return world


class Browser:
    """One test client, logged in as whichever user of the world acts next."""

    def __init__(self, client, login_as, world):
        self.client, self.login_as, self.world = client, login_as, world

    def get(self, who: str, url: str, **kwargs):
        self.login_as(self.world.users[who])
        return self.client.get(url, **kwargs)

    def post(self, who: str, url: str, csrf: bool = True, **form):
        self.login_as(self.world.users[who])
        if csrf:
            form["csrf_token"] = csrf_token(self.client, "/account")
        return self.client.post(url, data=form)


@pytest.fixture
def web(client, login_as, world):
    return Browser(client, login_as, world)


def text(response) -> str:
    return response.get_data(as_text=True)


def squash(response) -> str:
    """The page's text with tags dropped and runs of white space made one."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", text(response))))


def flashes(response) -> list[str]:
    return [re.sub(r"\s+", " ", html.unescape(m)).strip()
            for m in re.findall(r'<p class="flash flash-\w+"[^>]*>(.*?)</p>', text(response), re.S)]


def handover(db, code="H-1") -> Handover:
    db.session.expire_all()
    return db.session.scalar(select(Handover).where(Handover.code == code))


def listed(response) -> list[str]:
    """The hand-over codes in the page's table (not its "waiting" panel)."""
    table = text(response).partition('<table class="rtable handovers">')[2]
    return re.findall(r'href="/handovers/([^"/]+)"', table)


def refusals_of(code: str) -> int:
    """How many refusals the audit trail holds for this object."""
    return _db.session.scalar(select(func.count(AuditRecord.id)).where(
        AuditRecord.action.like("%refused"), AuditRecord.object_key == code))


def act(web, who, action, code="H-1", **fields):
    return web.post(who, f"/handovers/{code}/actions", action=action, **fields)


# --- The whole story -------------------------------------------------------------------


def test_a_handover_from_project_to_effective_through_the_pages(web, db, world):
    # The bureau records the project.
    response = web.post("bureau", "/projects/new", **PROJECT_FORM)
    assert response.status_code == 302, flashes(response) or text(response)
    assert response.headers["Location"].endswith("/projects/2025-01")
    project = db.session.scalar(select(Project).where(Project.code == "2025-01"))
    assert [link.community.code for link in project.community_links] == ["GXL", "HXY"]
    assert [(i.kind, i.community.code if i.community else None) for i in project.items] == [
        ("water_pipes", "GXL"), ("power_lines", "GXL"), ("roof_waterproofing", None)]

    # Acceptance needs GXL's committee first (HXY has none): refused with the reason.
    response = web.post("bureau", "/projects/2025-01/accept", accepted_on="2025-01-10",
                        satisfaction_percent="96.5", satisfaction_reason="paper survey")
    assert response.status_code == 422
    assert "must sign off first" in squash(response)
    assert db.session.scalar(select(Project.accepted_on).where(Project.code == "2025-01")) is None

    # Only the committee member sees the sign-off button, and only for GXL.
    page = web.get("committee", "/projects/2025-01")
    assert page.status_code == 200
    assert "Sign off for 供销楼小区" in squash(page)
    assert "Sign off for" not in squash(web.get("bureau", "/projects/2025-01"))
    assert "Projects waiting for your sign-off" in squash(web.get("committee", "/"))
    assert "2025-01" in squash(web.get("committee", "/"))
    response = web.post("committee", "/projects/2025-01/sign-off", community="GXL")
    assert response.status_code == 302
    assert "No project is waiting for your sign-off." in squash(web.get("committee", "/"))

    # Below the minimum satisfaction the acceptance is refused with the reason (422).
    response = web.post("bureau", "/projects/2025-01/accept", accepted_on="2025-01-10",
                        satisfaction_percent="85", satisfaction_reason="paper survey",
                        note="survey of 120 households")
    assert response.status_code == 422
    assert "Resident satisfaction 85.00 % is below the minimum 90.00 %." in squash(response)
    db.session.expire_all()
    assert db.session.scalar(select(Project.accepted_on).where(Project.code == "2025-01")) is None
    refusals = db.session.scalar(select(func.count(AuditRecord.id)).where(
        AuditRecord.action == "project_acceptance_refused"))
    assert refusals == 2  # the refusals are kept in the trail

    response = web.post("bureau", "/projects/2025-01/accept", accepted_on="2025-01-10",
                        satisfaction_percent="96.5", satisfaction_reason="paper survey",
                        note="survey of 120 households")
    assert response.status_code == 302
    page = squash(web.get("bureau", "/projects/2025-01"))
    assert "2025-01-10" in page and "96.50 %" in page and "survey of 120 households" in page
    assert "Record the acceptance" not in page

    # The bureau registers the assets the project renewed.
    for code, category, place in (("GXL-WS", "water_supply", ""),
                                  ("GXL-PW", "power", ""),
                                  ("GXL-ROOF1", "roof_leak", "1/")):
        response = web.post("bureau", "/assets/new?community=GXL", code=code,
                            category=category, place=place, project="2025-01")
        assert response.status_code == 302, flashes(response) or text(response)
    roof = db.session.scalar(select(Asset).where(Asset.code == "GXL-ROOF1"))
    assert (roof.scope, roof.building.code, roof.warranty_until) == (
        "building", "1", date(2030, 1, 10))  # roof waterproofing: five years (Art. 40)
    register = squash(web.get("resident", "/communities/GXL/assets"))
    assert "GXL-WS" in register and "2027-01-10" in register and "in warranty" in register
    assert "Building 1" in register and "not handed over" in register

    # The bureau drafts and submits the hand-over of the water network.
    response = web.get("bureau", "/handovers/new?community=GXL")
    assert response.status_code == 200 and 'value="GXL-WS"' in text(response)
    response = web.post("bureau", "/handovers/new?community=GXL", code="H-1",
                        from_org="HB-TYQ", to_org="WATER", assets=["GXL-WS"])
    assert response.status_code == 302, flashes(response) or text(response)
    page = web.get("water", "/handovers/H-1")
    assert page.status_code == 200
    assert 'name="action"' not in text(page)  # a draft: nothing for the receiver to do yet
    response = act(web, "water", "submit")
    assert response.status_code == 403
    assert handover(db).status is HandoverStatus.draft
    assert 'value="submit"' in text(web.get("bureau", "/handovers/H-1"))
    response = act(web, "bureau", "submit")
    assert response.status_code == 302
    assert handover(db).status is HandoverStatus.submitted

    # The receiver finds it waiting, and records the joint inspection with two defects.
    waiting = squash(web.get("water", "/"))
    assert "Hand-overs waiting for you 1" in waiting and "H-1" in waiting
    listing = text(web.get("water", "/handovers"))
    assert listing.index('id="waiting"') < listing.index("H-1")
    page = text(web.get("water", "/handovers/H-1"))
    assert 'value="inspect"' in page and 'value="return"' in page
    assert 'value="sign"' not in page and 'value="submit"' not in page
    response = act(web, "water", "inspect", inspected_on="2025-05-30",
                   participants="王工 (water), 李工 (bureau)",
                   defects="Valve leaking at building 1\n\n  No as-built drawings  \n")
    assert response.status_code == 302
    inspected = handover(db)
    assert inspected.status is HandoverStatus.inspected
    assert [d.description for d in inspected.defects] == [
        "Valve leaking at building 1", "No as-built drawings"]

    # Signing is refused while a defect is open: a clear message, 422, nothing changes.
    page = squash(web.get("water", "/handovers/H-1"))
    assert "2 defects are still open" in page
    refusals = refusals_of("H-1")
    response = act(web, "water", "sign")
    assert response.status_code == 422
    assert any("cannot be signed while a defect" in message for message in flashes(response))
    refused = handover(db)
    assert refused.status is HandoverStatus.inspected and refused.receiver_signed_at is None
    assert refusals_of("H-1") == refusals + 1  # the refusal stays in the audit trail

    # Either party marks the defects fixed.
    assert act(web, "bureau", "fix_defect", defect="0").status_code == 302
    assert act(web, "water", "fix_defect", defect="1").status_code == 302
    assert act(web, "water", "fix_defect", defect="1").status_code == 409  # already fixed
    assert all(d.fixed_at is not None for d in handover(db).defects)
    assert "Mark fixed" not in text(web.get("water", "/handovers/H-1"))

    # Receiver, transferor and GXL's committee sign; the last signature makes it effective.
    assert act(web, "water", "sign").status_code == 302
    assert act(web, "water", "sign").status_code == 409  # once is enough
    assert act(web, "bureau", "sign").status_code == 302
    assert handover(db).status is HandoverStatus.inspected  # the committee has not signed
    assert "H-1" in squash(web.get("committee", "/"))
    assert 'value="sign"' in text(web.get("committee", "/handovers/H-1"))
    assert act(web, "committee", "sign").status_code == 302
    done = handover(db)
    assert done.status is HandoverStatus.effective
    assert done.effective_on == date(2025, 6, 2)
    page = web.get("committee", "/handovers/H-1")
    assert 'class="badge badge-ho-effective"' in text(page)
    assert 'name="action"' not in text(page)  # nothing left to do
    page = squash(page)
    assert "Owners' committee of 供销楼小区 signed committee" in page

    # From today the receiver maintains the asset, and the asset page shows its history.
    page = squash(web.get("bureau", "/assets/GXL-WS"))
    assert "Maintainer today 旗水投公司" in page
    assert "旗水投公司 2025-06-02 open-ended" in page
    assert "H-1" in page
    assert "旗水投公司" in squash(web.get("resident", "/communities/GXL/assets"))

    # The backlog lists the power lines, overdue since 90 days after acceptance, not the water.
    page = web.get("bureau", "/reports/handover-backlog")
    assert page.status_code == 200
    body = squash(page)
    assert "GXL-PW" in body and "GXL-WS" not in body
    row = re.search(r"GXL-PW.*?</tr>", text(page), re.S).group(0)
    assert ">53<" in row  # 2025-01-10 + 90 days = 2025-04-10; 53 days before 2025-06-02
    assert "土右供电分局" in row  # the one power utility of the district
    assert "Hand-over backlog 1" in squash(web.get("bureau", "/"))


# --- Fixtures made through the services -------------------------------------------------


@pytest.fixture
def submitted(db, world):
    """Project 2025-01 accepted, assets GXL-WS and GXL-PW, hand-over H-1 submitted to WATER."""
    users, session = world.users, db.session
    project = services.create_project(
        session, users["bureau"], code="2025-01", name="2025", year=2025, contractor="BUILDER",
        communities=["GXL", "HXY"], items=[{"kind": "water_pipes", "class": "basic"}],
        completed_on=date(2025, 1, 5))
    services.sign_off_project(session, users["committee"], project, world.communities["GXL"])
    services.accept_project(session, users["bureau"], project, accepted_on=date(2025, 1, 10),
                            satisfaction_rate=Decimal("0.95"),
                            satisfaction_reason="paper survey")
    for code, category in (("GXL-WS", "water_supply"), ("GXL-PW", "power")):
        services.create_asset(session, users["bureau"], code=code, category=category,
                              community="GXL", project="2025-01")
    services.create_asset(session, users["bureau_far"], code="FAR-WS",
                          category="water_supply", community="FAR")
    handover = services.create_handover(session, users["bureau"], code="H-1",
                                        from_org="HB-TYQ", to_org="WATER", assets=["GXL-WS"])
    services.take_action(session, users["bureau"], handover, "submit")
    # Commit (a savepoint of the test's transaction): a refused request rolls its own work back.
    session.commit()
    return handover


def test_the_receiver_returns_with_reasons_and_the_transferor_resubmits(web, db, submitted):
    response = act(web, "water", "return", note="")
    assert response.status_code == 400
    assert handover(db).status is HandoverStatus.submitted
    response = act(web, "water", "return", note="Meter readings missing\nPipe map outdated")
    assert response.status_code == 302
    assert handover(db).status is HandoverStatus.returned
    page = squash(web.get("bureau", "/handovers/H-1"))
    assert "Returned by the receiver:" in page and "Pipe map outdated" in page
    assert listed(web.get("bureau", "/handovers?status=returned")) == ["H-1"]
    assert listed(web.get("bureau", "/handovers?status=draft")) == []
    assert web.get("bureau", "/handovers?status=lost").status_code == 400
    assert act(web, "bureau", "submit").status_code == 302
    assert handover(db).status is HandoverStatus.submitted


def test_a_later_effective_date_leaves_the_handover_signed(web, db, world, submitted):
    assert act(web, "water", "inspect").status_code == 302  # nothing found, inspected today
    assert act(web, "water", "sign", effective_on="2025-07-01").status_code == 302
    assert act(web, "bureau", "sign").status_code == 302
    assert act(web, "committee", "sign").status_code == 302
    signed = handover(db)
    assert (signed.status, signed.effective_on) == (HandoverStatus.signed, date(2025, 7, 1))
    asset = db.session.scalar(select(Asset).where(Asset.code == "GXL-WS"))
    assert services.maintainer_on(asset, date(2025, 6, 30)) is None
    assert services.maintainer_on(asset, date(2025, 7, 1)).code == "WATER"
    assert "Maintainer today not handed over" in squash(web.get("bureau", "/assets/GXL-WS"))


def test_an_effective_date_before_the_inspection_is_refused(web, db, submitted):
    act(web, "water", "inspect", inspected_on="2025-05-30")
    response = act(web, "water", "sign", effective_on="2025-05-01")
    assert response.status_code == 422
    assert any("cannot be earlier than the inspection" in m for m in flashes(response))
    assert handover(db).receiver_signed_at is None


def test_the_bureau_records_a_longer_contract_warranty(web, db, submitted):
    page = web.get("bureau", "/assets/GXL-WS")
    assert "Record the contract warranty" in text(page)
    assert "Record the contract warranty" not in text(web.get("officer", "/assets/GXL-WS"))
    response = web.post("bureau", "/assets/GXL-WS/warranty", until="2028-12-31")
    assert response.status_code == 302
    page = squash(web.get("bureau", "/assets/GXL-WS"))
    assert "2028-12-31" in page and "by contract: 2028-12-31" in page
    assert web.post("bureau", "/assets/GXL-WS/warranty", until="someday").status_code == 400


def test_the_backlog_filters_by_date_and_region(web, db, world, submitted):
    def overdue(who, query=""):
        response = web.get(who, "/reports/handover-backlog" + query)
        assert response.status_code == 200, who
        return set(re.findall(r'href="/assets/([^"]+)"', text(response)))

    # The water network is in an open hand-over: still overdue, with its hand-over shown.
    assert overdue("bureau") == {"GXL-WS", "GXL-PW"}
    assert overdue("officer") == {"GXL-WS", "GXL-PW"}
    assert overdue("sysadmin") == {"GXL-WS", "GXL-PW"}
    assert overdue("bureau_far") == set()  # FAR-WS has no accepted project
    assert overdue("bureau", "?on=2025-04-10") == set()  # the 90th day is not yet overdue
    assert overdue("bureau", "?on=2025-04-11") == {"GXL-WS", "GXL-PW"}
    assert overdue("bureau", "?region=SLZ") == set()
    assert overdue("bureau", "?region=SLQ") == {"GXL-WS", "GXL-PW"}
    assert overdue("bureau", "?region=TYQ") == {"GXL-WS", "GXL-PW"}
    row = re.search(r"GXL-WS.*?</tr>", text(web.get("bureau", "/reports/handover-backlog")),
                    re.S).group(0)
    assert "H-1" in row and "Submitted" in row and "旗水投公司" in row
    assert web.get("bureau", "/reports/handover-backlog?region=JY").status_code == 400
    assert web.get("bureau", "/reports/handover-backlog?on=tomorrow").status_code == 400


# --- Who may see and do what ------------------------------------------------------------


@pytest.mark.parametrize(("who", "url"), [
    ("bureau_far", "/projects/2025-01"),
    ("resident_far", "/projects/2025-01"),
    ("water_far", "/projects/2025-01"),
    ("bureau_far", "/assets/GXL-WS"),
    ("resident_far", "/assets/GXL-WS"),
    ("water_far", "/assets/GXL-WS"),
    ("bureau", "/assets/FAR-WS"),
    ("bureau", "/communities/FAR/assets"),
    ("bureau", "/assets/new?community=FAR"),
    ("bureau", "/handovers/new?community=FAR"),
    ("power", "/handovers/H-1"),
    ("water_far", "/handovers/H-1"),
    ("builder", "/handovers/H-1"),
    ("manager", "/handovers/H-1"),
    ("resident", "/handovers/H-1"),
    ("bureau_far", "/handovers/H-1"),
    ("bureau", "/projects/NONE"),
    ("bureau", "/assets/NONE"),
    ("bureau", "/handovers/NONE"),
])
def test_pages_the_user_may_not_see_answer_404(web, submitted, who, url):
    assert web.get(who, url).status_code == 404


@pytest.mark.parametrize(("who", "url", "form"), [
    ("power", "/handovers/H-1/actions", {"action": "inspect"}),
    ("resident", "/handovers/H-1/actions", {"action": "inspect"}),
    ("bureau_far", "/handovers/H-1/actions", {"action": "submit"}),
    ("bureau_far", "/projects/2025-01/accept",
     {"accepted_on": "2025-02-01", "satisfaction_percent": "99",
      "satisfaction_reason": "paper survey"}),
    ("resident_far", "/projects/2025-01/sign-off", {"community": "GXL"}),
    ("water_far", "/assets/GXL-WS/warranty", {"until": "2030-01-01"}),
])
def test_actions_on_what_the_user_may_not_see_answer_404_and_change_nothing(
        web, db, submitted, who, url, form):
    before = db.session.scalar(select(func.max(AuditRecord.id))) or 0
    assert web.post(who, url, **form).status_code == 404
    assert handover(db).status is HandoverStatus.submitted
    # Nothing changes; the probe of an object that exists is the one record
    # (docs/reliability.md#audit).
    added = db.session.scalars(select(AuditRecord).where(AuditRecord.id > before)).all()
    assert [entry.action for entry in added] == ["hidden_object_probed"]


def test_pages_seen_by_everyone_who_sees_the_community(web, submitted):
    for who in ("resident", "committee", "manager", "water", "power", "officer", "bureau",
                "sysadmin"):
        assert web.get(who, "/communities/GXL/assets").status_code == 200, who
        assert web.get(who, "/assets/GXL-WS").status_code == 200, who
        assert web.get(who, "/projects/2025-01").status_code == 200, who
        assert web.get(who, "/projects").status_code == 200, who
        assert web.get(who, "/handovers").status_code == 200, who
    for who in ("water", "committee", "officer", "bureau", "sysadmin"):
        assert web.get(who, "/handovers/H-1").status_code == 200, who
    assert "2025-01" not in squash(web.get("resident_far", "/projects"))
    assert "H-1" not in squash(web.get("power", "/handovers"))
    assert "H-1" in squash(web.get("water", "/handovers"))


@pytest.mark.parametrize(("who", "url"), [
    (who, url)
    for url in ("/projects/new", "/assets/new", "/assets/new?community=GXL")
    for who in ("resident", "committee", "manager", "water", "officer")
] + [
    (who, "/reports/handover-backlog")
    for who in ("resident", "committee", "manager", "water", "builder")
] + [
    (who, "/handovers/new") for who in ("resident", "committee")
])
def test_pages_for_other_roles_answer_403(web, submitted, who, url):
    assert web.get(who, url).status_code == 403


@pytest.mark.parametrize(("who", "url", "form"), [
    ("manager", "/projects/2025-02/sign-off", {"community": "GXL"}),
    ("bureau", "/projects/2025-02/sign-off", {"community": "GXL"}),
    ("committee", "/projects/2025-02/accept",
     {"accepted_on": "2025-02-01", "satisfaction_percent": "99",
      "satisfaction_reason": "paper survey"}),
    ("officer", "/projects/2025-02/accept", {}),
    ("committee", "/assets/GXL-WS/warranty", {"until": "2030-01-01"}),
    ("water", "/handovers/H-1/actions", {"action": "submit"}),
    ("bureau", "/handovers/H-1/actions", {"action": "return", "note": "not mine"}),
    ("committee", "/handovers/H-1/actions", {"action": "inspect"}),
    ("resident", "/projects/new", PROJECT_FORM),
    ("officer", "/assets/new?community=GXL", {"code": "X", "category": "road"}),
    ("resident", "/handovers/new?community=GXL",
     {"code": "H-9", "from_org": "HB-TYQ", "to_org": "WATER", "assets": ["GXL-PW"]}),
])
def test_actions_not_the_users_to_take_answer_403(web, db, world, submitted, who, url, form):
    services.create_project(db.session, world.users["bureau"], code="2025-02", name="", year=2025,
                            contractor=None, communities=["GXL"], items=[])
    db.session.commit()
    before = db.session.scalar(select(func.count(Asset.id)))
    response = web.post(who, url, **form)
    assert response.status_code == 403
    db.session.expire_all()
    assert handover(db).status is HandoverStatus.submitted
    assert db.session.scalar(select(func.count(Asset.id))) == before
    assert db.session.scalar(select(Project.accepted_on).where(Project.code == "2025-02")) is None


def test_a_step_that_does_not_fit_the_status_answers_409(web, db, submitted):
    response = act(web, "bureau", "submit")
    assert response.status_code == 409
    assert any("current status" in message for message in flashes(response))
    assert web.post("bureau", "/projects/2025-01/accept", accepted_on="2025-02-01",
                    satisfaction_percent="99",
                    satisfaction_reason="paper survey").status_code == 409


def test_bad_input_answers_400_on_the_same_page(web, db, world, submitted):
    assert act(web, "water", "dance").status_code == 400
    assert act(web, "water", "fix_defect").status_code == 400
    response = web.post("bureau", "/projects/new", code="", year="1800", communities=[])
    assert response.status_code == 400 and "Record a project" in text(response)
    response = web.post("bureau", "/projects/new", **{**PROJECT_FORM, "communities": ["HXY"]})
    assert response.status_code == 400
    assert "An item's community must be one of the project's." in squash(response)
    response = web.post("bureau", "/projects/new", **{**PROJECT_FORM, "communities": ["FAR"]})
    assert response.status_code == 400  # not a community this bureau keeps
    response = web.post("bureau", "/projects/new", **PROJECT_FORM)  # 2025-01 exists
    assert response.status_code == 409 and "This code is already taken." in flashes(response)
    response = web.post("bureau", "/assets/new?community=GXL", code="GXL-X",
                        category="water_supply", project="2024-99")
    assert response.status_code == 400
    response = web.post("bureau", "/projects/2025-01/accept", accepted_on="2025-02-01",
                        satisfaction_percent="120")
    assert response.status_code == 400
    response = web.post("bureau", "/handovers/new?community=GXL", code="H-2",
                        from_org="HB-TYQ", to_org="WATER", assets=["GXL-WS"])
    assert response.status_code == 409  # GXL-WS is already in H-1
    assert any("already in an open hand-over" in message for message in flashes(response))
    assert db.session.scalar(select(func.count(Handover.id))) == 1


# --- CSRF, markup, labels --------------------------------------------------------------

POSTS = [
    ("/projects/new", PROJECT_FORM),
    ("/projects/2025-01/sign-off", {"community": "GXL"}),
    ("/projects/2025-01/accept", {"accepted_on": "2025-02-01", "satisfaction_percent": "99",
      "satisfaction_reason": "paper survey"}),
    ("/assets/new?community=GXL", {"code": "GXL-X", "category": "road"}),
    ("/assets/GXL-WS/warranty", {"until": "2030-01-01"}),
    ("/handovers/new?community=GXL",
     {"code": "H-2", "from_org": "HB-TYQ", "to_org": "POWER", "assets": ["GXL-PW"]}),
    ("/handovers/H-1/actions", {"action": "inspect"}),
]


def test_every_post_of_the_blueprint_is_in_the_csrf_check(app):
    """Promise 4 (docs/reliability.md#csrf)."""
    posted = {url.split("?")[0] for url, _form in POSTS}
    rules = {rule.rule for rule in app.url_map.iter_rules()
             if rule.endpoint.startswith("assets.") and "POST" in rule.methods}
    concrete = {re.sub(r"<[^>]+>", "X", rule) for rule in rules}
    assert len(concrete) == len(posted)
    for rule in rules:
        pattern = "^" + re.sub(r"<[^>]+>", "[^/]+", rule) + "$"
        assert any(re.match(pattern, url) for url in posted), rule


@pytest.mark.parametrize(("url", "form"), POSTS, ids=[url for url, _form in POSTS])
def test_every_post_needs_a_csrf_token(web, db, submitted, url, form):
    before = db.session.scalar(select(func.count(AuditRecord.id)))
    for who in ("bureau", "water", "committee"):
        assert web.post(who, url, csrf=False, **form).status_code == 400
    assert db.session.scalar(select(func.count(AuditRecord.id))) == before
    assert handover(db).status is HandoverStatus.submitted


def test_pages_carry_no_inline_script_or_style(web, submitted):
    for who, url in (("bureau", "/projects"), ("bureau", "/projects/new"),
                     ("bureau", "/projects/2025-01"), ("bureau", "/communities/GXL/assets"),
                     ("bureau", "/assets/new"), ("bureau", "/assets/new?community=GXL"),
                     ("bureau", "/assets/GXL-WS"), ("water", "/handovers"),
                     ("bureau", "/handovers/new"), ("bureau", "/handovers/new?community=GXL"),
                     ("water", "/handovers/H-1"), ("bureau", "/reports/handover-backlog"),
                     ("water", "/"), ("bureau", "/"), ("committee", "/")):
        response = web.get(who, url)
        assert response.status_code == 200, url
        page = text(response)
        for pattern in (INLINE_SCRIPT, EVENT_HANDLER, INLINE_STYLE):
            assert not pattern.search(page), url


def test_every_item_kind_has_a_label():
    assert set(ITEM_KIND_LABELS) == set(ITEM_KINDS)


def test_the_home_pages_summarise_the_work(web, db, world, submitted):
    assert "Hand-over backlog 2" in squash(web.get("bureau", "/"))
    assert "Hand-over backlog 2" in squash(web.get("officer", "/"))
    assert "Hand-overs waiting for you 1" in squash(web.get("water", "/"))
    assert "Hand-overs waiting for you 0" in squash(web.get("power", "/"))
    handover_services.take_action(db.session, world.users["water"], submitted, "inspect")
    db.session.commit()
    assert "Hand-overs waiting for you 1" in squash(web.get("committee", "/"))
    assert "Hand-overs waiting for you 1" in squash(web.get("bureau", "/"))
    page = squash(web.get("bureau", "/communities/GXL"))
    assert "Asset register" in page


def test_maintainer_history_keeps_earlier_maintainers(web, db, world, submitted):
    """A second hand-over ends the first receiver's stint; both stay on the asset page."""
    users, session = world.users, db.session

    def carry(handover, receiver, transferor, on):
        handover_services.take_action(session, users[receiver], handover, "inspect")
        for who in (receiver, transferor, "committee"):
            handover_services.take_action(session, users[who], handover, "sign",
                                          effective_on=on)

    carry(submitted, "water", "bureau", date(2025, 6, 2))
    clock.set_now(clock.now().replace(month=9))
    second = services.create_handover(session, users["bureau"], code="H-2",
                                      from_org="WATER", to_org="WATER-JY", assets=["GXL-WS"])
    handover_services.take_action(session, users["water"], second, "submit")
    carry(second, "water_far", "water", date(2025, 9, 2))
    session.commit()
    assert second.status is HandoverStatus.effective
    page = squash(web.get("bureau", "/assets/GXL-WS"))
    assert "Maintainer today 九原水务" in page
    assert "九原水务 2025-09-02 open-ended" in page
    assert "旗水投公司 2025-06-02 2025-09-01" in page
    assert "H-1" in page and "H-2" in page
    # The first receiver still sees the asset it maintained, and its old hand-over.
    assert web.get("water", "/handovers/H-1").status_code == 200
