"""The demo region's three coverages (docs/domain.md#three-coverages) have gaps to show: most
communities have a Party organisation, some no committee, and of the three without a term two
have a long-term management plan (pmsys/demo/coverage.py), leaving one with no arrangement."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pmsys import clock
from pmsys.audit import AuditRecord
from pmsys.demo.coverage import build_coverage_examples
from pmsys.governance.services import plans
from pmsys.governance.services.three_coverages import three_coverages
from pmsys.models.auth import User
from pmsys.models.places import Community

pytestmark = pytest.mark.database("demo_bundle")


def test_the_demo_coverage_has_gaps_and_one_community_without_an_arrangement(db):
    assert build_coverage_examples(db.session) == {"plans": 2}
    db.session.commit()
    street = db.session.scalar(select(User).where(User.username == "street"))
    report = three_coverages(db.session, street, clock.today())
    [item] = report["items"]
    assert item["key"] == "SLQ" and item["communities"] == 27
    assert 0 < item["committee"] < item["communities"]
    assert item["communities"] - 5 <= item["party"] < item["communities"]
    missing = {name: {c["code"] for c in found} for name, found in report["missing"].items()}
    assert missing["party"] == {"GAJJSL", "HHECJSL", "YXJSL", "WBZJSL"}
    assert missing["managed"] == {"GAJJSL", "HHECJSL", "GDJSL"}
    ids = list(db.session.scalars(select(Community.id).where(
        Community.code.in_(missing["managed"]))))
    assert plans.without_arrangement(db.session, ids, clock.today()) == ["GAJJSL"]
    assert len(db.session.scalars(select(AuditRecord).where(
        AuditRecord.action == "management_plan_recorded")).all()) == 2
    # Running it again records nothing more.
    assert build_coverage_examples(db.session) == {"plans": 0}
