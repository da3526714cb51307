"""Ticket measures (docs/domain.md#measures): pure counts, rates and medians.

A bureau reports its repair service in the 接诉即办 style: how many tickets were
answered within their deadline, how many fixed, how many fixed in time, how
satisfied the reporters were, how often a fix failed and how often a ticket
was sent to the wrong party. The functions here take one small row per ticket
and the moment of the report, and return plain numbers; they know nothing of
the database or of who may read them (pmsys/tickets/services/reports.py does).

Definitions, per group and in total (a cancelled ticket counts nowhere):

- filed: tickets reported in the period, cancelled excluded;
- responded: filed tickets with a response (accepted by the current assignee);
  responded_on_time: those answered at or before their response deadline;
- due: filed tickets whose response deadline had passed at `now`, or that were
  answered (an open ticket still within its window is not yet due);
- resolved: filed tickets that are resolved or closed (a reopened ticket is not,
  until it is resolved again); resolved_on_time: those resolved at or before
  their (current) resolution deadline;
- rated: filed tickets with a rating; satisfied: rated 4 or 5;
- reopens: filed tickets reopened at least once; disputes: filed tickets
  disputed at least once (a ticket counts once however often it happened);
- response_rate = responded_on_time / due ("responded within deadline / due");
- resolution_rate = resolved / filed;
- on_time_rate = resolved_on_time / resolved;
- satisfaction_rate = satisfied / rated ("rated 4–5 / rated");
- reopen_rate = reopens / resolved (a ticket reopened and not yet resolved again
  counts in reopens but not in resolved);
- dispute_rate = disputes / filed;
- median_response_minutes: the median of responded tickets' reported → responded
  times; median_resolution_minutes: of resolved tickets' reported → resolved
  times. Minutes to one decimal place (an even count takes the mean of the two
  middle values).

Rates are Decimals with 4 places, rounded half up; a rate or a median over no
tickets is None (nothing to measure is not 0 %).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from pmsys import money

# Statuses in which the fix has been delivered (docs/domain.md#tickets: resolved, then closed).
RESOLVED_STATUSES = frozenset({"resolved", "closed"})
SATISFIED_FROM = 4  # "rated 4–5"


@dataclass(frozen=True)
class TicketRow:
    """The facts of one ticket a measure needs; `key`/`name` name its group."""

    key: str
    name: str
    status: str
    reported_at: datetime
    due_respond_at: datetime
    responded_at: datetime | None
    due_resolve_at: datetime
    resolved_at: datetime | None
    rating: int | None = None
    reopen_count: int = 0
    dispute_count: int = 0
    cancelled: bool = False


@dataclass(frozen=True)
class Measures:
    """The counts, rates and medians of one group (or of all tickets: `key` None)."""

    key: str | None
    name: str | None
    filed: int = 0
    due: int = 0
    responded: int = 0
    responded_on_time: int = 0
    resolved: int = 0
    resolved_on_time: int = 0
    rated: int = 0
    satisfied: int = 0
    reopens: int = 0
    disputes: int = 0
    response_rate: Decimal | None = None
    resolution_rate: Decimal | None = None
    on_time_rate: Decimal | None = None
    satisfaction_rate: Decimal | None = None
    reopen_rate: Decimal | None = None
    dispute_rate: Decimal | None = None
    median_response_minutes: Decimal | None = None
    median_resolution_minutes: Decimal | None = None


# The ratios 0.0000 … 1.0000 that a count of a count rounds to, made once: a city's report by
# community takes some 12,000 rates, and a Decimal division with its rounding costs several
# times this lookup.
_RATIOS = tuple(Decimal(f"{q // 10_000}.{q % 10_000:04d}") for q in range(10_001))


def rate(part: int, whole: int) -> Decimal | None:
    """`part / whole` to 4 places, rounded half up; None when `whole` is 0.

    For counts (0 <= part <= whole) the rounding is done in integers: half up to
    ten-thousandths is floor((20,000 · part + whole) / (2 · whole)), exactly what
    money.ratio's Decimal division and rounding give (tests compare them).
    """
    if whole == 0:
        return None
    if type(part) is int and type(whole) is int and 0 <= part <= whole:
        return _RATIOS[(20_000 * part + whole) // (2 * whole)]
    return money.ratio(part, whole)


_MICROSECOND = timedelta(microseconds=1)
_TENTH_OF_A_MINUTE_US = 6_000_000


def median_minutes(durations: Iterable[timedelta]) -> Decimal | None:
    """The median of these durations in minutes to one decimal place; None if there are none."""
    return median_minutes_of_us([duration // _MICROSECOND for duration in durations])


def median_minutes_of_us(microseconds: Iterable[int]) -> Decimal | None:
    """The median of durations in whole microseconds, in minutes to one decimal place; None
    if there are none.

    Exactly, in integers: the tenths of a minute are the middle (or the sum of the two
    middles, halved) divided by 6,000,000 µs and rounded half up. A city's report takes
    4,000 medians; through Decimal seconds each cost ~6 µs more.
    """
    values = sorted(microseconds)
    if not values:
        return None
    middle = len(values) // 2
    if len(values) % 2:  # numerator over denominator: the median in tenths of a minute
        numerator, denominator = values[middle], _TENTH_OF_A_MINUTE_US
    else:
        numerator, denominator = values[middle - 1] + values[middle], 2 * _TENTH_OF_A_MINUTE_US
    # Half up, away from zero (as ROUND_HALF_UP rounds a negative duration).
    tenths = (2 * abs(numerator) + denominator) // (2 * denominator)
    median = Decimal(tenths).scaleb(-1)
    return median.copy_negate() if numerator < 0 else median


def is_resolved(row: TicketRow) -> bool:
    """Whether the ticket's fix stands (resolved, or closed after resolution)."""
    return row.status in RESOLVED_STATUSES


