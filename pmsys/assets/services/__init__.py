"""Use cases of the assets domain: projects, the register, hand-overs, the backlog."""

from pmsys.assets.services.backlog import (
    Backlog,
    BacklogItem,
    BacklogRow,
    handover_backlog,
    handover_backlog_rows,
)
from pmsys.assets.services.handovers import (
    activate_due_handovers,
    create_handover,
    get_handover_or_404,
    handover_parties,
    signed_by,
    take_action,
)
from pmsys.assets.services.projects import (
    accept_project,
    acceptance_minimum,
    create_project,
    sign_off_project,
)
from pmsys.assets.services.register import (
    create_asset,
    get_asset_or_404,
    get_project_or_404,
    heating_season_for,
    maintainer_on,
    parse_day,
    refresh_warranty,
    set_warranty_contract,
)
from pmsys.assets.services.worklist import available_actions, count_open, waiting_for

__all__ = [
    "Backlog",
    "BacklogItem",
    "BacklogRow",
    "accept_project",
    "acceptance_minimum",
    "activate_due_handovers",
    "available_actions",
    "count_open",
    "create_asset",
    "create_handover",
    "create_project",
    "get_asset_or_404",
    "get_handover_or_404",
    "get_project_or_404",
    "handover_backlog",
    "handover_backlog_rows",
    "handover_parties",
    "heating_season_for",
    "maintainer_on",
    "parse_day",
    "refresh_warranty",
    "set_warranty_contract",
    "sign_off_project",
    "signed_by",
    "take_action",
    "waiting_for",
]
