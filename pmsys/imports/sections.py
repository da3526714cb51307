"""The fields of each section of a region bundle (docs/api.md#import): what every value may be.

pmsys/imports/validation.py reads a bundle against these allow-lists.
"""

from __future__ import annotations

from decimal import Decimal

from pmsys.categories import CODES as CATEGORY_CODES
from pmsys.imports.fields import Field, Refusal, checker, objects
from pmsys.imports.values import (
    boolean,
    code,
    code_list,
    day,
    decimal,
    free_text,
    integer,
    month_day,
    one_of,
    text,
)
from pmsys.models.assets import ITEM_KINDS, MAX_SPACE_NUMBERS, MAX_SPACES, ItemClass
from pmsys.models.auth import OrgKind, Role
from pmsys.models.governance import ManagementMode
from pmsys.models.places import RegionKind

AREA_MAX = Decimal("99999999.99")  # what Numeric(10, 2) holds
PRICE_MAX = Decimal("999999")  # what the fee services accept per m² and month
MONEY_MAX = Decimal("99999999.99")  # what Numeric(12, 2) holds


_CODE_32 = code(32).judge
_TEXT_64 = text(64).judge


def _category_judge(value):
    checked = _CODE_32(value)
    if type(checked) is not Refusal and checked not in CATEGORY_CODES:
        return Refusal(f"unknown category {checked}")
    return checked


def _username_judge(value):
    checked = _TEXT_64(value)
    if type(checked) is not Refusal and any(character.isspace() for character in checked):
        return Refusal("must not contain spaces")
    return checked


def _password_judge(value):
    if not isinstance(value, str):
        return Refusal("must be a string")
    return value


_category = checker(_category_judge)
_username = checker(_username_judge)
_password = checker(_password_judge)


def _values(enum_class) -> list[str]:
    return [member.value for member in enum_class]


