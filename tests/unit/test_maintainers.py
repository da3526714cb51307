"""The maintainer on a date has one answer for every date."""

from datetime import date, timedelta

import pytest

from pmsys.assets.maintainers import HistoryConflict, Stint, hand_over, maintainer_on, overlapping


def test_nobody_before_the_first_hand_over():
    history = hand_over([], "WATER", date(2022, 3, 1))
    assert maintainer_on(history, date(2022, 2, 28)) is None
    assert maintainer_on(history, date(2022, 3, 1)) == "WATER"
    assert maintainer_on(history, date(2099, 1, 1)) == "WATER"


def test_second_hand_over_closes_the_first_the_day_before():
    history = hand_over(hand_over([], "ORIGINAL", date(2015, 1, 1)), "WATER", date(2022, 3, 1))
    assert history[0] == Stint("ORIGINAL", date(2015, 1, 1), date(2022, 2, 28))
    assert maintainer_on(history, date(2022, 2, 28)) == "ORIGINAL"
    assert maintainer_on(history, date(2022, 3, 1)) == "WATER"
    assert not overlapping(history)


def test_every_day_has_exactly_one_answer_after_several_hand_overs():
    history = []
    for org, day in (("A", date(2020, 1, 1)), ("B", date(2021, 6, 1)), ("C", date(2021, 6, 2))):
        history = hand_over(history, org, day)
    day = date(2019, 12, 31)
    answers = []
    while day <= date(2021, 6, 3):
        covering = [s for s in history if s.covers(day)]
        assert len(covering) <= 1
        answers.append(maintainer_on(history, day))
        day += timedelta(days=1)
    assert answers[0] is None
    assert maintainer_on(history, date(2021, 6, 1)) == "B"
    assert maintainer_on(history, date(2021, 6, 2)) == "C"


@pytest.mark.parametrize("effective_on", [date(2022, 3, 1), date(2021, 1, 1)])
def test_hand_over_cannot_rewrite_history(effective_on):
    history = hand_over([], "WATER", date(2022, 3, 1))
    with pytest.raises(HistoryConflict):
        hand_over(history, "OTHER", effective_on)


def test_overlap_detection():
    assert overlapping([Stint("A", date(2020, 1, 1)), Stint("B", date(2021, 1, 1))])
    assert overlapping(
        [Stint("A", date(2020, 1, 1), date(2021, 1, 1)), Stint("B", date(2021, 1, 1))]
    )
    assert not overlapping(
        [Stint("A", date(2020, 1, 1), date(2020, 12, 31)), Stint("B", date(2021, 1, 1))]
    )
