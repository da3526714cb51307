"""Promise 2: someone else's object answers like a missing one, and nothing changes.

docs/reliability.md#object-probes, for votes (their ballots, results and closing),
hand-overs, assets, projects, surveys, notifications, every page and call of a community (its
revenue ledger, fees and payment form, committee, terms, long-term management plans, votes),
the household a payment names, the person a ballot or a committee candidacy names, and a building's
public report page and call.

The routes are taken from app.url_map: every rule that takes one of these identifiers,
with every method it answers, is probed with the request of its row in
tests/access_table.py (that row's body, so a write that would happen before the check
has the chance to). A new route with such an identifier is probed as soon as it has
its row, which tests/web/test_access_table.py demands; a rule with an identifier no
probe knows fails `test_every_route_with_an_identifier_is_probed`. For each caller,
every object it may not see is asked for and so is one that exists nowhere: the
answers must be the same (status; for the API the envelope's code and message; for a
page its text), and afterwards every row of every table is as before (so row counts
and version columns too), the audit trail having gained refusal records only.

The last test holds the hand-over and vote lists against the same object checks
(promise 3, docs/reliability.md#list-consistency).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from html import escape
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from sqlalchemy import func, select

from pmsys.assets.workflow import ACTIONS
from pmsys.auth.services import issue_token
from pmsys.extensions import db as _db
from pmsys.models.assets import Handover
from pmsys.models.audit import AuditRecord
from pmsys.models.governance import Vote
from tests.access_table import (
    IMPLICIT_METHODS,
    NEW_PAYMENT,
    ROLES,
    SEES_H_CA_API,
    SEES_SV_CA_API,
    SEES_SV_CB_API,
    TABLE,
    Entry,
)
from tests.conftest import csrf_token
from tests.web import test_access_table
from tests.web.test_access_table import filled, ids, json_without, snapshot, without
from tests.world import VISIBLE

# The access table's world, built once for this module too.
access_world = test_access_table.access_world
pytestmark = pytest.mark.database("access_world")

# What a denial may leave behind (pmsys/audit.py: refused_request).
REFUSALS = {"hidden_object_probed", "request_refused"}
LOGGED_IN = [role for role in ROLES if role != "anonymous"]
# The community of each vote of tests/access_governance.py.
VOTE_COMMUNITY = {"V_A": "CA", "V_C": "CA", "V_O": "CA", "V_B": "CB", "V_F": "CA"}


@pytest.fixture
def world(db, access_world):
    return access_world.world(db.session)


@dataclass(frozen=True)
class Family:
    """The routes that take one kind of identifier, and how a row's URL names it.

    `objects` maps each object's identifier (as written in a URL template) to the
    community it belongs to: a role may not see it when it does not see that
    community. `seen_by`, where given, says instead which roles see the object.
    """

    name: str
    rule: re.Pattern        # matches the rules that take the identifier
    in_url: re.Pattern      # the identifier in a row's URL (template)
    missing: str            # an identifier that exists nowhere, as written in a URL template
    objects: dict[str, str] = field(default_factory=dict)
    seen_by: dict[str, set[str]] = field(default_factory=dict)

    def rules(self, app) -> list[tuple[str, str]]:
        """Every (rule, method) of app.url_map that takes the identifier."""
        return sorted(
            (rule.rule, method)
            for rule in app.url_map.iter_rules()
            for method in rule.methods - IMPLICIT_METHODS
            if self.rule.search(rule.rule)
        )

    def hidden(self, role: str) -> list[str]:
        """The identifiers of the objects `role` may not see."""
        hidden = [name for name, code in self.objects.items() if code not in VISIBLE[role]]
        return hidden + [name for name, roles in self.seen_by.items() if role not in roles]


# The communities of tests/world.py, each seen by the roles of VISIBLE.
COMMUNITIES = {"CA": "CA", "CB": "CB", "CC": "CC"}
FAMILIES = {
    family.name: family for family in (
        # Votes of tests/access_governance.py: V_A, V_C, V_O, V_F in CA, V_B in CB.
        Family("vote", re.compile(r"<int:vote_id>"), re.compile(r"\{V_[A-Z]\}"), "{MISSING}",
               objects={"{V_A}": "CA", "{V_C}": "CA", "{V_O}": "CA", "{V_B}": "CB",
                        "{V_F}": "CA"}),
        # H-CA: seen by its parties and the overseers of CA (tests/access_table.py).
        Family("handover", re.compile(r"^(/api/v1)?/handovers/<code>"),
               re.compile(r"(?<=/handovers/)[^/?]+"), "H-NONE",
               seen_by={"H-CA": {role for role, status in SEES_H_CA_API.items()
                                 if status == 200}}),
        Family("community", re.compile(r"^(/api/v1)?/communities/<code>"),
               re.compile(r"(?<=/communities/)[^/?]+"), "NONE", objects=COMMUNITIES),
        Family("asset", re.compile(r"^(/api/v1)?/assets/<code>"),
               re.compile(r"(?<=/assets/)[^/?]+"), "NONE-X",
               objects={"CA-WS": "CA", "CB-WS": "CB"}),
        Family("project", re.compile(r"^(/api/v1)?/projects/<code>"),
               re.compile(r"(?<=/projects/)[^/?]+"), "P-NONE", objects={"P-CA": "CA"}),
        # Surveys of tests/access_surveys.py: seen by who sees their community, save operators.
        Family("survey", re.compile(r"^(/api/v1)?/surveys/<code>"),
               re.compile(r"(?<=/surveys/)[^/?]+"), "SV-NONE",
               seen_by={"SV-CA": {role for role, status in SEES_SV_CA_API.items()
                                  if status == 200},
                        "SV-CB": {role for role, status in SEES_SV_CB_API.items()
                                  if status == 200}}),
        # F_A: CA's pending maintenance fund spend (tests/access_governance.py).
        Family("fund_entry", re.compile(r"<int:entry_id>"), re.compile(r"\{F_A\}"),
               "{MISSING}", objects={"{F_A}": "CA"}),
        # N_A: resident_a's notification; nobody else's.
        Family("notification", re.compile(r"<int:notification_id>"),
               re.compile(r"\{N_A\}"), "{MISSING}", seen_by={"{N_A}": {"resident_a"}}),
    )
}
# Identifiers probed elsewhere (tests/web/test_access_table.py: tickets, photos, bills;
# tests/api/test_integrations_api.py: another organisation's keys, webhooks and deliveries
# under one's own organisation — organisations themselves are public, their codes are on
# every ticket) or naming nothing anybody could be denied: a language, a static file, a
# building's public page
# (test_a_public_report_for_no_such_building_answers_alike_and_files_nothing), Open311's
# answer format, its public services and its tokens (none is ever issued); the evaluation's
# published bulletins (every login reads every one) and an organisation's inspection
# deductions (organisations are public; tests/api/test_evaluation_api.py and
# tests/web/test_evaluation_pages.py hold who may read and enter them).
PROBED_ELSEWHERE = re.compile(
    r"<int:ticket_id>|<ticket_id>|<int:bill_id>|^/language/<code>$|^/static/|^/report/<code>/"
    r"|^(/api/v1)?/orgs/<code>/(api-keys|webhooks|integrations|deductions)"
    r"|^/evaluation/bulletins/<int:bulletin_id>$"
    r"|^/open311/v2/(discovery|requests|services|tokens/<token>)[./]")


def row_for(rule: str, method: str) -> Entry:
    """The access table's first row for (rule, method) that a caller with credentials sends.

    Its body is the one that succeeds for the caller it is meant for, so the probe
    carries a request that would change something if the check came too late.
    """
    rows = [entry for entry in TABLE
            if (entry.rule, entry.method) == (rule, method) and entry.csrf and entry.token
            and "no such" not in entry.note]
    assert rows, f"no row in tests/access_table.py for {method} {rule}"
    return rows[0]


class Prober:
    """Requests as one role: a session login for pages, a token issued up front for the API."""

    def __init__(self, client, login_as, world, role):
        user = world.users[role]
        token, _row = issue_token(_db.session, user, timedelta(hours=1))
        self.headers = {"Authorization": f"Bearer {token}"}
        self.client = client
        self.values = ids(world)
        login_as(user)
        client.set_cookie("lang", "en")

    def send(self, entry: Entry, url_template: str, json=None, form=None):
        url = url_template.format_map(self.values)
        if entry.is_api:
            body = filled(json if json is not None else entry.json, self.values)
            return url, self.client.open(url, method=entry.method, headers=self.headers,
                                         json=body)
        data = filled(form if form is not None else entry.form, self.values)
        if entry.method != "GET":
            data = {**(data or {}), "csrf_token": csrf_token(self.client, "/")}
        return url, self.client.open(url, method=entry.method, data=data)


def difference(entry: Entry, probed, missing, probed_id: str, missing_id: str) -> str | None:
    """How the answer for a hidden object differs from the one for a missing object, or None."""
    (url, response), (missing_url, other) = probed, missing
    if response.status_code != other.status_code or response.status_code != 404:
        return f"{entry.method} {url}: {response.status_code}, missing {other.status_code}"
    if entry.is_api:
        same = json_without(response, probed_id) == json_without(other, missing_id)
    else:
        same = page(response, url) == page(other, missing_url)
    return None if same else f"{entry.method} {url}: another answer than {missing_url}"


def audit_count(session) -> int:
    return session.scalar(select(func.count()).select_from(AuditRecord))


def new_audit_actions(session, before: int) -> set[str]:
    return set(session.scalars(select(AuditRecord.action).order_by(AuditRecord.id)
                               .offset(before)))


def assert_nothing_changed(db, before_rows, before_audit):
    db.session.expire_all()
    assert snapshot(db.session) == before_rows
    assert new_audit_actions(db.session, before_audit) <= REFUSALS


def family_cases():
    for family in FAMILIES.values():
        for role in LOGGED_IN:
            if family.hidden(role):  # a sysadmin sees everything
                yield pytest.param(family, role, id=f"{family.name} as {role}")


@pytest.mark.parametrize(("family", "role"), list(family_cases()))
def test_hidden_objects_answer_like_missing_ones_on_every_route_and_change_nothing(
    app, db, client, login_as, world, family, role
):
    """Promise 2 for votes, hand-overs, assets, projects, notifications and communities.

    Every (rule, method) taking the identifier is asked, with its table row's body,
    for each object the role may not see and for one that exists nowhere.
    """
    hidden = family.hidden(role)
    prober = Prober(client, login_as, world, role)
    before_rows, before_audit = snapshot(db.session), audit_count(db.session)
    wrong = []
    for rule, method in family.rules(app):
        entry = row_for(rule, method)
        assert family.in_url.search(entry.url), entry.label
        missing_url = family.in_url.sub(family.missing, entry.url, count=1)
        missing = prober.send(entry, missing_url)
        missing_id = family.missing.format_map(prober.values)
        for name in hidden:
            url = family.in_url.sub(name, entry.url, count=1)
            probed = prober.send(entry, url)
            problem = difference(entry, probed, missing, name.format_map(prober.values),
                                 missing_id)
            if problem:
                wrong.append(problem)
        db.session.expire_all()
    assert not wrong, f"{role}: " + "; ".join(wrong)
    assert_nothing_changed(db, before_rows, before_audit)


def test_every_family_reaches_the_routes_it_should(app):
    """Promise 2: the families reach the routes named here; one matching nothing would pass."""
    rules = {name: {rule for rule, _method in family.rules(app)}
             for name, family in FAMILIES.items()}
    assert {"/votes/<int:vote_id>/ballot", "/votes/<int:vote_id>/close",
            "/api/v1/votes/<int:vote_id>/ballots", "/api/v1/votes/<int:vote_id>/close"
            } <= rules["vote"]
    assert {"/handovers/<code>/actions", "/api/v1/handovers/<code>/actions"} <= rules["handover"]
    assert {"/communities/<code>/revenue", "/api/v1/communities/<code>/revenue",
            "/communities/<code>/fees/payments", "/communities/<code>/terms",
            "/api/v1/communities/<code>/committee/candidates/<person>/vetting",
            "/communities/<code>/management-plan", "/api/v1/communities/<code>/management-plan",
            } <= rules["community"]
    methods = {method for family in FAMILIES.values() for _rule, method in family.rules(app)}
    assert methods == {"GET", "POST"}
    assert all(family.hidden(role) for family in FAMILIES.values() for role in
               ("resident_b", "operator_out")), "every family probes something"


def test_every_route_with_an_identifier_is_probed(app):
    """Promise 2: a rule taking an identifier no probe knows fails (add its family above)."""
    unprobed = sorted(
        rule.rule for rule in app.url_map.iter_rules()
        if "<" in rule.rule and not PROBED_ELSEWHERE.search(rule.rule)
        and not any(family.rule.search(rule.rule) for family in FAMILIES.values())
    )
    assert not unprobed, "no object probe for: " + ", ".join(unprobed)


# A body for each hand-over action (pmsys/assets/workflow.py), as its party would send it.
HANDOVER_ACTIONS = {
    "submit": {},
    "return": {"note": "资料不全"},
    "inspect": {"note": "双方到场", "defects": ["阀门锈蚀"]},
    "fix_defect": {"defect": 0},
    "sign": {"effective_on": "2025-06-02"},
}


@pytest.mark.parametrize("role", [role for role in LOGGED_IN if SEES_H_CA_API[role] == 404])
def test_every_hand_over_action_on_a_hidden_one_answers_like_on_none(
    db, client, login_as, world, role
):
    """Promise 2 for hand-overs: each action of the workflow, not only the table's submit."""
    assert set(HANDOVER_ACTIONS) == set(ACTIONS)
    prober = Prober(client, login_as, world, role)
    before_rows, before_audit = snapshot(db.session), audit_count(db.session)
    wrong = []
    for rule in ("/api/v1/handovers/<code>/actions", "/handovers/<code>/actions"):
        entry = row_for(rule, "POST")
        for action, fields in HANDOVER_ACTIONS.items():
            body = {"action": action, **fields}
            form = {key: value[0] if isinstance(value, list) else str(value)
                    for key, value in body.items()}
            answers = [prober.send(entry, entry.url.replace("H-CA", code), json=body, form=form)
                       for code in ("H-CA", "H-NONE")]
            problem = difference(entry, *answers, "H-CA", "H-NONE")
            if problem:
                wrong.append(f"{action}: {problem}")
    assert not wrong, f"{role}: " + "; ".join(wrong)
    assert_nothing_changed(db, before_rows, before_audit)


