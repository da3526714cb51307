"""Survey rows of the access world (docs/reliability.md#access-table, #object-probes;
docs/domain.md#surveys).

`add_surveys(world)` defines, through the service and committed, two surveys open from
2025-06-01 through 2025-06-30 (the clock reads 2025-06-02): SV-CA of community CA, by
CA's street office, and SV-CB of community CB, by a sysadmin. Nobody has answered yet.
"""

from __future__ import annotations

from pmsys.extensions import db
from pmsys.surveys import services
from tests.survey_world import QUESTIONS
from tests.world import World


def add_surveys(world: World) -> None:
    """Define SV-CA and SV-CB; `world.surveys` by code."""
    made = {}
    for code, community, who in (("SV-CA", "CA", "officer"), ("SV-CB", "CB", "sysadmin")):
        made[code] = services.define_survey(
            db.session, world.users[who], code=code, title=f"{community} 满意度调查",
            scope={"community": community}, opens_on="2025-06-01", closes_on="2025-06-30",
            questions=QUESTIONS)
    db.session.commit()
    world.surveys = made
