"""Who must handle a ticket, and why (docs/domain.md#routing): a pure function of the facts.

`route()` takes what a ticket says (category, place, date) together with the
slices of the asset register, the management terms and the organisation list
that matter for it, and walks the steps (0 to 8) of docs/domain.md#routing in order. It returns
the responsible organisation, a reason code, flags and every step it considered,
as data (`Step(code, params)`) so that each reader sees them in their own
language. It never touches the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from pmsys.assets.maintainers import Stint, maintainer_on


@dataclass(frozen=True)
class Org:
    """An organisation as routing sees it."""

    id: int
    code: str
    name: str


@dataclass(frozen=True)
class AssetFacts:
    """An asset of the ticket's category in the ticket's community."""

    id: int
    code: str
    name: str
    category: str
    building_id: int | None
    unit_id: int | None
    warranty_contractor: Org | None = None
    warranty_until: date | None = None
    stints: tuple[Stint[Org], ...] = ()

    @property
    def scope(self) -> str:
        if self.unit_id is not None:
            return "unit"
        if self.building_id is not None:
            return "building"
        return "community"


@dataclass(frozen=True)
class Facts:
    """Everything `route()` needs: the ticket's statements and the register around it.

    `assets` are the assets of the ticket's category in its community (any
    scope); `duty_authorities` the authorities serving the category from the
    community's street up to its city, nearest first; `gas_utilities` the
    utilities serving gas in the community's district or city, nearest first.
    """

    category: str
    utility: bool
    by_duty: bool
    on: date
    complaint: bool = False
    warranty: bool = True  # False: a matter of order, not a defect (step 5 does not apply)
    building_id: int | None = None
    unit_id: int | None = None
    inside_home: bool = False
    asset_id: int | None = None
    assets: tuple[AssetFacts, ...] = ()
    manager: Org | None = None
    street_office: Org | None = None
    duty_authorities: tuple[Org, ...] = ()
    gas_utilities: tuple[Org, ...] = ()


@dataclass(frozen=True)
class Step:
    """One thing routing considered: a code and the values its sentence names."""

    code: str
    params: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"code": self.code, "params": dict(self.params)}


@dataclass(frozen=True)
class Routing:
    """The answer: the organisation, the reason code, flags, and the steps considered."""

    assignee: Org
    reason: str
    steps: tuple[Step, ...]
    flags: frozenset[str] = frozenset()
    asset: AssetFacts | None = None


# Reason codes (docs/domain.md#routing).
DUTY = "duty"
GAS_EMERGENCY = "gas_emergency"
OWNER_SIDE = "owner_side"
WARRANTY = "warranty"
MAINTAINER = "maintainer"
MANAGER = "manager"
NO_MANAGER = "no_manager"
SERVICE_COMPLAINT = "service_complaint"
REASONS = (SERVICE_COMPLAINT, DUTY, GAS_EMERGENCY, OWNER_SIDE, WARRANTY, MAINTAINER, MANAGER,
           NO_MANAGER)

# Flags (each named at its step of docs/domain.md#routing).
NOT_HANDED_OVER = "not_handed_over"  # a utility ticket left with the manager (step 7)
COVERAGE_GAP = "coverage_gap"  # nobody manages the community (step 8)
PAID_SERVICE = "paid_service"  # past the meter: the owner's, a paid service (step 3)
NOTIFY_MANAGER = "notify_manager"  # gas: the manager is told as well (step 2)


class RoutingError(ValueError):
    """The facts do not allow an answer; `code` says what the filer must change."""

    def __init__(self, code: str, message: str, choices: Sequence[AssetFacts] = ()):
        super().__init__(message)
        self.code = code
        self.message = message
        self.choices = tuple(choices)


def covering_assets(facts: Facts) -> tuple[AssetFacts, ...]:
    """The most specific assets covering the ticket's place: unit, then building, then community."""
    levels = []
    if facts.unit_id is not None:
        levels.append([a for a in facts.assets if a.unit_id == facts.unit_id])
    if facts.building_id is not None:
        levels.append(
            [a for a in facts.assets if a.building_id == facts.building_id and a.unit_id is None]
        )
    levels.append([a for a in facts.assets if a.building_id is None])
    for level in levels:
        if level:
            return tuple(sorted(level, key=lambda a: a.code))
    return ()


def _asset_step(facts: Facts) -> tuple[AssetFacts | None, Step]:
    if facts.asset_id is not None:
        given = next((a for a in facts.assets if a.id == facts.asset_id), None)
        if given is None:
            raise RoutingError(
                "asset_not_here", "the asset is not of this category in this community"
            )
        return given, Step("asset_given", {"asset": given.code, "name": given.name})
    found = covering_assets(facts)
    if len(found) > 1:
        # Telecom lines of several carriers cover the same building: the filer says which.
        raise RoutingError(
            "asset_ambiguous", "several assets cover this place; name the one at fault", found
        )
    if found:
        asset = found[0]
        return asset, Step(
            "asset_found", {"asset": asset.code, "name": asset.name, "scope": asset.scope}
        )
    return None, Step("no_asset", {"category": facts.category})


