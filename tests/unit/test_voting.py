"""The assembly vote result under Civil Code Art. 278 and the SPC interpretation Arts. 8–9."""

from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pmsys.governance.voting import (
    MAJOR,
    MATTERS,
    Ballot,
    RollPart,
    display_ratio,
    kind_of,
    result,
    thresholds_for,
)

D = Decimal
T0 = datetime(2025, 6, 1, 9, 0)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def equal_roll(count: int, area: str = "100") -> list[RollPart]:
    """A roll of `count` parts of the same area, owned by p0 … p(count-1)."""
    return [RollPart(f"h{i}", D(area), f"p{i}", False) for i in range(count)]


def votes(**choices: str) -> list[Ballot]:
    """Ballots cast one minute apart in the order given: votes(p0="approve", …)."""
    return [Ballot(person, choice, at(i)) for i, (person, choice) in enumerate(choices.items())]


def cast(spec: str) -> list[Ballot]:
    """Ballots from a string of a/r/x (approve/reject/abstain), p0 first; "-" means none."""
    names = {"a": "approve", "r": "reject", "x": "abstain"}
    return [
        Ballot(f"p{i}", names[c], at(i)) for i, c in enumerate(spec) if c != "-"
    ]


# --- matters ----------------------------------------------------------------------------

def test_matters_and_kinds_follow_art_278():
    assert MAJOR == {"raise_maintenance_fund", "rebuild", "change_common_use"}
    assert {kind_of(m) for m in MAJOR} == {"major"}
    ordinary = set(MATTERS) - MAJOR
    assert ordinary == {
        "procedure_rules", "management_rules", "elect_committee", "hire_manager",
        "dismiss_manager", "use_maintenance_fund", "other",
    }
    assert {kind_of(m) for m in ordinary} == {"ordinary"}


def test_using_the_maintenance_fund_is_ordinary_raising_it_major():
    assert kind_of("use_maintenance_fund") == "ordinary"
    assert kind_of("raise_maintenance_fund") == "major"


def test_unknown_matter_is_refused():
    with pytest.raises(ValueError):
        kind_of("sell_the_roof")
    with pytest.raises(ValueError):
        result(equal_roll(3), cast("aaa"), "sell_the_roof")


def test_unknown_choice_is_refused():
    with pytest.raises(ValueError):
        result(equal_roll(3), [Ballot("p0", "maybe", T0)], "other")


def test_thresholds():
    major = thresholds_for("major")
    assert (major.quorum, major.approval, major.approval_inclusive) == (
        Fraction(2, 3), Fraction(3, 4), True,
    )
    ordinary = thresholds_for("ordinary")
    assert (ordinary.quorum, ordinary.approval, ordinary.approval_inclusive) == (
        Fraction(2, 3), Fraction(1, 2), False,
    )
    assert ordinary.as_dict() == {
        "quorum": "2/3", "quorum_rule": "at_least", "approval": "1/2",
        "approval_rule": "more_than",
    }


# --- participation: at least 2/3 of the area AND of the owners --------------------------

@pytest.mark.parametrize("matter", ["other", "rebuild"])
def test_exactly_two_thirds_participating_is_a_quorum(matter):
    # 6 equal parts, 4 take part (all approve): 4/6 = 2/3 of area and of owners.
    outcome = result(equal_roll(6), cast("aaaa"), matter)
    assert outcome.participation_area == Fraction(2, 3)
    assert outcome.participation_owners == Fraction(2, 3)
    assert outcome.passed
    assert outcome.reason == "passed"


@pytest.mark.parametrize("matter", ["other", "rebuild"])
def test_just_below_two_thirds_of_the_area_is_no_quorum(matter):
    # 3 parts; p0 and p1 take part with 200 + 199.99 of 600 — a hair under 2/3.
    roll = [
        RollPart("h0", D("200.00"), "p0", False),
        RollPart("h1", D("199.99"), "p1", False),
        RollPart("h2", D("200.01"), "p2", False),
    ]
    outcome = result(roll, cast("aa"), matter)
    assert outcome.participation_owners == Fraction(2, 3)
    assert outcome.participation_area == Fraction(39999, 60000)
    assert not outcome.passed
    assert outcome.reason == "quorum_area"


@pytest.mark.parametrize("matter", ["other", "rebuild"])
def test_just_below_two_thirds_of_the_owners_is_no_quorum(matter):
    # 9 owners, 5 take part (5/9 < 6/9) but they hold 700 of 1000 m² (> 2/3 of the area).
    roll = [RollPart(f"h{i}", D("140"), f"p{i}", False) for i in range(5)]
    roll += [RollPart(f"h{i}", D("75"), f"p{i}", False) for i in range(5, 9)]
    outcome = result(roll, cast("aaaaa"), matter)
    assert outcome.participation_area == Fraction(7, 10)
    assert outcome.participation_owners == Fraction(5, 9)
    assert outcome.reason == "quorum_owners"
    assert not outcome.passed


