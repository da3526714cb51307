"""Loading a region bundle (API.md, Import): validate everything, then write in one go.

All or nothing: every problem is collected with its JSON path before anything
is written, and a bundle with any problem writes nothing. Importing the same
bundle twice changes nothing. The rows the bundle names are read first, in a
few queries whatever the bundle's size; the numerous ones (people, places,
assets, hand-overs) as plain values, compared by code, so a city's bundle never
becomes a graph of ORM objects (existing.py reads them, bulk.py writes them).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from pmsys import audit
from pmsys.auth import permissions
from pmsys.errors import DomainError, Forbidden
from pmsys.imports import fee_checks, references, register_checks, scope, validation
from pmsys.imports.existing import load_existing
from pmsys.imports.fee_writer import write_fee_standards
from pmsys.imports.fund_import import EntryRefused, check_fund_entries, write_fund_entries
from pmsys.imports.leader_import import check_building_leaders, write_building_leaders
from pmsys.imports.register_writer import write_register
from pmsys.imports.wanted import wanted_codes
from pmsys.imports.writer import KINDS, write_bundle
from pmsys.memory import collector_paused


class BundleInvalid(DomainError):
    """A bundle with problems; nothing of it was written (400)."""

    status = 400
    code = "invalid_bundle"

    def __init__(self, errors: list[str]):
        noun = "problem" if len(errors) == 1 else "problems"
        super().__init__(
            f"the bundle was not loaded: {len(errors)} {noun}", fields={"errors": errors}
        )
        self.errors = errors


@dataclass
class ImportSummary:
    """How many rows of each kind an import created, updated or left unchanged."""

    counts: dict[str, dict[str, int]]

    def describe(self) -> str:
        """One line per kind: "households: 1514 created, 0 updated, 0 unchanged"."""
        return "\n".join(
            f"{kind}: {tally['created']} created, {tally['updated']} updated, "
            f"{tally['unchanged']} unchanged"
            for kind, tally in self.counts.items()
        )


def import_bundle(session: Session, bundle: object, actor) -> ImportSummary:
    """Validate a region bundle completely, then create or update its rows.

    `actor` is a User (who must be allowed to import) or a string naming
    unattended work ("cli", "demo"). Raises BundleInvalid listing every
    problem, having written nothing. Flushes; the caller commits.
    """
    if not isinstance(actor, str) and not permissions.can_import(actor):
        raise Forbidden("only bureau administrators may import a bundle")
    with collector_paused():
        return _import(session, bundle, actor)


def _import(session: Session, bundle: object, actor) -> ImportSummary:
    parsed, problems = validation.parse_bundle(bundle)
    if parsed is None:
        raise BundleInvalid(problems.lines(validation.ORDER))
    existing = load_existing(session, wanted_codes(parsed), parsed)
    known = existing.known()
    references.check_references(parsed, known, problems)
    register_checks.check_register(parsed, known, problems)
    fee_checks.check_fee_standards(parsed, known, problems)
    lookup = references.Lookup(parsed, known)
    check_fund_entries(session, parsed, lookup, problems)
    check_building_leaders(session, parsed, lookup, problems)
    scope.check_scope(session, actor, parsed, problems)
    if problems:
        raise BundleInvalid(problems.lines(validation.ORDER))
    try:
        # A savepoint, so that an entry the fund's ledger refuses still leaves nothing written.
        with session.begin_nested():
            counts = write_bundle(session, parsed, existing)
            write_register(session, parsed, existing, actor, counts)
            write_fee_standards(session, parsed, existing, actor, counts)
            write_fund_entries(session, parsed, existing, actor, counts)
            write_building_leaders(session, parsed, existing, actor, counts)
    except EntryRefused as refused:
        raise BundleInvalid([refused.line]) from None
    audit.record(session, actor, "bundle_imported", "bundle", "", counts=counts)
    session.flush()
    return ImportSummary({kind: counts[kind] for kind in KINDS})