# --- identifiers in a body: the household of a payment, the person of a ballot --------------------

# Who may not read CA/1/1/102 (resident_ac's): resident_a is only its neighbour, an
# operator reads no household, the others do not see CA (tests/access_table.py).
HOUSEHOLD_HIDDEN_FROM = ["resident_a", "resident_b", "manager_b", "operator_in", "operator_out"]


@pytest.mark.parametrize("role", HOUSEHOLD_HIDDEN_FROM)
def test_a_payment_for_a_household_one_may_not_read_answers_like_one_for_none(
    db, client, login_as, world, role
):
    """Promise 2 for households: POST /api/v1/payments naming one the caller may not read."""
    prober = Prober(client, login_as, world, role)
    entry = row_for("/api/v1/payments", "POST")
    before_rows, before_audit = snapshot(db.session), audit_count(db.session)
    missing = prober.send(entry, entry.url, json={**NEW_PAYMENT, "household": "CA/9/9/999"})
    for household in ("CA/1/1/102", "CB/1/1/101"):
        if role in ("resident_b", "manager_b") and household.startswith("CB"):
            continue  # their own community's: readable or a refusal of another kind
        probed = prober.send(entry, entry.url, json={**NEW_PAYMENT, "household": household})
        assert difference(entry, probed, missing, household, "CA/9/9/999") is None, (
            role, household, probed[1].get_json(), missing[1].get_json())
    assert_nothing_changed(db, before_rows, before_audit)


