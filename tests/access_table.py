"""Who may do what: every URL rule × method × role, deny by default
(docs/reliability.md#access-table).

Read a row as "METHOD url, asked by ROLE, answers STATUS". The URLs name the
fixture world of tests/world.py: community CA (street S1, district D1), CB
(street S2, district D2) and CC (street S3, D1, managed by nobody).

Every row lists every role. There is no default: a role without a status is
an error of the table, never an implied "allowed". A status is an HTTP code,
LOGIN (302 to /login, the answer to an anonymous visitor of a page), or
another Redirect (302 to that path).

Web pages are requested with a session login, and unsafe methods carry a
valid CSRF token unless the row says `csrf=False`. API rules (/api/v1/…) are
requested with a bearer token, anonymous without one. Open311 rules
(/open311/v2/…) carry the same token as `api_key` (in the query string of a
GET, in the body of a POST); a row with `token=False` sends no credentials.

The ticket rows name tickets, photos and notifications of
tests/access_tickets.py, the fee rows bills of tests/access_fees.py, whose ids
differ between runs: their URLs, bodies and
redirects hold placeholders ("/tickets/{T_A}") filled in from the world. A
Redirect with "*" in it is a shell-style pattern of paths (a new ticket's page).
A form value given as bytes is uploaded as a file (an .xlsx file if it is one,
else a photo).

tests/web/test_access_table.py walks app.url_map: a rule or method missing
here, a row whose rule is gone, or an answer that differs fails the suite.
A developer who adds a route adds its rows here.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.access_fees import NEXT_PERIOD, NEXT_START, payments_xlsx
from tests.access_governance import NEXT_TERM_START, Number
from tests.access_tickets import tiny_png
from tests.factories import DEFAULT_PASSWORD

ROLES = (
    "anonymous",     # anon    not logged in
    "resident_a",    # res_a   owns a household in CA
    "resident_b",    # res_b   owns a household in CB
    "manager_a",     # mgr_a   CA's manager (term in force today)
    "manager_b",     # mgr_b   CB's manager; its term on CA has ended
    "committee_a",   # cmt_a   member of CA's owners' committee
    "operator_in",   # op_in   utility staff whose region covers CA ("assigned")
    "operator_out",  # op_out  utility staff whose region does not cover CA
    "officer",       # offcr   street officer of CA's street
    "bureau",        # bureau  bureau admin of CA's district (not CB's)
    "sysadmin",      # sys
    "leader_a",      # lead    building leader of CA building 1 (sees no community)
    "grid_a",        # grid    grid worker of SO-S1, grid CA buildings 1 and 2 (same)
)


@dataclass(frozen=True)
class Redirect:
    """A 302 to `to`; LOGIN also accepts the query string (`/login?next=…`)."""

    to: str

    def __str__(self) -> str:
        return f"302→{self.to}"


LOGIN = Redirect("/login")
HOME = Redirect("/")
ACCOUNT = Redirect("/account")

Status = int | Redirect


@dataclass(frozen=True)
class Entry:
    """One request and what each role gets back."""

    method: str
    rule: str
    url: str
    expect: dict[str, Status]
    form: dict | None = None
    json: dict | None = None
    csrf: bool = True
    note: str = ""
    token: bool = True

    @property
    def is_api(self) -> bool:
        return self.rule.startswith("/api/")

    @property
    def is_open311(self) -> bool:
        return self.rule.startswith("/open311/")

    @property
    def label(self) -> str:
        note = f" ({self.note})" if self.note else ""
        return f"{self.method} {self.url}{note}"


def grid(*statuses: Status) -> dict[str, Status]:
    """The statuses in the order of ROLES, one per role."""
    if len(statuses) != len(ROLES):
        raise ValueError(f"{len(statuses)} statuses for {len(ROLES)} roles")
    return dict(zip(ROLES, statuses, strict=True))


def everyone(status: Status) -> dict[str, Status]:
    """The same answer for every role, anonymous included."""
    return grid(*[status] * len(ROLES))


def logged_in(status: Status) -> dict[str, Status]:
    """A page for every logged-in role; anonymous visitors are sent to log in."""
    return grid(LOGIN, *[status] * (len(ROLES) - 1))


def bearer(status: Status) -> dict[str, Status]:
    """An API call for every role with a token; without one, 401."""
    return grid(401, *[status] * (len(ROLES) - 1))


PASSWORD_FORM = {
    "current_password": DEFAULT_PASSWORD,
    "new_password": "seven lanterns over the yellow river",
    "confirm": "seven lanterns over the yellow river",
}
CREDENTIALS = {"username": "resident_a", "password": DEFAULT_PASSWORD}
EMPTY_BUNDLE = {"version": 1}

# Who sees which community. Columns in the order of ROLES:
#                    anon   res_a res_b mgr_a mgr_b cmt_a op_in op_out offcr bureau sys  lead  grid
SEES_CA_PAGE = grid(LOGIN,  200,  404,  200,  404,  200,  200,  404,   200,  200,   200, 404, 404)
SEES_CB_PAGE = grid(LOGIN,  404,  200,  404,  200,  404,  404,  200,   404,  404,   200, 404, 404)
SEES_CA_API = grid(401,     200,  404,  200,  404,  200,  200,  404,   200,  200,   200, 404, 404)
SEES_CB_API = grid(401,     404,  200,  404,  200,  404,  404,  200,   404,  404,   200, 404, 404)
# Loading a region bundle: bureau admins and sysadmins only (docs/api.md#import).
IMPORTS = grid(401,         403,  403,  403,  403,  403,  403,  403,   403,  200,   200, 403, 403)

# The register (docs/domain.md#projects, #handovers). Hand-over H-CA: a draft from the bureau's
# HB-D1 to op_in's utility W-D1 over CA-WS. Its parties and the overseers of CA see it; residents
# and managers see none, and op_out is no party.
#                    anon   res_a res_b mgr_a mgr_b cmt_a op_in op_out offcr bureau sys  lead  grid
SEES_H_CA_PAGE = grid(LOGIN, 404,  404,  404,  404,  200,  200,  404,   200,  200,   200, 404, 404)
SEES_H_CA_API = grid(401,    404,  404,  404,  404,  200,  200,  404,   200,  200,   200, 404, 404)
# Submitting H-CA: the transferor's staff only; the others who see it are refused.
SUBMITS_API = grid(401,      404,  404,  404,  404,  403,  403,  404,   403,  200,   403, 404, 404)
# Drafting a hand-over over CA-DR: an asset the caller cannot see is unknown (400, as a
# code that exists nowhere); who sees it but is neither the transferor nor the
# keeper of CA's register is refused.
DRAFTS_API = grid(401,       403,  400,  403,  400,  403,  403,  400,   403,  201,   201, 400, 400)
# The hand-over backlog: the bureau, the street offices and sysadmins.
BACKLOG_API = grid(401,      403,  403,  403,  403,  403,  403,  403,   200,  200,   200, 403, 403)
BACKLOG_PAGE = grid(LOGIN,   403,  403,  403,  403,  403,  403,  403,   200,  200,   200, 403, 403)
# Recording a project or an asset: the keepers of the register (bureau, sysadmin).
KEEPS_API = grid(401,        403,  403,  403,  403,  403,  403,  403,   403,  201,   201, 403, 403)
# An asset in CA: whoever cannot see CA is told there is no such community.
KEEPS_CA_API = grid(401,     403,  404,  403,  404,  403,  403,  404,   403,  201,   201, 404, 404)
# Accepting P-CA before CA's committee signed off: the keepers get the rule's 422.
ACCEPTS_API = grid(401,      403,  404,  403,  404,  403,  403,  404,   403,  422,   422, 404, 404)
# Signing P-CA off for CA: a member of CA's owners' committee only.
SIGNS_OFF_API = grid(401,    403,  404,  403,  404,  200,  403,  404,   403,  403,   403, 404, 404)

NEW_HANDOVER = {"code": "H-NEW", "from": "HB-D1", "to": "W-D1", "assets": ["CA-DR"]}
NEW_PROJECT = {"code": "P-NEW", "year": 2025, "communities": ["CA"], "items": []}
NEW_ASSET = {"code": "CA-NEW", "category": "water_supply", "community": "CA"}
ACCEPTANCE = {"accepted_on": "2025-06-01", "satisfaction_rate": "0.95",
              "satisfaction_reason": "paper survey"}

# The same as pages. Who may draft a hand-over at all: the roles whose organisation may
# hand assets over (residents and committee members never do).
#                    anon   res_a res_b mgr_a mgr_b cmt_a op_in op_out offcr bureau sys  lead  grid
DRAFTERS_PAGE = grid(LOGIN,  403,  403,  200,  200,  403,  200,  200,   200,  200,   200, 403, 403)
DRAFTS_CA_PAGE = grid(LOGIN, 403,  403,  200,  404,  403,  200,  404,   200,  200,   200, 403, 403)
# Drafting from HB-D1 over CA-DR with the form of ?community=CA: the other drafters are
# offered only their own organisation as transferor, so HB-D1 is no valid choice (400).
H_NEW = Redirect("/handovers/H-NEW")
DRAFTS_PAGE = grid(LOGIN,    403,  403,  400,  404,  403,  400,  404,   400,  H_NEW, H_NEW,
                   403, 403)
H_CA = Redirect("/handovers/H-CA")
SUBMITS_PAGE = grid(LOGIN,   404,  404,  404,  404,  403,  403,  404,   403,  H_CA,  403, 404, 404)
KEEPS_PAGE = grid(LOGIN,     403,  403,  403,  403,  403,  403,  403,   403,  200,   200, 403, 403)
P_NEW = Redirect("/projects/P-NEW")
RECORDS_PAGE = grid(LOGIN,   403,  403,  403,  403,  403,  403,  403,   403,  P_NEW, P_NEW,
                    403, 403)
KEEPS_CA_PAGE = grid(LOGIN,  403,  404,  403,  404,  403,  403,  404,   403,  200,   200, 404, 404)
CA_NEW = Redirect("/assets/CA-NEW")
REGISTERS_PAGE = grid(LOGIN, 403,  404,  403,  404,  403,  403,  404,   403,  CA_NEW, CA_NEW,
                      404, 404)
CA_WS = Redirect("/assets/CA-WS")
WARRANTY_PAGE = grid(LOGIN,  403,  404,  403,  404,  403,  403,  404,   403,  CA_WS, CA_WS,
                     404, 404)
ACCEPTS_PAGE = grid(LOGIN,   403,  404,  403,  404,  403,  403,  404,   403,  422,   422, 404, 404)
P_CA = Redirect("/projects/P-CA")
SIGNS_OFF_PAGE = grid(LOGIN, 403,  404,  403,  404,  P_CA, 403,  404,   403,  403,   403, 404, 404)

HANDOVER_FORM = {"code": "H-NEW", "from_org": "HB-D1", "to_org": "W-D1", "assets": "CA-DR"}
PROJECT_FORM = {"code": "P-NEW", "year": "2025", "communities": "CA"}
ASSET_FORM = {"code": "CA-NEW", "category": "water_supply"}
WARRANTY_FORM = {"until": "2030-12-31"}
ACCEPT_FORM = {"accepted_on": "2025-06-01", "satisfaction_percent": "95",
               "satisfaction_reason": "paper survey"}

# Repair tickets (docs/domain.md#routing, #tickets; tests/access_tickets.py). T_A: resident_a's
# water leak in CA, assigned to op_in's utility W-D1, with resident_a's photo P_A and notification
# N_A; T_B: resident_b's in CB, assigned to mgr_b's PM-B. Residents see what they
# reported; staff what is assigned to their organisation; a manager also its communities'
# tickets; the committee, the street office and the bureau those of the communities they
# see. op_out sees CB but T_B is no utility's: a utility never sees other people's work.
#                     anon   res_a res_b mgr_a mgr_b cmt_a op_in op_out offcr bureau sys  lead  grid
SEES_T_A_PAGE = grid(LOGIN,  200,  404,  200,  404,  200,  200,  404,   200,  200,   200, 404, 404)
SEES_T_B_PAGE = grid(LOGIN,  404,  200,  404,  200,  404,  404,  404,   404,  404,   200, 404, 404)
SEES_T_A_API = grid(401,     200,  404,  200,  404,  200,  200,  404,   200,  200,   200, 404, 404)
SEES_T_B_API = grid(401,     404,  200,  404,  200,  404,  404,  404,   404,  404,   200, 404, 404)
# Filing a water leak in CA: whoever sees CA (a resident: where they live) files; a
# sysadmin administers, never files. The form offers only the communities the caller
# sees, so on a page CA is no valid choice for the others (400, as for a code that exists
# nowhere); through the API a community the caller cannot see is unknown (404).
# A building's common areas are any resident's to report (docs/domain.md#qr): the QR
# code's link opens the form for CA's building 1 for resident_b too, while staff who do
# not serve CA are told why not (403); without a login it opens the building's public page.
T_NEW = Redirect("/tickets/[0-9]*")  # the new ticket's page
FILES_FORM_PAGE = grid(LOGIN, 200,  200,  200,  200,  200,  200,  200,   200,  200,   403, 403, 403)
QR_FORM_PAGE = grid(Redirect("/report/CA/1"), 200, 200, 200, 403, 200, 200, 403, 200, 200, 403,
                    403, 403)
FILES_CA_PAGE = grid(LOGIN,  T_NEW, 400, T_NEW, 400, T_NEW, T_NEW, 400,  T_NEW, T_NEW, 403,
                     403, 403)
FILES_CA_1_PAGE = grid(LOGIN, T_NEW, T_NEW, T_NEW, 400, T_NEW, T_NEW, 400, T_NEW, T_NEW, 403,
                       403, 403)
FILERS_400_PAGE = grid(LOGIN, 400,  400,  400,  400,  400,  400,  400,   400,  400,   403, 403, 403)
PREVIEWS_CA_PAGE = grid(LOGIN, 200, 400,  200,  400,  200,  200,  400,   200,  200,   200, 400, 400)
FILES_CA_API = grid(401,     201,  404,  201,  404,  201,  201,  404,   201,  201,   403, 403, 403)
# Acting on T_A: accepting is its assignee's (op_in), reassigning the arbiter's (the
# street office of CA's street), cancelling and adding report photos the reporter's.
# Who sees T_A but is not that party is refused (403); who does not see it, 404.
T_A = Redirect("/tickets/{T_A}")
ACCEPTS_T_A_PAGE = grid(LOGIN, 403, 404,  403,  404,  403,  T_A,  404,   403,  403,   403, 404, 404)
ACCEPTS_T_A_API = grid(401,  403,  404,  403,  404,  403,  200,  404,   403,  403,   403, 404, 404)
REASSIGNS_T_A_PAGE = grid(LOGIN, 403, 404, 403,  404,  403,  403,  404,   T_A,  403,   403,
                          404, 404)
REASSIGNS_T_A_API = grid(401, 403,  404,  403,  404,  403,  403,  404,   200,  403,   403, 404, 404)
CANCELS_T_A_PAGE = grid(LOGIN, T_A, 404,  403,  404,  403,  403,  404,   403,  403,   403, 404, 404)
CANCELS_T_A_API = grid(401,  200,  404,  403,  404,  403,  403,  404,   403,  403,   403, 404, 404)
ADDS_PHOTO_T_A_PAGE = grid(LOGIN, T_A, 404, 403, 404,  403,  403,  404,   403,  403,   403,
                           404, 404)
ADDS_PHOTO_T_A_API = grid(401, 201, 404,  403,  404,  403,  403,  404,   403,  403,   403, 404, 404)
# Follow-up calls (回访, docs/domain.md#callbacks): the street office of the ticket's
# community calls back closed tickets; T_A is open, so it is refused as not closed (409),
# and everyone else who sees it is not the caller (403). The call list is the street
# offices'.
CALLS_T_A_PAGE = grid(LOGIN, 403,  404,  403,  404,  403,  403,  404,   409,  403,   403, 404, 404)
CALLS_T_A_API = grid(401,    403,  404,  403,  404,  403,  403,  404,   409,  403,   403, 404, 404)
CALL_LIST_PAGE = grid(LOGIN, 403,  403,  403,  403,  403,  403,  403,   200,  403,   403, 403, 403)
CALL_LIST_API = grid(401,    403,  403,  403,  403,  403,  403,  403,   200,  403,   403, 403, 403)
# The evaluation (docs/domain.md#evaluation): the bureau, street offices and sysadmins read
# the scores (others are sent to the published bulletins, every login's), the bureau publishes,
# the street office of a community PM-A manages deducts inspection points.
BULLETINS = Redirect("/evaluation/bulletins")
NEW_BULLETIN = Redirect("/evaluation/bulletins/[0-9]*")
PM_A_DEDUCTIONS = Redirect("/orgs/PM-A/deductions")
SCORES_PAGE = grid(LOGIN, *[BULLETINS] * 7, 200, 200, 200, BULLETINS, BULLETINS)
SCORES_XLSX = grid(LOGIN,    403,  403,  403,  403,  403,  403,  403,   200,  200,   200, 403, 403)
PUBLISHES_PAGE = grid(LOGIN, 403,  403,  403,  403,  403,  403,  403,   403,  NEW_BULLETIN, 403,
                      403, 403)
DEDUCTIONS_PAGE = grid(LOGIN, 403, 403,  403,  403,  403,  403,  403,   200,  200,   200, 403, 403)
DEDUCTS_PAGE = grid(LOGIN,   403,  403,  403,  403,  403,  403,  403,   PM_A_DEDUCTIONS, 403, 403,
                    403, 403)
DEDUCTION_PHOTO = grid(LOGIN, 403, 403,  403,  403,  403,  403,  403,   404,  404,   404, 403, 403)
SCORES_API = grid(401,       404,  404,  404,  404,  404,  404,  404,   200,  200,   200, 404, 404)
DEDUCTS_API = grid(401,      403,  403,  403,  403,  403,  403,  403,   201,  403,   403, 403, 403)
PUBLISHES_API = grid(401,    403,  403,  403,  403,  403,  403,  403,   403,  201,   403, 403, 403)
DEDUCTION = {"on": "2025-06-01", "points": "2.5", "note": "楼道堆物未清"}
# The building's QR code: staff who serve the community; residents and utilities 404.
QR_CA_PAGE = grid(LOGIN,     404,  404,  200,  404,  200,  404,  404,   200,  200,   200, 404, 404)
QR_CB_PAGE = grid(LOGIN,     404,  404,  404,  200,  404,  404,  404,   404,  404,   200, 404, 404)
# Ticket measures: every staff role (over the tickets it sees); residents are refused.
TICKET_REPORT_PAGE = grid(LOGIN, 403, 403, 200,  200,  200,  200,  200,   200,  200,   200,
                          403, 403)
TICKET_REPORT_API = grid(401, 403,  403,  200,  200,  200,  200,  200,   200,  200,   200, 403, 403)
# Reading notification N_A: resident_a's own; anybody else's id is unknown.
NOTIFICATIONS = Redirect("/notifications")
READS_N_A_PAGE = grid(LOGIN, NOTIFICATIONS, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)
READS_N_A_API = grid(401,    200,  404,  404,  404,  404,  404,  404,   404,  404,   404, 404, 404)
# An organisation's API keys and webhooks (docs/api.md#integrations): its own staff (op_in for
# W-D1) and sysadmins; everyone else is refused. Ids 999999 exist nowhere: the keepers get 404.
#                    anon   res_a res_b mgr_a mgr_b cmt_a op_in op_out offcr bureau sys  lead  grid
KEEPS_W_D1_API = grid(401,   403,  403,  403,  403,  403,  201,  403,   403,  403,   201, 403, 403)
READS_W_D1_API = grid(401,   403,  403,  403,  403,  403,  200,  403,   403,  403,   200, 403, 403)
MISSING_W_D1_API = grid(401, 403,  403,  403,  403,  403,  404,  403,   403,  403,   404, 403, 403)
NEW_WEBHOOK = {"url": "https://hooks.example.com/pmsys", "events": ["ticket.assigned"]}
KEEPS_W_D1_PAGE = grid(LOGIN, 403, 403,  403,  403,  403,  200,  403,   403,  403,   200, 403, 403)
MISSING_W_D1_PAGE = grid(LOGIN, 403, 403, 403,  403,  403,  404,  403,   403,  403,   404, 403, 403)
NEW_WEBHOOK_FORM = {"url": "https://hooks.example.com/pmsys", "events": "ticket.assigned"}
# Open311: the services are public; filing needs a key (an API token). Reading is public
# too: without a key anybody reads every request in its public shape (no personal data);
# a key reads its user's own view, with the full place, as the API does.
FILES_CA_311 = grid(401,     201,  404,  201,  404,  201,  201,  404,   201,  201,   403, 403, 403)
SEES_T_A_311 = grid(200,     200,  404,  200,  404,  200,  200,  404,   200,  200,   200, 404, 404)
SEES_T_B_311 = grid(200,     404,  200,  404,  200,  404,  404,  404,   404,  404,   200, 404, 404)

WATER_LEAK = {"category": "water_supply", "community": "CA", "description": "楼道水管漏水"}
NEW_TICKET = dict(WATER_LEAK)
TICKET_FORM = dict(WATER_LEAK)
PUBLIC_REPORT = {"category": "lighting", "description": "楼道灯不亮", "name": "王大爷",
                 "phone": "13900001234"}
PNG = tiny_png()
ACCEPT = {"action": "accept"}
REASSIGN = {"action": "reassign", "org": "PM-A", "note": "井盖属物业"}
CANCEL = {"action": "cancel"}
O311_FORMAT = ".<any(json, xml):fmt>"
O311_DISCOVERY = "/open311/v2/discovery" + O311_FORMAT
O311_SERVICES = "/open311/v2/services" + O311_FORMAT
O311_SERVICE = "/open311/v2/services/<service_code>" + O311_FORMAT
O311_REQUESTS = "/open311/v2/requests" + O311_FORMAT
O311_REQUEST = "/open311/v2/requests/<ticket_id>" + O311_FORMAT
O311_TOKEN = "/open311/v2/tokens/<token>" + O311_FORMAT
OPEN311_REQUEST = {"service_code": "water_supply", "address_string": "CA",
                   "description": "楼道水管漏水"}

# Property fees (docs/domain.md#fees; tests/access_fees.py). The staff who read fees (FEE_READERS:
# managers, the committee, street officers, the bureau, sysadmins) read those of the
# communities they see; the manager in office (and a sysadmin) keeps them: standards,
# billing, payments, adjustments. A resident or an operator finds no fee page of a
# community (404, as for a page that does not exist) and reads their own bills at /bills.
#                     anon   res_a res_b mgr_a mgr_b cmt_a op_in op_out offcr bureau sys  lead  grid
READS_CA_FEES_PAGE = grid(LOGIN, 404, 404, 200,  404,  200,  404,  404,   200,  200,   200,
                          404, 404)
READS_CB_FEES_PAGE = grid(LOGIN, 404, 404, 404,  200,  404,  404,  404,   404,  404,   200,
                          404, 404)
CA_FEES = Redirect("/communities/CA/fees")
KEEPS_CA_FEES_PAGE = grid(LOGIN, 404, 404, CA_FEES, 404, 403, 404, 404,  403,  403,   CA_FEES,
                          404, 404)
IMPORTS_CA_FEES_PAGE = grid(LOGIN, 404, 404, 200, 404,  403,  404,  404,   403,  403,   200,
                            404, 404)
MY_BILLS_PAGE = grid(LOGIN,  200,  200,  404,  404,  404,  404,  404,   404,  404,   404, 404, 404)
# Through the API a community's prices are public to whoever sees it; the keepers' calls
# answer 403 to the others who see CA and 404 to who does not.
KEEPS_CA_FEES_API = grid(401, 403, 404,  201,  404,  403,  403,  404,   403,  403,   201, 404, 404)
BILLS_CA_API = grid(401,     403,  404,  200,  404,  403,  403,  404,   403,  403,   200, 404, 404)
# Paying or adjusting for CA/1/1/102 (resident_ac's): who may not read that household
# (resident_a is only its neighbour, an operator reads no household) is told it does
# not exist; who reads it but does not keep CA's fees is refused.
KEEPS_CA_102_API = grid(401, 404,  404,  201,  404,  403,  404,  404,   403,  403,   201, 404, 404)
# Adjusting resident_a's own bill B_A: resident_a reads it, so the API refuses (403);
# the pages are no resident's (404 as for every community fee page).
KEEPS_B_A_API = grid(401,    403,  404,  201,  404,  403,  404,  404,   403,  403,   201, 404, 404)
# Importing payments: a manager's or a sysadmin's file; each row is then decided on its own
# (mgr_b's row for CA/1/1/102 is refused in the 200 report).
IMPORTS_PAYMENTS_API = grid(401, 403, 403, 200,  200,  403,  403,  403,   403,  403,   200,
                            403, 403)
# Collection reports: the fee readers; residents and operators are refused. The city is
# no level of the report (400).
READS_COLLECTION_PAGE = grid(LOGIN, 403, 403, 200, 200, 200,  403,  403,   200,  200,   200,
                             403, 403)
BAD_COLLECTION_PAGE = grid(LOGIN, 403, 403, 400,  400,  400,  403,  403,   400,  400,   400,
                           403, 403)
READS_COLLECTION_API = grid(401, 403, 403, 200,  200,  200,  403,  403,   200,  200,   200,
                            403, 403)
BAD_COLLECTION_API = grid(401, 403, 403,  400,  400,  400,  403,  403,   400,  400,   400, 403, 403)
# The public revenue ledger (公共收益) is published to whoever sees the community; its
# keepers are the manager in office and the owners' committee (and a sysadmin).
CA_REVENUE = Redirect("/communities/CA/revenue")
KEEPS_CA_REVENUE_PAGE = grid(LOGIN, 403, 404, CA_REVENUE, 404, CA_REVENUE, 403, 404, 403,
                             403, CA_REVENUE, 404, 404)
KEEPS_CA_REVENUE_API = grid(401, 403, 404, 201,  404,  201,  403,  404,   403,  403,   201,
                            404, 404)

# The maintenance fund (维修资金) is read by whoever sees the community; its entries are
# recorded by the street office, the bureau, a sysadmin and the committee in office (not the
# manager); a spend is signed by the committee in office and by the street office only.
KEEPS_CA_FUND_API = grid(401, 403, 404,  403,  404,  201,  403,  404,   201,  201,   201,
                404, 404)
KEEPS_CB_FUND_API = grid(401, 404, 403,  404,  403,  404,  404,  403,   404,  404,   400,
                         404, 404)
SIGNS_CA_FUND_API = grid(401, 403, 404,  403,  404,  200,  403,  404,   200,  403,   403,
                404, 404)
CA_FUND = Redirect("/communities/CA/fund")
KEEPS_CA_FUND_PAGE = grid(LOGIN, 403, 404, 403, 404, CA_FUND, 403, 404, CA_FUND, CA_FUND,
                          CA_FUND,
                404, 404)
SIGNS_CA_FUND_PAGE = grid(LOGIN, 403, 404, 403, 404, CA_FUND, 403, 404, CA_FUND, 403, 403,
                404, 404)
FUND_FORM = {"ref": "DEP-NEW", "kind": "deposit", "household": "1/1/101", "amount": "100.00",
             "vote": "", "note": ""}
DEPOSITS_FORM = {"rate": "1.50", "prefix": "TOPUP"}
NEW_FUND_ENTRY = {"ref": "DEP-NEW", "kind": "deposit", "household": "CA/1/1/101",
                  "amount": "100.00", "note": ""}

STANDARD_FORM = {"price_per_m2_month": "0.60", "fixed_per_household": "", "start": NEXT_START}
NEW_STANDARD = {"price_per_m2_month": "0.60", "start": NEXT_START}
BILLING_FORM = {"period": NEXT_PERIOD}
PAYMENT_FORM = {"receipt_no": "R-NEW", "household": "1/1/102", "amount": "24.13",
                "paid_on": "2025-06-01", "method": "cash", "period": ""}
NEW_PAYMENT = {"receipt_no": "R-NEW", "household": "CA/1/1/102", "amount": "24.13",
               "paid_on": "2025-06-01", "method": "cash"}
XLSX = payments_xlsx()
ADJUSTMENT = {"kind": "waiver", "amount": "-5.00", "reason": "low-income household"}
REVENUE_FORM = {"direction": "income", "category": "parking", "amount": "1200.00",
                "on": "2025-06-01", "description": "停车费", "resolution": ""}
NEW_REVENUE = {"direction": "income", "category": "parking", "amount": "1200.00",
               "on": "2025-06-01", "description": "停车费"}

# Owners' committees, assembly votes, terms and coverage (docs/domain.md#management, #committees,
# #votes; tests/access_governance.py). Whoever sees a community reads its committee, votes and
# terms. The street office of CA's street (and a sysadmin) guides the committee's
# formation; a resident owner may propose only themself. The committee in office and the
# street office convene votes, record paper ballots and close votes; only an owner on the
# roll casts their own ballot. Terms are decided by the street office, the bureau and the
# committee in office. Coverage is read by street offices, the bureau and sysadmins. Who
# sees the community but may not act is refused (403); who does not see it, 404.
# CC is seen by op_in, the bureau and sysadmins only; its street office has no login here.
CA_COMMITTEE = Redirect("/communities/CA/committee")
CC_COMMITTEE = Redirect("/communities/CC/committee")
CA_TERMS = Redirect("/communities/CA/terms")
V_A = Redirect("/votes/{V_A}")
V_O = Redirect("/votes/{V_O}")
V_NEW = Redirect("/votes/[0-9]*")  # the new vote's page


def oversees_ca(status: Status, api: bool = False) -> dict[str, Status]:
    """CA's street office (and a sysadmin) get `status`; the others are refused or told 404."""
    #     anon             res_a res_b mgr_a mgr_b cmt_a op_in op_out offcr   bureau sys  lead  grid
    return grid(401 if api else LOGIN, 403, 404, 403, 404, 403, 403, 404, status, 403, status,
                404, 404)


