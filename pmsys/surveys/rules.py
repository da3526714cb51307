"""Survey questions, answers and results (docs/domain.md#surveys): pure rules.

A question is a single choice, a 1–5 scale or free text, with a Chinese and an English
label. A question may name the answers that count as satisfied (`satisfied`): choice values,
or scale points. A household counts as satisfied when every satisfied-marked question it
answered has a satisfied answer; a household that answered none of them is not counted in the
satisfaction rate (it still counts in participation). The satisfaction rate is satisfied
households / households that answered at least one satisfied-marked question, as Shenyang's
and Anshan's acceptance surveys count people (persons, not answers).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from pmsys import money

KINDS = ("choice", "scale", "text")
SCALE = (1, 2, 3, 4, 5)
KEY_RULE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
MAX_QUESTIONS = 50
MAX_CHOICES = 20
LABEL_MAX = 200
CHOICE_MAX = 64
TEXT_MAX = 1000


class QuestionProblem(ValueError):
    """A question list or an answer that breaks a rule; `fields` names where."""

    def __init__(self, message: str, fields: dict[str, str]):
        super().__init__(message)
        self.fields = fields


def _label(value, where: str) -> dict[str, str]:
    """A label as {"zh", "en"}: one text serves both languages; an object gives each."""
    if isinstance(value, str):
        value = {"zh": value, "en": value}
    if not isinstance(value, Mapping):
        raise QuestionProblem("a label is a text or {zh, en}", {where: "a text or {zh, en}"})
    label = {}
    for lang in ("zh", "en"):
        text = value.get(lang) or value.get("zh" if lang == "en" else "en")
        if not isinstance(text, str) or not text.strip() or len(text) > LABEL_MAX:
            raise QuestionProblem("every question needs a label",
                                  {where: f"a text of 1 to {LABEL_MAX} characters"})
        label[lang] = text.strip()
    return label


def checked_questions(questions) -> list[dict]:
    """The question list in its stored form, or QuestionProblem naming the first bad field."""
    if not isinstance(questions, list) or not 1 <= len(questions) <= MAX_QUESTIONS:
        raise QuestionProblem("a survey asks 1 to 50 questions",
                              {"questions": f"a list of 1 to {MAX_QUESTIONS} questions"})
    out: list[dict] = []
    seen: set[str] = set()
    for i, question in enumerate(questions):
        where = f"questions[{i}]"
        if not isinstance(question, Mapping):
            raise QuestionProblem("a question is an object", {where: "an object"})
        key, kind = question.get("key"), question.get("kind")
        if not isinstance(key, str) or not KEY_RULE.match(key):
            raise QuestionProblem("a question key is a short lower-case name",
                                  {f"{where}.key": "lower-case letters, digits, _ (≤ 32)"})
        if key in seen:
            raise QuestionProblem("two questions have the same key",
                                  {f"{where}.key": "already used"})
        seen.add(key)
        if kind not in KINDS:
            raise QuestionProblem("a question is a choice, a scale or a text",
                                  {f"{where}.kind": "choice, scale or text"})
        stored = {"key": key, "kind": kind, "label": _label(question.get("label"),
                                                            f"{where}.label")}
        choices = question.get("choices")
        satisfied = question.get("satisfied")
        if kind == "choice":
            if (not isinstance(choices, list) or not 2 <= len(choices) <= MAX_CHOICES
                    or not all(isinstance(c, str) and c.strip() and len(c) <= CHOICE_MAX
                               for c in choices)
                    or len({c.strip() for c in choices}) != len(choices)):
                raise QuestionProblem("a choice question lists 2 to 20 different choices",
                                      {f"{where}.choices": "2 to 20 different texts"})
            stored["choices"] = [c.strip() for c in choices]
            allowed: tuple = tuple(stored["choices"])
        elif kind == "scale":
            allowed = SCALE
        else:
            allowed = ()
        if satisfied is not None:
            if (kind == "text" or not isinstance(satisfied, list) or not satisfied
                    or any(isinstance(v, bool) for v in satisfied)
                    or not all(v in allowed for v in satisfied)):
                raise QuestionProblem("the satisfied values must be some of the question's "
                                      "answers", {f"{where}.satisfied": "values of its answers"})
            stored["satisfied"] = [v for v in allowed if v in satisfied]
        out.append(stored)
    return out


def checked_answers(questions: list[dict], answers) -> dict:
    """The answers to keep (key → value), or QuestionProblem; unknown keys are refused and
    an empty text is left out. At least one question must be answered."""
    if not isinstance(answers, Mapping):
        raise QuestionProblem("answers are an object of key → value", {"answers": "an object"})
    by_key = {q["key"]: q for q in questions}
    kept: dict = {}
    for key, value in answers.items():
        question = by_key.get(key)
        where = f"answers.{key}"
        if question is None:
            raise QuestionProblem("no such question", {where: "no such question"})
        if value is None or value == "":
            continue
        kind = question["kind"]
        if kind == "choice":
            if value not in question["choices"]:
                raise QuestionProblem("not one of the choices", {where: "one of the choices"})
        elif kind == "scale":
            if isinstance(value, str) and value.isdigit():
                value = int(value)
            if isinstance(value, bool) or value not in SCALE:
                raise QuestionProblem("a scale answer is 1 to 5", {where: "1 to 5"})
        else:
            if not isinstance(value, str) or len(value) > TEXT_MAX:
                raise QuestionProblem("a text answer is at most 1000 characters",
                                      {where: f"a text of at most {TEXT_MAX} characters"})
            value = value.strip()
            if not value:
                continue
        kept[key] = value
    if not kept:
        raise QuestionProblem("answer at least one question", {"answers": "none answered"})
    return kept


def household_satisfied(questions: list[dict], answers: Mapping) -> bool | None:
    """Whether a household's answers are satisfied; None when it answered no satisfied-marked
    question (it then does not count in the satisfaction rate)."""
    judged = [answers[q["key"]] in q["satisfied"] for q in questions
              if q.get("satisfied") and q["key"] in answers]
    return all(judged) if judged else None


@dataclass
class Results:
    """A survey's results, as the API writes them (docs/api.md#surveys)."""

    households_total: int
    households_answered: int
    households_judged: int
    households_satisfied: int
    by_channel: dict[str, int]
    questions: dict[str, dict] = field(default_factory=dict)

    @property
    def participation_rate(self) -> Decimal | None:
        return money.ratio(self.households_answered, self.households_total)

    @property
    def satisfaction_rate(self) -> Decimal | None:
        return money.ratio(self.households_satisfied, self.households_judged)

    def as_dict(self) -> dict:
        return {
            "households_total": self.households_total,
            "households_answered": self.households_answered,
            "households_judged": self.households_judged,
            "households_satisfied": self.households_satisfied,
            "participation_rate": money.ratio_str(self.participation_rate),
            "satisfaction_rate": money.ratio_str(self.satisfaction_rate),
            "by_channel": dict(self.by_channel),
            "questions": self.questions,
        }