@pytest.mark.parametrize(("role", "vote"), [
    ("resident_b", "V_B"),   # an owner of CB naming CA's owner in CB's vote
    ("committee_a", "V_A"),  # CA's committee entering a paper ballot for CB's owner
    ("officer", "V_A"),      # CA's street office, the same
])
def test_a_ballot_for_a_person_one_may_not_see_answers_like_one_for_nobody(
    db, client, login_as, world, role, vote
):
    """Promise 2 for ballots: the person a ballot names, hidden or unknown, answers alike."""
    prober = Prober(client, login_as, world, role)
    hidden = "P-B" if vote == "V_A" else "P-A"
    before_rows, before_audit = snapshot(db.session), audit_count(db.session)
    for rule in ("/api/v1/votes/<int:vote_id>/ballots", "/votes/<int:vote_id>/ballot"):
        entry = row_for(rule, "POST")
        url = FAMILIES["vote"].in_url.sub(f"{{{vote}}}", entry.url)
        ballot = {"choice": "approve"}
        _url, missing = prober.send(entry, url, json={**ballot, "person": "P-NONE"},
                                    form={**ballot, "person": "P-NONE"})
        _url, probed = prober.send(entry, url, json={**ballot, "person": hidden},
                                   form={**ballot, "person": hidden})
        assert probed.status_code == missing.status_code, (rule, probed.status_code,
                                                           missing.status_code)
        assert probed.status_code >= 400, rule
        if entry.is_api:
            assert json_without(probed, hidden) == json_without(missing, "P-NONE"), rule
    assert_nothing_changed(db, before_rows, before_audit)


