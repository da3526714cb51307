"""Acting on tickets through the API (the lifecycle, refusals, concurrency) and their photos."""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from sqlalchemy import func, select, update

from pmsys.audit import AuditRecord
from pmsys.extensions import db
from pmsys.models.assets import Handover
from pmsys.models.tickets import Ticket, TicketEvent, TicketPhoto
from tests.api.asset_world import Caller, conforms_to_document, json_values
from tests.api.test_errors import assert_envelope
from tests.ticket_world import build_ticket_world, file_as


@pytest.fixture
def world(db):
    return build_ticket_world()


@pytest.fixture
def api(client, world):
    return Caller(client, world)


@pytest.fixture
def water(world):
    """resident_a's water leak in CA building 1, assigned to W-D1 (operator_in)."""
    return file_as(world, "resident_a", building="1")


def act(api, who, ticket, **body):
    return api.post(who, f"/tickets/{ticket.id}/actions", body)


def ok(response) -> dict:
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def events(ticket) -> int:
    return db.session.scalar(
        select(func.count(TicketEvent.id)).where(TicketEvent.ticket_id == ticket.id))


# --- the lifecycle -----------------------------------------------------------------------------


def test_the_whole_way_from_filing_to_a_rated_close(api, water, client):
    body = ok(act(api, "operator_in", water, action="accept"))
    assert body["status"] == "accepted" and body["responded_at"] == "2025-06-02T10:00:00+08:00"
    assert body["allowed_actions"] == ["start", "resolve", "dispute", "comment"]
    assert ok(act(api, "operator_in", water, action="start"))["status"] == "in_progress"
    body = ok(act(api, "operator_in", water, action="resolve", note="更换了阀门"))
    assert body["status"] == "resolved" and body["resolution_note"] == "更换了阀门"
    reporter_view = ok(api.get("resident_a", f"/tickets/{water.id}"))
    assert reporter_view["allowed_actions"] == ["confirm", "reopen", "comment"]
    response = act(api, "resident_a", water, action="confirm", rating=5)
    body = ok(response)
    assert body["status"] == "closed" and body["rating"] == 5 and body["closed_at"]
    assert [(e["action"], e["status"], e["actor"], e["org"]) for e in body["events"]] == [
        ("file", "assigned", "resident_a", None),
        ("accept", "accepted", "operator_in", "W-D1"),
        ("start", "in_progress", "operator_in", "W-D1"),
        ("resolve", "resolved", "operator_in", "W-D1"),
        ("confirm", "closed", "resident_a", None),
    ]
    conforms_to_document(client, [("/tickets/{ticket_id}/actions", "post", response)])


def test_a_reporter_reopens_a_fix_that_did_not_hold(api, water):
    ok(act(api, "operator_in", water, action="accept"))
    ok(act(api, "operator_in", water, action="resolve", note="修好了"))
    body = ok(act(api, "resident_a", water, action="reopen", note="还在漏"))
    assert body["status"] == "assigned" and body["reopen_count"] == 1
    assert body["resolved_at"] is None


def test_a_dispute_is_decided_by_the_street_office(api, water, world):
    body = ok(act(api, "operator_in", water, action="dispute", note="这段管线不归我们"))
    assert body["status"] == "disputed"
    assert ok(api.get("officer", f"/tickets/{water.id}"))["allowed_actions"] == [
        "reassign", "uphold", "comment"]
    body = ok(act(api, "officer", water, action="reassign", org="PM-A", note="小区内管线"))
    assert body["status"] == "assigned" and body["assignee"]["org"] == "PM-A"
    assert body["events"][-1]["action"] == "reassign"
    assert any("小区内管线" in step for step in body["routing"]["steps"])
    # The utility no longer sees it; the new assignee does, with the phone in full.
    assert_envelope(api.get("operator_in", f"/tickets/{water.id}"), 404)
    assert ok(api.get("manager_a", f"/tickets/{water.id}"))["reporter"]["phone"] == (
        "13800000101")


