"""API: photos of a problem and of its fix, uploaded and served through the ticket's check."""

from __future__ import annotations

from typing import Annotated, Literal

from flask import current_app, request
from pydantic import Field

from pmsys import throttle
from pmsys.api import bp
from pmsys.api.helpers import api_login_required
from pmsys.api.tickets import serializers
from pmsys.api.tickets.serializers import PhotosAnswer
from pmsys.api.tickets.tickets import TICKET_PATH, caller
from pmsys.api.typed import ErrorCode, Form, Media, Upload, endpoint
from pmsys.extensions import db
from pmsys.models.tickets import Ticket
from pmsys.tickets import photos as ticket_photos
from pmsys.tickets import services as ticket_services

PHOTO_PATH = {**TICKET_PATH, "photo_id": "The photo's id."}


def _visible_ticket(ticket_id: int, **_path) -> Ticket:
    return ticket_services.get_ticket_or_404(db.session, caller(), ticket_id)


class PhotoUpload(Form):
    """The photos, as multipart files named `photos`."""

    purpose: Literal["report", "fix"] = "report"
    photos: Annotated[list[Upload], Field(min_length=1, json_schema_extra={
        "maxItems": ticket_photos.MAX_PHOTOS}), ErrorCode("invalid_photo")]


@bp.post("/tickets/<int:ticket_id>/photos")
@api_login_required
@endpoint(body=PhotoUpload, answers={201: ("The photos added.", PhotosAnswer)}, refusals={
    400: "No photos (`invalid_photo`), an unreadable or too large one, too many, or a "
         "finished ticket.",
    403: "Not the caller's photos to add (`not_your_photos`).", 404: ""},
    path=TICKET_PATH, tags=("tickets",), find=_visible_ticket)
def add_ticket_photos(ticket_id: int, body: PhotoUpload, found: Ticket):
    """Attach photos to a ticket (the reporter's, or the fix's).

    At most 4 photos per purpose and ticket, JPEG, PNG or WebP, at most 10 MB and 40
    megapixels each; they are re-encoded without their metadata (EXIF, GPS). `report`
    photos: the reporter, while the ticket is not finished; `fix` photos: the assignee's
    staff. All or nothing.
    """
    actor = caller()
    throttle.check_photos(db.session, actor, request.remote_addr, len(body.photos))
    added = ticket_photos.add_photos(
        db.session, actor, found, [upload.read() for upload in body.photos],
        purpose=body.purpose,
        parties=ticket_services.ticket_parties(db.session, actor, found),
        upload_folder=current_app.config["UPLOAD_FOLDER"],
    )
    return {"items": [serializers.photo_json(photo) for photo in added]}, 201


@bp.get("/tickets/<int:ticket_id>/photos/<int:photo_id>")
@api_login_required
@endpoint(answers={200: ("The image, re-encoded at upload.",
                         Media(("image/jpeg", "image/png", "image/webp")))},
          refusals={404: ""}, path=PHOTO_PATH, tags=("tickets",), find=_visible_ticket)
def get_ticket_photo(ticket_id: int, photo_id: int, found: Ticket):
    """One photo of a ticket the caller may see."""
    photo = ticket_photos.get_photo_or_404(db.session, found, photo_id)
    return ticket_photos.photo_response(current_app.config["UPLOAD_FOLDER"], photo)
