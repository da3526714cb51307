"""Demo long-term management plans (docs/domain.md#plans), for `flask pmsys demo`.

Three communities of the demo region have no management term. The street office has
recorded how two of them are to be managed after the renovation, so that the three coverages
(docs/domain.md#three-coverages) show one community with no arrangement at all, 公安局家属楼
(GAJJSL): a renovation project covering it would be accepted only with a reason. Recorded
through the plans service as the `street` login (audited); a community that has a plan already
is left alone, so running twice changes nothing.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from pmsys.governance.services import plans
from pmsys.models.auth import User
from pmsys.models.governance import ManagementPlan
from pmsys.models.places import Community

PLANS = (
    ("HHECJSL", "community", "原产权单位黄河二处已撤销；经居民议事会协商，由南城社区居委会"
     "提供准物业服务（保洁、秩序维护、公共设施小修），费用按每月每户15元收取",
     date(2021, 12, 1)),
    ("GDJSL", "professional", "单栋楼，拟与相邻的人行家属楼打包，由宏达物业统一服务；"
     "业主大会表决前由西城社区代管", None),
)


def build_coverage_examples(session: Session) -> dict:
    """Record the demo's long-term management plans; return how many were created."""
    street = session.scalar(select(User).where(User.username == "street"))
    if street is None:
        return {"plans": 0}
    created = 0
    for code, mode, note, starts_on in PLANS:
        community = session.scalar(select(Community).where(Community.code == code))
        if community is None or session.scalar(select(ManagementPlan.id).where(
                ManagementPlan.community_id == community.id).limit(1)) is not None:
            continue
        plans.record_plan(session, street, community, mode=mode, note=note, starts_on=starts_on)
        created += 1
    session.flush()
    return {"plans": created}
