"""Tickets with known parties for the access table and the list checks (docs/reliability.md#access).

Built on tests/ticket_world.build_ticket_world() (itself a superset of
tests/world.build_world()). Every ticket is filed through the service, on
NOW's date, and committed:

    T_A      resident_a: water in CA → W-D1 (operator_in), maintainer of CA-WS.
             Carries the photo P_A (the reporter's) and a comment of operator_in,
             which left resident_a the notification N_A.
    T_B      resident_b: water in CB → PM-B (manager_b): CB-WS was never handed over.

and, for the list checks only (`with_more=True`):

    T_CC     resident_ac: lighting in CC → SO-S3 (officer_s3): CC has no manager today
    T_GAS    tenant_a: gas in CA → G-D1 (gas_staff), the manager PM-A is told as well
    T_HOT    officer, for a caller: lighting in CA → PM-A (CA-LT was never handed over)
    T_RF     resident_a: the roof of CA building 1 → K-1 (contractor), under warranty
    T_ILL    manager_a: an illegal building in CA → CG-BT (authority), by duty
    T_TEL    resident_ac: telecom of CA building 1, line CA-TEL-2 → T-2 (nobody logs in)
    T_MOVED  resident_a: water in CA → W-D1, reassigned by the officer to PM-A
    T_OUT    operator_out for itself: water in CB → PM-B (operator_out entered it)

The fee rows of tests/access_fees.py (standards, two months of bills, a payment)
come on top, so the fee rows of the table find their bills B_A, B_N and B_B.

Ticket, photo and bill ids differ between runs and engines, so the table's URLs
name them as placeholders ("/tickets/{T_A}"); `ids(world)` gives their values.
"""

from __future__ import annotations

import io

from flask import current_app
from PIL import Image
from sqlalchemy import select

from pmsys.extensions import db
from pmsys.models.tickets import Notification
from pmsys.tickets.lifecycle import Party
from pmsys.tickets.photos import add_photos
from pmsys.tickets.services import take_action
from tests.access_fees import add_fees, bill_ids
from tests.ticket_world import build_ticket_world, file_as
from tests.world import World

# Placeholders whose values exist in every world, for checking a row's rule without one.
EXAMPLE_IDS = {"T_A": "1", "T_A_NUMBER": "20250602-000001", "T_B": "2", "P_A": "1",
               "N_A": "1", "B_A": "1", "B_N": "2", "B_B": "3", "MISSING": "999999999"}


def tiny_png(colour: str = "red") -> bytes:
    """A 4×4 PNG, as a phone would upload a photo."""
    out = io.BytesIO()
    Image.new("RGB", (4, 4), colour).save(out, "PNG")
    return out.getvalue()


def build_access_ticket_world(with_more: bool = False) -> World:
    """The ticket world with T_A, T_B, P_A, N_A (and the list checks' tickets) and fees; committed.

    `world.tickets` holds the tickets by name, `world.photos` and
    `world.notifications` the photo and notification the table names,
    `world.bills` the bills by (household, period).
    """
    world = build_ticket_world()
    tickets = {
        "T_A": file_as(world, "resident_a", description="楼道水管漏水"),
        "T_B": file_as(world, "resident_b", community="CB", description="水压低"),
    }
    t_a = tickets["T_A"]
    photo, = add_photos(db.session, world.users["resident_a"], t_a, [tiny_png()],
                        purpose="report", parties={Party.reporter},
                        upload_folder=current_app.config["UPLOAD_FOLDER"])
    # A comment by the assignee tells the reporter: resident_a's notification N_A.
    take_action(db.session, world.users["operator_in"], t_a, "comment", note="明天上午到场")
    db.session.commit()
    notification = db.session.scalars(
        select(Notification).where(Notification.user_id == world.users["resident_a"].id,
                                   Notification.ticket_id == t_a.id)
    ).one()
    if with_more:
        tickets.update(_more_tickets(world))
    world.tickets = tickets
    world.photos = {"P_A": photo}
    world.notifications = {"N_A": notification}
    add_fees(world)
    return world


def _more_tickets(world: World) -> dict:
    more = {
        "T_CC": file_as(world, "resident_ac", category="lighting", community="CC",
                        description="路灯不亮"),
        "T_GAS": file_as(world, "tenant_a", category="gas", description="楼道有燃气味"),
        "T_HOT": file_as(world, "officer", category="lighting", description="小区路灯坏了",
                         caller={"name": "热线来电人", "phone": "13900000001"}),
        "T_RF": file_as(world, "resident_a", category="roof_leak", building="1",
                        description="顶楼漏雨"),
        "T_ILL": file_as(world, "manager_a", category="illegal_building",
                         description="楼顶私搭乱建"),
        "T_TEL": file_as(world, "resident_ac", category="telecom", building="1",
                         asset="CA-TEL-2", description="宽带断了"),
        "T_MOVED": file_as(world, "resident_a", description="水表井盖丢失"),
        "T_OUT": file_as(world, "operator_out", community="CB", description="阀门井积水"),
    }
    take_action(db.session, world.users["officer"], more["T_MOVED"], "reassign", org="PM-A",
                note="井盖属物业")
    db.session.commit()
    return more


def ids(world: World) -> dict[str, str]:
    """The values of the table's placeholders in this world."""
    t_a = world.tickets["T_A"]
    return {
        "T_A": str(t_a.id),
        "T_A_NUMBER": t_a.number,
        "T_B": str(world.tickets["T_B"].id),
        "P_A": str(world.photos["P_A"].id),
        "N_A": str(world.notifications["N_A"].id),
        **bill_ids(world),
        "MISSING": EXAMPLE_IDS["MISSING"],
    }
