"""The demo region: Salaqi Town, Tumed Right Banner, from the 2021 renovation plan.

The plan (pmsys/data/tumed_right_2021.json) gives the communities, the organisations
and the totals; household-level detail is not public, so it is generated here with
a fixed seed, such that the totals hold exactly and every call returns the same
bundle (importing it twice changes nothing).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources

SEED = 2021
CENT = Decimal("0.01")

# One memorable password for every demo login; it contains none of the usernames,
# which the password policy forbids.
DEMO_PASSWORD = "Salaqi-2021"

# (username, role, organisation code or None, what the login is for)
_STAFF_LOGINS: tuple[tuple[str, str, str | None, str], ...] = (
    ("admin", "sysadmin", None, "sysadmin"),
    ("bureau", "bureau_admin", "TYQ-HB", "bureau_admin — 旗住建局"),
    ("street", "street_officer", "SLQ-GOV", "street_officer — 萨拉齐镇人民政府"),
    ("shequ", "street_officer", "SLQ-DC", "street_officer — 东城社区居委会"),
    ("manager", "manager", "PM-XT", "manager — 鑫泰物业 (地矿华庭西区, 大众苑小区)"),
    ("selfmgr", "manager", "SM-DTCJSL", "manager — 地毯厂家属楼自管会 (self mode)"),
    ("committee", "committee_member", "OC-DKHTXQ", "committee_member — 地矿华庭西区业主委员会"),
    ("water", "operator", "TYQ-WATER", "operator — 旗水投公司 (water, drainage)"),
    ("gas", "operator", "TYQ-GAS", "operator — 华亿能源公司 (gas)"),
    ("heat", "operator", "TYQ-HEAT", "operator — 旗祥隆热力公司 (heating)"),
)
# (username, community code whose first household the login's person owns, description)
_RESIDENT_LOGINS: tuple[tuple[str, str, str], ...] = (
    ("resident", "DKHTXQ", "resident — owner in 地矿华庭西区 (professional manager)"),
    ("resident2", "TJJSL", "resident — owner in 统建家属楼 (self-managed)"),
)

DEMO_LOGINS: list[tuple[str, str, str]] = [
    (username, DEMO_PASSWORD, description) for username, _, _, description in _STAFF_LOGINS
] + [(username, DEMO_PASSWORD, description) for username, _, description in _RESIDENT_LOGINS]


@dataclass(frozen=True)
class _CommunityPlan:
    code: str
    built_year: int
    buildings: int
    office: str
    first_building: int = 1


# Per community (by the plan's name): code from the pinyin initials, year built,
# number of buildings and the community office (社区居委会) it belongs to.
_COMMUNITIES: dict[str, _CommunityPlan] = {
    "供销楼": _CommunityPlan("GXL", 1989, 3, "SLQ-DC"),
    "地矿华庭西区": _CommunityPlan("DKHTXQ", 2003, 7, "SLQ-XC"),
    "环卫小区": _CommunityPlan("HWXQ", 1996, 5, "SLQ-NC"),
    "青山剧院住宅楼": _CommunityPlan("QSJYZZL", 1992, 2, "SLQ-DC"),
    "大众苑小区": _CommunityPlan("DZYXQ", 2001, 7, "SLQ-XC"),
    "黄河二处家属楼": _CommunityPlan("HHECJSL", 1987, 2, "SLQ-NC"),
    "统建家属楼": _CommunityPlan("TJJSL", 1994, 5, "SLQ-DC"),
    "地毯厂家属楼": _CommunityPlan("DTCJSL", 1986, 2, "SLQ-NC"),
    "质监局家属楼": _CommunityPlan("ZJJJSL", 1998, 1, "SLQ-XC"),
    "检察院家属楼": _CommunityPlan("JCYJSL", 1997, 1, "SLQ-DC"),
    "公安局家属楼": _CommunityPlan("GAJJSL", 1995, 2, "SLQ-DC"),
    "敖包小区": _CommunityPlan("ABXQ", 1999, 6, "SLQ-NC"),
    "人行家属楼": _CommunityPlan("RHJSL", 1993, 1, "SLQ-XC"),
    "公路段家属楼": _CommunityPlan("GLDJSL", 1990, 2, "SLQ-NC"),
    "教育局家属楼": _CommunityPlan("JYJJSL", 1996, 2, "SLQ-DC"),
    "微波站家属楼": _CommunityPlan("WBZJSL", 1988, 1, "SLQ-NC"),
    "广电家属楼": _CommunityPlan("GDJSL", 1997, 1, "SLQ-XC"),
    "邮电家属楼": _CommunityPlan("YDJSL", 1998, 3, "SLQ-DC"),
    "国税局家属楼": _CommunityPlan("GSJJSL", 1999, 1, "SLQ-XC"),
    "民政局家属楼": _CommunityPlan("MZJJSL", 1995, 1, "SLQ-DC"),
    "西岳楼": _CommunityPlan("XYL", 1991, 1, "SLQ-XC"),
    "一校家属楼": _CommunityPlan("YXJSL", 1990, 1, "SLQ-DC"),
    "旧邮电家属楼": _CommunityPlan("JYDJSL", 1985, 1, "SLQ-NC"),
    "气象局家属楼": _CommunityPlan("QXJJSL", 1994, 1, "SLQ-NC"),
    "信用社集资楼": _CommunityPlan("XYSJZL", 2000, 3, "SLQ-XC"),
    "农大教职工公寓楼1号楼": _CommunityPlan("NDGYL1", 2002, 1, "SLQ-XC"),
    "农大教职工公寓楼2-5号楼": _CommunityPlan("NDGYL25", 2002, 4, "SLQ-XC", first_building=2),
}

# The energy-saving retrofit's one building per community: (floors, units).
# Their 68 places less one ground-floor shop each give the plan's 65 households.
_RETROFIT_SHAPES: dict[str, tuple[int, int]] = {
    "西岳楼": (5, 2),
    "一校家属楼": (6, 2),
    "旧邮电家属楼": (4, 3),
}

# Invented organisations that the management modes and later issues need:
# (code, name, kind, region, community or None, categories, duty).
_INVENTED_ORGS: tuple[tuple[str, str, str, str, str | None, tuple[str, ...], str], ...] = (
    ("SLQ-DC", "萨拉齐镇东城社区居委会", "community_office", "SLQ", None, (),
     "community office; quasi-property service (社区托管) where no manager is in place"),
    ("SLQ-XC", "萨拉齐镇西城社区居委会", "community_office", "SLQ", None, (),
     "community office; quasi-property service (社区托管) where no manager is in place"),
    ("SLQ-NC", "萨拉齐镇南城社区居委会", "community_office", "SLQ", None, (),
     "community office; quasi-property service (社区托管) where no manager is in place"),
    ("PM-XT", "土右旗鑫泰物业服务有限公司", "property_company", "TYQ", None, (), ""),
    ("PM-AJ", "包头市安居物业服务有限公司", "property_company", "TYQ", None, (), ""),
    ("PM-HD", "土右旗宏达物业服务有限公司", "property_company", "TYQ", None, (), ""),
    ("TYQ-JCY", "土默特右旗人民检察院", "original_unit", "TYQ", None, (), ""),
    ("TYQ-SCJG", "土默特右旗市场监督管理局", "original_unit", "TYQ", None, (),
     "successor of the former quality-supervision bureau (质监局)"),
    ("TYQ-QXJ", "土默特右旗气象局", "original_unit", "TYQ", None, (), ""),
    ("TYQ-XYLS", "土默特右旗农村信用合作联社", "original_unit", "TYQ", None, (), ""),
    ("TYQ-GLYH", "土默特右旗公路养护中心", "original_unit", "TYQ", None, (), ""),
    ("TYQ-RHZH", "中国人民银行土默特右旗支行", "original_unit", "TYQ", None, (), ""),
    ("TYQ-SWJ", "国家税务总局土默特右旗税务局", "original_unit", "TYQ", None, (), ""),
    ("TYQ-NDZY", "内蒙古农业大学职业技术学院", "original_unit", "TYQ", None, (), ""),
    ("OC-DKHTXQ", "地矿华庭西区业主委员会", "owners_committee", "SLQ", "DKHTXQ", (), ""),
    ("OC-DZYXQ", "大众苑小区业主委员会", "owners_committee", "SLQ", "DZYXQ", (), ""),
    ("OC-TJJSL", "统建家属楼业主委员会", "owners_committee", "SLQ", "TJJSL", (), ""),
    ("OC-XYL", "西岳楼业主委员会", "owners_committee", "SLQ", "XYL", (), ""),
    ("SM-DTCJSL", "地毯厂家属楼自管会", "self_management", "SLQ", "DTCJSL", (),
     "owners' self-management group; the carpet factory that built the block has closed"),
    ("SM-WBZJSL", "微波站家属楼自管会", "self_management", "SLQ", "WBZJSL", (), ""),
    ("BUILD-AT", "包头市安泰建筑工程有限公司", "contractor", "TYQ", None, (),
     "contractor of the 2021 renovation; responsible during warranty"),
    ("MAINT-TD", "包头市通达电梯维保有限公司", "maintainer", "BT", None, ("elevator",),
     "maintains elevators by contract"),
)

_BASIS = {
    "professional": "业主大会决议，签订物业服务合同",
    "professional_renewal": "业主大会决议续聘",
    "self": "业主大会决议，业主自治",
    "community": "街道办决定，社区托管",
    "original_unit": "原产权单位管理",
}

# Management terms per community: (mode, org, start, end, basis key). Three
# communities have none: coverage gaps the street office is meant to close.
_TERMS: dict[str, tuple[tuple[str, str, str, str | None, str], ...]] = {
    "DKHTXQ": (
        ("professional", "PM-XT", "2019-07-01", "2022-06-30", "professional"),
        ("professional", "PM-XT", "2022-07-01", None, "professional_renewal"),
    ),
    "DZYXQ": (("professional", "PM-XT", "2020-01-01", None, "professional"),),
    "ABXQ": (
        ("community", "SLQ-NC", "2017-01-01", "2020-12-31", "community"),
        ("professional", "PM-AJ", "2021-01-01", None, "professional"),
    ),
    "QSJYZZL": (("professional", "PM-AJ", "2018-05-01", None, "professional"),),
    "RHJSL": (
        ("original_unit", "TYQ-RHZH", "2000-01-01", "2021-12-31", "original_unit"),
        ("professional", "PM-HD", "2022-01-01", None, "professional"),
    ),
    "GSJJSL": (
        ("original_unit", "TYQ-SWJ", "2000-01-01", "2021-12-31", "original_unit"),
        ("professional", "PM-AJ", "2022-01-01", None, "professional"),
    ),
    "NDGYL1": (
        ("original_unit", "TYQ-NDZY", "2003-01-01", "2021-12-31", "original_unit"),
        ("professional", "PM-HD", "2022-01-01", None, "professional"),
    ),
    "NDGYL25": (
        ("original_unit", "TYQ-NDZY", "2003-01-01", "2021-12-31", "original_unit"),
        ("professional", "PM-HD", "2022-01-01", None, "professional"),
    ),
    "GXL": (
        ("professional", "PM-HD", "2016-01-01", "2020-12-31", "professional"),
        ("community", "SLQ-DC", "2021-01-01", None, "community"),
    ),
    "TJJSL": (("self", "OC-TJJSL", "2020-05-01", None, "self"),),
    "DTCJSL": (("self", "SM-DTCJSL", "2019-01-01", None, "self"),),
    "WBZJSL": (("self", "SM-WBZJSL", "2021-01-01", None, "self"),),
    "XYL": (
        ("community", "SLQ-XC", "2015-01-01", "2021-11-30", "community"),
        ("self", "OC-XYL", "2021-12-01", None, "self"),
    ),
    "HWXQ": (("community", "SLQ-GOV", "2018-01-01", None, "community"),),
    "YXJSL": (("community", "SLQ-DC", "2019-03-01", None, "community"),),
    "JYDJSL": (("community", "SLQ-NC", "2019-03-01", None, "community"),),
    "YDJSL": (("community", "SLQ-DC", "2020-01-01", None, "community"),),
    "MZJJSL": (("community", "SLQ-DC", "2020-01-01", None, "community"),),
    "JYJJSL": (("community", "SLQ-DC", "2021-01-01", None, "community"),),
    "JCYJSL": (("original_unit", "TYQ-JCY", "1997-10-01", None, "original_unit"),),
    "ZJJJSL": (("original_unit", "TYQ-SCJG", "1998-10-01", None, "original_unit"),),
    "QXJJSL": (("original_unit", "TYQ-QXJ", "1994-10-01", None, "original_unit"),),
    "XYSJZL": (("original_unit", "TYQ-XYLS", "2000-10-01", None, "original_unit"),),
    "GLDJSL": (("original_unit", "TYQ-GLYH", "1990-10-01", None, "original_unit"),),
}

_SURNAMES = (
    "王王王李李李张张张刘刘陈陈杨杨赵赵黄周吴徐孙胡朱高林何郭郭马罗梁宋郑谢韩唐冯于董"
    "程曹袁邓许沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎潘杜戴田任姜范石姚金陆郝孔白崔康秦史侯孟"
    "段雷尹常武乔贺云包"
)
_GIVEN = (
    "建国华军平明志伟勇强丽敏静秀英芳红霞玉兰凤桂海林峰涛斌杰鹏辉磊刚娟燕艳萍婷雪梅"
    "春晓文宏俊新利荣永福宝成东亮云飞鑫慧琳丹佳欣悦瑞翠彩淑玲凯宇浩博晨阳旭帅超龙德胜"
    "忠民金祥喜贵"
)
# Mongolian given names, used alone as is common in Inner Mongolia.
_MONGOLIAN = (
    "巴特尔", "乌云", "其其格", "额尔敦", "斯琴", "那仁", "图雅", "阿拉坦", "苏日娜",
    "宝音", "敖登", "萨仁", "巴图", "乌兰", "格日勒", "朝鲁", "呼和", "孟和", "娜仁", "哈斯",
)
_MOBILE_PREFIXES = (
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139",
    "150", "151", "152", "153", "155", "156", "157", "158", "159",
    "180", "181", "182", "183", "185", "186", "187", "188", "189",
)

_SECOND_HOMES = 14  # people who own two households
_TENANTS = 20  # households with a tenant living in them


def load_facts() -> dict:
    """Return the 2021 renovation plan's facts shipped with the package."""
    text = resources.files("pmsys").joinpath("data/tumed_right_2021.json").read_text("utf-8")
    return json.loads(text)


