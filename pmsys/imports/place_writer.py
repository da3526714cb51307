"""Writing a validated bundle's people, buildings, units and households, in bulk.

The rules are writer.py's — upsert by code, never delete, a field left out
keeps its value and null clears it, count what was created, updated or left
unchanged — over plain values: the bundle is compared with the rows read by
code (existing.Existing), and only new or changed rows are written, table by
table, their ids reserved first (bulk.py). A city's 350,000 households never
become ORM objects. A household's residents are exactly those the bundle
lists, where it lists them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import and_, bindparam, delete

from pmsys.imports import bulk
from pmsys.imports.fields import Item
from pmsys.imports.writer import present, tally
from pmsys.models.places import Building, Household, HouseholdResident, Person, Unit

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from pmsys.imports.existing import Existing
    from pmsys.imports.validation import Parsed


def changes(row, values: dict) -> dict:
    """The columns of `values` that differ from `row`'s (a named tuple of the columns)."""
    return {name: value for name, value in values.items() if getattr(row, name) != value}


def write_people(session: Session, parsed: Parsed, existing: Existing, counts: dict) -> None:
    """Create or update the bundle's people; afterwards `existing.person_ids` names them all."""
    ids = existing.person_ids
    ids.update((code, row.id) for code, row in existing.people.items())
    new: list[tuple[str, dict]] = []
    changed: list[tuple[int, dict]] = []
    found = existing.people
    for item in parsed.people:
        values = item.values
        row = found.get(values["code"])
        # Most people of a bundle loaded before are as they were: check that first.
        if row is not None and values["name"] == row.name and values.get(
                "phone", row.phone) == row.phone and values.get(
                "developer", row.is_developer) == row.is_developer:
            continue
        values = present(item, "name", "phone")
        if "developer" in item.values:
            values["is_developer"] = item.get("developer")
        if row is None:
            new.append((item.get("code"), values))
        else:
            changed.append((row.id, changes(row, values)))
    counts["people"]["created"] += len(new)
    counts["people"]["updated"] += len(changed)
    counts["people"]["unchanged"] += len(parsed.people) - len(new) - len(changed)
    table = Person.__table__
    new_ids = bulk.reserve_ids(session, table, len(new))
    bulk.insert_rows(
        session, table, ("id", "code", "name", "phone", "is_developer"),
        ((person_id, code, values["name"], values.get("phone"),
          values.get("is_developer", False))
         for person_id, (code, values) in zip(new_ids, new, strict=True)),
    )
    ids.update(zip((code for code, _values in new), new_ids, strict=True))
    bulk.update_rows(session, table, changed)
    bulk.expire(session, Person, [person_id for person_id, _values in changed])


def write_places(session: Session, parsed: Parsed, existing: Existing, counts: dict) -> None:
    """Create or update the bundle's buildings, units and households (people written first)."""
    places = _Places(session, existing, counts)
    places.households(places.units(places.buildings(parsed.communities)))


