"""Demo tickets: four months of repair work in the demo region, for `flask pmsys demo`.

About forty tickets are filed by the demo residents and by the street office's
hotline for callers, spread over the last ~4 months, and taken through their
lifecycle by the demo logins at the times they would have acted (the clock is
frozen at each moment): answered in time or late, resolved in time or late,
confirmed with ratings, a reopened fix, disputes reassigned and one upheld, a
misrouted ticket moved by the street office, one cancelled, and a few still
open and overdue, one of them hurried up (催办) twice by its resident. Steps that
would fall after now are left undone, so the latest tickets are still in the
queues. Only the public services are used (file_ticket, take_action): every
ticket has its routing, deadlines, events, notifications and audit records like
any other.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pmsys import clock
from pmsys.models.auth import User
from pmsys.models.tickets import Ticket
from pmsys.tickets.services import file_ticket, take_action


@dataclass(frozen=True)
class Step:
    """One action `hours` after the filing, by a demo login."""

    hours: float
    login: str
    action: str
    note: str = ""
    rating: int | None = None
    org: str | None = None


@dataclass(frozen=True)
class Plan:
    """One demo ticket: when (days ago, local hour), by whom, what and where, then its steps."""

    days_ago: int
    hour: int
    login: str
    community: str
    category: str
    description: str
    steps: tuple[Step, ...] = ()
    building: str | None = "1"
    asset: str | None = None
    caller: tuple[str, str] | None = None  # (name, phone): a hotline call


def _done(login: str, accept: float, resolve: float, *, note: str, rating: int | None = None,
          confirm: float | None = None, by: str = "resident") -> tuple[Step, ...]:
    """Accepted, resolved and, when rated, confirmed by the reporter a while later."""
    steps = [Step(accept, login, "accept"), Step(resolve, login, "resolve", note)]
    if rating is not None:
        steps.append(Step(confirm if confirm is not None else resolve + 20, by, "confirm",
                          rating=rating))
    return tuple(steps)


HOTLINE = "street"
# Repairs in 地矿华庭西区 (resident, PM-XT), 统建家属楼 (resident2, self-managed) and,
# through the hotline, communities the community office SLQ-DC or PM-XT runs.
PLANS: tuple[Plan, ...] = (
    # --- resident, 地矿华庭西区 ------------------------------------------------------------
    Plan(115, 9, "resident", "DKHTXQ", "water_supply", "1号楼楼道水管漏水，地面积水",
         _done("water", 1, 20, note="更换漏水管段", rating=5)),
    Plan(108, 20, "resident", "DKHTXQ", "heating", "1单元暖气片不热",
         _done("heat", 3.5, 30, note="排气后恢复供热", rating=4)),
    Plan(101, 18, "resident", "DKHTXQ", "lighting", "1号楼楼道感应灯不亮",
         _done("manager", 4, 50, note="更换感应灯", rating=5)),
    Plan(95, 19, "resident", "DKHTXQ", "gas", "楼道里闻到燃气味",
         _done("gas", 0.3, 3, note="紧固楼道燃气管接头并检测", rating=5)),
    Plan(90, 21, "resident", "DKHTXQ", "power", "1号楼2单元停电",
         _done("power", 1, 6, note="更换烧毁的熔断器", rating=3)),
    Plan(84, 8, "resident", "DKHTXQ", "drainage", "化粪池堵塞，污水外溢",
         (Step(1, "water", "dispute", "化粪池在小区红线内，未移交我公司，应由物业清掏"),
          Step(26, HOTLINE, "reassign", "化粪池未移交，由物业负责清掏", org="PM-XT"),
          Step(27, "manager", "accept"),
          Step(60, "manager", "resolve", "已清掏化粪池并疏通管道"),
          Step(80, "resident", "confirm", rating=4))),
    Plan(77, 10, "resident", "DKHTXQ", "road", "小区主路路面塌陷一处",
         _done("manager", 10, 9 * 24, note="修补路面", rating=2)),
    Plan(70, 7, "resident", "DKHTXQ", "water_supply", "早上水压太低，楼上没水",
         (Step(1, "water", "accept"),
          Step(24, "water", "resolve", "调整加压泵"),
          Step(48, "resident", "reopen", "第二天又没水压了"),
          Step(49, "water", "accept"),
          Step(96, "water", "resolve", "更换加压泵控制器"),
          Step(110, "resident", "confirm", rating=4))),
    Plan(64, 11, "resident", "DKHTXQ", "lighting", "单元门口灯不亮",
         (Step(0.5, "resident", "cancel", "灯又亮了"),)),
    Plan(60, 16, "resident", "DKHTXQ", "common_parts", "1单元单元门闭门器坏了",
         _done("manager", 2, 72, note="更换闭门器", rating=5)),
    Plan(52, 9, "resident", "DKHTXQ", "fitness", "健身器材扶手松动",
         _done("manager", 30, 5 * 24, note="紧固扶手螺栓")),
    Plan(45, 22, "resident", "DKHTXQ", "heating", "暖气管道接口漏水",
         _done("heat", 1, 10, note="更换接口垫片", rating=5)),
    Plan(38, 14, "resident", "DKHTXQ", "cable_tv", "有线电视没有信号",
         (Step(2, "manager", "dispute", "有线电视线路属广电网络公司，不属物业"),
          Step(20, HOTLINE, "reassign", "转广电网络公司处理", org="TYQ-CATV"))),
    Plan(33, 8, "resident", "DKHTXQ", "water_supply", "楼道立管滴水",
         (Step(1, "water", "dispute", "漏水在户内，属业主自有部分"),
          Step(5, HOTLINE, "uphold", "经现场核实为楼道公共立管，属供水公司"),
          Step(6, "water", "accept"),
          Step(20, "water", "resolve", "更换立管卡箍"),
          Step(30, "resident", "confirm", rating=4))),
    Plan(30, 15, "resident", "DKHTXQ", "power", "楼道配电箱有焦糊味",
         _done("power", 1, 5, note="更换老化的空气开关", rating=5)),
    Plan(21, 19, "resident", "DKHTXQ", "lighting", "小区路灯一排都不亮",
         (Step(3, "manager", "accept"), Step(24, "manager", "start"))),
    Plan(12, 7, "resident", "DKHTXQ", "water_supply", "厨房水龙头没水",
         _done("water", 1, 8, note="修复入户前阀门", rating=4)),
    Plan(6, 10, "resident", "DKHTXQ", "common_parts", "楼道堆放杂物堵塞通道",
         _done("manager", 1, 48, note="已清理楼道杂物")),
    Plan(2, 17, "resident", "DKHTXQ", "road", "小区门口井盖破损"),
    # After the renovation: parking, noise, and a complaint about the manager itself.
    Plan(20, 9, "resident", "DKHTXQ", "parking", "消防通道被私家车堵住",
         _done("parking", 1, 6, note="已联系车主挪车，增设禁停标识", rating=4)),
    Plan(8, 21, "resident", "DKHTXQ", "disorder", "晚上广场舞音响太吵",
         (Step(2, "manager", "accept"),)),
    Plan(3, 15, "resident", "DKHTXQ", "service_complaint", "投诉物业：楼道长期无人清扫",
         (Step(4, "street", "accept"),)),
    Plan(0, -1, "resident", "DKHTXQ", "lighting", "2单元楼道灯闪烁"),
    # --- resident2, 统建家属楼 (self-managed) -------------------------------------------------
    Plan(112, 8, "resident2", "TJJSL", "water_supply", "楼前供水管冒水",
         _done("water", 1, 24, note="更换破损管段", rating=5, by="resident2")),
    Plan(98, 20, "resident2", "TJJSL", "power", "楼道照明线路跳闸",
         _done("power", 4, 48, note="更换线路", rating=3, by="resident2")),
    Plan(80, 9, "resident2", "TJJSL", "heating", "整栋楼暖气不热",
         (Step(20, HOTLINE, "reassign", "供热管网由热力公司维护", org="TYQ-HEAT"),
          Step(21, "heat", "accept"),
          Step(40, "heat", "resolve", "更换单元供热阀门"),
          Step(60, "resident2", "confirm", rating=4))),
    Plan(66, 13, "resident2", "TJJSL", "drainage", "楼后排水井堵塞",
         _done("water", 1, 20, note="疏通排水井", rating=5, by="resident2")),
    Plan(40, 6, "resident2", "TJJSL", "water_supply", "全楼停水",
         _done("water", 6, 72, note="修复主管道破裂", rating=2, by="resident2")),
    Plan(25, 21, "resident2", "TJJSL", "gas", "厨房外墙燃气管有漏气声",
         _done("gas", 0.25, 2, note="更换燃气管阀门", rating=5, by="resident2")),
    # Nobody came: the resident hurried it up (催办) twice, days apart.
    Plan(15, 8, "resident2", "TJJSL", "heating", "3单元暖气不热",
         (Step(3 * 24, "resident2", "hurry", "三天了还没人来看"),
          Step(6 * 24, "resident2", "hurry"))),
    Plan(11, 10, "resident2", "TJJSL", "occupied_space", "院内公共绿地被住户圈占种菜"),
    Plan(4, 9, "resident2", "TJJSL", "water_supply", "楼道水表井漏水",
         (Step(1, "water", "accept"), Step(2, "water", "start"))),
    # --- hotline calls -------------------------------------------------------------------
    Plan(118, 10, HOTLINE, "GXL", "lighting", "来电：小区路灯不亮",
         _done("shequ", 2, 72, note="更换路灯灯具", rating=4, by=HOTLINE),
         caller=("王女士", "13947200001")),
    Plan(105, 15, HOTLINE, "GXL", "water_supply", "来电：楼前水管冻裂",
         _done("water", 1, 24, note="更换冻裂管段并保温", rating=5, by=HOTLINE),
         caller=("李先生", "13947200002")),
    Plan(93, 11, HOTLINE, "YXJSL", "road", "来电：小区道路坑洼积水",
         _done("shequ", 30, 10 * 24, note="修补路面", rating=2, by=HOTLINE),
         caller=("张先生", "13947200003")),
    Plan(86, 9, HOTLINE, "DZYXQ", "common_parts", "来电：单元门禁损坏",
         _done("manager", 1, 48, note="更换门禁锁", rating=4, by=HOTLINE),
         caller=("赵女士", "13947200004")),
    Plan(72, 8, HOTLINE, "GXL", "heating", "来电：暖气管道漏水",
         (Step(2, "shequ", "dispute", "供热管网应由热力公司维护"),
          Step(4, HOTLINE, "reassign", "转热力公司处理", org="TYQ-HEAT"),
          Step(5, "heat", "accept"),
          Step(24, "heat", "resolve", "更换漏水管段"),
          Step(48, HOTLINE, "confirm", rating=4)),
         caller=("刘先生", "13947200005")),
    Plan(58, 20, HOTLINE, "DZYXQ", "power", "来电：单元停电",
         _done("power", 1, 4, note="修复进户线", rating=5, by=HOTLINE),
         caller=("陈女士", "13947200006")),
    Plan(55, 10, HOTLINE, "GXL", "lighting", "来电：楼道灯不亮",
         (Step(1, HOTLINE, "cancel", "来电人告知已自行修好"),),
         caller=("孙先生", "13947200007")),
    Plan(47, 9, HOTLINE, "MZJJSL", "waste", "来电：垃圾桶满溢无人清运",
         caller=("周女士", "13947200008")),
    Plan(42, 16, HOTLINE, "GXL", "telecom", "来电：联通宽带线路断了",
         _done("unicom", 3, 30, note="接续断缆", rating=4, by=HOTLINE),
         asset="GXL-TEL-CU", caller=("吴先生", "13947200009")),
    Plan(34, 10, HOTLINE, "GXL", "illegal_building", "来电：一楼住户私搭彩钢房",
         caller=("郑女士", "13947200010")),
    Plan(27, 14, HOTLINE, "YDJSL", "lighting", "来电：楼道灯全部不亮",
         _done("shequ", 1, 24, note="更换灯具", rating=5, by=HOTLINE),
         caller=("冯先生", "13947200011")),
    Plan(18, 8, HOTLINE, "DZYXQ", "drainage", "来电：下水道返味堵塞",
         (Step(1, "water", "accept"),
          Step(24, "water", "resolve", "疏通主管"),
          Step(72, HOTLINE, "reopen", "来电人反映又堵了"),
          Step(73, "water", "accept"),
          Step(96, "water", "resolve", "更换破损管段"),
          Step(120, HOTLINE, "confirm", rating=3)),
         caller=("陈先生", "13947200012")),
    Plan(9, 9, HOTLINE, "JYJJSL", "common_parts", "来电：楼梯扶手断裂",
         _done("shequ", 1, 48, note="焊接扶手", rating=4, by=HOTLINE),
         caller=("褚女士", "13947200013")),
    Plan(5, 11, HOTLINE, "GXL", "water_supply", "来电：水表井漏水",
         (Step(3, "water", "accept"), Step(5, "water", "start")),
         caller=("卫先生", "13947200014")),
    Plan(1, 8, HOTLINE, "DZYXQ", "telecom", "来电：联通网络时断时续",
         asset="DZYXQ-TEL-CU", caller=("蒋女士", "13947200015")),
)


def _filed_at(plan: Plan, now: datetime) -> datetime:
    """The moment of the report: `days_ago` days back at `hour` local (-1: an hour ago)."""
    if plan.hour < 0:
        return now - timedelta(hours=1)
    day = now.astimezone(clock.LOCAL_TZ).date() - timedelta(days=plan.days_ago)
    moment = datetime.combine(day, time(plan.hour), tzinfo=clock.LOCAL_TZ).astimezone(clock.UTC)
    return min(moment, now - timedelta(hours=1))


def build_ticket_examples(session: Session) -> dict:
    """File the demo tickets and take them through their steps, as the demo users would.

    Run after the demo bundle is imported. When any demo ticket exists already
    nothing is done, so running twice changes nothing. Returns how many were
    created, how many existed, and the created tickets' count per status.
    """
    descriptions = [plan.description for plan in PLANS]
    existing = session.scalar(
        select(func.count(Ticket.id)).where(Ticket.description.in_(descriptions))
    )
    if existing:
        return {"created": 0, "existing": existing, "by_status": {}}
    logins = {plan.login for plan in PLANS} | {s.login for plan in PLANS for s in plan.steps}
    users = {u.username: u for u in session.scalars(select(User).where(User.username.in_(logins)))}
    now = clock.now()
    statuses: Counter = Counter()
    for plan in PLANS:
        filed_at = _filed_at(plan, now)
        with clock.frozen(filed_at):
            ticket = file_ticket(
                session, users[plan.login], category=plan.category, community=plan.community,
                description=plan.description, building=plan.building, asset=plan.asset,
                caller=({"name": plan.caller[0], "phone": plan.caller[1]}
                        if plan.caller else None),
            )
        for step in plan.steps:
            moment = filed_at + timedelta(hours=step.hours)
            if moment > now:
                break  # not yet: the ticket waits in its queue
            with clock.frozen(moment):
                take_action(session, users[step.login], ticket, step.action,
                            note=step.note or None, rating=step.rating, org=step.org)
        statuses[ticket.status.value] += 1
    session.flush()
    return {"created": len(PLANS), "existing": 0, "by_status": dict(sorted(statuses.items()))}
