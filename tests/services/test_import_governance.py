"""The region bundle and governance: developers, committee rules, committees, ended terms."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event, func, select

from pmsys import clock
from pmsys.imports.services import BundleInvalid, import_bundle
from pmsys.models.auth import Organization
from pmsys.models.governance import (
    Committee,
    CommitteeKind,
    CommitteeStatus,
    ManagementMode,
    ManagementTerm,
)
from pmsys.models.places import Community, Person, Setting
from tests.services.import_bundles import row_counts, small_bundle


def person(session, code: str) -> Person:
    return session.scalar(select(Person).where(Person.code == code))


def committees(session, community: str = "GXL") -> list[Committee]:
    return list(session.scalars(
        select(Committee).join(Community, Community.id == Committee.community_id)
        .where(Community.code == community).order_by(Committee.id)
    ))


def errors_of(db, bundle) -> list[str]:
    before = row_counts(db.session)
    with pytest.raises(BundleInvalid) as caught:
        import_bundle(db.session, bundle, actor="cli")
    assert row_counts(db.session) == before
    return caught.value.errors


# --- people[].developer -------------------------------------------------------------------

def test_a_developer_flag_is_written_updated_and_kept_when_left_out(db):
    bundle = small_bundle()
    bundle["people"][1]["developer"] = True
    summary = import_bundle(db.session, bundle, actor="cli")
    assert summary.counts["people"]["created"] == 3
    assert person(db.session, "P2").is_developer is True
    assert person(db.session, "P1").is_developer is False

    again = import_bundle(db.session, bundle, actor="cli")
    assert again.counts["people"] == {"created": 0, "updated": 0, "unchanged": 3}

    left_out = small_bundle()  # no "developer" key: the flag stays as it is
    assert import_bundle(db.session, left_out, actor="cli").counts["people"]["updated"] == 0
    assert person(db.session, "P2").is_developer is True

    cleared = small_bundle()
    cleared["people"][1]["developer"] = False
    assert import_bundle(db.session, cleared, actor="cli").counts["people"] == {
        "created": 0, "updated": 1, "unchanged": 2}
    assert person(db.session, "P2").is_developer is False


@pytest.mark.parametrize("value", ["yes", 1, 0.0, []])
def test_a_developer_flag_must_be_a_boolean(db, value):
    bundle = small_bundle()
    bundle["people"][0]["developer"] = value
    assert errors_of(db, bundle) == ["people[0].developer: must be true or false"]


def test_a_developer_flag_must_not_be_null(db):
    bundle = small_bundle()
    bundle["people"][0]["developer"] = None
    assert errors_of(db, bundle) == ["people[0].developer: must not be null"]


# --- settings.committee_rules -------------------------------------------------------------

def test_committee_rules_are_stored_as_given(db):
    bundle = small_bundle()
    bundle["settings"]["committee_rules"] = {"min_members": 7, "max_term_years": 3}
    summary = import_bundle(db.session, bundle, actor="cli")
    assert summary.counts["settings"]["created"] == 4
    row = db.session.scalar(select(Setting).where(Setting.key == "committee_rules"))
    assert (row.scope, row.value) == ("", {"min_members": 7, "max_term_years": 3})
    again = import_bundle(db.session, bundle, actor="cli")
    assert again.counts["settings"] == {"created": 0, "updated": 0, "unchanged": 4}


@pytest.mark.parametrize(("value", "message"), [
    ({"seats": 5}, "unknown committee_rules keys: seats"),
    ({"min_members": 0}, "committee_rules.min_members must be a positive whole number"),
    ({"warn_days": True}, "committee_rules.warn_days must be a positive whole number"),
    ({"min_members": 13}, "committee_rules.min_members is above max_members"),
    ({"max_term_years": 6}, "committee_rules.max_term_years is above the national limit of 5"),
    ([5, 11], "committee_rules must be an object"),
    (None, "committee_rules must be an object"),
])
def test_wrong_committee_rules_are_refused_at_their_path(db, value, message):
    bundle = small_bundle()
    bundle["settings"]["committee_rules"] = value
    assert errors_of(db, bundle) == [f"settings.committee_rules: {message}"]


# --- owners' committee organisations: a committee in office -------------------------------

def test_an_owners_committee_organisation_gets_a_committee_in_office_once(db):
    summary = import_bundle(db.session, small_bundle(), actor="cli")
    assert summary.counts["committees"] == {"created": 1, "updated": 0, "unchanged": 0}
    [committee] = committees(db.session)
    org = db.session.scalar(select(Organization).where(Organization.code == "GXL-OC"))
    assert committee.organization_id == org.id
    assert (committee.kind, committee.status) == (CommitteeKind.owners, CommitteeStatus.active)
    assert (committee.term_start, committee.term_end, committee.seats) == (None, None, None)

    again = import_bundle(db.session, small_bundle(), actor="cli")
    assert again.counts["committees"] == {"created": 0, "updated": 0, "unchanged": 1}
    assert len(committees(db.session)) == 1


def test_a_bundle_without_owners_committees_counts_none(db):
    bundle = small_bundle()
    bundle["organizations"] = [o for o in bundle["organizations"] if o["code"] != "GXL-OC"]
    summary = import_bundle(db.session, bundle, actor="cli")
    assert summary.counts["committees"] == {"created": 0, "updated": 0, "unchanged": 0}
    assert db.session.scalar(select(func.count(Committee.id))) == 0


@pytest.mark.parametrize(("status", "created"), [
    (CommitteeStatus.preparing, 0), (CommitteeStatus.active, 0), (CommitteeStatus.expired, 0),
])
def test_a_committee_is_created_only_where_the_community_never_had_one(db, status, created):
    import_bundle(db.session, small_bundle(), actor="cli")
    [first] = committees(db.session)
    first.status = status
    db.session.flush()

    summary = import_bundle(db.session, small_bundle(), actor="cli")

    assert summary.counts["committees"] == {
        "created": created, "updated": 0, "unchanged": 1 - created}
    rows = committees(db.session)
    assert [row.status for row in rows] == [status] + [CommitteeStatus.active] * created
    assert import_bundle(db.session, small_bundle(), actor="cli").counts["committees"] == {
        "created": 0, "updated": 0, "unchanged": 1}


def test_an_owners_committee_must_name_its_community(db):
    bundle = small_bundle()
    bundle["organizations"].append(
        {"code": "NOBODY", "name": "未成立", "kind": "owners_committee", "community": None})
    assert errors_of(db, bundle) == [
        "organizations[7].community: required for an owners_committee organization"]
    assert db.session.scalar(select(func.count(Committee.id))) == 0


def _bundle_with_committees(count: int, prefix: str) -> dict:
    """The small bundle plus `count` communities, each with its owners' committee organisation."""
    bundle = small_bundle()
    for number in range(count):
        code = f"{prefix}{number}"
        bundle["communities"].append({
            "code": code, "name": f"小区{code}", "street": "SLQ",
            "buildings": [{"code": "1", "units": [{"code": "1", "households": [
                {"code": "101", "area": "50.00", "owner": "P1"}]}]}],
        })
        bundle["organizations"].append({"code": f"{code}-OC", "name": f"小区{code}业委会",
                                         "kind": "owners_committee", "community": code})
    return bundle