def plans_for_ca(status: Status, api: bool = False) -> dict[str, Status]:
    """CA's street office, the bureau and a sysadmin record CA's long-term management plan."""
    return grid(401 if api else LOGIN, 403, 404, 403, 404, 403, 403, 404, status, status,
                status,
                404, 404)


def plans_for_cb(status: Status, api: bool = False) -> dict[str, Status]:
    """Only a sysadmin records CB's plan here (its street office and bureau have no login)."""
    return grid(401 if api else LOGIN, 404, 403, 404, 403, 404, 404, 403, 404, 404, status,
                404, 404)


def oversees_cc(status: Status, api: bool = False) -> dict[str, Status]:
    """A sysadmin gets `status` for CC; op_in and the bureau see CC but are refused."""
    return grid(401 if api else LOGIN, 404, 404, 404, 404, 404, 403, 404, 404, 403, status,
                404, 404)


def convenes_ca(status: Status, api: bool = False) -> dict[str, Status]:
    """CA's committee in office, its street office and a sysadmin get `status`."""
    return grid(401 if api else LOGIN, 403, 404, 403, 404, status, 403, 404, status, 403,
                status, 404, 404)


def decides_ca_terms(status: Status, api: bool = False) -> dict[str, Status]:
    """The committee in office, the street office, the bureau and a sysadmin get `status`."""
    return grid(401 if api else LOGIN, 403, 404, 403, 404, status, 403, 404, status, status,
                status, 404, 404)


