"""`one_of_ids`: a column among a list of ids bound as one parameter (pmsys/db.py)."""

from sqlalchemy import event, select

from pmsys.db import one_of_ids
from pmsys.models.places import Region
from tests.factories import street

_AMONG = select(Region.id).where(one_of_ids(Region.id, "ids")).order_by(Region.id)


def _ids(db, ids) -> list[int]:
    return list(db.session.connection().scalars(_AMONG, {"ids": ids}))


def test_it_selects_exactly_the_listed_rows(db):
    streets = [street() for _ in range(4)]
    db.session.flush()
    first, second, third, _fourth = sorted(row.id for row in streets)
    assert _ids(db, [third, first]) == [first, third]
    assert _ids(db, [second, second]) == [second]
    assert _ids(db, [third + 10_000]) == []
    assert _ids(db, []) == []


def test_the_statement_text_is_the_same_for_any_number_of_ids(db):
    streets = [street() for _ in range(3)]
    db.session.flush()
    ids = [row.id for row in streets]
    texts: list[str] = []
    engine = db.session.get_bind()

    def seen(_conn, _cursor, statement, *_args):
        texts.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        for count in (1, 2, 3):
            assert len(_ids(db, ids[:count])) == count
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert len(texts) == 3 and len(set(texts)) == 1  # one placeholder, not one per id
