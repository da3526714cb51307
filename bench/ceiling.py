"""The ceiling pmsys is measured against: what bare Flask and Flask-SQLAlchemy serve here.

    hello_app    GET /hello -> "hello" (bare Flask)
    app          GET /hello; POST /tickets (JSON -> one INSERT -> 201 {"id"});
                 GET /tickets (the newest 50 rows of an eight-column table, as JSON)

The database is CEILING_DATABASE_URL (SQLite in WAL mode with synchronous=NORMAL,
as pmsys runs it, or PostgreSQL). `python bench/ceiling.py seed N` fills it.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime, timedelta

from flask import Flask, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, Integer, String, Text, event, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

hello_app = Flask("ceiling_hello")


@hello_app.get("/hello")
def bare_hello():
    return "hello"


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Ticket(db.Model):
    __tablename__ = "ceiling_tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    place: Mapped[str] = mapped_column(String(100), default="")
    reporter: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20), default="open")
    priority: Mapped[int] = mapped_column(Integer, default=3)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)

    def as_dict(self) -> dict:
        return {"id": self.id, "title": self.title, "description": self.description,
                "place": self.place, "reporter": self.reporter, "status": self.status,
                "priority": self.priority, "created_at": self.created_at.isoformat()}


def create_app() -> Flask:
    flask_app = Flask("ceiling")
    flask_app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["CEILING_DATABASE_URL"]
    db.init_app(flask_app)
    with flask_app.app_context():
        if db.engine.dialect.name == "sqlite":

            @event.listens_for(db.engine, "connect")
            def _pragmas(connection, _record):
                cursor = connection.cursor()
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
                cursor.execute("PRAGMA busy_timeout=10000")
                cursor.close()

    @flask_app.get("/hello")
    def hello():
        return "hello"

    @flask_app.post("/tickets")
    def create_ticket():
        data = request.get_json(silent=True) or {}
        title = str(data.get("title", "")).strip()
        if not title:
            return {"error": "title is required"}, 400
        ticket = Ticket(title=title[:200], description=str(data.get("description", "")),
                        place=str(data.get("place", ""))[:100], created_at=datetime.now(UTC))
        db.session.add(ticket)
        db.session.commit()
        return {"id": ticket.id}, 201

    @flask_app.get("/tickets")
    def list_tickets():
        rows = db.session.scalars(select(Ticket).order_by(Ticket.created_at.desc()).limit(50))
        return [row.as_dict() for row in rows]

    return flask_app


def seed(count: int) -> None:
    """Create the table and top it up to `count` rows."""
    with app.app_context():
        db.create_all()
        have = db.session.scalar(select(func.count(Ticket.id)))
        start = datetime(2026, 1, 1, tzinfo=UTC)
        rows = [{"title": f"走廊灯不亮 {n}", "description": "楼道灯坏了，请尽快修理。" * 3,
                 "place": f"{n % 12}号楼{n % 6}单元", "reporter": f"住户{n % 997}",
                 "status": "open", "priority": 1 + n % 5,
                 "created_at": start + timedelta(minutes=37 * n)}
                for n in range(have, count)]
        for first in range(0, len(rows), 2000):
            db.session.execute(Ticket.__table__.insert(), rows[first:first + 2000])
        db.session.commit()


def trim(count: int) -> None:
    """Delete the rows past the first `count` (undo a create run)."""
    with app.app_context():
        keep = db.session.scalar(select(Ticket.id).order_by(Ticket.id).offset(count - 1)
                                 .limit(1))
        if keep is not None:
            db.session.execute(Ticket.__table__.delete().where(Ticket.id > keep))
            db.session.commit()


app = create_app() if "CEILING_DATABASE_URL" in os.environ else None

if __name__ == "__main__":
    command, number = sys.argv[1], int(sys.argv[2])
    {"seed": seed, "trim": trim}[command](number)