@dataclass
class _Building:
    community: str
    code: str
    floors: int
    units: int
    omitted: set[tuple[int, str]] = field(default_factory=set)  # (unit, household code)
    layout: tuple[Decimal, Decimal] = (Decimal(0), Decimal(0))  # area of positions 01, 02
    remainder: Decimal = Decimal(0)  # added to the building's first flat

    @property
    def places(self) -> int:
        return self.floors * self.units * 2

    def area(self, position: int, first: bool) -> Decimal:
        return self.layout[position - 1] + (self.remainder if first else 0)

    def households(self) -> list[tuple[int, str, int]]:
        """Return (unit, code, position) of every household, floor by floor."""
        return [
            (unit, f"{floor}{position:02d}", position)
            for unit in range(1, self.units + 1)
            for floor in range(1, self.floors + 1)
            for position in (1, 2)
            if (unit, f"{floor}{position:02d}") not in self.omitted
        ]


def _shape_to(rng: random.Random, buildings: list[_Building], target: int) -> None:
    """Add or remove floors until the places exceed `target` by 3–9, then omit the excess.

    The omitted places are ground-floor flats turned into shops or storage, one per
    building. A floor holds 4 or 6 places, so the 7-wide window is always hit.
    """
    def excess() -> int:
        return sum(b.places for b in buildings) - target

    while excess() < 3:
        rng.choice([b for b in buildings if b.floors < 6]).floors += 1
    while excess() > 9:
        rng.choice([b for b in buildings if b.floors > 3]).floors -= 1
    for building in rng.sample(buildings, excess()):
        building.omitted.add((rng.randint(1, building.units), f"1{rng.randint(1, 2):02d}"))