REGION = {
    "code": Field(code(), required=True),
    "name": Field(text(200), required=True),
    "name_en": Field(text(200)),
    "kind": Field(one_of(_values(RegionKind)), required=True),
    "parent": Field(code()),
}
ORGANIZATION = {
    "code": Field(code(), required=True),
    "name": Field(text(200), required=True),
    "kind": Field(one_of(_values(OrgKind)), required=True),
    "region": Field(code()),
    "community": Field(code()),
    "categories": Field(code_list(_category), nullable=False),
    "duty": Field(free_text(2000), nullable=False),
    "phone": Field(text(40)),
}
PERSON = {
    "code": Field(code(), required=True),
    "name": Field(text(200), required=True),
    "phone": Field(text(20)),
    # A developer (开发建设单位): the households it owns are its unsold parts.
    "developer": Field(boolean, nullable=False),
}
HOUSEHOLD = {
    "code": Field(code(), required=True),
    "area": Field(decimal(2, above=Decimal(0), maximum=AREA_MAX), required=True),
    "owner": Field(code(), required=True),
    "residents": Field(code_list(), nullable=False),
}
UNIT = {
    "code": Field(code(), required=True),
    "households": Field(objects(HOUSEHOLD), nullable=False),
}
BUILDING = {
    "code": Field(code(), required=True),
    "name": Field(text(200)),
    "floors": Field(integer(1, 200)),
    "units": Field(objects(UNIT), nullable=False),
}
COMMUNITY = {
    "code": Field(code(), required=True),
    "name": Field(text(200), required=True),
    "street": Field(code(), required=True),
    "built_year": Field(integer(1900, 2100)),
    "address": Field(text(300)),
    "community_office": Field(code()),
    "buildings": Field(objects(BUILDING), nullable=False),
}
USER = {
    "username": Field(_username, required=True),
    "password": Field(_password, required=True),
    "role": Field(one_of(_values(Role)), required=True),
    "org": Field(code()),
    "person": Field(code()),
    "active": Field(boolean, nullable=False),
}
TERM = {
    "community": Field(code(), required=True),
    "mode": Field(one_of(_values(ManagementMode)), required=True),
    "org": Field(code(), required=True),
    "start": Field(day, required=True),
    "end": Field(day),
    "basis": Field(free_text(300), nullable=False),
}
PROJECT_ITEM = {
    "kind": Field(one_of(ITEM_KINDS), required=True),
    "class": Field(one_of(_values(ItemClass)), required=True),
    "community": Field(code()),
    "contractor": Field(code()),
    "description": Field(free_text(2000), nullable=False),
}
PROJECT = {
    "code": Field(code(), required=True),
    "name": Field(text(200), nullable=False),
    "year": Field(integer(1990, 2100), required=True),
    "contractor": Field(code()),
    "communities": Field(code_list(), required=True),
    "completed_on": Field(day),
    "accepted_on": Field(day),
    "satisfaction_rate": Field(
        decimal(4, minimum=Decimal(0), maximum=Decimal(1), example="0.9370")
    ),
    "items": Field(objects(PROJECT_ITEM), nullable=False),
}
ASSET = {
    "code": Field(code(), required=True),
    "name": Field(text(200), nullable=False),
    "category": Field(_category, required=True),
    "community": Field(code(), required=True),
    "building": Field(code()),
    "unit": Field(code()),
    "project": Field(code()),
    "warranty_contractor": Field(code()),
    # The contract's date; null (or absent on a new asset) leaves only the statutory end.
    "warranty_until": Field(day),
    # A parking asset's spaces (docs/domain.md#parking): required for one, refused otherwise.
    "spaces": Field(integer(1, MAX_SPACES)),
    "space_numbers": Field(text(MAX_SPACE_NUMBERS), nullable=False),
}
HANDOVER = {
    "code": Field(code(), required=True),
    "from": Field(code(), required=True),
    "to": Field(code(), required=True),
    "assets": Field(code_list(), required=True),
    "effective_on": Field(day, required=True),
}
FEE_STANDARD = {
    "community": Field(code(), required=True),
    "price_per_m2_month": Field(
        decimal(4, minimum=Decimal(0), maximum=PRICE_MAX, example="0.50"), required=True
    ),
    "fixed_per_household": Field(
        decimal(2, minimum=Decimal(0), maximum=MONEY_MAX, example="0.00"), nullable=False
    ),
    "start": Field(day, required=True),
}
HEATING_SEASON = {
    "start": Field(month_day, required=True),
    "end": Field(month_day, required=True),
}
# A maintenance-fund entry (docs/domain.md#fund); the ledger checks kind, amount and note.
FUND_ENTRY = {
    "community": Field(code(), required=True),
    "ref": Field(text(64), required=True),
    "kind": Field(one_of(("deposit", "interest", "correction", "spend")), required=True),
    # COMMUNITY/BUILDING/UNIT/HOUSEHOLD, as the fund's API names a household.
    "household": Field(text(200)),
    "amount": Field(decimal(2, minimum=-MONEY_MAX, maximum=MONEY_MAX, example="100.00"),
                    required=True),
    "on": Field(day),
    "note": Field(free_text(500), nullable=False),
}
# A building leader's or grid worker's buildings (docs/domain.md#building-leaders).
BUILDING_LEADER = {
    "user": Field(_username, required=True),
    "community": Field(code(), required=True),
    "buildings": Field(code_list(), required=True),
    "start": Field(day, required=True),
}
SECTION_SPECS = {
    "regions": REGION,
    "organizations": ORGANIZATION,
    "people": PERSON,
    "communities": COMMUNITY,
    "users": USER,
    "projects": PROJECT,
    "assets": ASSET,
    "handovers": HANDOVER,
    "management_terms": TERM,
    "fee_standards": FEE_STANDARD,
    "fund_entries": FUND_ENTRY,
    "building_leaders": BUILDING_LEADER,
}
