"""API: a community's management terms (docs/domain.md#management): the history, and a new term."""

from __future__ import annotations

from pmsys.api import bp
from pmsys.api.governance import serializers
from pmsys.api.governance.committees import CODE_PARAMETER, caller, day
from pmsys.api.helpers import api_login_required, json_body, paging
from pmsys.api.inputs import Body
from pmsys.api.openapi import (
    PAGING_PARAMETERS,
    describe,
    errors,
    json_request,
    json_response,
    page_of,
    ref,
)
from pmsys.auth import permissions
from pmsys.extensions import db
from pmsys.governance.services import terms as services


@bp.get("/communities/<code>/terms")
@api_login_required
def list_terms(code: str):
    """The community's terms, the latest start first."""
    community = permissions.get_community_or_404(db.session, caller(), code)
    page, per_page = paging()
    terms = services.terms_of(db.session, community)
    start = (page - 1) * per_page
    return {"items": [serializers.term_json(t) for t in terms[start:start + per_page]],
            "total": len(terms)}


@bp.post("/communities/<code>/terms")
@api_login_required
def start_term(code: str):
    """Record a new term from `start`, ending the one in force the day before."""
    actor = caller()
    community = permissions.get_community_or_404(db.session, actor, code)
    body = Body(json_body())
    mode = body.text("mode", required=True)
    org = body.text("org", required=True)
    start = day(body, "start", required=True)
    end = day(body, "end")
    basis_vote = body.integer("basis_vote")
    body.check()
    term = services.start_term(db.session, actor, community, mode=mode, org_code=org,
                     start=start, basis_vote_id=basis_vote, end=end)
    return serializers.term_json(term), 201


describe({
    "/communities/{code}/terms": {
        "get": {
            "operationId": "listTerms",
            "summary": "A community's management terms, the latest start first",
            "description": "Everyone who sees the community.",
            "tags": ["governance"], "parameters": [CODE_PARAMETER, *PAGING_PARAMETERS],
            "responses": {"200": json_response("A page of terms.", page_of("Term")),
                          **errors(400, 401, 404)},
        },
        "post": {
            "operationId": "startTerm",
            "summary": "Change the management arrangement by a new term",
            "description": (
                "`professional` and `self` rest on a passed assembly vote (`basis_vote`: "
                "hire_manager; for self also management_rules), closed no later than "
                "`start` and not the basis of another term. `community` may be imposed "
                "without a vote by the street office or the bureau where no owners' "
                "committee is in office. The term in force ends the day before `start`; "
                "terms never overlap. The street office, the bureau, or the committee in "
                "office (on its assembly's vote)."
            ),
            "tags": ["governance"], "parameters": [CODE_PARAMETER],
            "requestBody": json_request(ref("NewTerm")),
            "responses": {
                "201": json_response("The new term.", ref("Term")),
                "400": json_response("Malformed input; an unknown mode or organisation, a "
                                     "vote of another community, an end before the start, "
                                     "a start before the vote closed.", ref("Error")),
                **errors(401),
                "403": json_response("The caller may not decide this community's terms "
                                     "(`forbidden`).", ref("Error")),
                **errors(404, 413),
                "409": json_response("A term already starts on or after `start` "
                                     "(`term_overlap`), or the vote is the basis of another "
                                     "term (`basis_vote_used`).", ref("Error")),
                "422": json_response(
                    "`legacy_mode` (original_unit is for imports only), `org_does_not_fit`, "
                    "`basis_vote_required`, `basis_vote_not_passed`, "
                    "`basis_vote_wrong_matter`.", ref("Error")),
            },
        },
    },
})