def test_the_area_quorum_is_checked_before_the_headcount():
    outcome = result(equal_roll(6), cast("aaa"), "other")
    assert outcome.reason == "quorum_area"


# --- major matters: at least 3/4 of participating area AND owners -----------------------

def test_major_exactly_three_quarters_passes():
    outcome = result(equal_roll(8), cast("aaaaaarr"), "rebuild")
    assert outcome.approval_area == Fraction(3, 4)
    assert outcome.approval_owners == Fraction(3, 4)
    assert outcome.passed
    assert outcome.approving == 6
    assert outcome.participants == 8


def test_major_just_below_three_quarters_of_the_area_fails():
    # 4 equal owners take part; the three approvers hold 299.99 of 400 m².
    roll = equal_roll(3) + [RollPart("h3", D("100.01"), "p3", False)]
    roll[0] = RollPart("h0", D("99.99"), "p0", False)
    outcome = result(roll, cast("aaar"), "change_common_use")
    assert outcome.approval_owners == Fraction(3, 4)
    assert outcome.approval_area == Fraction(29999, 40000)
    assert outcome.reason == "approval_area"
    assert not outcome.passed


def test_major_just_below_three_quarters_of_the_owners_fails():
    # 7 of 10 owners approve (< 3/4) but they hold 800 of 1000 m².
    roll = [RollPart(f"h{i}", D("114.28"), f"p{i}", False) for i in range(6)]
    roll += [RollPart("h6", D("114.32"), "p6", False)]
    roll += [RollPart(f"h{i}", D("66.66"), f"p{i}", False) for i in range(7, 10)]
    roll[9] = RollPart("h9", D("66.68"), "p9", False)
    outcome = result(roll, cast("aaaaaaarrr"), "raise_maintenance_fund")
    assert outcome.total_area == D("1000.00")
    assert outcome.approval_area == Fraction(4, 5)
    assert outcome.approval_owners == Fraction(7, 10)
    assert outcome.reason == "approval_owners"
    assert not outcome.passed


def test_the_same_three_quarters_easily_passes_an_ordinary_matter():
    outcome = result(equal_roll(10), cast("aaaaaaarrr"), "hire_manager")
    assert outcome.passed


# --- ordinary matters: more than half of participating area AND owners ------------------

def test_ordinary_exactly_half_fails():
    outcome = result(equal_roll(4), cast("aarr"), "hire_manager")
    assert outcome.approval_area == Fraction(1, 2)
    assert outcome.approval_owners == Fraction(1, 2)
    assert not outcome.passed
    assert outcome.reason == "approval_area"


def test_ordinary_exactly_half_of_the_owners_fails_even_with_more_area():
    roll = [
        RollPart("h0", D("100.01"), "p0", False),
        RollPart("h1", D("100.00"), "p1", False),
        RollPart("h2", D("99.99"), "p2", False),
        RollPart("h3", D("100.00"), "p3", False),
    ]
    outcome = result(roll, cast("aarr"), "elect_committee")
    assert outcome.approval_area == Fraction(20001, 40000)
    assert outcome.approval_owners == Fraction(1, 2)
    assert outcome.reason == "approval_owners"


def test_ordinary_exactly_half_of_the_area_fails_even_with_more_owners():
    # 3 of 5 approve, holding exactly half the participating area.
    roll = equal_roll(3, "50") + equal_roll(5, "75")[3:]
    outcome = result(roll, cast("aaarr"), "management_rules")
    assert outcome.approval_owners == Fraction(3, 5)
    assert outcome.approval_area == Fraction(1, 2)
    assert outcome.reason == "approval_area"


def test_ordinary_just_above_half_passes():
    roll = [
        RollPart("h0", D("100.01"), "p0", False),
        RollPart("h1", D("100.00"), "p1", False),
        RollPart("h2", D("100.00"), "p2", False),
        RollPart("h3", D("99.99"), "p3", False),
        RollPart("h4", D("100.00"), "p4", False),
    ]
    outcome = result(roll, cast("aaarr"), "dismiss_manager")
    assert outcome.passed
    outcome = result(roll[:4], cast("arar"), "dismiss_manager")
    assert outcome.approval_area == Fraction(20001, 40000)
    assert outcome.approval_owners == Fraction(1, 2)
    assert not outcome.passed