@pytest.mark.parametrize("role", ["officer", "resident_a"])
def test_a_candidate_one_may_not_see_answers_like_nobody(db, client, login_as, world, role):
    """Promise 2 for committees: proposing or vetting CB's owner in CA's committee.

    The street office of CA (who guides it) and a resident of CA (who may propose only
    themself) get for CB's owner P-B exactly the answer an unknown person gets.
    """
    prober = Prober(client, login_as, world, role)
    before_rows, before_audit = snapshot(db.session), audit_count(db.session)
    for rule in ("/api/v1/communities/<code>/committee/candidates",
                 "/communities/<code>/committee/candidates",
                 "/api/v1/communities/<code>/committee/candidates/<person>/vetting",
                 "/communities/<code>/committee/candidates/<person>/vetting"):
        entry = row_for(rule, "POST")
        answers = {}
        for person in ("P-B", "P-NONE"):
            url = re.sub(r"(?<=/candidates/)[^/]+", person, entry.url)
            body = None if "<person>" in rule else {"person": person}  # else the row's
            _url, response = prober.send(entry, url, json=body, form=body)
            answers[person] = (response.status_code, json_without(response, person)
                               if entry.is_api else None)
        assert answers["P-B"] == answers["P-NONE"], (rule, answers)
        assert answers["P-B"][0] in (403, 404, 422), (rule, answers)
    assert_nothing_changed(db, before_rows, before_audit)