def _selects_while(db, work) -> int:
    selects = []
    engine = db.session.get_bind().engine

    def count(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("SELECT"):
            selects.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        work()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(selects)


def test_committees_take_a_fixed_number_of_queries_whatever_their_number(db):
    import_bundle(db.session, small_bundle(), actor="cli")
    few, many = _bundle_with_committees(2, "A"), _bundle_with_committees(30, "B")
    first_few = _selects_while(db, lambda: import_bundle(db.session, few, actor="cli"))
    first_many = _selects_while(db, lambda: import_bundle(db.session, many, actor="cli"))
    assert db.session.scalar(select(func.count(Committee.id))) == 1 + 2 + 30
    again_few = _selects_while(db, lambda: import_bundle(db.session, few, actor="cli"))
    again_many = _selects_while(db, lambda: import_bundle(db.session, many, actor="cli"))
    assert first_few == first_many, (first_few, first_many)
    assert again_few == again_many < 30, (again_few, again_many)
    assert db.session.scalar(select(func.count(Committee.id))) == 1 + 2 + 30


# --- terms ended in pmsys -----------------------------------------------------------------

def _gxl_terms(session) -> list[ManagementTerm]:
    return list(session.scalars(select(ManagementTerm).join(Community)
                                .where(Community.code == "GXL").order_by(ManagementTerm.start)))


def test_a_term_ended_in_pmsys_keeps_its_end_when_the_bundle_gives_none(db):
    import_bundle(db.session, small_bundle(), actor="cli")
    current = _gxl_terms(db.session)[-1]
    assert (current.start, current.end) == (date(2022, 1, 1), None)
    # pmsys installs a new term from 2026-01-01, ending the professional one
    # (docs/domain.md#management).
    current.end, current.ended_at = date(2025, 12, 31), clock.now()
    org = db.session.scalar(select(Organization).where(Organization.code == "DH-CO"))
    db.session.add(ManagementTerm(community_id=current.community_id, organization=org,
                                  mode=ManagementMode.community, start=date(2026, 1, 1)))
    db.session.flush()

    summary = import_bundle(db.session, small_bundle(), actor="cli")

    assert summary.counts["management_terms"] == {"created": 0, "updated": 0, "unchanged": 2}
    assert [(t.start, t.end) for t in _gxl_terms(db.session)] == [
        (date(2021, 1, 1), date(2021, 12, 31)), (date(2022, 1, 1), date(2025, 12, 31)),
        (date(2026, 1, 1), None)]

    # An explicit end is still the bundle's to set, and still checked for overlaps.
    bundle = small_bundle()
    bundle["management_terms"][1]["end"] = "2025-06-30"
    assert import_bundle(db.session, bundle, actor="cli").counts["management_terms"][
        "updated"] == 1
    assert current.end == date(2025, 6, 30)
    bundle["management_terms"][1]["end"] = "2026-03-31"
    assert errors_of(db, bundle) == [
        "management_terms[1]: overlaps the existing term of GXL (from 2026-01-01, open-ended)"]


def test_an_end_set_by_an_earlier_bundle_is_cleared_by_null(db):
    bundle = small_bundle()
    bundle["management_terms"][1]["end"] = "2024-12-31"
    import_bundle(db.session, bundle, actor="cli")

    summary = import_bundle(db.session, small_bundle(), actor="cli")

    assert summary.counts["management_terms"]["updated"] == 1
    assert _gxl_terms(db.session)[-1].end is None


# --- logins of committee members elected in pmsys -----------------------------------------

@pytest.mark.parametrize(("sits", "role_after"), [(True, "committee_member"), (False, "resident")])
def test_a_reimport_keeps_the_login_of_a_member_of_the_committee_in_office(db, sits, role_after):
    from pmsys.models.auth import Role, User
    from pmsys.models.governance import CommitteeMember, MemberRole

    import_bundle(db.session, small_bundle(), actor="cli")
    [committee] = committees(db.session)
    zhang = db.session.scalar(select(User).where(User.username == "zhang"))
    if sits:
        db.session.add(CommitteeMember(committee_id=committee.id, person_id=zhang.person_id,
                                       role=MemberRole.director))
    zhang.role, zhang.organization_id = Role.committee_member, committee.organization_id
    db.session.flush()

    import_bundle(db.session, small_bundle(), actor="cli")

    db.session.refresh(zhang)
    assert zhang.role.value == role_after
    assert (zhang.organization_id is not None) is sits