class _Places:
    def __init__(self, session: Session, existing: Existing, counts: dict):
        self.session, self.rows, self.counts = session, existing, counts

    def buildings(self, communities: list[Item]) -> list[tuple[str, int, str, list[Item]]]:
        """Write the buildings; return (community code, id, code, unit items) of each."""
        walked: list[list] = []
        new: list[tuple[int, int, str, dict]] = []
        changed: list[tuple[int, dict]] = []
        for community_item in communities:
            community_code = community_item.get("code")
            community_id = self.rows.communities[community_code].id
            for item in community_item.get("buildings") or []:
                code, values = item.get("code"), present(item, "name", "floors")
                row = self.rows.buildings.get((community_id, code))
                if row is None:
                    new.append((len(walked), community_id, code, values))
                    building_id = None
                    tally(self.counts, "buildings", True, False)
                else:
                    building_id = row.id
                    difference = changes(row, values)
                    if difference:
                        changed.append((row.id, difference))
                    tally(self.counts, "buildings", False, bool(difference))
                walked.append([community_code, building_id, code, item.get("units") or []])
        table = Building.__table__
        ids = bulk.reserve_ids(self.session, table, len(new))
        for (position, *_rest), building_id in zip(new, ids, strict=True):
            walked[position][1] = building_id
        bulk.insert_rows(
            self.session, table, ("id", "community_id", "code", "name", "floors"),
            ((building_id, community_id, code, values.get("name"), values.get("floors"))
             for (_position, community_id, code, values), building_id
             in zip(new, ids, strict=True)),
        )
        bulk.update_rows(self.session, table, changed)
        bulk.expire(self.session, Building, [building_id for building_id, _values in changed])
        for community_code, building_id, code, _units in walked:
            self.rows.building_ids[(community_code, code)] = building_id
        return [tuple(entry) for entry in walked]

    def units(self, buildings) -> list[tuple[int, list[Item]]]:
        """Write the units (a unit has nothing but its code); return (id, household items)."""
        walked: list[list] = []
        new: list[tuple[int, int, str]] = []
        for community_code, building_id, building_code, items in buildings:
            for item in items:
                code = item.get("code")
                unit_id = self.rows.units.get((building_id, code))
                if unit_id is None:
                    new.append((len(walked), building_id, code))
                tally(self.counts, "units", unit_id is None, False)
                walked.append([unit_id, (community_code, building_code, code),
                               item.get("households") or []])
        table = Unit.__table__
        ids = bulk.reserve_ids(self.session, table, len(new))
        for (position, _building_id, _code), unit_id in zip(new, ids, strict=True):
            walked[position][0] = unit_id
        bulk.insert_rows(
            self.session, table, ("id", "building_id", "code"),
            ((unit_id, building_id, code)
             for (_position, building_id, code), unit_id in zip(new, ids, strict=True)),
        )
        for unit_id, key, _households in walked:
            self.rows.unit_ids[key] = unit_id
        return [(unit_id, households) for unit_id, _key, households in walked]

    def households(self, units: list[tuple[int, list[Item]]]) -> None:
        """Write the households and their residents."""
        person = self.rows.person_ids
        new: list[tuple[int, Item]] = []
        changed: list[tuple[int, dict]] = []
        moved_in: list[tuple[int, int]] = []  # (household id, person id)
        moved_out: list[tuple[int, int]] = []
        found, living_in = self.rows.households, self.rows.residents
        updated = unchanged = 0
        for unit_id, items in units:
            for item in items:
                values = item.values
                row = found.get((unit_id, values["code"]))
                if row is None:
                    new.append((unit_id, item))
                    continue
                difference = {}
                if values["area"] != row.area:
                    difference["area"] = values["area"]
                if person[values["owner"]] != row.owner_id:
                    difference["owner_id"] = person[values["owner"]]
                residents = values.get("residents")
                moved = False
                if residents is not None:
                    wanted = [person[code] for code in residents]
                    living = living_in.get(row.id, set())
                    if set(wanted) != living:
                        moved_out.extend((row.id, gone) for gone in living.difference(wanted))
                        moved_in.extend((row.id, one) for one in wanted if one not in living)
                        moved = True
                if difference:
                    changed.append((row.id, difference))
                if difference or moved:
                    updated += 1
                else:
                    unchanged += 1
        tallies = self.counts["households"]
        tallies["created"] += len(new)
        tallies["updated"] += updated
        tallies["unchanged"] += unchanged
        table = Household.__table__
        ids = bulk.reserve_ids(self.session, table, len(new))
        bulk.insert_rows(
            self.session, table, ("id", "unit_id", "code", "area", "owner_id"),
            ((household_id, unit_id, item.get("code"), item.get("area"),
              person[item.get("owner")])
             for (unit_id, item), household_id in zip(new, ids, strict=True)),
        )
        for (_unit_id, item), household_id in zip(new, ids, strict=True):
            moved_in.extend((household_id, person[code]) for code in item.get("residents") or ())
        bulk.update_rows(self.session, table, changed)
        residents = HouseholdResident.__table__
        if moved_out:
            self.session.execute(
                delete(residents).where(and_(
                    residents.c.household_id == bindparam("gone_household"),
                    residents.c.person_id == bindparam("gone_person"),
                )),
                [{"gone_household": household_id, "gone_person": person_id}
                 for household_id, person_id in moved_out],
            )
        bulk.insert_rows(self.session, residents, ("household_id", "person_id"), moved_in)
        bulk.expire(self.session, Household,
                    {household_id for household_id, _values in changed}
                    | {household_id for household_id, _person in moved_out + moved_in})
