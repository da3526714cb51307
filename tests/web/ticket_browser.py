"""A logged-in browser over the ticket world, and readers of the ticket pages (web tests)."""

from __future__ import annotations

import html
import io
import re

from PIL import Image
from sqlalchemy import select

from pmsys.extensions import db
from pmsys.models.tickets import Ticket
from tests.conftest import csrf_token


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

    def act(self, who: str, ticket: Ticket, action: str, **fields):
        return self.post(who, f"/tickets/{ticket.id}/actions", action=action, **fields)


def text(response) -> str:
    return response.get_data(as_text=True)


def squash(response) -> str:
    """The page's text with tags dropped and runs of white space made one."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", text(response))))


def flashes(response) -> list[str]:
    return [re.sub(r"\s+", " ", html.unescape(m)).strip()
            for m in re.findall(r'<p class="flash flash-\w+"[^>]*>(.*?)</p>', text(response), re.S)]


def section(response, ident: str) -> str:
    """The text of the page's element with this id, up to the next section."""
    page = text(response)
    start = page.find(f'id="{ident}"')
    assert start >= 0, f"no #{ident} on the page"
    end = page.find("</section>", start)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page[start:end])))


def ticket_numbers(fragment: str) -> list[str]:
    return re.findall(r"\d{8}-\d{6}", fragment)


def png(width: int = 8, height: int = 6, color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "PNG")
    return out.getvalue()


def fresh(ticket_or_id) -> Ticket:
    """The ticket as the database holds it now."""
    key = getattr(ticket_or_id, "id", ticket_or_id)
    db.session.expire_all()
    return db.session.scalar(select(Ticket).where(Ticket.id == key))


def latest_ticket() -> Ticket | None:
    db.session.expire_all()
    return db.session.scalar(select(Ticket).order_by(Ticket.id.desc()).limit(1))