def _set_areas(
    rng: random.Random, buildings: list[_Building], total: Decimal, low: int, high: int
) -> None:
    """Give each building a layout drawn from [low, high] m², scaled to sum to `total`.

    Flats stacked above one another share a layout, as in most old dormitory blocks;
    the rounding remainder (a few hundredths of a m²) goes to one flat.
    """
    for building in buildings:
        first = rng.randint(low * 100, high * 100)
        second = min(max(first + rng.randint(-1500, 1500), low * 100), high * 100)
        building.layout = (Decimal(first) / 100, Decimal(second) / 100)

    def laid_out() -> Decimal:
        return sum(
            (b.layout[position - 1] for b in buildings for _, _, position in b.households()),
            Decimal(0),
        )

    raw = laid_out()
    for building in buildings:
        first, second = ((area * total / raw).quantize(CENT) for area in building.layout)
        building.layout = (first, second)
    buildings[0].remainder = total - laid_out()


def _plan_buildings(rng: random.Random, facts: dict) -> list[_Building]:
    """Return every building with its shape and layouts, meeting the plan's totals exactly."""
    plan = facts["renovation_2021"]
    retrofit = plan["energy_saving_retrofit"]
    retrofit_buildings = [
        _Building(_COMMUNITIES[name].code, "1", *_RETROFIT_SHAPES[name])
        for name in retrofit["communities"]
    ]
    _shape_to(rng, retrofit_buildings, retrofit["households"])
    others: list[_Building] = []
    for name in facts["communities"]:
        if name in _RETROFIT_SHAPES:
            continue
        community = _COMMUNITIES[name]
        for number in range(community.buildings):
            floors = rng.choice((3, 4, 5, 5, 6, 6))
            units = rng.choice((2, 2, 3))
            others.append(
                _Building(community.code, str(community.first_building + number), floors, units)
            )
    _shape_to(rng, others, plan["households_total"] - retrofit["households"])
    retrofit_area = Decimal(retrofit["area_m2"])
    _set_areas(rng, retrofit_buildings, retrofit_area, 112, 142)
    _set_areas(rng, others, Decimal(plan["area_m2_total"]) - retrofit_area, 56, 124)
    return retrofit_buildings + others


