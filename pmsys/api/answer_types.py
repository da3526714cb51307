"""Types of the values in answers, shared by the answer models of every API module.

They describe what the serializers write (docs/api.md#conventions): times ISO 8601
with their offset, dates YYYY-MM-DD, money and areas as decimal strings with 2
places, ratios with 4.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from pmsys.api.typed import Answer

Moment = Annotated[str, Field(json_schema_extra={"format": "date-time"})]
DayText = Annotated[str, Field(json_schema_extra={"format": "date"})]
CodeText = Annotated[str, Field(min_length=1)]
Amount = Annotated[str, Field(pattern=r"^-?\d+\.\d{2}$", examples=["62.50"])]
Area = Annotated[str, Field(pattern=r"^\d+\.\d{2}$", examples=["62.50"])]
Ratio = Annotated[str, Field(pattern=r"^\d+\.\d{4}$", examples=["0.6667"])]
Count = Annotated[int, Field(ge=0)]
Id = Annotated[int, Field(ge=1)]


class OrgRef(Answer):
    """A reference to an organisation."""

    org: CodeText
    name: str
