"""Writing a validated region bundle: upsert by code, never delete, count what changed.

Optional fields that a bundle leaves out keep their current value (a new row
gets the default) and an explicit null clears them; a term without `end` is
open-ended (but a term that pmsys ended when it installed the next one keeps
that end), and a user's `org` and `person` are always as the bundle says.
An owners' committee organisation bound to a community gets a committee in
office (kind owners, active, no term dates: elected before pmsys) when the
community has none preparing or active.
Passwords are hashed only when a user is new or its password no longer
matches, since each scrypt hash costs tens of milliseconds. place_writer.py
writes people and places by the same rules, in bulk; register_writer.py
projects, assets and hand-overs, after these rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from pmsys import clock
from pmsys.auth.passwords import hash_password, verify_password
from pmsys.auth.services import end_all_sessions
from pmsys.imports.bulk import objects_among
from pmsys.imports.fields import Item
from pmsys.models.auth import Organization, OrganizationCategory, OrgKind, Role, User
from pmsys.models.governance import (
    Committee,
    CommitteeKind,
    CommitteeMember,
    CommitteeStatus,
    ManagementMode,
    ManagementTerm,
)
from pmsys.models.places import (
    Community,
    Person,
    Region,
    RegionKind,
    Setting,
)

if TYPE_CHECKING:
    from pmsys.imports.existing import Existing
    from pmsys.imports.validation import Parsed

KINDS = (
    "settings", "regions", "organizations", "people", "communities", "buildings", "units",
    "households", "users", "projects", "project_items", "assets", "handovers",
    "management_terms", "committees", "fee_standards", "fund_entries", "building_leaders",
)


def assign(row, values: dict) -> bool:
    """Set the columns whose value differs; return whether any did."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def link(row, name: str, target) -> bool:
    """Point relationship `name` at `target`, comparing foreign keys so nothing is loaded."""
    current = getattr(row, f"{name}_id")
    if target is None:
        if current is None:
            return False
    elif target.id is not None and current == target.id:
        return False
    setattr(row, name, target)
    return True


def present(item: Item, *names: str) -> dict:
    return {name: item.values[name] for name in names if name in item.values}


def tally(counts: dict, kind: str, created: bool, changed: bool) -> None:
    """Count one row of `kind` as created, updated or unchanged."""
    state = "created" if created else "updated" if changed else "unchanged"
    counts[kind][state] += 1


def write_bundle(session: Session, parsed: Parsed, existing: Existing) -> dict:
    """Create or update the bundle's places, people, organisations, users and terms.

    Return the counts by kind (every kind of KINDS; register_writer.py fills
    those of projects, assets and hand-overs, fee_writer.py those of fee standards).
    """
    return _Writer(session, parsed, existing).run()