#                     anon   res_a res_b mgr_a mgr_b cmt_a op_in op_out offcr bureau sys  lead  grid
PROPOSES_SELF_PAGE = grid(LOGIN, CA_COMMITTEE, 404, 403, 404, 403, 403, 404, CA_COMMITTEE,
                          403, CA_COMMITTEE, 404, 404)
PROPOSES_SELF_API = grid(401,  201,  404,  403,  404,  403,  403,  404,   201,  403,   201,
                         404, 404)
# resident_a's own ballot in V_A (CA, open); resident_b's in V_B (CB, open). Nobody else
# is an owner on those rolls.
OWN_BALLOT_V_A_PAGE = grid(LOGIN, V_A, 404,  403,  404,  403,  403,  404,   403,  403,   403,
                           404, 404)
OWN_BALLOT_V_A_API = grid(401, 201,  404,  403,  404,  403,  403,  404,   403,  403,   403,
                          404, 404)
OWN_BALLOT_V_B_API = grid(401, 404,  201,  404,  403,  404,  404,  403,   404,  404,   403,
                          404, 404)
# Who voted how: the convening side and the bureau.
READS_BALLOTS_API = grid(401,  403,  404,  403,  404,  200,  403,  404,   200,  200,   200,
                         404, 404)
READS_COVERAGE_PAGE = grid(LOGIN, 403, 403, 403,  403,  403,  403,  403,   200,  200,   200,
                           403, 403)
BAD_COVERAGE_PAGE = grid(LOGIN, 403, 403,  403,  403,  403,  403,  403,   400,  400,   400,
                         403, 403)
READS_COVERAGE_API = grid(401, 403,  403,  403,  403,  403,  403,  403,   200,  200,   200,
                          403, 403)
BAD_COVERAGE_API = grid(401,   403,  403,  403,  403,  403,  403,  403,   400,  400,   400,
                        403, 403)
# The three coverages of a region: outside the reader's own region, 404 (the sysadmin reads
# every region; the street office of S1 not its district D1, the bureau of D1 not D2).
D2_COVERAGE_PAGE = grid(LOGIN, 403, 403,  403,  403,  403,  403,  403,   404,  404,   200,
                403, 403)
D1_COVERAGE_PAGE = grid(LOGIN, 403, 403,  403,  403,  403,  403,  403,   404,  200,   200,
                403, 403)
D2_COVERAGE_API = grid(401,    403,  403,  403,  403,  403,  403,  403,   404,  404,   200,
                403, 403)
D1_COVERAGE_API = grid(401,    403,  403,  403,  403,  403,  403,  403,   404,  200,   200,
                403, 403)

PREPARE_FORM = {"seats": "3", "note": ""}
ACTIVATE = {"members": [{"person": "P-AC", "role": "director"}],
            "term_start": NEXT_TERM_START}
ACTIVATE_FORM = {"members-0-person": "P-AC", "members-0-role": "director",
                 "term_start": NEXT_TERM_START, "term_end": ""}
INTERIM = {"members": [{"person": "P-AC", "role": "director"}], "start": NEXT_TERM_START,
           "note": "无人愿意参选"}
INTERIM_FORM = {"members-0-person": "P-AC", "members-0-role": "director",
                "start": NEXT_TERM_START, "end": "", "note": "无人愿意参选"}
VETTING = {"decision": "approve", "note": "联审通过"}
EXPIRY = {"on": "2025-06-02", "reason": "业主大会决定提前换届"}
EXPIRY_FORM = {"which": "active", **EXPIRY}
NEW_VOTE = {"matter": "hire_manager", "title": "选聘物业服务企业",
            "opens_at": "2025-06-02T10:00:00+08:00", "closes_at": "2025-06-09T10:00:00+08:00"}
VOTE_FORM = {"matter": "hire_manager", "title": "选聘物业服务企业", "description": "",
             "opens_at": "2025-06-02T10:00", "closes_at": "2025-06-09T10:00"}
APPROVE = {"choice": "approve"}
PAPER_BALLOT = {"choice": "approve", "person": "P-AC"}
NEW_TERM = {"mode": "professional", "org": "PM-B", "start": NEXT_TERM_START,
            "basis_vote": Number("{V_C}")}
PLAN_FORM = {"mode": "community", "note": "社区居委会托管", "starts_on": ""}
NEW_PLAN = {"mode": "community", "note": "社区居委会托管"}
CA_PLANS = Redirect("/communities/CA/terms")
CB_PLANS = Redirect("/communities/CB/terms")
TERM_FORM = {"mode": "professional", "org": "PM-B", "start": NEXT_TERM_START, "end": "",
             "basis_vote": "{V_C}", "basis": ""}
IMPOSED_TERM = {"mode": "community", "org": "SO-S1", "start": NEXT_TERM_START}
IMPOSED_TERM_FORM = {"mode": "community", "org": "SO-S1", "start": NEXT_TERM_START,
                     "end": "", "basis_vote": "", "basis": ""}

# Satisfaction surveys (docs/domain.md#surveys; tests/access_surveys.py): SV-CA asks CA's
# households, SV-CB CB's, both open. Everyone who sees a survey's community sees it, save
# operators; the street office, the bureau and sysadmins define surveys in their area and
# record paper forms and calls; residents answer for their own household; residents do not
# read results. Who does not see the survey is told 404, like for a missing one.
SV_CA = Redirect("/surveys/SV-CA")
#                 anon   res_a res_b mgr_a mgr_b cmt_a op_in op_out offcr bureau sys  lead  grid
SEES_SV_CA = grid(LOGIN, 200,  404,  200,  404,  200,  404,  404,   200,  200,   200, 404, 404)
SEES_SV_CA_API = grid(401, 200, 404, 200,  404,  200,  404,  404,   200,  200,   200, 404, 404)
SEES_SV_CB_API = grid(401, 404, 200, 404,  200,  404,  404,  404,   404,  404,   200, 404, 404)
RESULTS_SV_CA = grid(LOGIN, 403, 404, 200, 404,  200,  404,  404,   200,  200,   200, 404, 404)
RESULTS_SV_CA_API = grid(401, 403, 404, 200, 404, 200,  404,  404,   200,  200,   200, 404, 404)
DEFINES_PAGE = grid(LOGIN, 404, 404,  404,  404,  404,  404,  404,   200,  200,   200, 404, 404)
DEFINES_FORM = grid(LOGIN, 404, 404,  404,  404,  404,  404,  404,   Redirect("/surveys/SV-NEW"),
                    Redirect("/surveys/SV-NEW"), Redirect("/surveys/SV-NEW"), 404, 404)
DEFINES_API = grid(401,  403,  403,  403,  403,  403,  403,  403,   201,  201,   201, 403, 403)
RECORDS_SV_CA = grid(LOGIN, 404, 404, 404, 404, 404,  404,  404,   200,  200,   200, 404, 404)
RECORDED_SV_CA = grid(LOGIN, 404, 404, 404, 404, 404, 404,  404,
                      Redirect("/surveys/SV-CA/record"), Redirect("/surveys/SV-CA/record"),
                      Redirect("/surveys/SV-CA/record"), 404, 404)
ANSWERS_SV_CA = grid(LOGIN, Redirect("/surveys/SV-CA/answer"), 404, 403, 404, 403, 404, 404,
                     400, 400, 400, 404, 404)