def _manager_or_street(facts: Facts, steps: list[Step], flags: set[str], asset) -> Routing:
    if facts.manager is not None:
        steps.append(Step("manager", {"org": facts.manager.name}))
        return Routing(facts.manager, MANAGER, tuple(steps), frozenset(flags), asset)
    office = _street_office(facts)
    steps.append(Step("no_manager", {"org": office.name}))
    flags.add(COVERAGE_GAP)
    return Routing(office, NO_MANAGER, tuple(steps), frozenset(flags), asset)


def _street_office(facts: Facts) -> Org:
    if facts.street_office is None:
        raise RoutingError("no_street_office", "the community's street office is not recorded")
    return facts.street_office


def _service_complaint(facts: Facts) -> Routing:
    """A complaint about the manager goes to the street office that oversees it, naming it.

    The manager of the term in force on the report date is the organisation complained
    of; the complaint never reaches it as its own ticket (docs/domain.md#routing step 0).
    Without a term in force the street office still takes it, and the step says so.
    """
    office = _street_office(facts)
    if facts.manager is None:
        step = Step("complaint_no_manager", {"org": office.name})
    else:
        step = Step("complaint", {"org": office.name, "manager": facts.manager.name,
                                  "manager_code": facts.manager.code})
    return Routing(office, SERVICE_COMPLAINT, (step,))


def route(facts: Facts) -> Routing:
    """Walk the steps of docs/domain.md#routing in order; return the first that names an org."""
    # 0. A complaint about the manager's service: the street office, never the manager.
    if facts.complaint:
        return _service_complaint(facts)

    steps: list[Step] = []
    flags: set[str] = set()

    # 1. By duty: an authority serving the category, nearest from the street up.
    if facts.by_duty:
        if facts.duty_authorities:
            org = facts.duty_authorities[0]
            steps.append(Step("duty", {"org": org.name, "category": facts.category}))
            return Routing(org, DUTY, tuple(steps))
        steps.append(Step("duty_none", {"category": facts.category}))

    # 2. Gas goes to the gas operator whatever warranty and hand-over say.
    if facts.category == "gas":
        # The asset the ticket names comes first; else those covering the place, else any.
        named = tuple(a for a in facts.assets if a.id == facts.asset_id)
        for asset in named or covering_assets(facts) or facts.assets:
            operator = maintainer_on(asset.stints, facts.on)
            if operator is not None:
                steps.append(Step("gas_asset", {"org": operator.name, "asset": asset.code}))
                return Routing(
                    operator, GAS_EMERGENCY, tuple(steps), frozenset({NOTIFY_MANAGER}), asset
                )
        if facts.gas_utilities:
            org = facts.gas_utilities[0]
            steps.append(Step("gas_region", {"org": org.name}))
            return Routing(org, GAS_EMERGENCY, tuple(steps), frozenset({NOTIFY_MANAGER}))
        steps.append(Step("gas_none", {}))

    # 3. Inside a home, past the meter or entry port, a utility's network is the owner's.
    if facts.inside_home and facts.utility and facts.category != "gas":
        steps.append(Step("owner_side", {"category": facts.category}))
        flags.add(PAID_SERVICE)
        routing = _manager_or_street(facts, steps, flags, None)
        return Routing(routing.assignee, OWNER_SIDE, routing.steps, routing.flags)

    # 4. The asset at fault.
    asset, step = _asset_step(facts)
    steps.append(step)

    if asset is not None:
        # 5. Warranty (Regulation on Quality Management of Construction Projects, Art. 40).
        if not facts.warranty:
            # Cars parked in the wrong place are no construction defect.
            steps.append(Step("order_not_defect", {"category": facts.category}))
        elif asset.warranty_contractor is not None and asset.warranty_until is not None:
            if facts.on <= asset.warranty_until:
                steps.append(
                    Step(
                        "warranty",
                        {
                            "org": asset.warranty_contractor.name,
                            "until": asset.warranty_until.isoformat(),
                        },
                    )
                )
                return Routing(
                    asset.warranty_contractor, WARRANTY, tuple(steps), frozenset(), asset
                )
            steps.append(Step("warranty_ended", {"until": asset.warranty_until.isoformat()}))
        else:
            steps.append(Step("no_warranty", {}))

        # 6. The maintainer after an effective hand-over.
        for stint in asset.stints:
            if stint.covers(facts.on):
                steps.append(
                    Step(
                        "maintainer",
                        {"org": stint.org.name, "since": stint.start.isoformat(),
                         "asset": asset.name},
                    )
                )
                return Routing(stint.org, MAINTAINER, tuple(steps), frozenset(), asset)
        steps.append(Step("not_handed_over", {"asset": asset.name}))

    # 7. The manager; 8. nobody manages: the street office, a coverage gap.
    if facts.utility:
        flags.add(NOT_HANDED_OVER)
    return _manager_or_street(facts, steps, flags, asset)