# --- area and headcount disagreeing -----------------------------------------------------

def test_a_big_owner_cannot_carry_the_headcount():
    # p0 holds 900 of 1000 m² and approves; four small owners reject.
    roll = [RollPart("h0", D("900"), "p0", False)] + [
        RollPart(f"h{i}", D("25"), f"p{i}", False) for i in range(1, 5)
    ]
    outcome = result(roll, cast("arrrr"), "other")
    assert outcome.approval_area == Fraction(9, 10)
    assert outcome.approval_owners == Fraction(1, 5)
    assert outcome.reason == "approval_owners"


def test_many_small_owners_cannot_carry_the_area():
    roll = [RollPart("h0", D("900"), "p0", False)] + [
        RollPart(f"h{i}", D("25"), f"p{i}", False) for i in range(1, 5)
    ]
    outcome = result(roll, cast("raaaa"), "other")
    assert outcome.approval_owners == Fraction(4, 5)
    assert outcome.approval_area == Fraction(1, 10)
    assert outcome.reason == "approval_area"


# --- abstentions ------------------------------------------------------------------------

def test_abstaining_counts_for_the_quorum_but_not_for_approval():
    outcome = result(equal_roll(6), cast("aaxx"), "other")
    assert outcome.participation_owners == Fraction(2, 3)
    assert outcome.participants == 4
    assert outcome.approving == 2
    assert outcome.reason == "approval_area"
    # Without the abstentions there is no quorum at all.
    assert result(equal_roll(6), cast("aa"), "other").reason == "quorum_area"
    # One abstention among four approvals still passes an ordinary matter.
    assert result(equal_roll(5), cast("aaax"), "other").passed


def test_everybody_abstaining_approves_nothing():
    outcome = result(equal_roll(3), cast("xxx"), "other")
    assert outcome.participation_area == 1
    assert outcome.approval_area == 0
    assert outcome.reason == "approval_area"


# --- replaced ballots -------------------------------------------------------------------

def test_a_later_ballot_replaces_an_earlier_one():
    ballots = cast("aaa") + [Ballot("p0", "reject", at(10)), Ballot("p1", "reject", at(11))]
    outcome = result(equal_roll(3), ballots, "other")
    assert outcome.participants == 3
    assert outcome.approving == 1
    assert not outcome.passed


def test_latest_by_time_wins_even_when_recorded_first():
    # A paper ballot keyed in later but cast earlier does not override the phone vote.
    ballots = [Ballot("p0", "approve", at(30)), Ballot("p0", "reject", at(5))] + cast("-aa")
    assert result(equal_roll(3), ballots, "rebuild").passed


def test_at_the_same_instant_the_later_in_the_sequence_wins():
    ballots = [Ballot("p0", "reject", at(1)), Ballot("p0", "approve", at(1))] + cast("-aa")
    assert result(equal_roll(3), ballots, "rebuild").passed
    ballots = [Ballot("p0", "approve", at(1)), Ballot("p0", "reject", at(1))] + cast("-aa")
    assert not result(equal_roll(3), ballots, "rebuild").passed


def test_changing_ones_mind_to_abstain_keeps_the_participation():
    ballots = cast("aaar") + [Ballot("p0", "abstain", at(20))]
    outcome = result(equal_roll(4), ballots, "rebuild")
    assert outcome.participants == 4
    assert outcome.approving == 2
    assert outcome.participation_owners == 1
    assert outcome.approval_owners == Fraction(1, 2)
    assert outcome.reason == "approval_area"


def test_plain_tuples_are_accepted():
    roll = [("h0", D("50"), "p0", False), ("h1", D("50"), "p1", False)]
    ballots = [("p0", "approve", at(0)), ("p1", "approve", at(1))]
    assert result(roll, ballots, "other").passed


# --- counting owners: SPC interpretation Art. 9 -----------------------------------------

def test_one_owner_of_several_parts_counts_once_with_the_area_summed():
    roll = [
        RollPart("h0", D("60"), "p0", False),
        RollPart("h1", D("60"), "p0", False),
        RollPart("h2", D("60"), "p0", False),
        RollPart("h3", D("90"), "p3", False),
        RollPart("h4", D("90"), "p4", False),
    ]
    outcome = result(roll, [Ballot("p0", "approve", at(0)), Ballot("p3", "reject", at(1))],
                     "other")
    assert outcome.owners == 3
    assert outcome.participants == 2
    assert outcome.participation_owners == Fraction(2, 3)
    assert outcome.participation_area == Fraction(270, 360)
    assert outcome.participating_area == D("270")
    assert outcome.approval_area == Fraction(180, 270)
    assert outcome.approval_owners == Fraction(1, 2)
    # One approval among two owners is not more than half of the headcount.
    assert outcome.reason == "approval_owners"
    # Had each part counted as an owner, p0 would have been 3 of 4 participants.
    assert not outcome.passed