@dataclass
class _Tally:
    filed: int = 0
    due: int = 0
    responded: int = 0
    responded_on_time: int = 0
    resolved: int = 0
    resolved_on_time: int = 0
    rated: int = 0
    satisfied: int = 0
    reopens: int = 0
    disputes: int = 0
    # The durations in whole microseconds.
    response_times: list[int] = field(default_factory=list)
    resolution_times: list[int] = field(default_factory=list)

    def add(self, row: TicketRow, now: datetime) -> None:
        if row.cancelled or row.status == "cancelled":
            return
        self.filed += 1
        if row.responded_at is not None:
            self.responded += 1
            self.response_times.append((row.responded_at - row.reported_at) // _MICROSECOND)
            if row.responded_at <= row.due_respond_at:
                self.responded_on_time += 1
        if row.responded_at is not None or row.due_respond_at < now:
            self.due += 1
        if is_resolved(row):
            self.resolved += 1
            if row.resolved_at is not None:
                self.resolution_times.append((row.resolved_at - row.reported_at) // _MICROSECOND)
                if row.resolved_at <= row.due_resolve_at:
                    self.resolved_on_time += 1
        if row.rating is not None:
            self.rated += 1
            if row.rating >= SATISFIED_FROM:
                self.satisfied += 1
        if row.reopen_count > 0:
            self.reopens += 1
        if row.dispute_count > 0:
            self.disputes += 1

    def measures(self, key: str | None, name: str | None) -> Measures:
        return _measures(key, name, self.filed, self.due, self.responded,
                         self.responded_on_time, self.resolved, self.resolved_on_time,
                         self.rated, self.satisfied, self.reopens, self.disputes,
                         self.response_times, self.resolution_times)


def _measures(key, name, filed, due, responded, responded_on_time, resolved, resolved_on_time,
              rated, satisfied, reopens, disputes, response_times, resolution_times) -> Measures:
    # By position, in the order of Measures' fields: a city's report builds 2,000 of these.
    return Measures(
        key, name, filed, due, responded, responded_on_time, resolved, resolved_on_time,
        rated, satisfied, reopens, disputes,
        rate(responded_on_time, due), rate(resolved, filed), rate(resolved_on_time, resolved),
        rate(satisfied, rated), rate(reopens, resolved), rate(disputes, filed),
        median_minutes_of_us(response_times), median_minutes_of_us(resolution_times),
    )


# The counts of a group, as `from_counts` takes them (the database sums them per group).
COUNTS = ("filed", "due", "responded", "responded_on_time", "resolved", "resolved_on_time",
          "rated", "satisfied", "reopens", "disputes")


def from_counts(key: str | None, name: str | None, counts: Mapping[str, int],
                response_middle: Iterable[int] = (),
                resolution_middle: Iterable[int] = ()) -> Measures:
    """The measures of a group from its COUNTS and the middle durations of each median, in
    whole microseconds.

    The middle durations are the one (odd count) or two (even count) values the
    median of all the group's durations is taken from: their own median is the same.
    """
    return _measures(key, name, *(int(counts.get(name_) or 0) for name_ in COUNTS),
                     response_middle, resolution_middle)


def measure(rows: Iterable[TicketRow], now: datetime, *, key: str | None = None,
            name: str | None = None) -> Measures:
    """Measure these tickets as one group, as of `now`."""
    tally = _Tally()
    for row in rows:
        tally.add(row, now)
    return tally.measures(key, name)


def measure_groups(rows: Iterable[TicketRow], now: datetime, *,
                   keys: Iterable[str] = ()) -> tuple[list[Measures], Measures]:
    """Measure each group (by `row.key`) and all rows together, as of `now`.

    Groups come ordered by key. `keys` are groups to list even without tickets
    (the months of a trend); such a group is named by its key. A group whose
    tickets were all cancelled is listed with zero filed.
    """
    tallies: dict[str, _Tally] = {key: _Tally() for key in keys}
    names: dict[str, str] = {key: key for key in tallies}
    total = _Tally()
    for row in rows:
        tallies.setdefault(row.key, _Tally()).add(row, now)
        names[row.key] = row.name
        total.add(row, now)
    items = [tallies[key].measures(key, names[key]) for key in sorted(tallies)]
    return items, total.measures(None, None)


def month_key(moment: date | datetime) -> str:
    """The `YYYY-MM` key of a date (or of a time, in its own time zone)."""
    return f"{moment.year:04d}-{moment.month:02d}"


def months_between(first: date, last: date) -> list[str]:
    """The `YYYY-MM` keys of the months from `first` to `last`, both included; none if reversed."""
    if first > last:
        return []
    keys = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return keys


# --- Disputes, counted against the organisation that raised them (docs/domain.md#measures) ----
#
# Disputes count against the organisation that raised them, with the ruling (upheld:
# re-assigned away; returned: sent back), whoever holds the ticket at the end. A ticket's
# dispute story is read from its trail: each `dispute` is raised by the
# assignee of the day; the arbiter's next `reassign` upholds it, its next `uphold` action
# ("send back") returns it. A reassignment nobody disputed is no ruling on a dispute.

DISPUTE_ACTIONS = ("dispute", "reassign", "uphold")


@dataclass(frozen=True)
class DisputeEvent:
    """One step of a ticket's dispute story; a ticket's steps come in the order they happened.

    A dispute counts in the group `key` (named `name`): the organisation that
    raised it, or the ticket's community, category or month. A ruling's key is
    not read: it settles the ticket's dispute still waiting.
    """

    ticket: int
    action: str
    key: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class DisputeMeasures:
    """Disputes raised in a group and how the arbiter ruled on them."""

    key: str | None
    name: str | None
    raised: int = 0
    upheld: int = 0  # the arbiter reassigned the ticket away from the disputing organisation
    returned: int = 0  # the arbiter sent it back to the disputing organisation

    @property
    def waiting(self) -> int:
        """Disputes still waiting for a ruling."""
        return self.raised - self.upheld - self.returned


def measure_disputes(events: Iterable[DisputeEvent]
                     ) -> tuple[dict[str | None, DisputeMeasures], DisputeMeasures]:
    """Count disputes per group and in total, with how each was ruled on.

    Every dispute counts (a ticket disputed twice counts twice), in the group of
    the dispute, not of the ticket's assignee at the end.
    """
    counts: dict[str | None, list[int]] = {}
    names: dict[str | None, str | None] = {}
    waiting: dict[int, str | None] = {}
    for event in events:
        if event.action == "dispute":
            counts.setdefault(event.key, [0, 0, 0])[0] += 1
            names.setdefault(event.key, event.name)
            waiting[event.ticket] = event.key
        elif event.action in ("reassign", "uphold") and event.ticket in waiting:
            key = waiting.pop(event.ticket)
            counts[key][1 if event.action == "reassign" else 2] += 1
    groups = {key: DisputeMeasures(key, names[key], *values) for key, values in counts.items()}
    total = DisputeMeasures(None, None, *(sum(values[i] for values in counts.values())
                                          for i in range(3)))
    return groups, total