class _People:
    """Invents people with plausible names and distinct mobile numbers."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.records: list[dict] = []
        self.phones: set[str] = set()

    def new(self) -> str:
        rng = self.rng
        if rng.random() < 0.05:
            name = rng.choice(_MONGOLIAN)
        else:
            given = rng.choice(_GIVEN) + (rng.choice(_GIVEN) if rng.random() < 0.6 else "")
            name = rng.choice(_SURNAMES) + given
        phone = ""
        while not phone or phone in self.phones:
            phone = rng.choice(_MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        self.phones.add(phone)
        code = f"P{len(self.records) + 1:05d}"
        self.records.append({"code": code, "name": name, "phone": phone})
        return code


def _households(
    rng: random.Random, buildings: list[_Building]
) -> tuple[list[dict], dict[tuple[str, str, int], list[dict]]]:
    """Return the people and each unit's households, keyed by (community, building, unit).

    A few people own a second flat, half of them in the same community; a few flats
    have a tenant living in them.
    """
    people = _People(rng)
    flats = [
        (building, unit, code, building.area(position, first=index == 0))
        for building in buildings
        for index, (unit, code, position) in enumerate(building.households())
    ]
    second_homes = set(rng.sample(range(1, len(flats)), _SECOND_HOMES))
    tenanted = sorted(rng.sample(range(len(flats)), _TENANTS))
    sole_owners: list[tuple[str, str]] = []  # (community, person) owning one flat so far
    owners: list[str] = []
    for index, (building, *_) in enumerate(flats):
        if index in second_homes:
            nearby = [i for i, (c, _) in enumerate(sole_owners) if c == building.community]
            pick = rng.choice(nearby) if nearby and index % 2 else rng.randrange(len(sole_owners))
            owners.append(sole_owners.pop(pick)[1])
        else:
            owners.append(people.new())
            sole_owners.append((building.community, owners[-1]))
    tenants = {index: people.new() for index in tenanted}
    units: dict[tuple[str, str, int], list[dict]] = {}
    for index, (building, unit, code, area) in enumerate(flats):
        household: dict = {"code": code, "area": str(area), "owner": owners[index]}
        if index in tenants:
            household["residents"] = [tenants[index]]
        units.setdefault((building.community, building.code, unit), []).append(household)
    return people.records, units


def _organizations(facts: dict) -> list[dict]:
    """Return the plan's organisations with their duties, then the invented ones."""
    regions = {"BT", "TYQ", "SLQ"}
    organizations = []
    for org in facts["organizations"]:
        region = org["code"].split("-")[0]
        record = {
            "code": org["code"],
            "name": org["name"],
            "kind": org["kind"],
            "region": region if region in regions else "TYQ",
        }
        if org.get("duty"):
            record["duty"] = org["duty"]
        if org.get("categories"):
            record["categories"] = list(org["categories"])
        organizations.append(record)
    for code, name, kind, region, community, categories, duty in _INVENTED_ORGS:
        record = {"code": code, "name": name, "kind": kind, "region": region}
        if community:
            record["community"] = community
        if duty:
            record["duty"] = duty
        if categories:
            record["categories"] = list(categories)
        organizations.append(record)
    return organizations


