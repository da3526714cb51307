"""The maintenance fund over the API (docs/api.md#fund): entries once per ref, spends against
a vote with two signatures, the statement each caller reads."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pmsys.extensions import db as _db
from pmsys.models.fund import FundEntry
from tests.fund_world import build_fund_world

ENTRIES = "/api/v1/communities/{}/fund/entries"
FUND = "/api/v1/communities/{}/fund"
DEPOSIT = {"ref": "DEP-1", "kind": "deposit", "household": "VA/1/1/101", "amount": "2400.00",
           "note": "首期"}


@pytest.fixture
def world(db):
    return build_fund_world()


@pytest.fixture
def as_user(world, api_token):
    def token(login):
        user = world.users.get(login) or world.residents[login]
        return api_token(user)
    return token


def entries() -> int:
    return _db.session.scalar(select(func.count(FundEntry.id)))


def test_a_deposit_once_per_ref_and_another_body_is_a_conflict(client, world, as_user):
    posted = client.post(ENTRIES.format("VA"), json=DEPOSIT, headers=as_user("officer"))
    assert posted.status_code == 201, posted.get_json()
    body = posted.get_json()
    assert (body["kind"], body["amount"], body["household"], body["status"]) == (
        "deposit", "2400.00", "VA/1/1/101", "posted")
    again = client.post(ENTRIES.format("VA"), json=DEPOSIT, headers=as_user("officer"))
    assert again.status_code == 200 and again.get_json()["id"] == body["id"]
    other = client.post(ENTRIES.format("VA"), json={**DEPOSIT, "amount": "1.00"},
                        headers=as_user("officer"))
    assert other.status_code == 409 and other.get_json()["error"]["code"] == "ref_conflict"
    assert entries() == 1


def test_bad_input_and_the_wrong_caller_change_nothing(client, world, as_user):
    for body in ({**DEPOSIT, "household": None}, {**DEPOSIT, "kind": "gift"},
                 {**DEPOSIT, "amount": "-5.00"}, {**DEPOSIT, "amount": "1.001"},
                 {**DEPOSIT, "household": "VX/1/1/101"}):
        answer = client.post(ENTRIES.format("VA"), json=body, headers=as_user("officer"))
        assert answer.status_code == 400, (body, answer.get_json())
    manager = client.post(ENTRIES.format("VA"), json=DEPOSIT, headers=as_user("manager"))
    assert manager.status_code == 403
    assert manager.get_json()["error"]["code"] == "not_a_fund_keeper"
    stranger = client.post(ENTRIES.format("VA"), json=DEPOSIT, headers=as_user("V-X1"))
    assert stranger.status_code == 404
    assert entries() == 0


def test_a_spend_is_signed_by_both_sides_then_posted_and_capped_by_its_vote(
        client, world, as_user):
    client.post(ENTRIES.format("VA"), json={**DEPOSIT, "amount": "5000.00"},
                headers=as_user("officer"))
    spend = {"ref": "SP-1", "kind": "spend", "amount": "800.00", "vote": world.fund_vote.id,
             "note": "屋面防水"}
    posted = client.post(ENTRIES.format("VA"), json=spend, headers=as_user("committee"))
    assert posted.status_code == 201, posted.get_json()
    entry = posted.get_json()
    assert (entry["status"], entry["amount"]) == ("pending", "-800.00")
    over = client.post(ENTRIES.format("VA"), json={**spend, "ref": "SP-2", "amount": "200.01"},
                       headers=as_user("committee"))
    assert over.status_code == 422
    assert over.get_json()["error"]["code"] == "vote_amount_exceeded"
    failed = client.post(ENTRIES.format("VA"), json={**spend, "ref": "SP-3",
                                                     "vote": world.failed_vote.id},
                         headers=as_user("committee"))
    assert failed.status_code == 422
    sign = f"/api/v1/fund/entries/{entry['id']}/sign"
    assert client.post(sign, headers=as_user("bureau")).status_code == 403
    assert client.post(sign, headers=as_user("V-X1")).status_code == 404
    first = client.post(sign, headers=as_user("committee"))
    assert first.status_code == 200 and first.get_json()["status"] == "pending"
    assert client.post(sign, headers=as_user("committee")).status_code == 409
    second = client.post(sign, headers=as_user("officer"))
    assert second.status_code == 200, second.get_json()
    signed = second.get_json()
    assert signed["status"] == "posted"
    assert [(s["side"], s["by"]) for s in signed["signatures"]] == [
        ("committee", "v_committee"), ("street_office", "v_officer")]
    statement = client.get(FUND.format("VA"), headers=as_user("officer")).get_json()
    assert (statement["balance"], statement["pending"]) == ("4200.00", "0.00")
    assert len(statement["by_household"]) == 8
    assert sum(float(line["balance"]) for line in statement["by_building"]) == 4200.0


def test_a_resident_reads_the_totals_and_only_their_own_line(client, world, as_user):
    client.post(ENTRIES.format("VA"), json=DEPOSIT, headers=as_user("officer"))
    client.post(ENTRIES.format("VA"), json={**DEPOSIT, "ref": "DEP-2",
                                            "household": "VA/1/1/201", "amount": "1800.00"},
                headers=as_user("officer"))
    answer = client.get(FUND.format("VA"), headers=as_user("V-O2"))
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["balance"] == "4200.00" and body["by_building"] is None
    assert body["by_household"] == [{"household": "VA/1/1/201", "balance": "1800.00"}]
    other, own = body["entries"]
    assert (other["household"], other["ref"], other["note"]) == (None, None, "")
    assert (own["household"], own["ref"]) == ("VA/1/1/201", "DEP-2")
    assert client.get(FUND.format("VA"), headers=as_user("V-X1")).status_code == 404
    operator = client.get(FUND.format("VA"), headers=as_user("operator")).get_json()
    assert operator["by_household"] == []
