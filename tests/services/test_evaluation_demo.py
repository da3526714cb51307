"""The demo evaluation (pmsys/demo/evaluation.py): calls, deductions, a year of bulletins,
and managers who collect more ranking higher."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from pmsys import clock
from pmsys.demo.evaluation import build_evaluation_examples
from pmsys.evaluation import services
from pmsys.models.auth import User
from pmsys.models.evaluation import EvaluationBulletin, OrgDeduction
from pmsys.models.tickets import TicketCallback

pytestmark = pytest.mark.database("demo_region")


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_the_demo_has_calls_deductions_and_a_year_of_bulletins(db, demo_region):
    session = db.session
    assert count(session, TicketCallback) > 0
    assert count(session, OrgDeduction) > 0
    periods = set(session.scalars(select(EvaluationBulletin.period)))
    assert len(periods) == 13 and f"{clock.today().year - 1}" in periods
    # A second run adds nothing.
    again = build_evaluation_examples(session)
    assert (again["callbacks"], again["deductions"], again["bulletins"]) == (0, 0, 0)


def test_managers_who_collect_more_rank_higher(db, demo_region):
    bureau = db.session.scalar(select(User).where(User.username == "bureau"))
    year = services.evaluate(db.session, bureau, period=f"{clock.today().year - 1}")
    rated = [s for s in year.scores if s.score is not None
             and s.items["collection_rate"].value is not None]
    assert len(rated) >= 3
    best, worst = rated[0], rated[-1]
    assert best.items["collection_rate"].value > worst.items["collection_rate"].value
    assert best.score > worst.score and best.rank < worst.rank
    by_collection = sorted(rated, key=lambda s: s.items["collection_rate"].value)
    top_half = by_collection[len(by_collection) // 2:]
    bottom_half = by_collection[:len(by_collection) // 2]
    mean = lambda group: sum(s.score for s in group) / len(group)  # noqa: E731
    assert mean(top_half) > mean(bottom_half) + Decimal(0)