def test_the_developers_unsold_parts_count_once_together():
    roll = [RollPart(f"h{i}", D("80"), "developer", True) for i in range(4)]
    roll += [RollPart("h4", D("80"), "p4", False), RollPart("h5", D("80"), "p5", False)]
    outcome = result(roll, [Ballot("developer", "approve", at(0)),
                            Ballot("p4", "approve", at(1))], "other")
    assert outcome.owners == 3
    assert outcome.participants == 2
    assert outcome.participation_owners == Fraction(2, 3)
    assert outcome.participation_area == Fraction(400, 480)
    assert outcome.approving_area == D("400")
    assert outcome.passed


def test_unsold_parts_held_under_different_ids_still_count_once():
    roll = [
        RollPart("h0", D("100"), "dev-a", True),
        RollPart("h1", D("100"), "dev-b", True),
        RollPart("h2", D("100"), "p2", False),
    ]
    ballots = [Ballot("dev-a", "approve", at(0)), Ballot("dev-b", "reject", at(5)),
               Ballot("p2", "reject", at(1))]
    outcome = result(roll, ballots, "other")
    assert outcome.owners == 2
    assert outcome.participants == 2
    # The developer's later ballot (as dev-b) replaced its earlier one.
    assert outcome.approving == 0


def test_a_sold_part_is_counted_as_its_buyers():
    roll = [
        RollPart("h0", D("100"), "developer", True),
        RollPart("h1", D("100"), "developer", True),
        RollPart("h2", D("100"), "buyer", False),
    ]
    outcome = result(roll, [Ballot("buyer", "approve", at(0))], "other")
    assert outcome.owners == 2
    assert outcome.participation_area == Fraction(1, 3)
    assert outcome.reason == "quorum_area"


def test_people_not_on_the_roll_are_ignored():
    ballots = cast("aar") + [
        Ballot("tenant", "approve", at(9)), Ballot("stranger", "approve", at(9)),
    ]
    outcome = result(equal_roll(4), ballots, "other")
    assert outcome.participants == 3
    assert outcome.approving == 2
    assert outcome == result(equal_roll(4), cast("aar"), "other")


# --- empty roll and display -------------------------------------------------------------

def test_an_empty_roll_never_passes():
    outcome = result([], [Ballot("p0", "approve", T0)], "other")
    assert not outcome.passed
    assert outcome.reason == "empty_roll"
    assert outcome.owners == 0
    assert outcome.participation == {"area_ratio": "0.0000", "owner_ratio": "0.0000"}
    assert outcome.approval == {"area_ratio": "0.0000", "owner_ratio": "0.0000"}


def test_a_roll_without_area_is_empty():
    roll = [RollPart("h0", D("0"), "p0", False)]
    assert result(roll, cast("a"), "other").reason == "empty_roll"


def test_negative_area_is_refused():
    with pytest.raises(ValueError):
        result([RollPart("h0", D("-1"), "p0", False)], [], "other")


def test_no_ballots_is_no_quorum():
    outcome = result(equal_roll(3), [], "other")
    assert outcome.reason == "quorum_area"
    assert outcome.participants == 0
    assert outcome.approval_area == 0


@pytest.mark.parametrize("value, shown", [
    (Fraction(2, 3), "0.6667"),
    (Fraction(1, 3), "0.3333"),
    (Fraction(1, 2), "0.5000"),
    (Fraction(1, 1), "1.0000"),
    (Fraction(0), "0.0000"),
    (Fraction(12345, 100000000), "0.0001"),  # 0.00012345
    (Fraction(5, 100000), "0.0001"),  # 0.00005: half up, not half even
    (Fraction(15, 100000), "0.0002"),  # 0.00015: half even would also say 0.0002
    (Fraction(25, 100000), "0.0003"),  # 0.00025: half even would say 0.0002
    (Fraction(49999, 1000000000), "0.0000"),
])
def test_display_ratio_rounds_half_up_to_four_places(value, shown):
    assert display_ratio(value) == shown


def test_as_dict_has_the_close_answer_shape():
    answer = result(equal_roll(6), cast("aaaa"), "rebuild").as_dict()
    assert answer == {
        "passed": True,
        "kind": "major",
        "participation": {"area_ratio": "0.6667", "owner_ratio": "0.6667"},
        "approval": {"area_ratio": "1.0000", "owner_ratio": "1.0000"},
        "reason": "passed",
        "thresholds": {"quorum": "2/3", "quorum_rule": "at_least", "approval": "3/4",
                       "approval_rule": "at_least"},
        "owners": 6,
        "participants": 4,
        "approving": 4,
    }