# Rows naming CA in their query string or body, not in their path: filing, drafting,
# registering, billing (the payment's household is probed above). A building's common
# areas are any resident's to report, so rows naming one are no probe; the public
# report rows are everybody's.
def names_ca(entry: Entry) -> bool:
    if not (entry.csrf and entry.token) or any(
            family.rule.search(entry.rule) for family in FAMILIES.values()):
        return False  # probed by its path above
    query = parse_qs(urlsplit(entry.url).query)
    body = {**(entry.form or {}), **(entry.json or {})}
    if "building" in query or "building" in body or entry.rule in (
            "/api/v1/public-reports", "/api/v1/payments"):
        return False
    return swapped(query, "CA", "?") != query or swapped(body, "CA", "?") != body


def swapped(value, old: str, new: str):
    """`value` with the code `old` (alone or as the prefix of a code: CA-DR) made `new`."""
    if isinstance(value, str):
        return new + value[len(old):] if value == old or value.startswith(old + "-") else value
    if isinstance(value, list):
        return [swapped(item, old, new) for item in value]
    if isinstance(value, dict):
        return {key: swapped(item, old, new) for key, item in value.items()}
    return value


def with_query(url: str, old: str, new: str) -> str:
    parts = urlsplit(url)
    query = {key: swapped(values, old, new) for key, values in parse_qs(parts.query).items()}
    return parts._replace(query=urlencode(query, doseq=True)).geturl()


# A form's CSRF field as WTForms writes it (its signature changes every second).
CSRF_FIELD = re.compile(r'(<input id="csrf_token" name="csrf_token" type="hidden" value=")[^"]+"')


def page(response, url: str) -> str:
    """The page's text without CSRF tokens and its own URL, also as written in HTML."""
    text = CSRF_FIELD.sub(r'\1"', response.get_data(as_text=True))
    return without(text, url).replace(escape(url), "URL")


BODY_PROBES = [entry for entry in TABLE if names_ca(entry)]


@pytest.mark.parametrize("role", [role for role in LOGGED_IN if "CA" not in VISIBLE[role]])
def test_a_community_named_in_a_query_or_body_answers_like_none(
    db, client, login_as, world, role
):
    """Promise 2 where the identifier is no part of the path: CA hidden, NONE unknown.

    Each row of tests/access_table.py that names CA (or CA's asset) in its query or
    body is sent as it is and with NONE in CA's place; the two answers are alike.
    """
    assert len(BODY_PROBES) >= 10, [entry.label for entry in BODY_PROBES]
    prober = Prober(client, login_as, world, role)
    before_rows, before_audit = snapshot(db.session), audit_count(db.session)
    wrong = []
    for entry in BODY_PROBES:
        url, response = prober.send(entry, entry.url)
        missing_url, other = prober.send(entry, with_query(entry.url, "CA", "NONE"),
                                         json=swapped(entry.json, "CA", "NONE"),
                                         form=swapped(entry.form, "CA", "NONE"))
        if response.status_code != other.status_code or response.status_code < 400:
            wrong.append(f"{entry.label}: {response.status_code}, NONE {other.status_code}")
        elif entry.is_api or entry.is_open311:
            if json_without(response, "CA") != json_without(other, "NONE"):
                wrong.append(f"{entry.label}: {response.get_json()} against {other.get_json()}")
        elif page(response, url) != page(other, missing_url):
            wrong.append(f"{entry.label}: another page than for NONE")
    assert not wrong, f"{role}: " + "; ".join(wrong)
    assert_nothing_changed(db, before_rows, before_audit)