OWN_ANSWER_SV_CA_API = grid(401, 201, 404, 403, 404, 403, 404, 404, 400, 400, 400, 404, 404)
PAPER_ANSWER_SV_CA_API = grid(401, 400, 404, 403, 404, 403, 404, 404, 201, 201, 201, 404, 404)
NEW_SURVEY = {"code": "SV-NEW", "title": "满意度调查", "scope": {"community": "CA"},
              "opens_on": "2025-06-01", "closes_on": "2025-06-30",
              "questions": [{"key": "overall", "kind": "choice", "label": "满意吗",
                             "choices": ["满意", "不满意"], "satisfied": ["满意"]}]}
SURVEY_FORM = {"code": "SV-NEW", "title": "满意度调查", "scope_kind": "community",
               "scope_code": "CA", "opens_on": "2025-06-01", "closes_on": "2025-06-30",
               "questions": "overall | choice | 满意吗 / Satisfied? | 满意;不满意 | 满意"}
OWN_ANSWER = {"channel": "web", "answers": {"overall": "满意"}}
PAPER_ANSWER = {"channel": "paper", "household": "CA/1/1/102", "answers": {"overall": "满意"}}
ANSWER_FORM = {"q_overall": "满意", "q_quality": "5", "q_comment": ""}
RECORD_FORM = {"household": "CA/1/1/102", "channel": "phone", "q_overall": "满意"}
# Building leaders and grid workers (docs/domain.md#building-leaders). leader_a and grid_a see no
# community, and no ticket of the table (T_A names no building). CA's street office (and a
# sysadmin) assigns them; who sees CA but does not assign is refused, who does not, 404. Only
# they file for a household of their buildings and list their buildings' open tickets; a
# visit on T_A is refused to whoever sees it (not its building's leader), 404 to the others.
#                     anon   res_a res_b mgr_a mgr_b cmt_a op_in op_out offcr bureau sys  lead  grid
ASSIGNS_CA_API = grid(401,     403,  404,  403,  404,  403,  403,  404,   200,  403,   200,
                      404,  404)
ASSIGNED_CA_API = grid(401,    403,  404,  403,  404,  403,  403,  404,   201,  403,   201,
                       404,  404)
ASSIGNS_CA_PAGE = grid(LOGIN,  403,  404,  403,  404,  403,  403,  404,   200,  403,   200,
                       404,  404)
CA_LEADERS = Redirect("/communities/CA/building-leaders")
ASSIGNED_CA_PAGE = grid(LOGIN, 403,  404,  403,  404,  403,  403,  404,   CA_LEADERS, 403,
                        CA_LEADERS, 404, 404)
PROXY_FILES_API = grid(401,    403,  403,  403,  403,  403,  403,  403,   403,  403,   403,
                       201,  201)
PROXY_FORM_PAGE = grid(LOGIN,  403,  403,  403,  403,  403,  403,  403,   403,  403,   403,
                       200,  200)
PROXY_FILES_PAGE = grid(LOGIN, 403,  403,  403,  403,  403,  403,  403,   403,  403,   403, T_NEW,
                        T_NEW)
BUILDING_TICKETS_API = grid(401, 403, 403, 403,  403,  403,  403,  403,   403,  403,   403,
                            200,  200)
VISITS_T_A_API = grid(401,     403,  404,  403,  404,  403,  403,  404,   403,  403,   403,
                      404,  404)
VISITS_T_A_PAGE = grid(LOGIN,  403,  404,  403,  404,  403,  403,  404,   403,  403,   403,
                       404,  404)
NEW_LEADER = {"user": "leader_a", "buildings": ["2"]}
NEW_GRID = {"user": "grid_a", "buildings": ["2"]}
PROXY_TICKET = {"household": "CA/1/1/101", "category": "water_supply",
                "description": "老人家中水管漏水"}
PROXY_FORM = {"household": "CA/1/1/101", "inside_home": "y", "category": "water_supply",
              "description": "老人家中水管漏水", "priority": ""}
VISIT = {"visited_on": "2025-06-02", "outcome": "not_home"}


