"""An id past what an INTEGER column holds is simply not found, on every engine (never a 500)."""

from __future__ import annotations

import pytest

from pmsys.db import MAX_ID, valid_id
from tests.ticket_world import build_ticket_world, file_as

TOO_LARGE = 737513868028812  # what schemathesis once tried: past 32 bits


@pytest.fixture
def world(db):
    return build_ticket_world()


def test_valid_id_accepts_only_what_a_row_id_can_be():
    assert valid_id(1) == 1 and valid_id("42") == 42 and valid_id(MAX_ID) == MAX_ID
    for value in (0, -1, MAX_ID + 1, TOO_LARGE, "x", None, True, "1.5"):
        assert valid_id(value) is None


def test_large_ids_answer_404_through_the_api(client, world, api_token):
    ticket = file_as(world, "resident_a")
    headers = api_token(world.users["resident_a"])
    for url in (f"/api/v1/tickets/{TOO_LARGE}", f"/api/v1/tickets/{ticket.id}/photos/{TOO_LARGE}"):
        response = client.get(url, headers=headers)
        assert response.status_code == 404, url
    response = client.post(f"/api/v1/notifications/{TOO_LARGE}/read", headers=headers)
    assert response.status_code == 404


def test_large_ids_answer_404_on_the_pages(client, world, login_as):
    login_as(world.users["resident_a"])
    assert client.get(f"/tickets/{TOO_LARGE}").status_code == 404
    assert client.get(f"/open311/v2/requests/{TOO_LARGE}.json").status_code in (401, 404)
