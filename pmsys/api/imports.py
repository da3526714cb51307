"""API: POST /api/v1/imports loads a region bundle (docs/api.md, the import bundle)."""

from __future__ import annotations

from typing import Annotated, Literal

from flask import g
from pydantic import ConfigDict, Field

from pmsys.api import bp
from pmsys.api.helpers import api_login_required, json_body, require
from pmsys.api.typed import Answer, Input, endpoint
from pmsys.auth import permissions
from pmsys.extensions import db
from pmsys.imports.services import import_bundle

Rows = list[dict] | None


class RegionBundle(Input):
    """A region bundle; every list is optional."""

    model_config = ConfigDict(extra="allow")

    version: Literal[1] | None = None
    settings: dict | None = None
    regions: Rows = None
    organizations: Rows = None
    people: Rows = None
    communities: Rows = None
    users: Rows = None
    projects: Rows = None
    assets: Rows = None
    handovers: Rows = None
    management_terms: Rows = None
    fee_standards: Rows = None
    fund_entries: Rows = None
    building_leaders: Rows = None


class Counts(Answer):
    created: Annotated[int, Field(ge=0)]
    updated: Annotated[int, Field(ge=0)]
    unchanged: Annotated[int, Field(ge=0)]


class ImportResult(Answer):
    counts: Annotated[dict[str, Counts], Field(description=(
        "Per kind of row (`regions`, `communities`, `households`, …): how many the import "
        "created, updated or left unchanged."))]


@bp.post("/imports")
@api_login_required
@endpoint(body=RegionBundle, checked_by_service=True, tags=("imports",),
          answers={200: ("The bundle was loaded.", ImportResult)},
          refusals={400: "No JSON body (`invalid_json`), or a bundle with problems "
                         "(`invalid_bundle`): `fields.errors` is the list of them, each named "
                         "by its path, e.g. `communities[3].buildings[0].code: duplicate`.",
                    403: "The caller's role may not import."})
def import_region_bundle():
    """Load a region bundle in one transaction (bureau_admin, sysadmin).

    All or nothing: a bundle with any error changes nothing and every error is listed by
    path in `error.fields.errors`. Importing the same bundle twice changes nothing.
    """
    require(permissions.can_import(g.api_user), "only bureau administrators may import")
    summary = import_bundle(db.session, json_body(), g.api_user)
    return {"counts": summary.counts}