def test_the_exact_fractions_are_kept():
    outcome = result(equal_roll(3), cast("aa"), "other")
    assert isinstance(outcome.participation_area, Fraction)
    assert outcome.participation_area == Fraction(2, 3)  # not 0.6666666666666666


# --- properties -------------------------------------------------------------------------

PEOPLE = [f"p{i}" for i in range(6)]
VOTERS = [*PEOPLE, "developer", "tenant"]

parts = st.one_of(
    st.builds(
        lambda n, area, owner: RollPart(f"h{n}", area, owner, False),
        st.integers(0, 999),
        st.decimals(min_value=D("0.01"), max_value=D("300"), places=2,
                    allow_nan=False, allow_infinity=False),
        st.sampled_from(PEOPLE),
    ),
    st.builds(
        lambda n, area: RollPart(f"h{n}", area, "developer", True),
        st.integers(0, 999),
        st.decimals(min_value=D("0.01"), max_value=D("300"), places=2,
                    allow_nan=False, allow_infinity=False),
    ),
)
rolls = st.lists(parts, min_size=1, max_size=10)
ballot_lists = st.lists(
    st.builds(
        lambda person, choice, minute: Ballot(person, choice, at(minute)),
        st.sampled_from(VOTERS),
        st.sampled_from(["approve", "reject", "abstain"]),
        st.integers(0, 5),  # few distinct minutes, so ties happen
    ),
    max_size=14,
)
matters = st.sampled_from(MATTERS)


@settings(max_examples=300, deadline=None)
@given(roll=rolls, ballots=ballot_lists, matter=matters, data=st.data())
def test_the_order_of_different_peoples_ballots_does_not_matter(roll, ballots, matter, data):
    # Interleave the people's ballots anew, keeping each person's own ballots in order.
    order = data.draw(st.permutations([ballot.person for ballot in ballots]))
    queues = {person: [b for b in ballots if b.person == person] for person in VOTERS}
    reordered = [queues[person].pop(0) for person in order]
    assert result(roll, reordered, matter) == result(roll, ballots, matter)


@settings(max_examples=300, deadline=None)
@given(roll=rolls, ballots=ballot_lists, matter=matters, person=st.sampled_from(VOTERS),
       minute=st.integers(0, 10), position=st.integers(0, 14))
def test_a_new_approval_never_turns_a_pass_into_a_fail(
    roll, ballots, matter, person, minute, position
):
    if person in {ballot.person for ballot in ballots}:
        ballots = [ballot for ballot in ballots if ballot.person != person]
    before = result(roll, ballots, matter)
    added = [*ballots]
    added.insert(position, Ballot(person, "approve", at(minute)))
    after = result(roll, added, matter)
    if before.passed:
        assert after.passed
    assert after.participation_area >= before.participation_area
    assert after.participation_owners >= before.participation_owners


@settings(max_examples=300, deadline=None)
@given(roll=rolls, ballots=ballot_lists, matter=matters, data=st.data())
def test_turning_a_reject_into_an_approval_never_turns_a_pass_into_a_fail(
    roll, ballots, matter, data
):
    rejects = [i for i, ballot in enumerate(ballots) if ballot.choice == "reject"]
    if not rejects:
        ballots = [*ballots, Ballot("p0", "reject", at(3))]
        rejects = [len(ballots) - 1]
    index = data.draw(st.sampled_from(rejects))
    changed = [*ballots]
    changed[index] = ballots[index]._replace(choice="approve")
    before, after = result(roll, ballots, matter), result(roll, changed, matter)
    if before.passed:
        assert after.passed
    assert after.approval_area >= before.approval_area
    assert after.approval_owners >= before.approval_owners
    assert after.participation_area == before.participation_area


@settings(max_examples=200, deadline=None)
@given(roll=rolls, ballots=ballot_lists, matter=matters)
def test_ratios_stay_between_zero_and_one_and_agree_with_the_counts(roll, ballots, matter):
    outcome = result(roll, ballots, matter)
    for ratio in (outcome.participation_area, outcome.participation_owners,
                  outcome.approval_area, outcome.approval_owners):
        assert 0 <= ratio <= 1
    assert outcome.participation_owners == Fraction(outcome.participants, outcome.owners)
    assert outcome.approving <= outcome.participants <= outcome.owners
    assert outcome.total_area == sum((part.area for part in roll), D(0))
    assert outcome.passed == (outcome.reason == "passed")
