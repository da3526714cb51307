"""Demo satisfaction survey, for `flask pmsys demo` (docs/domain.md#surveys).

地矿华庭西区 (DKHTXQ), where the `resident` login owns a flat: the street office (login
`street`) surveys the property service, open from ten days ago for three more weeks. The
`resident` login answered by the QR code of the notice page, the street office entered paper
forms collected door to door, and follow-up calls (回访) for households that returned none.
Everything goes through the survey service with the clock frozen at each moment, so the
answers carry their audit records. Run twice, it changes nothing.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from pmsys import clock
from pmsys.models.auth import User
from pmsys.models.places import Building, Community, Household, Unit
from pmsys.models.surveys import Survey
from pmsys.surveys import services

COMMUNITY = "DKHTXQ"
CODE = "2026-DKHTXQ-WY"
TITLE = "地矿华庭西区物业服务满意度调查"
QUESTIONS = [
    {"key": "overall", "kind": "choice",
     "label": {"zh": "您对物业服务总体是否满意？",
               "en": "Are you satisfied with the property service?"},
     "choices": ["满意", "基本满意", "不满意"], "satisfied": ["满意", "基本满意"]},
    {"key": "cleaning", "kind": "scale",
     "label": {"zh": "楼道和公共区域保洁（1–5分）",
               "en": "Cleaning of stairwells and common areas (1–5)"},
     "satisfied": [4, 5]},
    {"key": "repairs", "kind": "scale",
     "label": {"zh": "报修响应速度（1–5分）", "en": "How quickly repairs are answered (1–5)"},
     "satisfied": [4, 5]},
    {"key": "comment", "kind": "text", "label": {"zh": "意见和建议", "en": "Comments"}},
]
# (overall, cleaning, repairs, comment) of the paper forms, then of the follow-up calls.
PAPER = [("满意", 5, 4, ""), ("基本满意", 4, 4, "垃圾清运可以再勤一些"), ("满意", 5, 5, ""),
         ("不满意", 2, 3, "3号楼楼道灯坏了两周没人修"), ("基本满意", 4, 5, ""),
         ("满意", 4, 4, ""), ("满意", 5, 4, "保安很负责"), ("基本满意", 3, 4, ""),
         ("满意", 5, 5, ""), ("基本满意", 4, 3, "报修要打好几次电话")]
CALLS = [("满意", 4, 4, ""), ("基本满意", 4, 4, ""), ("不满意", 3, 2, "下水道堵了三天"),
         ("满意", 5, 5, ""), ("满意", 4, 5, "")]


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=clock.LOCAL_TZ).astimezone(clock.UTC)


def _answers(row) -> dict:
    overall, cleaning, repairs, comment = row
    return {"overall": overall, "cleaning": cleaning, "repairs": repairs, "comment": comment}


def build_survey_examples(session: Session) -> dict:
    """Define the demo survey and record its answers; returns how many were created."""
    users = {u.username: u for u in session.scalars(
        select(User).where(User.username.in_(("street", "resident"))))}
    community = session.scalar(select(Community).where(Community.code == COMMUNITY))
    if "street" not in users or community is None:
        return {"surveys": 0, "answers": 0, "existing": 0}
    if session.scalar(select(Survey.id).where(Survey.code == CODE)) is not None:
        return {"surveys": 0, "answers": 0, "existing": 1}
    street, today = users["street"], clock.today()
    opens = today - timedelta(days=10)
    with clock.frozen(_at(opens, 9)):
        survey = services.define_survey(
            session, street, code=CODE, title=TITLE, scope={"community": COMMUNITY},
            opens_on=opens, closes_on=today + timedelta(days=21), questions=QUESTIONS)
    resident = users.get("resident")
    own = services.own_households(session, resident, survey) if resident else []
    answered = 0
    if own:
        with clock.frozen(_at(opens + timedelta(days=1), 20)):
            services.answer(session, resident, survey, channel="qr",
                            answers=_answers(("基本满意", 4, 3, "希望报修能在手机上看到进度")))
        answered += 1
    taken = {h.id for h in own}
    others = [household for household in session.scalars(
        select(Household).join(Unit, Unit.id == Household.unit_id)
        .join(Building, Building.id == Unit.building_id)
        .where(Building.community_id == community.id)
        .order_by(Building.code, Unit.code, Household.code))
        if household.id not in taken]
    rows = [("paper", row) for row in PAPER] + [("phone", row) for row in CALLS]
    for index, ((channel, row), household) in enumerate(zip(rows, others, strict=False)):
        with clock.frozen(_at(opens + timedelta(days=2 + index // 4), 10 + index % 4)):
            services.answer(session, street, survey, channel=channel, answers=_answers(row),
                            household=household.place_code)
        answered += 1
    session.flush()
    return {"surveys": 1, "answers": answered, "existing": 0}
