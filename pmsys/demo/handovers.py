"""The demo's hand-overs in every state of docs/domain.md#handovers: drafted, submitted,
returned, inspected and signed through the hand-over services, as the demo users.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from pmsys import clock
from pmsys.assets.services import create_handover, take_action
from pmsys.demo.places import TRANSFEROR, load_invented
from pmsys.demo.register import handed_over_codes
from pmsys.models.assets import Handover
from pmsys.models.auth import User


def _first_of_month_after_next(day: date) -> date:
    month = day.month + 2
    return date(day.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def build_workflow_examples(session: Session) -> dict[str, list[str]]:
    """Take the demo's other hand-overs through the workflow, as the demo users would.

    A bundle records only effective hand-overs; these show the other states of
    docs/domain.md#handovers (draft, submitted, returned, inspected with open defects, signed
    and waiting for its date). Run after the demo bundle is imported; a
    hand-over whose code exists is left as it is, so running twice changes
    nothing. The signed one takes effect on the first day of the month after
    next. Returns the codes created and those left unchanged.
    """
    plans = load_invented()["workflow"]
    codes = [plan["code"] for plan in plans]
    existing = set(session.scalars(select(Handover.code).where(Handover.code.in_(codes))))
    wanted = {"bureau"} | {plan["receiver"] for plan in plans}
    wanted |= {plan["committee"] for plan in plans if "committee" in plan}
    users = {u.username: u for u in session.scalars(select(User).where(User.username.in_(wanted)))}
    bureau = users["bureau"]
    done: dict[str, list[str]] = {"created": [], "unchanged": sorted(existing)}
    for plan in plans:
        if plan["code"] in existing:
            continue
        handover = create_handover(session, bureau, code=plan["code"], from_org=TRANSFEROR,
                                   to_org=plan["to"], assets=handed_over_codes(plan))
        state, receiver = plan["state"], users[plan["receiver"]]
        if state != "draft":
            take_action(session, bureau, handover, "submit")
        if state == "returned":
            take_action(session, receiver, handover, "return", note=plan["note"])
        if state in ("inspected", "signed"):
            take_action(session, receiver, handover, "inspect", note=plan["note"],
                        defects=plan.get("defects", []))
            for position in plan.get("fixed", []):
                take_action(session, bureau, handover, "fix_defect", defect=position)
        if state == "signed":
            effective_on = _first_of_month_after_next(clock.today())
            take_action(session, receiver, handover, "sign", effective_on=effective_on)
            take_action(session, bureau, handover, "sign")
            take_action(session, users[plan["committee"]], handover, "sign")
        done["created"].append(plan["code"])
    return done