TABLE: list[Entry] = [
    # --- public -------------------------------------------------------------------
    Entry("GET", "/static/<path:filename>", "/static/css/pmsys.css", everyone(200)),
    Entry("GET", "/login", "/login", grid(200, *[HOME] * (len(ROLES) - 1)),
          note="logged in: straight home"),
    Entry("POST", "/login", "/login", everyone(HOME), form=CREDENTIALS),
    Entry("POST", "/login", "/login", everyone(400), form=CREDENTIALS, csrf=False,
          note="no CSRF token"),
    Entry("POST", "/language/<code>", "/language/en", everyone(HOME)),
    Entry("POST", "/language/<code>", "/language/en", everyone(400), csrf=False,
          note="no CSRF token"),
    # --- own account --------------------------------------------------------------
    Entry("POST", "/logout", "/logout", everyone(LOGIN)),
    Entry("POST", "/logout", "/logout", everyone(400), csrf=False, note="no CSRF token"),
    Entry("GET", "/account", "/account", logged_in(200)),
    Entry("POST", "/account", "/account", logged_in(ACCOUNT), form=PASSWORD_FORM),
    Entry("POST", "/account", "/account", everyone(400), form=PASSWORD_FORM, csrf=False,
          note="no CSRF token"),
    Entry("POST", "/account/language", "/account/language", logged_in(ACCOUNT),
          form={"language": "en"}),
    Entry("POST", "/account/language", "/account/language", everyone(400),
          form={"language": "en"}, csrf=False, note="no CSRF token"),
    # --- places pages -------------------------------------------------------------
    Entry("GET", "/", "/", logged_in(200)),
    Entry("GET", "/communities", "/communities", logged_in(200)),
    Entry("GET", "/communities/<code>", "/communities/CA", SEES_CA_PAGE),
    Entry("GET", "/communities/<code>", "/communities/CB", SEES_CB_PAGE),
    Entry("GET", "/communities/<code>", "/communities/NONE", logged_in(404),
          note="no such community"),
    Entry("GET", "/communities/<code>/buildings/<building_code>",
          "/communities/CA/buildings/1", SEES_CA_PAGE),
    Entry("GET", "/communities/<code>/buildings/<building_code>",
          "/communities/CB/buildings/1", SEES_CB_PAGE),
    Entry("GET", "/communities/<code>/buildings/<building_code>",
          "/communities/CA/buildings/9", logged_in(404), note="no such building"),
    # --- register pages: projects -------------------------------------------------
    Entry("GET", "/projects", "/projects", logged_in(200)),
    Entry("GET", "/projects/new", "/projects/new", KEEPS_PAGE),
    Entry("POST", "/projects/new", "/projects/new", RECORDS_PAGE, form=PROJECT_FORM),
    Entry("POST", "/projects/new", "/projects/new", everyone(400), form=PROJECT_FORM,
          csrf=False, note="no CSRF token"),
    Entry("GET", "/projects/<code>", "/projects/P-CA", SEES_CA_PAGE),
    Entry("GET", "/projects/<code>", "/projects/NONE", logged_in(404),
          note="no such project"),
    Entry("POST", "/projects/<code>/sign-off", "/projects/P-CA/sign-off", SIGNS_OFF_PAGE,
          form={"community": "CA"}),
    Entry("POST", "/projects/<code>/sign-off", "/projects/P-CA/sign-off", everyone(400),
          form={"community": "CA"}, csrf=False, note="no CSRF token"),
    Entry("POST", "/projects/<code>/accept", "/projects/P-CA/accept", ACCEPTS_PAGE,
          form=ACCEPT_FORM, note="before the committee's sign-off"),
    Entry("POST", "/projects/<code>/accept", "/projects/P-CA/accept", everyone(400),
          form=ACCEPT_FORM, csrf=False, note="no CSRF token"),
    # --- register pages: assets ---------------------------------------------------
    Entry("GET", "/communities/<code>/assets", "/communities/CA/assets", SEES_CA_PAGE),
    Entry("GET", "/communities/<code>/assets", "/communities/CB/assets", SEES_CB_PAGE),
    Entry("GET", "/communities/<code>/assets", "/communities/NONE/assets", logged_in(404),
          note="no such community"),
    Entry("GET", "/assets/new", "/assets/new", KEEPS_PAGE, note="choosing the community"),
    Entry("GET", "/assets/new", "/assets/new?community=CA", KEEPS_CA_PAGE),
    Entry("POST", "/assets/new", "/assets/new?community=CA", REGISTERS_PAGE, form=ASSET_FORM),
    Entry("POST", "/assets/new", "/assets/new?community=CA", everyone(400), form=ASSET_FORM,
          csrf=False, note="no CSRF token"),
    Entry("GET", "/assets/<code>", "/assets/CA-WS", SEES_CA_PAGE),
    Entry("GET", "/assets/<code>", "/assets/CB-WS", SEES_CB_PAGE),
    Entry("GET", "/assets/<code>", "/assets/NONE", logged_in(404), note="no such asset"),
    Entry("POST", "/assets/<code>/warranty", "/assets/CA-WS/warranty", WARRANTY_PAGE,
          form=WARRANTY_FORM),
    Entry("POST", "/assets/<code>/warranty", "/assets/CA-WS/warranty", everyone(400),
          form=WARRANTY_FORM, csrf=False, note="no CSRF token"),
    # --- register pages: hand-overs and the backlog -------------------------------
    Entry("GET", "/handovers", "/handovers", logged_in(200)),
    Entry("GET", "/handovers/new", "/handovers/new", DRAFTERS_PAGE,
          note="choosing the community"),
    Entry("GET", "/handovers/new", "/handovers/new?community=CA", DRAFTS_CA_PAGE),
    Entry("POST", "/handovers/new", "/handovers/new?community=CA", DRAFTS_PAGE,
          form=HANDOVER_FORM),
    Entry("POST", "/handovers/new", "/handovers/new?community=CA", everyone(400),
          form=HANDOVER_FORM, csrf=False, note="no CSRF token"),
    Entry("GET", "/handovers/<code>", "/handovers/H-CA", SEES_H_CA_PAGE),
    Entry("GET", "/handovers/<code>", "/handovers/NONE", logged_in(404),
          note="no such hand-over"),
    Entry("POST", "/handovers/<code>/actions", "/handovers/H-CA/actions", SUBMITS_PAGE,
          form={"action": "submit"}),
    Entry("POST", "/handovers/<code>/actions", "/handovers/H-CA/actions", everyone(400),
          form={"action": "submit"}, csrf=False, note="no CSRF token"),
    Entry("GET", "/reports/handover-backlog", "/reports/handover-backlog", BACKLOG_PAGE),
    Entry("GET", "/reports/handover-backlog.xlsx", "/reports/handover-backlog.xlsx",
          BACKLOG_PAGE),
    # --- API: tokens and the caller -----------------------------------------------
    Entry("POST", "/api/v1/auth/token", "/api/v1/auth/token", everyone(201),
          json=CREDENTIALS),
    Entry("DELETE", "/api/v1/auth/token", "/api/v1/auth/token", bearer(204)),
    Entry("GET", "/api/v1/me", "/api/v1/me", bearer(200)),
    Entry("GET", "/api/v1/openapi.json", "/api/v1/openapi.json", everyone(200)),
    # --- API: places and imports --------------------------------------------------
    Entry("GET", "/api/v1/communities", "/api/v1/communities", bearer(200)),
    Entry("GET", "/api/v1/communities/<code>", "/api/v1/communities/CA", SEES_CA_API),
    Entry("GET", "/api/v1/communities/<code>", "/api/v1/communities/CB", SEES_CB_API),
    Entry("GET", "/api/v1/communities/<code>", "/api/v1/communities/NONE", bearer(404),
          note="no such community"),
    Entry("POST", "/api/v1/imports", "/api/v1/imports", IMPORTS, json=EMPTY_BUNDLE),
    # --- API: hand-overs ----------------------------------------------------------
    Entry("GET", "/api/v1/handovers", "/api/v1/handovers", bearer(200)),
    Entry("POST", "/api/v1/handovers", "/api/v1/handovers", DRAFTS_API, json=NEW_HANDOVER),
    Entry("GET", "/api/v1/handovers/<code>", "/api/v1/handovers/H-CA", SEES_H_CA_API),
    Entry("GET", "/api/v1/handovers/<code>", "/api/v1/handovers/NONE", bearer(404),
          note="no such hand-over"),
    Entry("POST", "/api/v1/handovers/<code>/actions", "/api/v1/handovers/H-CA/actions",
          SUBMITS_API, json={"action": "submit"}),
    Entry("GET", "/api/v1/reports/handover-backlog", "/api/v1/reports/handover-backlog",
          BACKLOG_API),
    # --- API: assets --------------------------------------------------------------
    Entry("GET", "/api/v1/assets", "/api/v1/assets", bearer(200)),
    Entry("POST", "/api/v1/assets", "/api/v1/assets", KEEPS_CA_API, json=NEW_ASSET),
    Entry("GET", "/api/v1/assets/<code>", "/api/v1/assets/CA-WS", SEES_CA_API),
    Entry("GET", "/api/v1/assets/<code>", "/api/v1/assets/CB-WS", SEES_CB_API),
    Entry("GET", "/api/v1/assets/<code>", "/api/v1/assets/NONE", bearer(404),
          note="no such asset"),
    # --- API: projects ------------------------------------------------------------
    Entry("GET", "/api/v1/projects", "/api/v1/projects", bearer(200)),
    Entry("POST", "/api/v1/projects", "/api/v1/projects", KEEPS_API, json=NEW_PROJECT),
    Entry("GET", "/api/v1/projects/<code>", "/api/v1/projects/P-CA", SEES_CA_API),
    Entry("GET", "/api/v1/projects/<code>", "/api/v1/projects/NONE", bearer(404),
          note="no such project"),
    Entry("POST", "/api/v1/projects/<code>/accept", "/api/v1/projects/P-CA/accept",
          ACCEPTS_API, json=ACCEPTANCE, note="before the committee's sign-off"),
    Entry("POST", "/api/v1/projects/<code>/sign-off", "/api/v1/projects/P-CA/sign-off",
          SIGNS_OFF_API, json={"community": "CA"}),
    # --- ticket pages -------------------------------------------------------------
    Entry("GET", "/tickets", "/tickets", logged_in(200)),
    Entry("GET", "/tickets/new", "/tickets/new", FILES_FORM_PAGE),
    Entry("GET", "/tickets/new", "/tickets/new?community=CA&building=1", QR_FORM_PAGE,
          note="the QR code's link"),
    Entry("GET", "/tickets/new", "/tickets/new?community=NONE&building=1",
          grid(Redirect("/report/NONE/1"), *[404] * 9, 403, 403, 403), note="no such community"),
    Entry("POST", "/tickets/new", "/tickets/new", FILES_CA_PAGE, form=TICKET_FORM),
    Entry("POST", "/tickets/new", "/tickets/new", FILES_CA_1_PAGE,
          form={**TICKET_FORM, "building": "1"}, note="a building's common areas"),
    Entry("POST", "/tickets/new", "/tickets/new", FILERS_400_PAGE,
          form={**TICKET_FORM, "community": "NONE"}, note="no such community"),
    Entry("POST", "/tickets/new", "/tickets/new", everyone(400), form=TICKET_FORM,
          csrf=False, note="no CSRF token"),
    Entry("GET", "/tickets/preview", "/tickets/preview?category=water_supply&community=CA",
          PREVIEWS_CA_PAGE),
    Entry("GET", "/tickets/preview",
          "/tickets/preview?category=water_supply&community=NONE", logged_in(400),
          note="no such community"),
    Entry("POST", "/tickets/preview", "/tickets/preview", PREVIEWS_CA_PAGE,
          form={"category": "water_supply", "community": "CA", "description": "漏水"},
          note="the filing form's preview button"),
    Entry("POST", "/tickets/preview", "/tickets/preview", everyone(400),
          form={"category": "water_supply", "community": "CA"}, csrf=False,
          note="no CSRF token"),
    Entry("GET", "/tickets/<int:ticket_id>", "/tickets/{T_A}", SEES_T_A_PAGE),
    Entry("GET", "/tickets/<int:ticket_id>", "/tickets/{T_B}", SEES_T_B_PAGE),
    Entry("GET", "/tickets/<int:ticket_id>", "/tickets/{MISSING}", logged_in(404),
          note="no such ticket"),
    Entry("POST", "/tickets/<int:ticket_id>/actions", "/tickets/{T_A}/actions",
          ACCEPTS_T_A_PAGE, form=ACCEPT),
    Entry("POST", "/tickets/<int:ticket_id>/actions", "/tickets/{T_A}/actions",
          REASSIGNS_T_A_PAGE, form=REASSIGN),
    Entry("POST", "/tickets/<int:ticket_id>/actions", "/tickets/{T_A}/actions",
          CANCELS_T_A_PAGE, form=CANCEL),
    Entry("POST", "/tickets/<int:ticket_id>/actions", "/tickets/{T_A}/actions",
          everyone(400), form=ACCEPT, csrf=False, note="no CSRF token"),
    Entry("POST", "/tickets/<int:ticket_id>/photos", "/tickets/{T_A}/photos",
          ADDS_PHOTO_T_A_PAGE, form={"photos": PNG, "purpose": "report"}),
    Entry("GET", "/callbacks", "/callbacks", CALL_LIST_PAGE),
    Entry("POST", "/tickets/<int:ticket_id>/callbacks", "/tickets/{T_A}/callbacks",
          CALLS_T_A_PAGE, form={"result": "not_reached"}),
    Entry("POST", "/tickets/<int:ticket_id>/callbacks", "/tickets/{T_A}/callbacks",
          everyone(400), form={"result": "not_reached"}, csrf=False, note="no CSRF token"),
    Entry("POST", "/tickets/<int:ticket_id>/photos", "/tickets/{T_A}/photos",
          everyone(400), form={"photos": PNG, "purpose": "report"}, csrf=False,
          note="no CSRF token"),
    Entry("GET", "/tickets/<int:ticket_id>/photos/<int:photo_id>",
          "/tickets/{T_A}/photos/{P_A}", SEES_T_A_PAGE),
    Entry("GET", "/tickets/<int:ticket_id>/photos/<int:photo_id>",
          "/tickets/{T_B}/photos/{P_A}", logged_in(404), note="a photo of another ticket"),
    Entry("GET", "/communities/<code>/buildings/<building_code>/qr",
          "/communities/CA/buildings/1/qr", QR_CA_PAGE),
    # The building's public page: what its QR code opens without a login, for anyone.
    Entry("GET", "/report/<code>/<building_code>", "/report/CA/1", everyone(200)),
    Entry("GET", "/report/<code>/<building_code>", "/report/CA/9", everyone(404),
          note="no such building"),
    Entry("POST", "/report/<code>/<building_code>", "/report/CA/1",
          everyone(Redirect("/report/CA/1")), form=PUBLIC_REPORT),
    Entry("POST", "/report/<code>/<building_code>", "/report/CA/1", everyone(400),
          form=PUBLIC_REPORT, csrf=False, note="no CSRF token"),
    Entry("GET", "/communities/<code>/buildings/<building_code>/qr",
          "/communities/CB/buildings/1/qr", QR_CB_PAGE),
    Entry("GET", "/communities/<code>/buildings/<building_code>/qr",
          "/communities/CA/buildings/9/qr", logged_in(404), note="no such building"),
    Entry("GET", "/communities/<code>/buildings/<building_code>/qr.svg",
          "/communities/CA/buildings/1/qr.svg", QR_CA_PAGE),
    Entry("GET", "/reports/tickets", "/reports/tickets", TICKET_REPORT_PAGE),
    Entry("GET", "/reports/tickets.xlsx", "/reports/tickets.xlsx", TICKET_REPORT_PAGE),
    # --- evaluation pages ---------------------------------------------------------
    Entry("GET", "/evaluation", "/evaluation?period=2025-05", SCORES_PAGE),
    Entry("GET", "/evaluation.xlsx", "/evaluation.xlsx?period=2025-05", SCORES_XLSX),
    Entry("POST", "/evaluation/publish", "/evaluation/publish", PUBLISHES_PAGE,
          form={"period": "2025-05", "region": "D1"}),
    Entry("POST", "/evaluation/publish", "/evaluation/publish", everyone(400),
          form={"period": "2025-05", "region": "D1"}, csrf=False, note="no CSRF token"),
    Entry("GET", "/evaluation/bulletins", "/evaluation/bulletins", logged_in(200)),
    Entry("GET", "/evaluation/bulletins/<int:bulletin_id>", "/evaluation/bulletins/{MISSING}",
          logged_in(404), note="no such bulletin"),
    Entry("GET", "/orgs/<code>/deductions", "/orgs/PM-A/deductions", DEDUCTIONS_PAGE),
    Entry("POST", "/orgs/<code>/deductions", "/orgs/PM-A/deductions", DEDUCTS_PAGE,
          form=DEDUCTION),
    Entry("POST", "/orgs/<code>/deductions", "/orgs/PM-A/deductions", everyone(400),
          form=DEDUCTION, csrf=False, note="no CSRF token"),
    Entry("GET", "/orgs/<code>/deductions/<int:deduction_id>/photo",
          "/orgs/PM-A/deductions/{MISSING}/photo", DEDUCTION_PHOTO, note="no such deduction"),
    # --- notification pages -------------------------------------------------------
    Entry("GET", "/notifications", "/notifications", logged_in(200)),
    Entry("POST", "/notifications/read", "/notifications/read", READS_N_A_PAGE,
          form={"id": "{N_A}"}),
    Entry("POST", "/notifications/read", "/notifications/read", logged_in(NOTIFICATIONS),
          form={}, note="all of one's own"),
    Entry("POST", "/notifications/read", "/notifications/read", everyone(400), form={},
          csrf=False, note="no CSRF token"),
    # --- API: tickets -------------------------------------------------------------
    Entry("GET", "/api/v1/tickets", "/api/v1/tickets", bearer(200)),
    Entry("GET", "/api/v1/tickets", "/api/v1/tickets?status=lost", bearer(400),
          note="no such status"),
    Entry("POST", "/api/v1/tickets", "/api/v1/tickets", FILES_CA_API, json=NEW_TICKET),
    Entry("POST", "/api/v1/public-reports", "/api/v1/public-reports", everyone(201),
          json={**PUBLIC_REPORT, "community": "CA", "building": "1"}, note="no login needed"),
    Entry("POST", "/api/v1/public-reports", "/api/v1/public-reports", everyone(404),
          json={**PUBLIC_REPORT, "community": "NONE", "building": "1"},
          note="no such community"),
    Entry("POST", "/api/v1/tickets", "/api/v1/tickets", grid(401, *[404] * 9, 403, 403, 403),
          json={**NEW_TICKET, "community": "NONE"}, note="no such community"),
    Entry("GET", "/api/v1/tickets/<int:ticket_id>", "/api/v1/tickets/{T_A}", SEES_T_A_API),
    Entry("GET", "/api/v1/tickets/<int:ticket_id>", "/api/v1/tickets/{T_B}", SEES_T_B_API),
    Entry("GET", "/api/v1/tickets/<int:ticket_id>", "/api/v1/tickets/{MISSING}",
          bearer(404), note="no such ticket"),
    Entry("POST", "/api/v1/tickets/<int:ticket_id>/actions", "/api/v1/tickets/{T_A}/actions",
          ACCEPTS_T_A_API, json=ACCEPT),
    Entry("POST", "/api/v1/tickets/<int:ticket_id>/actions", "/api/v1/tickets/{T_A}/actions",
          REASSIGNS_T_A_API, json=REASSIGN),
    Entry("POST", "/api/v1/tickets/<int:ticket_id>/actions", "/api/v1/tickets/{T_A}/actions",
          CANCELS_T_A_API, json=CANCEL),
    Entry("GET", "/api/v1/routing/preview",
          "/api/v1/routing/preview?category=water_supply&community=CA", SEES_CA_API),
    Entry("GET", "/api/v1/routing/preview",
          "/api/v1/routing/preview?category=water_supply&community=NONE", bearer(404),
          note="no such community"),
    Entry("POST", "/api/v1/tickets/<int:ticket_id>/photos", "/api/v1/tickets/{T_A}/photos",
          ADDS_PHOTO_T_A_API, form={"photos": PNG, "purpose": "report"}),
    Entry("GET", "/api/v1/tickets/<int:ticket_id>/photos/<int:photo_id>",
          "/api/v1/tickets/{T_A}/photos/{P_A}", SEES_T_A_API),
    Entry("GET", "/api/v1/tickets/<int:ticket_id>/photos/<int:photo_id>",
          "/api/v1/tickets/{T_B}/photos/{P_A}", bearer(404), note="a photo of another ticket"),
    Entry("GET", "/api/v1/reports/tickets", "/api/v1/reports/tickets", TICKET_REPORT_API),
    Entry("POST", "/api/v1/tickets/<int:ticket_id>/callbacks",
          "/api/v1/tickets/{T_A}/callbacks", CALLS_T_A_API, json={"reached": False}),
    Entry("GET", "/api/v1/callbacks", "/api/v1/callbacks", CALL_LIST_API),
    Entry("GET", "/api/v1/reports/evaluation", "/api/v1/reports/evaluation?period=2025-05",
          SCORES_API),
    Entry("POST", "/api/v1/orgs/<code>/deductions", "/api/v1/orgs/PM-A/deductions",
          DEDUCTS_API, json={**DEDUCTION, "points": 2}),
    Entry("POST", "/api/v1/evaluation/bulletins", "/api/v1/evaluation/bulletins",
          PUBLISHES_API, json={"period": "2025-05", "region": "D1"}),
    # --- API: notifications -------------------------------------------------------
    Entry("GET", "/api/v1/notifications", "/api/v1/notifications", bearer(200)),
    Entry("POST", "/api/v1/notifications/<int:notification_id>/read",
          "/api/v1/notifications/{N_A}/read", READS_N_A_API),
    Entry("POST", "/api/v1/notifications/read", "/api/v1/notifications/read", bearer(200)),
    # --- organisations' integrations page ---------------------------------------
    Entry("GET", "/orgs/<code>/integrations", "/orgs/W-D1/integrations", KEEPS_W_D1_PAGE),
    Entry("POST", "/orgs/<code>/integrations/keys", "/orgs/W-D1/integrations/keys",
          KEEPS_W_D1_PAGE, form={}),
    Entry("POST", "/orgs/<code>/integrations/keys/<key_id>/revoke",
          "/orgs/W-D1/integrations/keys/999999/revoke", MISSING_W_D1_PAGE, form={}),
    Entry("POST", "/orgs/<code>/integrations/webhooks", "/orgs/W-D1/integrations/webhooks",
          KEEPS_W_D1_PAGE, form=NEW_WEBHOOK_FORM),
    Entry("POST", "/orgs/<code>/integrations/webhooks/<webhook_id>/delete",
          "/orgs/W-D1/integrations/webhooks/999999/delete", MISSING_W_D1_PAGE, form={}),
    Entry("GET", "/orgs/<code>/integrations/webhooks/<webhook_id>",
          "/orgs/W-D1/integrations/webhooks/999999", MISSING_W_D1_PAGE),
    Entry("POST", "/orgs/<code>/integrations/webhooks/<webhook_id>/deliveries/<delivery_id>/resend",
          "/orgs/W-D1/integrations/webhooks/999999/deliveries/1/resend", MISSING_W_D1_PAGE,
          form={}),
    # --- API: organisations' integrations ---------------------------------------
    Entry("POST", "/api/v1/orgs/<code>/api-keys", "/api/v1/orgs/W-D1/api-keys", KEEPS_W_D1_API),
    Entry("POST", "/api/v1/orgs/<code>/api-keys", "/api/v1/orgs/NONE/api-keys", bearer(404),
          note="no such organisation"),
    Entry("GET", "/api/v1/orgs/<code>/api-keys", "/api/v1/orgs/W-D1/api-keys", READS_W_D1_API),
    Entry("DELETE", "/api/v1/orgs/<code>/api-keys/<key_id>", "/api/v1/orgs/W-D1/api-keys/999999",
          MISSING_W_D1_API),
    Entry("POST", "/api/v1/orgs/<code>/webhooks", "/api/v1/orgs/W-D1/webhooks", KEEPS_W_D1_API,
          json=NEW_WEBHOOK),
    Entry("GET", "/api/v1/orgs/<code>/webhooks", "/api/v1/orgs/W-D1/webhooks", READS_W_D1_API),
    Entry("DELETE", "/api/v1/orgs/<code>/webhooks/<webhook_id>",
          "/api/v1/orgs/W-D1/webhooks/999999", MISSING_W_D1_API),
    Entry("GET", "/api/v1/orgs/<code>/webhooks/<webhook_id>/deliveries",
          "/api/v1/orgs/W-D1/webhooks/999999/deliveries", MISSING_W_D1_API),
    Entry("POST", "/api/v1/orgs/<code>/webhooks/<webhook_id>/deliveries/<delivery_id>/resend",
          "/api/v1/orgs/W-D1/webhooks/999999/deliveries/1/resend", MISSING_W_D1_API),
    # --- Open311 GeoReport v2 -----------------------------------------------------
    Entry("GET", O311_DISCOVERY, "/open311/v2/discovery.json", everyone(200)),
    Entry("GET", O311_DISCOVERY, "/open311/v2/discovery.xml", everyone(200)),
    Entry("GET", O311_SERVICES, "/open311/v2/services.json", everyone(200)),
    Entry("GET", O311_SERVICES, "/open311/v2/services.xml", everyone(200)),
    Entry("GET", O311_SERVICE, "/open311/v2/services/gas.json", everyone(200)),
    Entry("GET", O311_SERVICE, "/open311/v2/services/nope.xml", everyone(404),
          note="no such service"),
    Entry("GET", O311_REQUESTS, "/open311/v2/requests.json", everyone(200)),
    Entry("GET", O311_REQUESTS, "/open311/v2/requests.xml", everyone(200), token=False,
          note="public"),
    Entry("GET", O311_REQUESTS, "/open311/v2/requests.json?api_key=nonsense",
          everyone(401), token=False, note="not a key"),
    Entry("POST", O311_REQUESTS, "/open311/v2/requests.json", FILES_CA_311,
          form=OPEN311_REQUEST),
    Entry("POST", O311_REQUESTS, "/open311/v2/requests.xml", FILES_CA_311,
          form=OPEN311_REQUEST),
    Entry("GET", O311_REQUEST, "/open311/v2/requests/{T_A}.json", SEES_T_A_311),
    Entry("GET", O311_REQUEST, "/open311/v2/requests/{T_A_NUMBER}.xml", SEES_T_A_311,
          note="by its number"),
    Entry("GET", O311_REQUEST, "/open311/v2/requests/{T_B}.json", SEES_T_B_311),
    Entry("GET", O311_REQUEST, "/open311/v2/requests/{T_B}.xml", everyone(200), token=False,
          note="public"),
    Entry("GET", O311_REQUEST, "/open311/v2/requests/{MISSING}.json", everyone(404),
          note="no such request"),
    Entry("GET", O311_TOKEN, "/open311/v2/tokens/abc.json", everyone(404),
          note="no tokens are issued"),
    # --- fee pages ----------------------------------------------------------------
    Entry("GET", "/communities/<code>/fees", "/communities/CA/fees", READS_CA_FEES_PAGE),
    Entry("GET", "/communities/<code>/fees", "/communities/CA/fees?period=2025-05",
          READS_CA_FEES_PAGE, note="a month's bills"),
    Entry("GET", "/communities/<code>/fees", "/communities/CB/fees", READS_CB_FEES_PAGE),
    Entry("GET", "/communities/<code>/fees", "/communities/NONE/fees", logged_in(404),
          note="no such community"),
    Entry("POST", "/communities/<code>/fees/standards", "/communities/CA/fees/standards",
          KEEPS_CA_FEES_PAGE, form=STANDARD_FORM),
    Entry("POST", "/communities/<code>/fees/standards", "/communities/CA/fees/standards",
          everyone(400), form=STANDARD_FORM, csrf=False, note="no CSRF token"),
    Entry("POST", "/communities/<code>/fees/billing", "/communities/CA/fees/billing",
          KEEPS_CA_FEES_PAGE, form=BILLING_FORM),
    Entry("POST", "/communities/<code>/fees/billing", "/communities/CA/fees/billing",
          everyone(400), form=BILLING_FORM, csrf=False, note="no CSRF token"),
    Entry("POST", "/communities/<code>/fees/payments", "/communities/CA/fees/payments",
          KEEPS_CA_FEES_PAGE, form=PAYMENT_FORM),
    Entry("POST", "/communities/<code>/fees/payments", "/communities/CA/fees/payments",
          everyone(400), form=PAYMENT_FORM, csrf=False, note="no CSRF token"),
    Entry("POST", "/communities/<code>/fees/payments/import",
          "/communities/CA/fees/payments/import", IMPORTS_CA_FEES_PAGE, form={"file": XLSX}),
    Entry("GET", "/communities/<code>/fees/payments/template.xlsx",
          "/communities/CA/fees/payments/template.xlsx", IMPORTS_CA_FEES_PAGE),
    Entry("POST", "/communities/<code>/fees/payments/import",
          "/communities/CA/fees/payments/import", everyone(400), form={"file": XLSX},
          csrf=False, note="no CSRF token"),
    Entry("POST", "/bills/<int:bill_id>/adjustments", "/bills/{B_N}/adjustments",
          KEEPS_CA_FEES_PAGE, form=ADJUSTMENT),
    Entry("POST", "/bills/<int:bill_id>/adjustments", "/bills/{B_A}/adjustments",
          KEEPS_CA_FEES_PAGE, form=ADJUSTMENT, note="resident_a's own bill"),
    Entry("POST", "/bills/<int:bill_id>/adjustments", "/bills/{MISSING}/adjustments",
          logged_in(404), form=ADJUSTMENT, note="no such bill"),
    Entry("POST", "/bills/<int:bill_id>/adjustments", "/bills/{B_N}/adjustments",
          everyone(400), form=ADJUSTMENT, csrf=False, note="no CSRF token"),
    Entry("GET", "/bills", "/bills", MY_BILLS_PAGE),
    Entry("GET", "/reports/collection", "/reports/collection", READS_COLLECTION_PAGE),
    Entry("GET", "/reports/collection", "/reports/collection?level=city", BAD_COLLECTION_PAGE,
          note="no such level"),
    Entry("GET", "/reports/collection.xlsx", "/reports/collection.xlsx",
          READS_COLLECTION_PAGE),
    Entry("GET", "/reports/collection.xlsx", "/reports/collection.xlsx?level=city",
          BAD_COLLECTION_PAGE, note="no such level"),
    Entry("GET", "/communities/<code>/revenue", "/communities/CA/revenue", SEES_CA_PAGE),
    Entry("GET", "/communities/<code>/revenue", "/communities/CB/revenue", SEES_CB_PAGE),
    Entry("GET", "/communities/<code>/revenue", "/communities/NONE/revenue", logged_in(404),
          note="no such community"),
    Entry("POST", "/communities/<code>/revenue", "/communities/CA/revenue",
          KEEPS_CA_REVENUE_PAGE, form=REVENUE_FORM),
    Entry("POST", "/communities/<code>/revenue", "/communities/CA/revenue", everyone(400),
          form=REVENUE_FORM, csrf=False, note="no CSRF token"),
    Entry("GET", "/communities/<code>/notices", "/communities/CA/notices", SEES_CA_PAGE),
    Entry("GET", "/communities/<code>/notices", "/communities/CB/notices", SEES_CB_PAGE),
    Entry("GET", "/communities/<code>/notices", "/communities/NONE/notices", logged_in(404),
          note="no such community"),
    # --- API: fees ----------------------------------------------------------------
    Entry("GET", "/api/v1/communities/<code>/fee-standards",
          "/api/v1/communities/CA/fee-standards", SEES_CA_API),
    Entry("GET", "/api/v1/communities/<code>/fee-standards",
          "/api/v1/communities/CB/fee-standards", SEES_CB_API),
    Entry("GET", "/api/v1/communities/<code>/fee-standards",
          "/api/v1/communities/NONE/fee-standards", bearer(404), note="no such community"),
    Entry("POST", "/api/v1/communities/<code>/fee-standards",
          "/api/v1/communities/CA/fee-standards", KEEPS_CA_FEES_API, json=NEW_STANDARD),
    Entry("POST", "/api/v1/billing/run", "/api/v1/billing/run", BILLS_CA_API,
          json={"period": NEXT_PERIOD, "community": "CA"}),
    Entry("POST", "/api/v1/payments", "/api/v1/payments", KEEPS_CA_102_API, json=NEW_PAYMENT),
    Entry("POST", "/api/v1/payments/import", "/api/v1/payments/import", IMPORTS_PAYMENTS_API,
          form={"file": XLSX}),
    Entry("GET", "/api/v1/bills", "/api/v1/bills", bearer(200)),
    Entry("GET", "/api/v1/bills", "/api/v1/bills?status=lost", bearer(400),
          note="no such status"),
    Entry("POST", "/api/v1/bills/<int:bill_id>/adjustments", "/api/v1/bills/{B_N}/adjustments",
          KEEPS_CA_102_API, json=ADJUSTMENT),
    Entry("POST", "/api/v1/bills/<int:bill_id>/adjustments", "/api/v1/bills/{B_A}/adjustments",
          KEEPS_B_A_API, json=ADJUSTMENT, note="resident_a's own bill"),
    Entry("POST", "/api/v1/bills/<int:bill_id>/adjustments",
          "/api/v1/bills/{MISSING}/adjustments", bearer(404), json=ADJUSTMENT,
          note="no such bill"),
    Entry("GET", "/api/v1/reports/collection", "/api/v1/reports/collection",
          READS_COLLECTION_API),
    Entry("GET", "/api/v1/reports/collection", "/api/v1/reports/collection?level=city",
          BAD_COLLECTION_API, note="no such level"),
    Entry("GET", "/api/v1/communities/<code>/revenue", "/api/v1/communities/CA/revenue",
          SEES_CA_API),
    Entry("GET", "/api/v1/communities/<code>/revenue", "/api/v1/communities/CB/revenue",
          SEES_CB_API),
    Entry("POST", "/api/v1/communities/<code>/revenue", "/api/v1/communities/CA/revenue",
          KEEPS_CA_REVENUE_API, json=NEW_REVENUE),
    # --- the maintenance fund (docs/domain.md#fund) -------------------------------
    Entry("GET", "/communities/<code>/fund", "/communities/CA/fund", SEES_CA_PAGE),
    Entry("GET", "/communities/<code>/fund", "/communities/CB/fund", SEES_CB_PAGE),
    Entry("GET", "/communities/<code>/fund.xlsx", "/communities/CA/fund.xlsx", SEES_CA_PAGE),
    Entry("GET", "/communities/<code>/fund.xlsx", "/communities/CB/fund.xlsx", SEES_CB_PAGE),
    Entry("POST", "/communities/<code>/fund/entries", "/communities/CA/fund/entries",
          KEEPS_CA_FUND_PAGE, form=FUND_FORM),
    Entry("POST", "/communities/<code>/fund/deposits", "/communities/CA/fund/deposits",
          KEEPS_CA_FUND_PAGE, form=DEPOSITS_FORM),
    Entry("POST", "/fund/entries/<int:entry_id>/sign", "/fund/entries/{F_A}/sign",
          SIGNS_CA_FUND_PAGE, note="CA's pending spend"),
    Entry("POST", "/fund/entries/<int:entry_id>/sign", "/fund/entries/{MISSING}/sign",
          logged_in(404), note="no such entry"),
    Entry("GET", "/api/v1/communities/<code>/fund", "/api/v1/communities/CA/fund", SEES_CA_API),
    Entry("GET", "/api/v1/communities/<code>/fund", "/api/v1/communities/CB/fund", SEES_CB_API),
    Entry("POST", "/api/v1/communities/<code>/fund/entries",
          "/api/v1/communities/CA/fund/entries", KEEPS_CA_FUND_API, json=NEW_FUND_ENTRY),
    Entry("POST", "/api/v1/communities/<code>/fund/entries",
          "/api/v1/communities/CB/fund/entries", KEEPS_CB_FUND_API, json=NEW_FUND_ENTRY,
          note="a community the bureau does not oversee"),
    Entry("POST", "/api/v1/fund/entries/<int:entry_id>/sign", "/api/v1/fund/entries/{F_A}/sign",
          SIGNS_CA_FUND_API, note="CA's pending spend"),
    Entry("POST", "/api/v1/fund/entries/<int:entry_id>/sign",
          "/api/v1/fund/entries/{MISSING}/sign", bearer(404), note="no such entry"),
    # --- governance pages: the owners' committee ---------------------------------
    Entry("GET", "/communities/<code>/committee", "/communities/CA/committee", SEES_CA_PAGE),
    Entry("GET", "/communities/<code>/committee", "/communities/CB/committee", SEES_CB_PAGE),
    Entry("GET", "/communities/<code>/committee", "/communities/NONE/committee",
          logged_in(404), note="no such community"),
    Entry("POST", "/communities/<code>/committee/prepare", "/communities/CC/committee/prepare",
          oversees_cc(CC_COMMITTEE), form=PREPARE_FORM),
    Entry("POST", "/communities/<code>/committee/prepare", "/communities/CA/committee/prepare",
          oversees_ca(409), form=PREPARE_FORM, note="one is being prepared"),
    Entry("POST", "/communities/<code>/committee/prepare", "/communities/CC/committee/prepare",
          everyone(400), form=PREPARE_FORM, csrf=False, note="no CSRF token"),
    Entry("POST", "/communities/<code>/committee/candidates",
          "/communities/CA/committee/candidates", PROPOSES_SELF_PAGE, form={"person": "P-A"},
          note="resident_a's own person"),
    Entry("POST", "/communities/<code>/committee/candidates",
          "/communities/CA/committee/candidates", oversees_ca(CA_COMMITTEE),
          form={"person": "P-A201"}, note="another owner"),
    Entry("POST", "/communities/<code>/committee/candidates",
          "/communities/CA/committee/candidates", everyone(400), form={"person": "P-A"},
          csrf=False, note="no CSRF token"),
    Entry("POST", "/communities/<code>/committee/candidates/<person>/vetting",
          "/communities/CA/committee/candidates/P-AC/vetting", oversees_ca(CA_COMMITTEE),
          form=VETTING),
    Entry("POST", "/communities/<code>/committee/candidates/<person>/vetting",
          "/communities/CA/committee/candidates/P-A201/vetting", oversees_ca(404),
          form=VETTING, note="no such candidate"),
    Entry("POST", "/communities/<code>/committee/candidates/<person>/vetting",
          "/communities/CA/committee/candidates/P-AC/vetting", everyone(400), form=VETTING,
          csrf=False, note="no CSRF token"),
    Entry("POST", "/communities/<code>/committee/activate", "/communities/CA/committee/activate",
          oversees_ca(422), form=ACTIVATE_FORM, note="not elected yet"),
    Entry("POST", "/communities/<code>/committee/activate", "/communities/CA/committee/activate",
          everyone(400), form=ACTIVATE_FORM, csrf=False, note="no CSRF token"),
    Entry("POST", "/communities/<code>/committee/interim", "/communities/CC/committee/interim",
          oversees_cc(CC_COMMITTEE), form=INTERIM_FORM),
    Entry("POST", "/communities/<code>/committee/interim", "/communities/CA/committee/interim",
          oversees_ca(409), form=INTERIM_FORM, note="a committee is in office"),
    Entry("POST", "/communities/<code>/committee/interim", "/communities/CC/committee/interim",
          everyone(400), form=INTERIM_FORM, csrf=False, note="no CSRF token"),
    Entry("POST", "/communities/<code>/committee/expire", "/communities/CA/committee/expire",
          oversees_ca(CA_COMMITTEE), form=EXPIRY_FORM),
    Entry("POST", "/communities/<code>/committee/expire", "/communities/CA/committee/expire",
          everyone(400), form=EXPIRY_FORM, csrf=False, note="no CSRF token"),
    # --- governance pages: assembly votes -----------------------------------------
    Entry("GET", "/communities/<code>/votes", "/communities/CA/votes", SEES_CA_PAGE),
    Entry("GET", "/communities/<code>/votes", "/communities/CB/votes", SEES_CB_PAGE),
    Entry("GET", "/communities/<code>/votes", "/communities/NONE/votes", logged_in(404),
          note="no such community"),
    Entry("GET", "/communities/<code>/votes/new", "/communities/CA/votes/new",
          convenes_ca(200)),
    Entry("POST", "/communities/<code>/votes/new", "/communities/CA/votes/new",
          convenes_ca(V_NEW), form=VOTE_FORM),
    Entry("POST", "/communities/<code>/votes/new", "/communities/CA/votes/new",
          convenes_ca(422), form={**VOTE_FORM, "matter": "elect_committee"},
          note="the slate does not fit"),
    Entry("POST", "/communities/<code>/votes/new", "/communities/CA/votes/new",
          everyone(400), form=VOTE_FORM, csrf=False, note="no CSRF token"),
    Entry("GET", "/votes/<int:vote_id>", "/votes/{V_A}", SEES_CA_PAGE),
    Entry("GET", "/votes/<int:vote_id>", "/votes/{V_C}", SEES_CA_PAGE, note="closed"),
    Entry("GET", "/votes/<int:vote_id>", "/votes/{V_B}", SEES_CB_PAGE),
    Entry("GET", "/votes/<int:vote_id>", "/votes/{MISSING}", logged_in(404),
          note="no such vote"),
    Entry("POST", "/votes/<int:vote_id>/ballot", "/votes/{V_A}/ballot", OWN_BALLOT_V_A_PAGE,
          form=APPROVE),
    Entry("POST", "/votes/<int:vote_id>/ballot", "/votes/{V_A}/ballot", convenes_ca(V_A),
          form=PAPER_BALLOT, note="a paper ballot"),
    Entry("POST", "/votes/<int:vote_id>/ballot", "/votes/{MISSING}/ballot", logged_in(404),
          form=APPROVE, note="no such vote"),
    Entry("POST", "/votes/<int:vote_id>/ballot", "/votes/{V_A}/ballot", everyone(400),
          form=APPROVE, csrf=False, note="no CSRF token"),
    Entry("POST", "/votes/<int:vote_id>/close", "/votes/{V_O}/close", convenes_ca(V_O)),
    Entry("POST", "/votes/<int:vote_id>/close", "/votes/{V_A}/close", convenes_ca(409),
          note="open until its closing time"),
    Entry("POST", "/votes/<int:vote_id>/close", "/votes/{V_O}/close", everyone(400),
          csrf=False, note="no CSRF token"),
    # --- governance pages: terms and coverage -------------------------------------
    Entry("GET", "/communities/<code>/terms", "/communities/CA/terms", SEES_CA_PAGE),
    Entry("GET", "/communities/<code>/terms", "/communities/CB/terms", SEES_CB_PAGE),
    Entry("GET", "/communities/<code>/terms", "/communities/NONE/terms", logged_in(404),
          note="no such community"),
    Entry("POST", "/communities/<code>/terms", "/communities/CA/terms",
          decides_ca_terms(CA_TERMS), form=TERM_FORM),
    Entry("POST", "/communities/<code>/terms", "/communities/CA/terms", decides_ca_terms(422),
          form=IMPOSED_TERM_FORM, note="imposed while a committee is in office"),
    Entry("POST", "/communities/<code>/terms", "/communities/CA/terms", everyone(400),
          form=TERM_FORM, csrf=False, note="no CSRF token"),
    Entry("POST", "/communities/<code>/management-plan", "/communities/CA/management-plan",
          plans_for_ca(CA_PLANS), form=PLAN_FORM),
    Entry("POST", "/communities/<code>/management-plan", "/communities/CB/management-plan",
          plans_for_cb(CB_PLANS), form=PLAN_FORM),
    Entry("POST", "/communities/<code>/management-plan", "/communities/CA/management-plan",
          plans_for_ca(400), form={**PLAN_FORM, "note": ""}, note="no note"),
    Entry("POST", "/communities/<code>/management-plan",
          "/communities/NONE/management-plan", logged_in(404), form=PLAN_FORM,
          note="no such community"),
    Entry("POST", "/communities/<code>/management-plan", "/communities/CA/management-plan",
          everyone(400), form=PLAN_FORM, csrf=False, note="no CSRF token"),
    Entry("GET", "/reports/coverage", "/reports/coverage", READS_COVERAGE_PAGE),
    Entry("GET", "/reports/coverage", "/reports/coverage?on=2025-06-02&level=district",
          READS_COVERAGE_PAGE, note="by district on a day"),
    Entry("GET", "/reports/coverage", "/reports/coverage?level=city", BAD_COVERAGE_PAGE,
          note="no such level"),
    Entry("GET", "/reports/coverage.xlsx", "/reports/coverage.xlsx", READS_COVERAGE_PAGE),
    Entry("GET", "/reports/coverage.xlsx", "/reports/coverage.xlsx?level=city",
          BAD_COVERAGE_PAGE, note="no such level"),
    Entry("GET", "/reports/three-coverages", "/reports/three-coverages", READS_COVERAGE_PAGE),
    Entry("GET", "/reports/three-coverages",
          "/reports/three-coverages?on=2025-06-02&region=S1", READS_COVERAGE_PAGE,
          note="S1 on a day"),
    Entry("GET", "/reports/three-coverages", "/reports/three-coverages?region=D1",
          D1_COVERAGE_PAGE, note="a district: not the street office's"),
    Entry("GET", "/reports/three-coverages", "/reports/three-coverages?region=D2",
          D2_COVERAGE_PAGE, note="another district"),
    Entry("GET", "/reports/three-coverages", "/reports/three-coverages?on=someday",
          BAD_COVERAGE_PAGE, note="no such day"),
    Entry("GET", "/reports/three-coverages.xlsx", "/reports/three-coverages.xlsx",
          READS_COVERAGE_PAGE),
    Entry("GET", "/reports/three-coverages.xlsx", "/reports/three-coverages.xlsx?region=D2",
          D2_COVERAGE_PAGE, note="another district"),
    Entry("GET", "/reports/three-coverages.xlsx", "/reports/three-coverages.xlsx?on=x",
          BAD_COVERAGE_PAGE, note="no such day"),
    # --- API: the owners' committee -----------------------------------------------
    Entry("GET", "/api/v1/communities/<code>/committee", "/api/v1/communities/CA/committee",
          SEES_CA_API),
    Entry("GET", "/api/v1/communities/<code>/committee", "/api/v1/communities/CB/committee",
          SEES_CB_API),
    Entry("GET", "/api/v1/communities/<code>/committee",
          "/api/v1/communities/NONE/committee", bearer(404), note="no such community"),
    Entry("POST", "/api/v1/communities/<code>/committee", "/api/v1/communities/CC/committee",
          oversees_cc(201, api=True), json={"seats": 3}),
    Entry("POST", "/api/v1/communities/<code>/committee", "/api/v1/communities/CA/committee",
          oversees_ca(409, api=True), json={"seats": 3}, note="one is being prepared"),
    Entry("POST", "/api/v1/communities/<code>/committee/candidates",
          "/api/v1/communities/CA/committee/candidates", PROPOSES_SELF_API,
          json={"person": "P-A"}, note="resident_a's own person"),
    Entry("POST", "/api/v1/communities/<code>/committee/candidates",
          "/api/v1/communities/CA/committee/candidates", oversees_ca(201, api=True),
          json={"person": "P-A201"}, note="another owner"),
    Entry("POST", "/api/v1/communities/<code>/committee/candidates/<person>/vetting",
          "/api/v1/communities/CA/committee/candidates/P-AC/vetting",
          oversees_ca(200, api=True), json=VETTING),
    Entry("POST", "/api/v1/communities/<code>/committee/candidates/<person>/vetting",
          "/api/v1/communities/CA/committee/candidates/P-A201/vetting",
          oversees_ca(404, api=True), json=VETTING, note="no such candidate"),
    Entry("POST", "/api/v1/communities/<code>/committee/activate",
          "/api/v1/communities/CA/committee/activate", oversees_ca(422, api=True),
          json=ACTIVATE, note="not elected yet"),
    Entry("POST", "/api/v1/communities/<code>/committee/interim",
          "/api/v1/communities/CC/committee/interim", oversees_cc(201, api=True), json=INTERIM),
    Entry("POST", "/api/v1/communities/<code>/committee/interim",
          "/api/v1/communities/CA/committee/interim", oversees_ca(409, api=True), json=INTERIM,
          note="a committee is in office"),
    Entry("POST", "/api/v1/communities/<code>/committee/expire",
          "/api/v1/communities/CA/committee/expire", oversees_ca(200, api=True), json=EXPIRY),
    # --- API: assembly votes ------------------------------------------------------
    Entry("GET", "/api/v1/communities/<code>/votes", "/api/v1/communities/CA/votes",
          SEES_CA_API),
    Entry("GET", "/api/v1/communities/<code>/votes", "/api/v1/communities/CB/votes",
          SEES_CB_API),
    Entry("GET", "/api/v1/communities/<code>/votes", "/api/v1/communities/NONE/votes",
          bearer(404), note="no such community"),
    Entry("POST", "/api/v1/communities/<code>/votes", "/api/v1/communities/CA/votes",
          convenes_ca(201, api=True), json=NEW_VOTE),
    Entry("POST", "/api/v1/communities/<code>/votes", "/api/v1/communities/CA/votes",
          convenes_ca(422, api=True), json={**NEW_VOTE, "matter": "elect_committee"},
          note="the slate does not fit"),
    Entry("GET", "/api/v1/votes/<int:vote_id>", "/api/v1/votes/{V_A}", SEES_CA_API),
    Entry("GET", "/api/v1/votes/<int:vote_id>", "/api/v1/votes/{V_C}", SEES_CA_API,
          note="closed"),
    Entry("GET", "/api/v1/votes/<int:vote_id>", "/api/v1/votes/{V_B}", SEES_CB_API),
    Entry("GET", "/api/v1/votes/<int:vote_id>", "/api/v1/votes/{MISSING}", bearer(404),
          note="no such vote"),
    Entry("POST", "/api/v1/votes/<int:vote_id>/ballots", "/api/v1/votes/{V_A}/ballots",
          OWN_BALLOT_V_A_API, json=APPROVE),
    Entry("POST", "/api/v1/votes/<int:vote_id>/ballots", "/api/v1/votes/{V_B}/ballots",
          OWN_BALLOT_V_B_API, json=APPROVE),
    Entry("POST", "/api/v1/votes/<int:vote_id>/ballots", "/api/v1/votes/{V_A}/ballots",
          convenes_ca(201, api=True), json=PAPER_BALLOT, note="a paper ballot"),
    Entry("POST", "/api/v1/votes/<int:vote_id>/ballots", "/api/v1/votes/{MISSING}/ballots",
          bearer(404), json=APPROVE, note="no such vote"),
    Entry("GET", "/api/v1/votes/<int:vote_id>/ballots", "/api/v1/votes/{V_C}/ballots",
          READS_BALLOTS_API),
    Entry("GET", "/api/v1/votes/<int:vote_id>/ballots", "/api/v1/votes/{MISSING}/ballots",
          bearer(404), note="no such vote"),
    Entry("POST", "/api/v1/votes/<int:vote_id>/close", "/api/v1/votes/{V_O}/close",
          convenes_ca(200, api=True)),
    Entry("POST", "/api/v1/votes/<int:vote_id>/close", "/api/v1/votes/{V_A}/close",
          convenes_ca(409, api=True), note="open until its closing time"),
    Entry("POST", "/api/v1/votes/<int:vote_id>/close", "/api/v1/votes/{MISSING}/close",
          bearer(404), note="no such vote"),
    # --- API: terms and coverage --------------------------------------------------
    Entry("GET", "/api/v1/communities/<code>/terms", "/api/v1/communities/CA/terms",
          SEES_CA_API),
    Entry("GET", "/api/v1/communities/<code>/terms", "/api/v1/communities/CB/terms",
          SEES_CB_API),
    Entry("GET", "/api/v1/communities/<code>/terms", "/api/v1/communities/NONE/terms",
          bearer(404), note="no such community"),
    Entry("POST", "/api/v1/communities/<code>/terms", "/api/v1/communities/CA/terms",
          decides_ca_terms(201, api=True), json=NEW_TERM),
    Entry("POST", "/api/v1/communities/<code>/terms", "/api/v1/communities/CA/terms",
          decides_ca_terms(422, api=True), json=IMPOSED_TERM,
          note="imposed while a committee is in office"),
    Entry("POST", "/api/v1/communities/<code>/management-plan",
          "/api/v1/communities/CA/management-plan", plans_for_ca(201, api=True),
          json=NEW_PLAN),
    Entry("POST", "/api/v1/communities/<code>/management-plan",
          "/api/v1/communities/CB/management-plan", plans_for_cb(201, api=True),
          json=NEW_PLAN),
    Entry("POST", "/api/v1/communities/<code>/management-plan",
          "/api/v1/communities/CA/management-plan", plans_for_ca(400, api=True),
          json={"mode": "hired", "note": "x"}, note="no such mode"),
    Entry("POST", "/api/v1/communities/<code>/management-plan",
          "/api/v1/communities/NONE/management-plan", bearer(404), json=NEW_PLAN,
          note="no such community"),
    Entry("GET", "/api/v1/reports/coverage", "/api/v1/reports/coverage", READS_COVERAGE_API),
    Entry("GET", "/api/v1/reports/coverage",
          "/api/v1/reports/coverage?on=2025-06-02&level=district", READS_COVERAGE_API,
          note="by district on a day"),
    Entry("GET", "/api/v1/reports/coverage", "/api/v1/reports/coverage?level=city",
          BAD_COVERAGE_API, note="no such level"),
    Entry("GET", "/api/v1/reports/three-coverages", "/api/v1/reports/three-coverages",
          READS_COVERAGE_API),
    Entry("GET", "/api/v1/reports/three-coverages",
          "/api/v1/reports/three-coverages?on=2025-06-02&region=D1", D1_COVERAGE_API,
          note="a district: not the street office's"),
    Entry("GET", "/api/v1/reports/three-coverages",
          "/api/v1/reports/three-coverages?region=D2", D2_COVERAGE_API,
          note="another district"),
    Entry("GET", "/api/v1/reports/three-coverages", "/api/v1/reports/three-coverages?on=x",
          BAD_COVERAGE_API, note="no such day"),
    # --- surveys ------------------------------------------------------------------
    Entry("GET", "/surveys", "/surveys", logged_in(200)),
    Entry("GET", "/surveys/new", "/surveys/new", DEFINES_PAGE),
    Entry("POST", "/surveys/new", "/surveys/new", DEFINES_FORM, form=SURVEY_FORM),
    Entry("GET", "/surveys/<code>", "/surveys/SV-CA", SEES_SV_CA),
    Entry("GET", "/surveys/<code>", "/surveys/SV-NONE", logged_in(404), note="no such survey"),
    Entry("GET", "/surveys/<code>/answer", "/surveys/SV-CA/answer", SEES_SV_CA),
    Entry("POST", "/surveys/<code>/answer", "/surveys/SV-CA/answer", ANSWERS_SV_CA,
          form=ANSWER_FORM),
    Entry("GET", "/surveys/<code>/record", "/surveys/SV-CA/record", RECORDS_SV_CA),
    Entry("POST", "/surveys/<code>/record", "/surveys/SV-CA/record", RECORDED_SV_CA,
          form=RECORD_FORM),
    Entry("GET", "/surveys/<code>/qr.svg", "/surveys/SV-CA/qr.svg", SEES_SV_CA),
    Entry("GET", "/surveys/<code>/results.xlsx", "/surveys/SV-CA/results.xlsx", RESULTS_SV_CA),
    Entry("GET", "/api/v1/surveys", "/api/v1/surveys", bearer(200)),
    Entry("POST", "/api/v1/surveys", "/api/v1/surveys", DEFINES_API, json=NEW_SURVEY),
    Entry("GET", "/api/v1/surveys/<code>", "/api/v1/surveys/SV-CA", SEES_SV_CA_API),
    Entry("GET", "/api/v1/surveys/<code>", "/api/v1/surveys/SV-CB", SEES_SV_CB_API),
    Entry("GET", "/api/v1/surveys/<code>", "/api/v1/surveys/SV-NONE", bearer(404),
          note="no such survey"),
    Entry("POST", "/api/v1/surveys/<code>/responses", "/api/v1/surveys/SV-CA/responses",
          OWN_ANSWER_SV_CA_API, json=OWN_ANSWER),
    Entry("POST", "/api/v1/surveys/<code>/responses", "/api/v1/surveys/SV-CA/responses",
          PAPER_ANSWER_SV_CA_API, json=PAPER_ANSWER, note="a paper form"),
    Entry("GET", "/api/v1/surveys/<code>/results", "/api/v1/surveys/SV-CA/results",
          RESULTS_SV_CA_API),
    # Building leaders and grid workers.
    Entry("GET", "/api/v1/communities/<code>/building-leaders",
          "/api/v1/communities/CA/building-leaders", ASSIGNS_CA_API),
    Entry("POST", "/api/v1/communities/<code>/building-leaders",
          "/api/v1/communities/CA/building-leaders", ASSIGNED_CA_API, json=NEW_LEADER),
    Entry("POST", "/api/v1/communities/<code>/building-leaders/end",
          "/api/v1/communities/CA/building-leaders/end", ASSIGNS_CA_API,
          json={"user": "leader_a"}),
    Entry("GET", "/api/v1/communities/<code>/grids", "/api/v1/communities/CA/grids",
          ASSIGNS_CA_API),
    Entry("POST", "/api/v1/communities/<code>/grids", "/api/v1/communities/CA/grids",
          ASSIGNED_CA_API, json=NEW_GRID),
    Entry("POST", "/api/v1/communities/<code>/grids/end", "/api/v1/communities/CA/grids/end",
          ASSIGNS_CA_API, json={"user": "grid_a"}),
    Entry("GET", "/api/v1/communities/<code>/grids", "/api/v1/communities/NONE/grids",
          bearer(404), note="no such community"),
    Entry("POST", "/api/v1/proxy-tickets", "/api/v1/proxy-tickets", PROXY_FILES_API,
          json=PROXY_TICKET),
    Entry("GET", "/api/v1/building-tickets", "/api/v1/building-tickets", BUILDING_TICKETS_API),
    Entry("POST", "/api/v1/tickets/<int:ticket_id>/visits", "/api/v1/tickets/{T_A}/visits",
          VISITS_T_A_API, json=VISIT),
    Entry("GET", "/api/v1/tickets/<int:ticket_id>/visits", "/api/v1/tickets/{T_A}/visits",
          SEES_T_A_API),
    Entry("GET", "/communities/<code>/building-leaders", "/communities/CA/building-leaders",
          ASSIGNS_CA_PAGE),
    Entry("POST", "/communities/<code>/building-leaders", "/communities/CA/building-leaders",
          ASSIGNED_CA_PAGE, form={"kind": "building-leaders", "user": "leader_a",
                                  "buildings": "2", "start": ""}),
    Entry("POST", "/communities/<code>/building-leaders/end",
          "/communities/CA/building-leaders/end", ASSIGNED_CA_PAGE,
          form={"kind": "building-leaders", "user": "leader_a"}),
    Entry("GET", "/proxy-tickets/new", "/proxy-tickets/new", PROXY_FORM_PAGE),
    Entry("POST", "/proxy-tickets/new", "/proxy-tickets/new", PROXY_FILES_PAGE, form=PROXY_FORM),
    Entry("POST", "/tickets/<int:ticket_id>/visits", "/tickets/{T_A}/visits", VISITS_T_A_PAGE,
          form=VISIT),
]

# Methods every rule answers by itself; the table covers the rest.
IMPLICIT_METHODS = frozenset({"HEAD", "OPTIONS"})


def table_keys() -> set[tuple[str, str]]:
    """The (rule, method) pairs the table covers."""
    return {(entry.rule, entry.method) for entry in TABLE}