def test_a_reassignment_may_draft_a_hand_over_of_the_asset(api, world):
    roof = file_as(world, "resident_a", category="roof_leak", building="1",
                   description="屋顶漏雨")
    ok(act(api, "contractor", roof, action="dispute", note="保修外的损坏"))
    body = ok(act(api, "officer", roof, action="reassign", org="PM-A", handover=True))
    assert body["assignee"]["org"] == "PM-A"
    drafted = db.session.scalar(select(Handover).where(Handover.code == f"H-{roof.number}"))
    assert drafted is not None and [a.code for a in drafted.assets] == ["CA-RF"]


def test_an_upheld_dispute_goes_back(api, water):
    ok(act(api, "operator_in", water, action="dispute", note="不归我们"))
    body = ok(act(api, "officer", water, action="uphold", note="移交已生效，仍归供水公司"))
    assert body["status"] == "assigned" and body["assignee"]["org"] == "W-D1"


def test_a_reporter_cancels_before_acceptance(api, water):
    body = ok(act(api, "resident_a", water, action="cancel"))
    assert body["status"] == "cancelled" and body["cancelled_at"]
    assert body["allowed_actions"] == []


def test_a_comment_changes_no_state(api, water):
    body = ok(act(api, "resident_a", water, action="comment", note="下午有人在家"))
    assert body["status"] == "assigned"
    assert body["events"][-1] == {
        "at": "2025-06-02T10:00:00+08:00", "action": "comment", "status": "assigned",
        "actor": "resident_a", "org": None, "note": "下午有人在家",
    }


# --- refusals ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who, body",
    [
        ("operator_in", {"action": "start"}),  # not accepted yet
        ("operator_in", {"action": "resolve", "note": "x"}),
        ("resident_a", {"action": "confirm", "rating": 5}),
        ("resident_a", {"action": "reopen", "note": "x"}),
        ("officer", {"action": "uphold", "note": "x"}),  # nothing is disputed
    ],
)
def test_an_action_that_does_not_fit_the_state_is_409_and_changes_nothing(
    api, water, client, who, body
):
    before = events(water)
    response = act(api, who, water, **body)
    assert_envelope(response, 409, "wrong_state")
    assert events(water) == before
    db.session.expire_all()
    assert db.session.get(Ticket, water.id).status.value == "assigned"
    conforms_to_document(client, [("/tickets/{ticket_id}/actions", "post", response)])


@pytest.mark.parametrize(
    "who, body",
    [
        ("resident_a", {"action": "accept"}),
        ("manager_a", {"action": "accept"}),  # sees it (manages CA), not the assignee
        ("officer", {"action": "accept"}),
        ("operator_in", {"action": "cancel"}),
        ("operator_in", {"action": "reassign", "org": "PM-A"}),
        ("committee_a", {"action": "comment", "note": "x"}),
    ],
)
def test_an_action_not_the_callers_is_403_audited_and_changes_nothing(
    api, water, client, who, body
):
    before = events(water)
    response = act(api, who, water, **body)
    assert_envelope(response, 403, "not_your_action")
    assert events(water) == before
    denial = db.session.scalar(
        select(AuditRecord).where(AuditRecord.action == "ticket_action_refused")
    )
    assert denial is not None
    conforms_to_document(client, [("/tickets/{ticket_id}/actions", "post", response)])


@pytest.mark.parametrize("who", ["resident_b", "operator_out", "manager_b", "gas_staff"])
def test_a_ticket_the_caller_does_not_see_is_404_for_every_action(api, water, who):
    before = events(water)
    for body in ({"action": "accept"}, {"action": "cancel"}, {"action": "comment", "note": "x"},
                 {"action": "nope"}, {}):
        assert_envelope(act(api, who, water, **body), 404, "ticket_not_found")
    assert_envelope(api.post(who, "/tickets/999999/actions", {"action": "accept"}), 404)
    assert events(water) == before