def _question_result(question: dict, values: list) -> dict:
    kind = question["kind"]
    result: dict = {"kind": kind, "answered": len(values)}
    if kind == "text":
        result["texts"] = list(values)
        return result
    options = question["choices"] if kind == "choice" else list(SCALE)
    counted = Counter(values)
    result["counts"] = {str(option): counted.get(option, 0) for option in options}
    if kind == "scale":
        average = (money.round_half_up(Decimal(sum(values)) / len(values), 2) if values
                   else None)
        result["average"] = None if average is None else f"{average:.2f}"
    if question.get("satisfied"):
        satisfied = sum(1 for v in values if v in question["satisfied"])
        result["satisfied"] = satisfied
        result["satisfied_rate"] = money.ratio_str(money.ratio(satisfied, len(values)))
    return result


def results(questions: list[dict], households_total: int,
            responses: Iterable[tuple[str, Mapping]]) -> Results:
    """Tally (channel, answers) of every answering household over the scope's households."""
    answered = judged = satisfied = 0
    channels: Counter = Counter()
    values: dict[str, list] = {q["key"]: [] for q in questions}
    for channel, answers in responses:
        answered += 1
        channels[channel] += 1
        verdict = household_satisfied(questions, answers)
        if verdict is not None:
            judged += 1
            satisfied += verdict
        for key, value in answers.items():
            if key in values:
                values[key].append(value)
    return Results(
        households_total=households_total, households_answered=answered,
        households_judged=judged, households_satisfied=satisfied,
        by_channel={c: channels.get(c, 0) for c in ("web", "qr", "paper", "phone")},
        questions={q["key"]: _question_result(q, values[q["key"]]) for q in questions},
    )