# --- public reports: a building that does not exist, in a community that does or not ------------

PUBLIC_FORM = {"category": "lighting", "description": "楼道灯不亮", "name": "王大爷",
               "phone": "13900000002"}


def test_a_public_report_for_no_such_building_answers_alike_and_files_nothing(db, client):
    """Promise 2 for public reports: a building missing from CA, or CA itself unknown.

    Everybody may read a building's public page, so nothing is hidden here; what must
    hold is that a report for a building that does not exist is one answer whichever
    part is missing on the pages, the API's documented one (400 for the building,
    404 for the community) there, and that it files, counts and records nothing (no
    ticket, no throttle hit, no audit record).
    """
    before_rows, before_audit = snapshot(db.session), audit_count(db.session)
    pages, codes = set(), []
    for code, building in (("CA", "9"), ("CB", "9"), ("NONE", "1")):
        url = f"/report/{code}/{building}"
        got = client.get(url)
        posted = client.post(url, data={**PUBLIC_FORM,
                                        "csrf_token": csrf_token(client, "/login")})
        assert got.status_code == posted.status_code == 404, url
        pages.add(without(got.get_data(as_text=True), url))
        pages.add(without(posted.get_data(as_text=True), url))
        api = client.post("/api/v1/public-reports",
                          json={**PUBLIC_FORM, "community": code, "building": building})
        codes.append((api.status_code, api.get_json()["error"]["code"],
                      api.get_json()["error"].get("fields")))
    assert len(pages) == 1
    assert codes == [(400, "invalid_input", {"building": "unknown"})] * 2 + [
        (404, "community_not_found", None)]
    assert_nothing_changed(db, before_rows, before_audit)
    assert not new_audit_actions(db.session, before_audit)


# --- lists against object checks: hand-overs and votes (docs/reliability.md#list-consistency) ----

LINK = re.compile(r'href="/(handovers|votes)/([^"/?]+)"')


@pytest.mark.parametrize("role", LOGGED_IN)
def test_hand_over_and_vote_lists_hold_exactly_what_the_object_checks_admit(
    db, client, login_as, world, role
):
    """Promise 3 for hand-overs and votes: listed (API and pages) ⇔ readable by id ⇔ expected.

    Every hand-over and vote in the database is asked for by id; the ones answering 200
    are exactly those the lists show, and exactly those the role should see (H-CA by
    tests/access_table.py's row, a vote by its community).
    """
    prober = Prober(client, login_as, world, role)
    handovers = set(db.session.scalars(select(Handover.code)))
    votes = {str(vote_id) for vote_id in db.session.scalars(select(Vote.id))}
    assert handovers and votes
    readable_handovers = {code for code in handovers if client.get(
        f"/api/v1/handovers/{code}", headers=prober.headers).status_code == 200}
    readable_votes = {key for key in votes if client.get(
        f"/api/v1/votes/{key}", headers=prober.headers).status_code == 200}

    listed = client.get("/api/v1/handovers?per_page=100", headers=prober.headers).get_json()
    assert listed["total"] == len(listed["items"])
    assert {item["code"] for item in listed["items"]} == readable_handovers
    page = client.get("/handovers").get_data(as_text=True)
    assert {key for kind, key in LINK.findall(page) if kind == "handovers"} - {"new"} == (
        readable_handovers)
    assert readable_handovers == {name for name in FAMILIES["handover"].seen_by
                                  if name not in FAMILIES["handover"].hidden(role)}

    api_votes, page_votes = set(), set()
    for code in sorted(VISIBLE[role] & set(COMMUNITIES)):
        answer = client.get(f"/api/v1/communities/{code}/votes?per_page=100",
                            headers=prober.headers).get_json()
        assert answer["total"] == len(answer["items"])
        api_votes |= {str(item["id"]) for item in answer["items"]}
        page = client.get(f"/communities/{code}/votes").get_data(as_text=True)
        page_votes |= {key for kind, key in LINK.findall(page) if kind == "votes"}
    assert api_votes == page_votes == readable_votes
    expected = {name.format_map(prober.values) for name in FAMILIES["vote"].objects
                if name not in FAMILIES["vote"].hidden(role)}
    assert readable_votes == expected