@pytest.mark.parametrize(
    "who, body, bad",
    [
        ("operator_in", {}, "action"),
        ("operator_in", {"action": "explode"}, "action"),
        ("operator_in", {"action": 1}, "action"),
        ("operator_in", {"action": "accept", "note": ["x"]}, "note"),
        ("operator_in", {"action": "accept", "note": "x" * 2001}, "note"),
        ("operator_in", {"action": "dispute"}, "note"),
        ("operator_in", {"action": "dispute", "note": "   "}, "note"),
        ("resident_a", {"action": "comment"}, "note"),
        ("officer", {"action": "reassign"}, "org"),
        ("officer", {"action": "reassign", "org": "NOPE"}, "org"),
        ("officer", {"action": "reassign", "org": "HB-D1"}, "org"),
        ("officer", {"action": "reassign", "org": "W-D1"}, "org"),
        ("officer", {"action": "reassign", "org": "PM-A", "handover": "yes"}, "handover"),
        ("officer", {"action": "reassign", "org": {"code": "PM-A"}}, "org"),
    ],
)
def test_bad_input_is_400_and_changes_nothing(api, water, who, body, bad):
    before = events(water)
    error = assert_envelope(act(api, who, water, **body), 400)
    assert bad in error["fields"], error
    assert events(water) == before


@pytest.mark.parametrize("rating", [0, 6, "5", 4.5, True, None])
def test_a_confirmation_needs_a_rating_from_1_to_5(api, water, rating):
    ok(act(api, "operator_in", water, action="accept"))
    ok(act(api, "operator_in", water, action="resolve", note="好了"))
    error = assert_envelope(act(api, "resident_a", water, action="confirm", rating=rating), 400)
    assert "rating" in error["fields"]
    assert ok(api.get("resident_a", f"/tickets/{water.id}"))["status"] == "resolved"


def test_no_token_is_401_and_a_non_object_body_is_400(api, water):
    assert_envelope(act(api, None, water, action="accept"), 401, "unauthenticated")
    response = api.client.post(f"/api/v1/tickets/{water.id}/actions",
                               headers=api.headers("operator_in"), data="accept",
                               content_type="text/plain")
    assert_envelope(response, 400, "invalid_json")


def test_a_concurrent_update_is_409(api, water):
    from pmsys.tickets import services

    real = services.take_action

    def racing(session, actor, ticket, action, **kwargs):
        # Another worker acts first: the row's version moves on behind this session's back.
        session.execute(update(Ticket.__table__).where(Ticket.__table__.c.id == ticket.id)
                        .values(version=Ticket.__table__.c.version + 1))
        return real(session, actor, ticket, action, **kwargs)

    api.headers("operator_in")
    db.session.commit()  # the 409 rolls the session back: keep the token
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(services, "take_action", racing)
        response = act(api, "operator_in", water, action="accept")
    assert_envelope(response, 409, "concurrent_update")
    db.session.expire_all()
    assert db.session.get(Ticket, water.id).status.value == "assigned"
    assert events(water) == 1
    assert ok(act(api, "operator_in", water, action="accept"))["status"] == "accepted"


_bodies = st.dictionaries(
    st.sampled_from(["action", "note", "rating", "org", "handover", "x"]),
    json_values | st.sampled_from(["accept", "dispute", "reassign", "confirm", "PM-A"]),
    max_size=5,
) | json_values


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(body=_bodies)
def test_random_bodies_never_cause_a_server_error(api, water, body):
    for who in ("operator_in", "officer", "resident_a"):
        response = api.post(who, f"/tickets/{water.id}/actions", body)
        assert response.status_code < 500, response.get_data(as_text=True)[:300]
        if response.status_code >= 400:
            assert_envelope(response, response.status_code)


# --- photos ------------------------------------------------------------------------------------


def image(fmt: str = "JPEG", size=(40, 30), exif: bool = False) -> bytes:
    out = io.BytesIO()
    picture = Image.new("RGB", size, (200, 30, 30))
    if exif:
        data = Image.Exif()
        data[0x010F] = "SecretCam"  # Make
        picture.save(out, fmt, exif=data.tobytes())
    else:
        picture.save(out, fmt)
    return out.getvalue()


