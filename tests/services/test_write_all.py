"""`write_all`: several writes in one statement on PostgreSQL, one by one elsewhere."""

from datetime import UTC, datetime

from sqlalchemy import bindparam, event, insert, literal, select

from pmsys import audit
from pmsys.db import Write, write_all
from pmsys.models.audit import AuditRecord
from pmsys.models.places import Region, RegionKind

NOW = datetime(2026, 12, 7, 2, tzinfo=UTC)


def _records(db, action: str) -> list[tuple]:
    return db.session.execute(
        select(AuditRecord.actor, AuditRecord.object_key, AuditRecord.data)
        .where(AuditRecord.action == action).order_by(AuditRecord.object_key)).all()


def _executed(db, work) -> list[str]:
    statements: list[str] = []
    engine = db.session.get_bind()

    def seen(_conn, _cursor, statement, *_args):
        if statement.lstrip()[:6].upper() in ("INSERT", "WITH A", "WITH W"):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        work()
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    return statements


def test_every_write_is_made_with_its_own_parameters(db):
    writes = [audit.record_write("batch", "write_all_probe", "probe", key, n=index)
              for index, key in enumerate(("a", "b", "c"))]
    statements = _executed(db, lambda: write_all(db.session, writes))
    assert _records(db, "write_all_probe") == [
        ("batch", "a", {"n": 0}), ("batch", "b", {"n": 1}), ("batch", "c", {"n": 2})]
    if db.session.get_bind().dialect.name == "postgresql":
        assert len(statements) == 1 and statements[0].lstrip().startswith("WITH")
    else:
        assert len(statements) == 3


def test_what_the_session_holds_is_written_first_and_a_write_reads_it(db):
    region = Region(code="WRITE-ALL", name="批量", kind=RegionKind.city)
    db.session.add(region)  # pending in the session, not flushed
    copied = Write(
        insert(AuditRecord.__table__).from_select(
            ["at", "actor", "action", "object_type", "object_key"],
            select(literal(NOW), literal("batch"), literal("write_all_read"),
                   literal("region"), Region.code)
            .where(Region.code == bindparam("code"))),
        {"code": region.code})
    write_all(db.session, [copied, audit.record_write("batch", "write_all_read", "x", "y")])
    assert [key for _actor, key, _data in _records(db, "write_all_read")] == sorted(
        [region.code, "y"])
