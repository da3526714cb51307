"""Pages for projects, the asset register, hand-overs and the backlog.

Every POST answers a refusal on the page it came from, with the refusal's
status (400 input, 403 not the user's to take, 409 wrong state, 422 a rule),
and redirects with a flash on success. Hand-over actions all post to
/handovers/<code>/actions with the action's name in the `action` field.
"""

from pmsys.web.assets import backlog, handovers, projects, register  # noqa: F401 (routes)
from pmsys.web.assets.backlog import home_panels
from pmsys.web.assets.common import bp

__all__ = ["bp", "home_panels"]