def upload(api, who, ticket, files, purpose=None):
    data = {"photos": [(io.BytesIO(content), name) for name, content in files]}
    if purpose is not None:
        data["purpose"] = purpose
    return api.client.post(f"/api/v1/tickets/{ticket.id}/photos", headers=api.headers(who),
                           data=data, content_type="multipart/form-data")


def test_the_reporter_uploads_photos_that_those_who_see_the_ticket_download(
    api, water, client
):
    response = upload(api, "resident_a", water,
                      [("a.jpg", image(exif=True)), ("b.png", image("PNG"))])
    assert response.status_code == 201, response.get_json()
    items = response.get_json()["items"]
    assert [(p["purpose"], p["content_type"]) for p in items] == [
        ("report", "image/jpeg"), ("report", "image/png")]
    conforms_to_document(client, [("/tickets/{ticket_id}/photos", "post", response)])
    photo = items[0]
    assert photo["url"] == f"/api/v1/tickets/{water.id}/photos/{photo['id']}"
    listed = ok(api.get("operator_in", f"/tickets/{water.id}"))["photos"]
    assert [p["id"] for p in listed] == [p["id"] for p in items]

    for who in ("resident_a", "operator_in", "manager_a", "officer"):
        served = client.get(photo["url"], headers=api.headers(who))
        assert served.status_code == 200, who
        assert served.mimetype == "image/jpeg"
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        assert "private" in served.headers["Cache-Control"]
        assert b"SecretCam" not in served.data
        Image.open(io.BytesIO(served.data)).verify()
    for who in ("resident_b", "operator_out", "gas_staff"):
        assert_envelope(client.get(photo["url"], headers=api.headers(who)), 404)
    assert_envelope(client.get(photo["url"]), 401)


def test_a_photo_is_served_only_through_its_own_ticket(api, world, water, client):
    mine = upload(api, "resident_a", water, [("a.jpg", image())]).get_json()["items"][0]
    other = file_as(world, "resident_b", community="CB")
    # resident_b sees their own ticket, but the photo belongs to another one.
    url = f"/api/v1/tickets/{other.id}/photos/{mine['id']}"
    assert_envelope(client.get(url, headers=api.headers("resident_b")), 404, "photo_not_found")
    assert_envelope(client.get(f"/api/v1/tickets/{water.id}/photos/999999",
                               headers=api.headers("resident_a")), 404, "photo_not_found")


def test_fix_photos_are_the_assignees(api, water):
    assert upload(api, "operator_in", water, [("fix.webp", image("WEBP"))],
                  purpose="fix").status_code == 201
    error = assert_envelope(upload(api, "resident_a", water, [("x.jpg", image())],
                                   purpose="fix"), 403, "not_your_photos")
    assert error["message"]
    assert_envelope(upload(api, "operator_in", water, [("x.jpg", image())]), 403,
                    "not_your_photos")
    assert_envelope(upload(api, "resident_b", water, [("x.jpg", image())]), 404)


@pytest.mark.parametrize(
    "files, purpose, code",
    [
        ([], None, "invalid_photo"),
        ([("a.txt", b"not an image")], None, "invalid_photo"),
        ([("a.gif", b"GIF89a" + b"\x00" * 20)], None, "invalid_photo"),
        ([("a.jpg", image())], "selfie", "invalid_input"),
        ([(f"{n}.jpg", image()) for n in range(5)], None, "invalid_photo"),
    ],
)
def test_bad_uploads_are_400_and_store_nothing(api, water, files, purpose, code):
    assert_envelope(upload(api, "resident_a", water, files, purpose), 400, code)
    assert db.session.scalar(select(func.count(TicketPhoto.id))) == 0


def test_an_empty_purpose_is_400(api, water):
    error = assert_envelope(upload(api, "resident_a", water, [("a.jpg", image())], ""), 400,
                            "invalid_input")
    assert set(error["fields"]) == {"purpose"}
    assert db.session.scalar(select(func.count(TicketPhoto.id))) == 0


def test_no_photos_after_the_ticket_is_finished(api, water):
    ok(act(api, "resident_a", water, action="cancel"))
    assert_envelope(upload(api, "resident_a", water, [("a.jpg", image())]), 400,
                    "ticket_finished")
