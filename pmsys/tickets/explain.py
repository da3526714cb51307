"""Ticket words in the reader's language: routing steps, reasons, flags, statuses, actions.

Routing stores its steps as codes with parameters (tickets/routing.py); this
module turns them into sentences through gettext, so a resident reads 供水管网
已于2022-03-01移交… and a utility's English-speaking engineer the same in English.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache

from flask_babel import get_locale
from flask_babel import gettext as _

from pmsys import categories, clock
from pmsys.labels import EVENT_LABELS, HANDOVER_STATUS_LABELS
from pmsys.models.assets import HandoverStatus


def category_label(code: str) -> str:
    """The category's name in the interface's language (the code when unknown)."""
    try:
        return categories.get(code).label
    except KeyError:
        return code


def step_text(step: dict) -> str:
    """One routing step as a sentence."""
    params = dict(step.get("params") or {})
    if "category" in params:
        params["category"] = category_label(params["category"])
    code = step.get("code")
    texts = {
        "duty": lambda p: _("%(category)s is handled by duty by %(org)s", **p),
        "duty_none": lambda p: _("No authority serves %(category)s here; routing goes on", **p),
        "gas_asset": lambda p: _("Gas goes to the gas operator: %(org)s maintains %(asset)s", **p),
        "gas_region": lambda p: _("Gas goes to the gas operator of this area: %(org)s", **p),
        "gas_none": lambda p: _("No gas operator is recorded here; routing goes on"),
        "owner_side": lambda p: _(
            "Inside the home, past the meter, %(category)s is the owner's: a paid service "
            "of the manager", **p),
        "asset_given": lambda p: _("The reporter named the asset %(name)s (%(asset)s)", **p),
        "asset_found": lambda p: _("The asset covering this place: %(name)s (%(asset)s)", **p),
        "no_asset": lambda p: _("No %(category)s asset is recorded for this place", **p),
        "warranty": lambda p: _("Under warranty until %(until)s: the contractor %(org)s", **p),
        "warranty_ended": lambda p: _("The warranty ended on %(until)s", **p),
        "no_warranty": lambda p: _("No warranty is recorded"),
        "order_not_defect": lambda p: _(
            "%(category)s is a matter of order, not a construction defect: no warranty "
            "applies", **p),
        "maintainer": lambda p: _("%(asset)s was handed over to %(org)s on %(since)s", **p),
        "not_handed_over": lambda p: _("%(asset)s has not been handed over", **p),
        "manager": lambda p: _("The community's manager: %(org)s", **p),
        "no_manager": lambda p: _(
            "Nobody manages the community: its street office %(org)s (a coverage gap)", **p),
        "complaint": lambda p: _(
            "A complaint about the manager %(manager)s goes to the street office %(org)s, "
            "never to the manager itself", **p),
        "complaint_no_manager": lambda p: _(
            "A complaint about the manager's service; nobody manages the community under a "
            "term, so it goes to the street office %(org)s", **p),
        "reassigned": lambda p: _("The street office reassigned it to %(org)s: %(note)s", **p),
    }
    render = texts.get(code)
    if render is None:
        return str(code)
    try:
        return render(params)
    except KeyError:
        return str(code)


def steps_text(steps: list[dict]) -> list[str]:
    return [step_text(step) for step in steps or []]


def stored_steps_text(stored: str | None, locale: str | None = None) -> list[str]:
    """The routing steps as stored (their JSON text) as sentences in the reader's language.

    A page of tickets repeats the same few routings; each is put into words
    once per language and process (the catalogues never change while it runs).
    `locale` is the request's, when the caller already knows it.
    """
    return list(_stored_steps_text(locale or str(get_locale()), stored or "[]"))


@lru_cache(maxsize=4096)
def _stored_steps_text(_locale: str, stored: str) -> tuple[str, ...]:
    return tuple(steps_text(json.loads(stored)))


def reason_label(code: str) -> str:
    labels = {
        "service_complaint": _("complaint about the manager"),
        "duty": _("by duty"),
        "gas_emergency": _("gas emergency"),
        "owner_side": _("owner's side (paid service)"),
        "warranty": _("under warranty"),
        "maintainer": _("handed over"),
        "manager": _("the manager"),
        "no_manager": _("no manager"),
    }
    return labels.get(code, code)


def current_reason_label(code: str, steps: list[dict] | None) -> str:
    """Why the ticket's current assignee holds it: the routing's reason, unless the street
    office reassigned it since (then the routing's reason, "handed over" say, was about
    the organisation it left)."""
    if any(step.get("code") == "reassigned" for step in steps or ()):
        return _("reassigned by the street office")
    return reason_label(code)


def flag_label(code: str) -> str:
    labels = {
        "not_handed_over": _("not handed over"),
        "coverage_gap": _("coverage gap"),
        "paid_service": _("paid service"),
        "notify_manager": _("manager notified"),
    }
    return labels.get(code, code)


def status_label(code: str) -> str:
    labels = {
        "assigned": _("assigned"),
        "accepted": _("accepted"),
        "in_progress": _("in progress"),
        "disputed": _("disputed"),
        "resolved": _("resolved"),
        "closed": _("closed"),
        "cancelled": _("cancelled"),
    }
    return labels.get(code, code)


def priority_label(code: str) -> str:
    labels = {"emergency": _("emergency"), "urgent": _("urgent"), "normal": _("normal")}
    return labels.get(code, code)


def action_label(code: str) -> str:
    labels = {
        "file": _("filed"),
        "accept": _("accept"),
        "start": _("start work"),
        "resolve": _("resolve"),
        "dispute": _("dispute"),
        "reassign": _("reassign"),
        "uphold": _("send back"),
        "confirm": _("confirm and rate"),
        "reopen": _("reopen"),
        "cancel": _("cancel"),
        "hurry": _("hurry up"),
        "callback": _("follow-up call"),
        "visit": _("follow-up visit"),
        "comment": _("comment"),
        "escalate": _("escalated"),
        "auto_close": _("closed automatically"),
    }
    return labels.get(code, code)


def notification_text(kind: str, data: dict) -> str:
    """A notification as a sentence in the reader's language."""
    if kind == "handover":
        return _("Hand-over %(code)s: %(action)s, now %(status)s",
                 code=data.get("handover", ""), action=handover_action_label(data.get("action")),
                 status=handover_status_label(data.get("status")))
    if kind in ("vote_opened", "vote_result", "committee_term_ending"):
        return governance_notification_text(kind, data)
    params = {"number": data.get("number", ""), "level": data.get("level", ""),
              "status": status_label(data.get("status", ""))}
    texts = {
        "new": _("New ticket %(number)s for your organisation", **params),
        "reassigned": _("Ticket %(number)s was reassigned to your organisation", **params),
        "escalated": _("Ticket %(number)s escalated to level %(level)s", **params),
        "gas_notice": _("Gas ticket %(number)s in a community you manage", **params),
        "filed": _("Ticket %(number)s was filed for you", **params),
        "status": _("Ticket %(number)s is now %(status)s", **params),
        "comment": _("New comment on ticket %(number)s", **params),
        "disputed": _("Ticket %(number)s is disputed and waits for your decision", **params),
        "upheld": _("Ticket %(number)s was sent back to your organisation", **params),
        "reopened": _("Ticket %(number)s was reopened by the reporter", **params),
        "hurried": _("Ticket %(number)s is overdue and the reporter hurries it up "
                     "(%(count)s times)", count=data.get("count", ""), **params),
    }
    return texts.get(kind, kind)


