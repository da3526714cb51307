"""Survey questions, answers and the satisfaction rule (docs/domain.md#surveys)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pmsys.surveys.rules import QuestionProblem, checked_answers, checked_questions, results

QUESTIONS = checked_questions([
    {"key": "overall", "kind": "choice", "label": "满意吗", "choices": ["满意", "一般", "不满意"],
     "satisfied": ["满意"]},
    {"key": "clean", "kind": "scale", "label": {"zh": "保洁", "en": "Cleaning"},
     "satisfied": [5, 4]},
    {"key": "say", "kind": "text", "label": {"zh": "意见"}},
])


def test_questions_are_stored_with_both_labels_and_ordered_satisfied_values():
    assert QUESTIONS[1] == {"key": "clean", "kind": "scale",
                            "label": {"zh": "保洁", "en": "Cleaning"}, "satisfied": [4, 5]}
    assert QUESTIONS[2]["label"] == {"zh": "意见", "en": "意见"}


@pytest.mark.parametrize(("question", "where"), [
    ({"key": "A", "kind": "text", "label": "x"}, "questions[0].key"),
    ({"key": "a", "kind": "text", "label": ""}, "questions[0].label"),
    ({"key": "a", "kind": "text", "label": "x", "satisfied": ["x"]}, "questions[0].satisfied"),
    ({"key": "a", "kind": "choice", "label": "x", "choices": ["y", "y"]}, "questions[0].choices"),
    ({"key": "a", "kind": "scale", "label": "x", "satisfied": [True]}, "questions[0].satisfied"),
])
def test_bad_questions_name_the_field(question, where):
    with pytest.raises(QuestionProblem) as problem:
        checked_questions([question])
    assert where in problem.value.fields


def test_answers_are_checked_and_empty_texts_dropped():
    assert checked_answers(QUESTIONS, {"overall": "一般", "clean": "5", "say": "  "}) == {
        "overall": "一般", "clean": 5}
    for bad in ({"overall": "好"}, {"clean": 0}, {"other": 1}, {"say": ""}, []):
        with pytest.raises(QuestionProblem):
            checked_answers(QUESTIONS, bad)


def test_a_household_is_satisfied_when_every_marked_answer_it_gave_is_satisfied():
    tally = results(QUESTIONS, 5, [
        ("web", {"overall": "满意", "clean": 4}),       # satisfied
        ("qr", {"overall": "满意", "clean": 3}),        # one marked answer not satisfied
        ("paper", {"clean": 5}),                        # satisfied on what it answered
        ("phone", {"say": "楼道灯坏了"}),                 # not judged
    ])
    assert (tally.households_answered, tally.households_judged,
            tally.households_satisfied) == (4, 3, 2)
    assert tally.participation_rate == Decimal("0.8000")
    assert tally.satisfaction_rate == Decimal("0.6667")
    assert tally.questions["clean"]["average"] == "4.00"
    assert tally.by_channel == {"web": 1, "qr": 1, "paper": 1, "phone": 1}


def test_no_households_means_no_rates():
    tally = results(QUESTIONS, 0, [])
    assert tally.participation_rate is None and tally.satisfaction_rate is None
    assert tally.as_dict()["satisfaction_rate"] is None