def _region(fact: dict, kind: str, parent: str | None) -> dict:
    region = {"code": fact["code"], "name": fact["name"], "name_en": fact["name_en"], "kind": kind}
    if parent:
        region["parent"] = parent
    return region


def build_bundle() -> dict:
    """Return the demo region as a region bundle (API.md, Import); the same every call."""
    facts = load_facts()
    rng = random.Random(SEED)
    buildings = _plan_buildings(rng, facts)
    people, units = _households(rng, buildings)

    by_community: dict[str, list[_Building]] = {}
    for building in buildings:
        by_community.setdefault(building.community, []).append(building)
    communities = []
    for name in facts["communities"]:
        plan = _COMMUNITIES[name]
        communities.append({
            "code": plan.code,
            "name": name,
            "street": facts["street"]["code"],
            "built_year": plan.built_year,
            "community_office": plan.office,
            "buildings": [
                {
                    "code": building.code,
                    "name": f"{building.code}号楼",
                    "floors": building.floors,
                    "units": [
                        {"code": str(unit), "households": units[(plan.code, building.code, unit)]}
                        for unit in range(1, building.units + 1)
                    ],
                }
                for building in sorted(by_community[plan.code], key=lambda b: int(b.code))
            ],
        })

    users: list[dict] = []
    for username, role, org, _ in _STAFF_LOGINS:
        user = {"username": username, "password": DEMO_PASSWORD, "role": role}
        if org:
            user["org"] = org
        users.append(user)
    for username, community, _ in _RESIDENT_LOGINS:
        first_unit = min(key for key in units if key[0] == community)
        owner = units[first_unit][0]["owner"]
        users.append(
            {"username": username, "password": DEMO_PASSWORD, "role": "resident", "person": owner}
        )

    terms = [
        {"community": community, "mode": mode, "org": org, "start": start, "end": end,
         "basis": _BASIS[basis]}
        for community, community_terms in _TERMS.items()
        for mode, org, start, end, basis in community_terms
    ]
    return {
        "version": 1,
        "settings": {
            "heating_season": {"start": "10-15", "end": "04-15"},
            "handover_overdue_days": 90,
            "acceptance_min_satisfaction": "0.90",
        },
        "regions": [
            _region(facts["city"], "city", None),
            _region(facts["district"], "district", facts["city"]["code"]),
            _region(facts["street"], "street", facts["district"]["code"]),
        ],
        "organizations": _organizations(facts),
        "people": people,
        "communities": communities,
        "users": users,
        "management_terms": terms,
    }
