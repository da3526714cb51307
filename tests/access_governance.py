"""Governance rows of the access world, for the access table
(docs/reliability.md#access-table, #object-probes; docs/domain.md#management, #committees).

`add_governance(world)` puts on top of tests/access_tickets.py's world (the
clock reads NOW, 2025-06-02 10:00 in Shanghai), through the services and
committed. CA keeps its owners' committee in office (OC-A, committee_a's) and
has three owners: P-A (resident_a), P-AC (resident_ac) and P-A201 (no login).

    preparing  CA's next owners' committee, 3 seats, prepared by the officer;
               P-AC is proposed and not yet vetted (P-A and P-A201 are no
               candidates, so resident_a may propose themself)
    V_C        "hire_manager" in CA, convened by committee_a on 2025-05-23, all
               three owners approved on paper, closed by committee_a on
               2025-05-29: passed, and the basis of no term yet
    V_O        "other" in CA, convened by the officer on 2025-05-26; its closing
               time (2025-06-01) has passed but nobody has closed it
    V_A        "other" in CA, convened by committee_a, open until 2025-06-09;
               no ballots yet
    V_B        "other" in CB, convened by the sysadmin (the street office of S2
               has no login in the table), open until 2025-06-09; no ballots
    V_F        "use_maintenance_fund" in CA approving 5,000.00 yuan, passed and closed
               as V_C was
    F_A        a spend of 600.00 from CA's maintenance fund against V_F, recorded by
               committee_a and signed by nobody yet; the fund holds the deposits of
               CA's households at 30 yuan/m² (docs/domain.md#fund)

Vote ids differ between runs and engines, so the table names them as
placeholders ("/votes/{V_A}"); `vote_ids(world)` gives their values. A JSON body
needs V_C as a number (`basis_vote`): `Number("{V_C}")` is a placeholder that
tests/web/test_access_table.py fills in as an int.
"""

from __future__ import annotations

from datetime import timedelta

from pmsys import clock
from pmsys.extensions import db
from pmsys.fund import ledger
from pmsys.governance.services import committees, votes
from tests.world import NOW, World

# Placeholder values that exist in every world, for checking a row's rule without one.
EXAMPLE_VOTE_IDS = {"V_A": "1", "V_B": "2", "V_C": "3", "V_O": "4", "V_F": "5", "F_A": "1"}

# A new term or committee starts after the votes closed and after today.
NEXT_TERM_START = "2025-07-01"
OWNERS_OF_CA = ("P-A", "P-AC", "P-A201")


class Number(str):
    """A placeholder filled in as a whole number (for JSON bodies), not as text."""


def add_governance(world: World) -> None:
    """Prepare CA's next committee and convene V_C, V_O, V_A, V_B; `world.votes` by name."""
    session = db.session
    ca, cb = world.communities["CA"], world.communities["CB"]
    committee_a, officer = world.users["committee_a"], world.users["officer"]
    day = timedelta(days=1)

    committees.prepare(session, officer, ca, seats=3, note="换届筹备")
    committees.propose(session, officer, ca, "P-AC")

    # V_C: convened, voted and closed in the past, at the times the clock says.
    clock.set_now(NOW - 10 * day)
    passed = votes.convene(session, committee_a, ca, matter="hire_manager",
                           title="选聘甲物业续约", opens_at=NOW - 10 * day,
                           closes_at=NOW - 5 * day)
    for person in OWNERS_OF_CA:
        votes.cast_ballot(session, committee_a, passed, choice="approve", person_code=person)
    fund_vote = votes.convene(session, committee_a, ca, matter="use_maintenance_fund",
                              title="使用维修资金修屋面", opens_at=NOW - 10 * day,
                              closes_at=NOW - 5 * day, amount="5000.00")
    for person in OWNERS_OF_CA:
        votes.cast_ballot(session, committee_a, fund_vote, choice="approve",
                          person_code=person)
    clock.set_now(NOW - 4 * day)
    votes.close(session, committee_a, passed)
    votes.close(session, committee_a, fund_vote)
    ledger.collect_deposits(session, officer, ca, rate="30", prefix="DEP")
    spend, _created = ledger.record_entry(session, committee_a, ca, ref="SPEND-1", kind="spend",
                                          amount="600.00", vote=fund_vote.id, note="屋面防水")

    # V_O: its time is over, nobody closed it yet.
    clock.set_now(NOW - 7 * day)
    over = votes.convene(session, officer, ca, matter="other", title="增设快递柜",
                         opens_at=NOW - 7 * day, closes_at=NOW - day)

    clock.set_now(NOW)
    open_a = votes.convene(session, committee_a, ca, matter="other", title="楼道加装照明",
                           opens_at=NOW, closes_at=NOW + 7 * day)
    open_b = votes.convene(session, world.users["sysadmin"], cb, matter="other",
                           title="车棚改造", opens_at=NOW, closes_at=NOW + 7 * day)
    session.commit()
    world.votes = {"V_A": open_a, "V_B": open_b, "V_C": passed, "V_O": over, "V_F": fund_vote}
    world.fund_entries = {"F_A": spend}


def vote_ids(world: World) -> dict[str, str]:
    """The values of the vote placeholders in this world."""
    return {**{name: str(vote.id) for name, vote in world.votes.items()},
            **{name: str(entry.id) for name, entry in world.fund_entries.items()}}
