"""The pages read in the catalogue's Chinese by default, and in English on request."""

from __future__ import annotations

from pmsys.models.auth import Role
from tests.factories import UserFactory


def text_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_the_login_page_is_chinese_by_default(client):
    page = text_of(client.get("/login"))
    assert "<h1>登录</h1>" in page
    assert "用户名" in page
    assert "Username" not in page


def test_each_request_gets_its_own_language(client):
    # The tests, like the CLI, run every request inside one outer app context:
    # the language of one request must not stay behind for the next.
    assert "用户名" in text_of(client.get("/login"))
    client.set_cookie("lang", "en")
    english = text_of(client.get("/login"))
    assert "Username" in english
    assert "用户名" not in english
    client.set_cookie("lang", "zh_CN")
    assert "用户名" in text_of(client.get("/login"))


def test_plural_messages_use_the_one_chinese_form(client, login_as):
    login_as(UserFactory(role=Role.sysadmin))
    # Chinese has one plural form; 0 would pick the English plural under the default rule.
    assert "共0个小区" in text_of(client.get("/communities"))


def test_labels_follow_the_language_both_ways(client, login_as, csrf):
    login_as(UserFactory(role=Role.sysadmin))
    chinese = text_of(client.get("/"))
    assert "无人管理" in chinese
    assert "辖区概况" in chinese
    client.post("/language/en", data={"csrf_token": csrf("/"), "next": "/"})
    english = text_of(client.get("/"))
    assert "No management" in english
    assert "Overview of your area" in english
    assert "无人管理" not in english
