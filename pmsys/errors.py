"""Domain errors: why a request is refused, with the HTTP status it answers with.

pmsys/web/errors.py maps them once to the JSON error envelope and to HTML pages.
"""

from __future__ import annotations


class DomainError(Exception):
    """A request refused for a reason the caller can understand."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, fields: dict | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.fields = fields or {}


class InvalidInput(DomainError):
    """Malformed or missing input (400)."""

    status = 400
    code = "invalid_input"


class Unauthenticated(DomainError):
    """No credentials, or credentials that are not valid (401)."""

    status = 401
    code = "unauthenticated"


class Forbidden(DomainError):
    """A visible object on which the action is not the caller's to take (403)."""

    status = 403
    code = "forbidden"


class NotFound(DomainError):
    """An unknown object, or one the caller may not see (404).

    `hidden` (object type, key) says the object exists and the caller may not
    see it: the answer is the same, but the probe is audited (docs/reliability.md#audit).
    """

    status = 404
    code = "not_found"

    def __init__(self, message: str, *, hidden: tuple[str, str] | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.hidden = hidden


class Conflict(DomainError):
    """The action does not fit the object's current state (409)."""

    status = 409
    code = "conflict"


class RuleRefused(DomainError):
    """A rule of the domain refuses the action (422)."""

    status = 422
    code = "rule_refused"


class TooManyRequests(DomainError):
    """The caller must wait before trying again (429, with Retry-After in seconds)."""

    status = 429
    code = "too_many_requests"

    def __init__(self, message: str, *, retry_after: int = 60, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = max(1, int(retry_after))