def governance_notification_text(kind: str, data: dict) -> str:
    """An assembly-vote or committee notification as a sentence in the reader's language."""
    community = data.get("community_name") or data.get("community") or ""
    if kind == "committee_term_ending":
        return _("The owners' committee of %(community)s ends its term on %(term_end)s "
                 "(in %(days)s days)", community=community, term_end=data.get("term_end", ""),
                 days=data.get("days", ""))
    if kind == "vote_opened":
        return _("Assembly vote in %(community)s is open until %(closes_at)s: %(title)s",
                 community=community, closes_at=_local_time(data.get("closes_at")),
                 title=data.get("title", ""))
    if data.get("passed"):
        return _("Assembly vote in %(community)s passed: %(title)s",
                 community=community, title=data.get("title", ""))
    return _("Assembly vote in %(community)s did not pass (%(reason)s): %(title)s",
             community=community, reason=vote_reason_label(data.get("reason")),
             title=data.get("title", ""))


def vote_reason_label(code: str | None) -> str:
    """Why an assembly vote passed or failed, in words (governance.voting.REASONS)."""
    labels = {
        "passed": _("passed"),
        "quorum_area": _("too little of the area took part"),
        "quorum_owners": _("too few owners took part"),
        "approval_area": _("too little of the participating area approved"),
        "approval_owners": _("too few of the participating owners approved"),
        "empty_roll": _("nobody on the roll"),
    }
    return labels.get(code or "", code or "")


def _local_time(value: str | None) -> str:
    """An ISO time from a notification's data as Asia/Shanghai wall-clock time."""
    try:
        moment = datetime.fromisoformat(value or "")
    except ValueError:
        return value or ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=clock.UTC)
    return moment.astimezone(clock.LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


def handover_action_label(code: str | None) -> str:
    return str(EVENT_LABELS.get(code or "", code or ""))


def handover_status_label(code: str | None) -> str:
    try:
        return str(HANDOVER_STATUS_LABELS[HandoverStatus(code)])
    except ValueError:
        return code or ""