class _Writer:
    def __init__(self, session: Session, parsed: Parsed, existing: Existing):
        self.session, self.parsed, self.rows = session, parsed, existing
        self.counts = {kind: {"created": 0, "updated": 0, "unchanged": 0} for kind in KINDS}

    def tally(self, kind: str, created: bool, changed: bool) -> None:
        tally(self.counts, kind, created, changed)

    def run(self) -> dict:
        # Imported here: place_writer uses this module's helpers.
        from pmsys.imports.place_writer import write_people, write_places

        self.settings()
        self.regions()
        write_people(self.session, self.parsed, self.rows, self.counts)
        organizations = self.organizations()
        self.communities()
        # Communities and organisations point at each other (community office,
        # owners' committee): the communities get ids first, then the links.
        self.session.flush()
        self.organization_communities(organizations)
        write_places(self.session, self.parsed, self.rows, self.counts)
        self.users()
        self.terms()
        self.session.flush()
        self.committees(organizations)
        self.session.flush()
        return self.counts

    def settings(self) -> None:
        for key, value in self.parsed.settings.items():
            row = self.rows.settings.get(key)
            if row is None:
                self.session.add(Setting(scope="", key=key, value=value))
            changed = row is not None and assign(row, {"value": value})
            self.tally("settings", row is None, changed)

    def regions(self) -> None:
        pending = []
        for item in self.parsed.regions:
            code = item.get("code")
            values = present(item, "name", "name_en")
            values["kind"] = RegionKind(item.get("kind"))
            region = self.rows.regions.get(code)
            created = region is None
            if created:
                region = self.rows.regions[code] = Region(code=code, **values)
                self.session.add(region)
            pending.append((item, region, created, not created and assign(region, values)))
        # Parents may come later in the list than their children.
        for item, region, created, changed in pending:
            if "parent" in item.values:
                parent = item.get("parent")
                target = self.rows.regions[parent] if parent else None
                changed = link(region, "parent", target) or changed
            self.tally("regions", created, changed)

    def organizations(self) -> list[tuple[Item, Organization, bool, bool]]:
        done = []
        for item in self.parsed.organizations:
            code = item.get("code")
            values = present(item, "name", "duty", "phone")
            values["kind"] = OrgKind(item.get("kind"))
            org = self.rows.organizations.get(code)
            created = org is None
            if created:
                org = self.rows.organizations[code] = Organization(code=code, **values)
                self.session.add(org)
                changed = False
            else:
                changed = assign(org, values)
            if "region" in item.values:
                region = item.get("region")
                target = self.rows.regions[region] if region else None
                changed = link(org, "region", target) or changed
            if "categories" in item.values:
                changed = self._categories(org, item.get("categories")) or changed
            done.append((item, org, created, changed))
        return done

    @staticmethod
    def _categories(org: Organization, wanted: list[str]) -> bool:
        if sorted(org.categories) == sorted(wanted):
            return False
        kept = [link for link in org.category_links if link.category in wanted]
        have = {link.category for link in kept}
        org.category_links = kept + [
            OrganizationCategory(category=code) for code in wanted if code not in have
        ]
        return True

    def organization_communities(self, done) -> None:
        for item, org, created, changed in done:
            if "community" in item.values:
                community = item.get("community")
                target = self.rows.communities[community] if community else None
                changed = link(org, "community", target) or changed
            self.tally("organizations", created, changed)

    def communities(self) -> None:
        for item in self.parsed.communities:
            code = item.get("code")
            values = present(item, "name", "built_year", "address")
            community = self.rows.communities.get(code)
            created = community is None
            if created:
                community = self.rows.communities[code] = Community(code=code, **values)
                self.session.add(community)
                changed = False
            else:
                changed = assign(community, values)
            changed = link(community, "street", self.rows.regions[item.get("street")]) or changed
            if "community_office" in item.values:
                office = item.get("community_office")
                target = self.rows.organizations[office] if office else None
                changed = link(community, "community_office", target) or changed
            self.tally("communities", created, changed)

    def users(self) -> None:
        ids = [self.rows.person_ids[item.get("person")] for item in self.parsed.users
               if item.get("person")]
        people = {row.code: row
                  for row in objects_among(self.session, select(Person), Person.id, ids)}
        for item in self.parsed.users:
            username, password = item.get("username"), item.get("password")
            org_code, person_code = item.get("org"), item.get("person")
            org = self.rows.organizations[org_code] if org_code else None
            person = people[person_code] if person_code else None
            role = Role(item.get("role"))
            user = self.rows.users.get(username)
            if user is None:
                user = User(
                    username=username, password_hash=hash_password(password), role=role,
                    organization=org, person=person, active=item.get("active", True),
                )
                self.rows.users[username] = user
                self.session.add(user)
                self.tally("users", True, False)
                continue
            was_active = user.active
            if role is Role.resident and self._elected(user):
                # Elected in pmsys: the committee's term, not the bundle, ends the role.
                role, org = user.role, user.organization
            changed = assign(user, {"role": role, **present(item, "active")})
            changed = link(user, "organization", org) or changed
            changed = link(user, "person", person) or changed
            new_password = not verify_password(user.password_hash, password)
            if new_password:
                user.password_hash = hash_password(password)
                user.password_changed_at = clock.now()
            # RELIABILITY.md §6: a new password or a disabled account ends every session.
            if new_password or (was_active and not user.active):
                end_all_sessions(self.session, user)
            self.tally("users", False, changed or new_password)

    def _elected(self, user: User) -> bool:
        """Whether a login is a committee member's through a committee in office it sits on."""
        if user.role is not Role.committee_member or user.person_id is None:
            return False
        return self.session.scalar(
            select(CommitteeMember.id)
            .join(Committee, Committee.id == CommitteeMember.committee_id)
            .where(CommitteeMember.person_id == user.person_id,
                   Committee.organization_id == user.organization_id,
                   Committee.status == CommitteeStatus.active)
            .limit(1)
        ) is not None

    def terms(self) -> None:
        for item in self.parsed.management_terms:
            community = self.rows.communities[item.get("community")]
            org = self.rows.organizations[item.get("org")]
            start = item.get("start")
            values = {"mode": ManagementMode(item.get("mode")), "end": item.get("end")}
            values.update(present(item, "basis"))
            term = self.rows.terms.get((community.id, start))
            if term is None:
                term = ManagementTerm(community=community, organization=org, start=start, **values)
                self.rows.terms[(community.id, start)] = term
                self.session.add(term)
                self.tally("management_terms", True, False)
                continue
            if values["end"] is None and term.ended_at is not None:
                # Ended in pmsys by a new term (docs/domain.md#management): a bundle without an end
                # does not reopen it.
                values["end"] = term.end
            changed = assign(term, values)
            changed = link(term, "organization", org) or changed
            self.tally("management_terms", False, changed)

    def committees(self, done) -> None:
        """Give the community of each owners' committee organisation a committee in office.

        Only where it has never had one (an expired committee is not brought back); imported
        committees were elected outside pmsys, so their term dates are unknown (null).
        """
        in_office = self.rows.in_office
        for _item, org, _created, _changed in done:
            if org.kind is not OrgKind.owners_committee or org.community_id is None:
                continue
            created = org.community_id not in in_office
            if created:
                in_office.add(org.community_id)
                self.session.add(Committee(
                    community_id=org.community_id, kind=CommitteeKind.owners,
                    status=CommitteeStatus.active, organization=org,
                ))
            self.tally("committees", created, False)
