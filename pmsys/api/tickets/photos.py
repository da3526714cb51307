"""API: photos of a problem and of its fix, uploaded and served through the ticket's check."""

from __future__ import annotations

from flask import current_app, request

from pmsys import throttle
from pmsys.api import bp
from pmsys.api.helpers import api_login_required
from pmsys.api.openapi import describe, errors, json_response, ref
from pmsys.api.tickets import serializers
from pmsys.api.tickets.tickets import TICKET_ID, caller
from pmsys.db import MAX_ID
from pmsys.errors import InvalidInput
from pmsys.extensions import db
from pmsys.tickets import photos as ticket_photos
from pmsys.tickets import services as ticket_services

PURPOSES = ("report", "fix")


@bp.post("/tickets/<int:ticket_id>/photos")
@api_login_required
def add_ticket_photos(ticket_id: int):
    """Attach photos: the reporter's of the problem, the assignee's of the fix."""
    actor = caller()
    ticket = ticket_services.get_ticket_or_404(db.session, actor, ticket_id)
    purpose = request.form.get("purpose") or "report"
    if purpose not in PURPOSES:
        raise InvalidInput("purpose must be report or fix", code="invalid_input",
                           fields={"purpose": "report or fix"})
    uploads = [upload.read() for upload in request.files.getlist("photos")]
    if not uploads:
        raise InvalidInput("send the photos as multipart files named photos",
                           code="invalid_photo", fields={"photos": "required"})
    throttle.check_photos(db.session, actor, request.remote_addr, len(uploads))
    added = ticket_photos.add_photos(
        db.session, actor, ticket, uploads, purpose=purpose,
        parties=ticket_services.ticket_parties(db.session, actor, ticket),
        upload_folder=current_app.config["UPLOAD_FOLDER"],
    )
    return {"items": [serializers.photo_json(photo) for photo in added]}, 201


@bp.get("/tickets/<int:ticket_id>/photos/<int:photo_id>")
@api_login_required
def get_ticket_photo(ticket_id: int, photo_id: int):
    """Serve one photo of a ticket the caller may see."""
    actor = caller()
    ticket = ticket_services.get_ticket_or_404(db.session, actor, ticket_id)
    photo = ticket_photos.get_photo_or_404(db.session, ticket, photo_id)
    return ticket_photos.photo_response(current_app.config["UPLOAD_FOLDER"], photo)


# --- OpenAPI -----------------------------------------------------------------------------------

_IMAGE = {"schema": {"type": "string", "format": "binary"}}

describe(
    {
        "/tickets/{ticket_id}/photos": {
            "post": {
                "operationId": "addTicketPhotos",
                "summary": "Attach photos to a ticket (the reporter's, or the fix's)",
                "description": (
                    "At most 4 photos per purpose and ticket, JPEG, PNG or WebP, at most "
                    "10 MB and 40 megapixels each; they are re-encoded without their "
                    "metadata (EXIF, GPS). `report` photos: the reporter, while the ticket "
                    "is not finished; `fix` photos: the assignee's staff. All or nothing."
                ),
                "tags": ["tickets"],
                "parameters": [TICKET_ID],
                "requestBody": {
                    "required": True,
                    "content": {
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "required": ["photos"],
                                "properties": {
                                    "photos": {
                                        "type": "array",
                                        "items": {"type": "string", "format": "binary"},
                                        "minItems": 1,
                                        "maxItems": ticket_photos.MAX_PHOTOS,
                                    },
                                    "purpose": {"type": "string", "enum": list(PURPOSES),
                                                "default": "report"},
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "201": json_response(
                        "The photos added.",
                        {"type": "object", "required": ["items"],
                         "properties": {"items": {"type": "array",
                                                  "items": ref("TicketPhoto")}}},
                    ),
                    "400": json_response("No photos, an unreadable or too large one, too "
                                         "many, or a finished ticket.", ref("Error")),
                    **errors(401),
                    "403": json_response("Not the caller's photos to add "
                                         "(`not_your_photos`).", ref("Error")),
                    **errors(404, 413),
                },
            }
        },
        "/tickets/{ticket_id}/photos/{photo_id}": {
            "get": {
                "operationId": "getTicketPhoto",
                "summary": "One photo of a ticket the caller may see",
                "tags": ["tickets"],
                "parameters": [
                    TICKET_ID,
                    {"name": "photo_id", "in": "path", "required": True,
                     "description": "The photo's id.",
                     "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}},
                ],
                "responses": {
                    "200": {
                        "description": "The image, re-encoded at upload.",
                        "content": {"image/jpeg": _IMAGE, "image/png": _IMAGE,
                                    "image/webp": _IMAGE},
                    },
                    **errors(401, 404),
                },
            }
        },
    }
)
