"""Refusals and errors answered once: the JSON error envelope, or an HTML page."""

from __future__ import annotations

import logging

from flask import Flask, g, jsonify, render_template, request
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from pmsys.errors import DomainError
from pmsys.extensions import db

log = logging.getLogger(__name__)


def wants_json() -> bool:
    """Answer in JSON for the API and Open311, HTML elsewhere."""
    return request.path.startswith(("/api/", "/open311/"))


def error_envelope(status: int, code: str, message: str, fields: dict | None = None):
    """Build the API's error response (docs/api.md#conventions)."""
    body = {"error": {"code": code, "message": message}}
    if fields:
        body["error"]["fields"] = fields
    response = jsonify(body)
    response.status_code = status
    return response


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
}


def register_error_handlers(app: Flask) -> None:
    """Map DomainError and HTTP errors to envelopes or pages; never show a traceback."""

    @app.errorhandler(DomainError)
    def _domain_error(error: DomainError):
        g.refusal = error  # audited when the request ends (pmsys/audit.py: refused_request)
        if wants_json():
            response = error_envelope(error.status, error.code, error.message, error.fields)
        else:
            response = app.make_response((
                render_template("errors.html", status=error.status, message=error.message),
                error.status,
            ))
        retry_after = getattr(error, "retry_after", None)
        if retry_after is not None:
            response.headers["Retry-After"] = str(retry_after)
        return response

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        status = error.code or 500
        if wants_json():
            code = _HTTP_CODES.get(status, "http_error")
            response = error_envelope(status, code, error.description or error.name)
            if isinstance(error, MethodNotAllowed) and error.valid_methods:
                # HTTP requires a 405 to name the methods the resource does allow.
                response.headers["Allow"] = ", ".join(sorted(error.valid_methods))
            return response
        return render_template("errors.html", status=status, message=_http_message(status)), status

    @app.errorhandler(StaleDataError)
    def _stale(_error: StaleDataError):
        # Two people acted on the same object at once; the second must reload (409).
        db.session.rollback()
        message = _("Someone else changed this at the same time. Please reload and try again.")
        if wants_json():
            return error_envelope(409, "concurrent_update", message)
        return render_template("errors.html", status=409, message=message), 409

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        # A failed PostgreSQL transaction refuses every later statement, including
        # the ones that render this page (the logged-in user, the language).
        db.session.rollback()
        if wants_json():
            return error_envelope(500, "internal_error", "internal error")
        return render_template("errors.html", status=500, message=_http_message(500)), 500


def _http_message(status: int) -> str:
    messages = {
        400: _("The request could not be understood."),
        401: _("Please log in."),
        403: _("You may not do that."),
        404: _("There is nothing here, or you may not see it."),
        405: _("That action is not available here."),
        413: _("The upload is too large."),
        429: _("Too many attempts. Please wait and try again."),
    }
    return messages.get(status, _("Something went wrong. The error has been logged."))
