"""Ticket and asset categories (docs/domain.md#categories)."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import get_locale


@dataclass(frozen=True)
class Category:
    """One category: whether a utility serves it and who handles it by duty."""

    code: str
    name_zh: str
    name_en: str
    utility: bool = False
    # "utility": past the household meter is the owner's (docs/domain.md#routing step 3);
    # "manager": the manager handles in-home requests as a paid service.
    in_home: str = "manager"
    default_priority: str = "normal"
    by_duty: str | None = None  # "authority" when an authority handles it by duty
    # A complaint about the manager's service goes to the community's street office
    # (docs/domain.md#routing step 0), never to the manager it is about.
    complaint: bool = False
    # False for a matter of order rather than a defect (parking): a contractor's warranty
    # does not make it the contractor's (docs/domain.md#routing step 5).
    warranty: bool = True
    # False where nothing can be registered as an asset (noise, a complaint).
    asset: bool = True

    @property
    def label(self) -> str:
        """The name in the interface's language (both are part of the category's data)."""
        locale = get_locale()
        return self.name_zh if locale is None or locale.language == "zh" else self.name_en


CATEGORIES: tuple[Category, ...] = (
    Category(
        "water_supply", "供水", "Water supply", utility=True, in_home="owner",
        default_priority="urgent",
    ),
    Category(
        "drainage", "排水 / 化粪池", "Drainage and septic tanks", utility=True, in_home="owner",
        default_priority="urgent",
    ),
    Category(
        "heating", "供热", "Heating", utility=True, in_home="owner", default_priority="urgent"
    ),
    Category("gas", "燃气", "Gas", utility=True, in_home="owner", default_priority="emergency"),
    Category("power", "供电", "Power", utility=True, in_home="owner", default_priority="urgent"),
    Category("telecom", "通信 / 弱电", "Telecom lines", utility=True, in_home="owner"),
    Category("cable_tv", "有线电视", "Cable TV", utility=True, in_home="owner"),
    Category("elevator", "电梯", "Elevator", default_priority="urgent"),
    Category("roof_leak", "屋面渗漏", "Roof leak"),
    Category("facade", "外墙", "Facade"),
    Category("common_parts", "楼道 / 公共部位", "Stairwells and common parts"),
    Category("road", "道路", "Roads"),
    Category("lighting", "照明", "Lighting"),
    Category("access_security", "门禁 / 监控", "Access control and cameras"),
    Category("fire_safety", "消防设施", "Fire safety equipment"),
    Category("greenery", "绿化", "Greenery"),
    Category("waste", "垃圾 / 环卫", "Waste and sanitation", by_duty="authority"),
    Category("ev_charging", "充电设施", "EV charging"),
    Category("fitness", "健身器材", "Fitness equipment"),
    Category("parcel_locker", "快递柜", "Parcel lockers", by_duty="authority"),
    Category("illegal_building", "违章搭建", "Illegal construction", by_duty="authority"),
    # After a renovation the complaints are parking, occupied common space and disorder.
    Category("parking", "停车管理 / 乱停车", "Parking", warranty=False),
    Category("occupied_space", "公共空间被占用", "Occupied common space", by_duty="authority",
             warranty=False, asset=False),
    Category("disorder", "噪音 / 秩序", "Noise and disorder", warranty=False, asset=False),
    Category("service_complaint", "物业服务投诉", "Complaint about the manager's service",
             complaint=True, warranty=False, asset=False),
    Category("other", "其他", "Other"),
)

BY_CODE: dict[str, Category] = {c.code: c for c in CATEGORIES}
CODES: frozenset[str] = frozenset(BY_CODE)
UTILITY_CODES: frozenset[str] = frozenset(c.code for c in CATEGORIES if c.utility)
ASSET_CODES: frozenset[str] = frozenset(c.code for c in CATEGORIES if c.asset)


def get(code: str) -> Category:
    """Return the category with this code; KeyError when there is none."""
    return BY_CODE[code]


# Words that make a report an emergency whatever its category's default (docs/domain.md#deadlines:
# a gas smell, a burst main, people trapped in an elevator, a building without power).
EMERGENCY_WORDS: tuple[str, ...] = (
    "燃气味", "煤气味", "漏气", "爆管", "爆裂", "管道破裂", "被困", "困人", "整栋停电", "起火",
    "gas smell", "smell of gas", "gas leak", "burst", "trapped", "on fire",
)


def default_priority(code: str, description: str = "") -> str:
    """The priority of a report that names none: emergency words first, else the category's."""
    text = (description or "").lower()
    if any(word in text for word in EMERGENCY_WORDS):
        return "emergency"
    return BY_CODE[code].default_priority
