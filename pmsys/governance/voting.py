"""The result of an owners' assembly vote (docs/domain.md#votes), as a pure function.

The law encoded here:

Civil Code of the PRC (2021), Art. 278 ¶1 lists the matters the owners decide
together: (1) the assembly's rules of procedure, (2) the management rules,
(3) electing the owners' committee or replacing its members, (4) hiring or
dismissing the property company or other manager, (5) using the maintenance
fund, (6) raising the maintenance fund, (7) altering or rebuilding buildings
and their facilities, (8) changing the use of common parts or running a business
on them, (9) other major matters of common ownership and management.

Art. 278 ¶2: owners holding at least two thirds (三分之二以上) of the exclusive
area AND at least two thirds of the owners must take part. Items 6–8 pass with
at least three quarters (四分之三以上) of the participating area AND at least
three quarters of the participating owners approving; every other item passes
with more than half (过半数) of the participating area AND more than half of the
participating owners. "以上" includes the boundary; "过半数" does not. Using the
maintenance fund (item 5) has been an ordinary matter since the Civil Code;
under the old Property Law Art. 76 it needed two thirds.

Supreme People's Court, Interpretation on building ownership disputes
(法释〔2009〕7号, amended by 法释〔2020〕17号):
- Art. 8: the area is the exclusive part's registered area.
- Art. 9: owners are counted by exclusive part, one part one owner, except that
  the developer's unsold parts together count as one owner, and one buyer
  owning several parts counts as one owner.

Everything is computed with exact `Fraction`s; ratios become 4-place decimal
strings (half up) only for display.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any, NamedTuple

# Art. 278 ¶1, in the order of its items; `other` is item 9.
MATTERS: tuple[str, ...] = (
    "procedure_rules",  # item 1
    "management_rules",  # item 2
    "elect_committee",  # item 3
    "hire_manager",  # item 4
    "dismiss_manager",  # item 4
    "use_maintenance_fund",  # item 5
    "raise_maintenance_fund",  # item 6
    "rebuild",  # item 7
    "change_common_use",  # item 8
    "other",  # item 9
)

# Art. 278 ¶2: items 6–8 need three quarters.
MAJOR: frozenset[str] = frozenset({"raise_maintenance_fund", "rebuild", "change_common_use"})

KINDS: tuple[str, ...] = ("major", "ordinary")
CHOICES: tuple[str, ...] = ("approve", "reject", "abstain")

REASONS: tuple[str, ...] = (
    "passed",
    "quorum_area",
    "quorum_owners",
    "approval_area",
    "approval_owners",
    "empty_roll",
)

# Art. 278 ¶2: participation of at least 2/3 (inclusive) by area and by headcount.
QUORUM = Fraction(2, 3)
MAJOR_APPROVAL = Fraction(3, 4)  # "四分之三以上": at least, inclusive
ORDINARY_APPROVAL = Fraction(1, 2)  # "过半数": more than, exclusive

_DISPLAY_PLACES = 4


class RollPart(NamedTuple):
    """One exclusive part on the roll frozen when the vote opened."""

    household: Any
    area: Decimal
    owner: Any
    developer_unsold: bool = False


class Ballot(NamedTuple):
    """One ballot as cast; a later one of the same owner replaces it."""

    person: Any
    choice: str
    cast_at: datetime


@dataclass(frozen=True)
class Thresholds:
    """The fractions a vote must reach, and whether reaching one exactly is enough."""

    quorum: Fraction
    approval: Fraction
    approval_inclusive: bool

    def as_dict(self) -> dict[str, str]:
        """Give the thresholds as plain strings, e.g. quorum "2/3", approval "1/2"."""
        return {
            "quorum": str(self.quorum),
            "quorum_rule": "at_least",
            "approval": str(self.approval),
            "approval_rule": "at_least" if self.approval_inclusive else "more_than",
        }


@dataclass(frozen=True)
class VoteResult:
    """The outcome of a vote and every number that decided it.

    Participation ratios are over all owners and all exclusive area of the roll;
    approval ratios are over the participants. A ratio with nothing to divide
    by (an empty roll, no participants) is 0.
    """

    passed: bool
    kind: str
    reason: str
    thresholds: Thresholds
    participation_area: Fraction
    participation_owners: Fraction
    approval_area: Fraction
    approval_owners: Fraction
    owners: int
    participants: int
    approving: int
    total_area: Decimal
    participating_area: Decimal
    approving_area: Decimal

    @property
    def participation(self) -> dict[str, str]:
        """Give the participation ratios as 4-place decimal strings."""
        return {
            "area_ratio": display_ratio(self.participation_area),
            "owner_ratio": display_ratio(self.participation_owners),
        }

    @property
    def approval(self) -> dict[str, str]:
        """Give the approval ratios as 4-place decimal strings."""
        return {
            "area_ratio": display_ratio(self.approval_area),
            "owner_ratio": display_ratio(self.approval_owners),
        }

    def as_dict(self) -> dict[str, Any]:
        """Give the result in the shape of the close answer (docs/api.md#votes), plus its counts."""
        return {
            "passed": self.passed,
            "kind": self.kind,
            "participation": self.participation,
            "approval": self.approval,
            "reason": self.reason,
            "thresholds": self.thresholds.as_dict(),
            "owners": self.owners,
            "participants": self.participants,
            "approving": self.approving,
        }


def kind_of(matter: str) -> str:
    """Classify a matter as "major" (Art. 278 ¶1 items 6–8) or "ordinary"."""
    if matter not in MATTERS:
        raise ValueError(f"unknown matter: {matter!r}")
    return "major" if matter in MAJOR else "ordinary"


def thresholds_for(kind: str) -> Thresholds:
    """Give the Art. 278 ¶2 thresholds for a kind of matter."""
    if kind == "major":
        return Thresholds(quorum=QUORUM, approval=MAJOR_APPROVAL, approval_inclusive=True)
    if kind == "ordinary":
        return Thresholds(quorum=QUORUM, approval=ORDINARY_APPROVAL, approval_inclusive=False)
    raise ValueError(f"unknown kind: {kind!r}")


def display_ratio(value: Fraction) -> str:
    """Write a non-negative fraction as a decimal string to 4 places, rounding half up."""
    scale = 10**_DISPLAY_PLACES
    whole, rest = divmod(value.numerator * scale, value.denominator)
    if 2 * rest >= value.denominator:
        whole += 1
    return str(Decimal(whole).scaleb(-_DISPLAY_PLACES))


def _voters(roll: list[RollPart]) -> tuple[list[int], dict[Any, int]]:
    """Group the roll's parts into owners as counted by Interpretation Art. 9.

    Returns each part's owner index and, per person id, the owner they vote
    as. Parts that share a person, and all the developer's unsold parts, join
    one owner; joining is transitive, so a person holding both an unsold part
    and a sold one votes once for all of them.
    """
    parent = list(range(len(roll)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(a: int, b: int) -> None:
        parent[find(a)] = find(b)

    first_of_person: dict[Any, int] = {}
    first_unsold: int | None = None
    for index, part in enumerate(roll):
        if part.owner in first_of_person:
            join(index, first_of_person[part.owner])
        else:
            first_of_person[part.owner] = index
        if part.developer_unsold:
            if first_unsold is None:
                first_unsold = index
            else:
                join(index, first_unsold)

    roots: dict[int, int] = {}
    owner_of_part = [roots.setdefault(find(i), len(roots)) for i in range(len(roll))]
    owner_of_person = {person: owner_of_part[i] for person, i in first_of_person.items()}
    return owner_of_part, owner_of_person


def _effective_choices(
    ballots: Iterable[Ballot], owner_of_person: dict[Any, int]
) -> dict[int, str]:
    """Keep each owner's latest ballot; ignore people who own no part on the roll.

    Latest means the greatest `cast_at`; between equal times the later in the
    sequence wins.
    """
    latest: dict[int, tuple[datetime, int, str]] = {}
    for position, raw in enumerate(ballots):
        ballot = Ballot(*raw)
        if ballot.choice not in CHOICES:
            raise ValueError(f"unknown choice: {ballot.choice!r}")
        owner = owner_of_person.get(ballot.person)
        if owner is None:  # tenants and strangers have no vote
            continue
        current = latest.get(owner)
        # The position makes every key distinct, so the later in sequence wins a tie.
        if current is None or (ballot.cast_at, position) > current[:2]:
            latest[owner] = (ballot.cast_at, position, ballot.choice)
    return {owner: choice for owner, (_, _, choice) in latest.items()}


def _ratio(part: Fraction | int, whole: Fraction | int) -> Fraction:
    """Divide exactly, giving 0 when there is nothing to divide by."""
    return Fraction(part) / Fraction(whole) if whole else Fraction(0)


def _approves(ratio: Fraction, thresholds: Thresholds) -> bool:
    """Whether an approval ratio reaches the threshold ("以上" inclusive, "过半数" not)."""
    if thresholds.approval_inclusive:
        return ratio >= thresholds.approval
    return ratio > thresholds.approval


def result(roll: Iterable[RollPart], ballots: Iterable[Ballot], matter: str) -> VoteResult:
    """Decide an assembly vote under Civil Code Art. 278 ¶2.

    `roll` holds the exclusive parts frozen when the vote opened as
    (household, area, owner, developer_unsold); `ballots` holds
    (person, choice, cast_at) in the order they were recorded. Owners are
    counted per the Supreme People's Court interpretation Arts. 8–9 (see the
    module docstring): a ballot covers every part its owner holds, and the
    developer votes once for all its unsold parts. The first test that fails
    gives the reason, in this order: empty roll, quorum by area, quorum by
    owners, approval by area, approval by owners.
    """
    kind = kind_of(matter)
    thresholds = thresholds_for(kind)
    parts = [RollPart(*raw) for raw in roll]
    for part in parts:
        if Decimal(part.area) < 0:
            raise ValueError(f"negative area for household {part.household!r}")

    owner_of_part, owner_of_person = _voters(parts)
    owner_count = len(set(owner_of_part))
    owner_area: dict[int, Decimal] = {}
    for part, owner in zip(parts, owner_of_part, strict=True):
        owner_area[owner] = owner_area.get(owner, Decimal(0)) + Decimal(part.area)
    total_area = sum(owner_area.values(), Decimal(0))

    choices = _effective_choices(ballots, owner_of_person)
    approvers = [owner for owner, choice in choices.items() if choice == "approve"]
    participating_area = sum((owner_area[owner] for owner in choices), Decimal(0))
    approving_area = sum((owner_area[owner] for owner in approvers), Decimal(0))

    participation_area = _ratio(Fraction(participating_area), Fraction(total_area))
    participation_owners = _ratio(len(choices), owner_count)
    approval_area = _ratio(Fraction(approving_area), Fraction(participating_area))
    approval_owners = _ratio(len(approvers), len(choices))

    if owner_count == 0 or total_area == 0:
        reason = "empty_roll"
    elif participation_area < thresholds.quorum:
        reason = "quorum_area"
    elif participation_owners < thresholds.quorum:
        reason = "quorum_owners"
    elif not _approves(approval_area, thresholds):
        reason = "approval_area"
    elif not _approves(approval_owners, thresholds):
        reason = "approval_owners"
    else:
        reason = "passed"

    return VoteResult(
        passed=reason == "passed",
        kind=kind,
        reason=reason,
        thresholds=thresholds,
        participation_area=participation_area,
        participation_owners=participation_owners,
        approval_area=approval_area,
        approval_owners=approval_owners,
        owners=owner_count,
        participants=len(choices),
        approving=len(approvers),
        total_area=total_area,
        participating_area=participating_area,
        approving_area=approving_area,
    )
