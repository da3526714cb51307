"""The import's bulk reading and writing: values as the ORM would write them, long lists in
chunks, and a session that sees what was written behind its back."""

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select

from pmsys import clock
from pmsys.imports import bulk
from pmsys.imports.services import import_bundle
from pmsys.models.places import Household, Person, Region, RegionKind, Setting
from tests.services.import_bundles import row_counts, sized_bundle, small_bundle, snapshot


def household(session, place: str) -> Household:
    code = place.rsplit("/", 1)[-1]
    return next(row for row in session.scalars(select(Household).where(Household.code == code))
                if row.place_code == place)


def test_rows_go_through_the_column_types_and_get_their_defaults(db):
    session = db.session
    clock.set_now(datetime(2026, 3, 1, 4, 5, 6, tzinfo=UTC))
    ids = bulk.reserve_ids(session, Region.__table__, 2)
    assert ids[1] > ids[0]
    written = bulk.insert_rows(
        session, Region.__table__, ("id", "code", "name", "kind"),
        [(ids[0], "BULK-C", "城", RegionKind.city), (ids[1], "BULK-D", "区", RegionKind.district)],
    )
    bulk.insert_rows(session, Setting.__table__, ("scope", "key", "value"),
                     [("BULK-C", "ticket_deadlines", {"normal": [24, 72], "note": "天"})])

    assert written == 2
    regions = session.scalars(select(Region).where(Region.id.in_(ids)).order_by(Region.id)).all()
    assert [(r.code, r.kind) for r in regions] == [("BULK-C", RegionKind.city),
                                                  ("BULK-D", RegionKind.district)]
    setting = session.scalar(select(Setting).where(Setting.scope == "BULK-C"))
    assert setting.value == {"normal": [24, 72], "note": "天"}
    assert setting.updated_at == datetime(2026, 3, 1, 4, 5, 6, tzinfo=UTC)
    assert bulk.reserve_ids(session, Region.__table__, 1)[0] > ids[1]


def test_a_reimport_moves_residents_in_and_out_and_the_session_sees_it(db):
    session = db.session
    import_bundle(session, small_bundle(), actor="cli")
    first = household(session, "GXL/1/1/101")
    assert [p.code for p in first.residents] == ["P3"]
    person = session.scalar(select(Person).where(Person.code == "P2"))
    bundle = small_bundle()
    bundle["people"][1]["name"] = "李四（更正）"
    households = bundle["communities"][0]["buildings"][0]["units"][0]["households"]
    households[0]["residents"] = ["P2"]
    households[0]["area"] = "62.75"

    summary = import_bundle(session, bundle, actor="cli")

    assert summary.counts["households"] == {"created": 0, "updated": 1, "unchanged": 2}
    # The objects read before the import show what it wrote.
    assert [p.code for p in first.residents] == ["P2"]
    assert first.area == Decimal("62.75")
    assert person.name == "李四（更正）"
    households[0]["residents"] = []
    import_bundle(session, bundle, actor="cli")
    assert first.residents == []


def test_long_lists_in_small_chunks_read_and_write_the_same(db, monkeypatch):
    monkeypatch.setattr(bulk, "CHUNK", 7)
    monkeypatch.setattr(bulk, "ARRAY_CHUNK", 7)
    bundle = sized_bundle(60, per_unit=4, per_building=2)

    first = import_bundle(db.session, bundle, actor="cli")

    assert first.counts["households"]["created"] == 63
    assert first.counts["people"]["created"] == 63
    assert first.counts["assets"]["created"] == len(bundle["assets"])
    places = db.session.execute(select(Household.code, Household.area, Person.code)
                                .join(Person, Person.id == Household.owner_id)
                                .where(Person.code.like("BIG-%"))).all()
    assert sorted(places) == sorted(
        (h["code"], Decimal(h["area"]), h["owner"])
        for c in bundle["communities"][1:] for b in c["buildings"] for u in b["units"]
        for h in u["households"]
    )
    before, counts = snapshot(db.session), row_counts(db.session)
    again = import_bundle(db.session, bundle, actor="cli")
    assert again.counts["households"] == {"created": 0, "updated": 0, "unchanged": 63}
    assert again.counts["people"] == {"created": 0, "updated": 0, "unchanged": 63}
    assert snapshot(db.session) == before
    counts["bundle_imported"] += 1
    assert row_counts(db.session) == counts
