"""Photos of a problem and of its fix (docs/reliability.md#photos).

An upload is opened by Pillow, refused unless it is a JPEG, PNG or WebP within
the size and pixel limits, turned upright, and re-encoded without any metadata
(EXIF with the GPS position of the reporter's home, XMP, comments, profiles).
The file is written under a random name in UPLOAD_FOLDER/tickets/ — never
under static/ — and fsynced
before the row that names it is flushed, so a crash never leaves a row without
its file. Photos are served only through a route that checks the ticket.
"""

from __future__ import annotations

import io
import os
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pmsys import audit
from pmsys.db import valid_id
from pmsys.errors import Forbidden, InvalidInput, NotFound
from pmsys.models.tickets import Ticket, TicketPhoto, TicketStatus
from pmsys.tickets.lifecycle import Party

MAX_PHOTOS = 4  # per ticket and purpose (the report's, the fix's)
MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
# Decoding is the costly part of an upload: the pixels of one request, all photos together.
MAX_REQUEST_PIXELS = 60_000_000
MAX_SIDE = 4096  # larger photos are scaled down: a repair needs no more
FORMATS = {"JPEG": ("image/jpeg", ".jpg"), "PNG": ("image/png", ".png"),
           "WEBP": ("image/webp", ".webp")}


@dataclass(frozen=True)
class StoredPhoto:
    stored_name: str
    content_type: str
    width: int
    height: int
    size: int


def _refuse(message: str) -> InvalidInput:
    return InvalidInput(message, code="invalid_photo", fields={"photos": message})


def reencode(data: bytes) -> tuple[bytes, str, str, int, int]:
    """Return (bytes, content type, extension, width, height) of a clean copy; InvalidInput."""
    return _clean(*_open(data))


def _open(data: bytes) -> tuple[Image.Image, str]:
    """The image and its format, read from its header only (nothing decoded yet)."""
    if not data:
        raise _refuse("the photo is empty")
    if len(data) > MAX_BYTES:
        raise _refuse(f"a photo may have at most {MAX_BYTES // (1024 * 1024)} MB")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError,
            Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _refuse("the file is not a readable photo") from None
    if image.format not in FORMATS:
        raise _refuse("only JPEG, PNG and WebP photos are accepted")
    if image.width * image.height > MAX_PIXELS:
        raise _refuse("the photo has too many pixels")
    return image, image.format


def _clean(image: Image.Image, fmt: str) -> tuple[bytes, str, str, int, int]:
    """Decode, turn upright, scale down and re-encode with no metadata at all."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):
        raise _refuse("the file is not a readable photo") from None
    image = ImageOps.exif_transpose(image)
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    # Pillow writes back what it read into `info` (a JPEG's COM comment, ICC profile, DPI;
    # PNG text chunks; WebP EXIF and XMP): a copy with none of it carries only pixels.
    image.info = {}
    content_type, extension = FORMATS[fmt]
    out = io.BytesIO()
    if fmt == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
    elif fmt == "PNG":
        if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
            image = image.convert("RGBA")
        image.save(out, "PNG", optimize=True)
    else:
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA")
        image.save(out, "WEBP", quality=85)
    return out.getvalue(), content_type, extension, image.width, image.height


def reencode_all(uploads: list[bytes]) -> list[tuple[bytes, str, str, int, int]]:
    """Clean copies of a request's photos, all or none; decoding work is bounded per request.

    Every header is read before any image is decoded, and the pixels of the
    whole request may not exceed MAX_REQUEST_PIXELS: four photos at the limit
    of one would otherwise cost seconds of CPU before the answer.
    """
    opened = [_open(data) for data in uploads]
    if sum(image.width * image.height for image, _fmt in opened) > MAX_REQUEST_PIXELS:
        raise _refuse(f"the photos have too many pixels together "
                      f"(at most {MAX_REQUEST_PIXELS // 1_000_000} megapixels a request)")
    return [_clean(image, fmt) for image, fmt in opened]


def photo_dir(upload_folder: str) -> Path:
    return Path(upload_folder) / "tickets"


def write_photo(upload_folder: str, cleaned: tuple[bytes, str, str, int, int]) -> StoredPhoto:
    """Write a re-encoded photo (see `reencode`) durably under a random name."""
    clean, content_type, extension, width, height = cleaned
    folder = photo_dir(upload_folder)
    folder.mkdir(parents=True, exist_ok=True)
    name = secrets.token_hex(16) + extension
    temporary = folder / (name + ".part")
    try:
        with open(temporary, "wb") as handle:
            handle.write(clean)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, folder / name)
    except OSError:
        temporary.unlink(missing_ok=True)
        raise
    return StoredPhoto(name, content_type, width, height, len(clean))


def add_photos(session: Session, actor, ticket: Ticket, uploads: list[bytes], *,
               purpose: str, parties: set[Party], upload_folder: str) -> list[TicketPhoto]:
    """Attach photos: the reporter's while the ticket is open, the assignee's fix photos.

    All or nothing: one bad photo refuses the lot and writes no row.
    """
    if purpose not in ("report", "fix"):
        raise InvalidInput("purpose must be report or fix", fields={"purpose": "report or fix"})
    if not uploads:
        return []
    needed = Party.reporter if purpose == "report" else Party.assignee
    if needed not in parties:
        raise Forbidden(f"only the {needed.value} adds {purpose} photos", code="not_your_photos")
    if purpose == "report" and ticket.status in (TicketStatus.closed, TicketStatus.cancelled):
        raise InvalidInput("the ticket is finished", code="ticket_finished",
                           fields={"photos": "the ticket is finished"})
    existing = session.scalar(
        select(func.count(TicketPhoto.id)).where(
            TicketPhoto.ticket_id == ticket.id, TicketPhoto.purpose == purpose
        )
    ) or 0
    if existing + len(uploads) > MAX_PHOTOS:
        raise _refuse(f"at most {MAX_PHOTOS} photos")
    cleaned = reencode_all(uploads)  # refuse before writing anything
    written: list[StoredPhoto] = []
    try:
        for clean in cleaned:
            written.append(write_photo(upload_folder, clean))
    except OSError:
        # All or nothing on disk too: a full disk must not leave half the lot behind.
        for stored in written:
            (photo_dir(upload_folder) / stored.stored_name).unlink(missing_ok=True)
        raise
    photos = []
    for stored in written:
        photo = TicketPhoto(ticket_id=ticket.id, stored_name=stored.stored_name,
                            content_type=stored.content_type, width=stored.width,
                            height=stored.height, size=stored.size, purpose=purpose,
                            uploaded_by_id=actor.id)
        session.add(photo)
        photos.append(photo)
    session.flush()
    audit.record(session, actor, "ticket_photos_added", "ticket", ticket.number,
                 purpose=purpose, count=len(photos))
    return photos


def get_photo_or_404(session: Session, ticket: Ticket, photo_id) -> TicketPhoto:
    """A photo of this (already permission-checked) ticket; else NotFound."""
    key = valid_id(photo_id)
    photo = None
    if key is not None:
        photo = session.scalar(
            select(TicketPhoto).where(TicketPhoto.id == key, TicketPhoto.ticket_id == ticket.id)
        )
    if photo is None:
        raise NotFound("no such photo", code="photo_not_found")
    return photo


def photo_path(upload_folder: str, photo: TicketPhoto) -> Path:
    return photo_dir(upload_folder) / photo.stored_name


def photo_response(upload_folder: str, photo: TicketPhoto):
    """The HTTP response serving a photo whose ticket the caller may see (pages and API).

    Read at once (photos are small after re-encoding), so no file handle outlives
    the request; never sniffed; photos show people's homes, so a browser may keep
    them and a shared cache may not.
    """
    from flask import send_file

    path = photo_path(upload_folder, photo)
    if not path.is_file():
        raise NotFound("the photo's file is missing", code="photo_not_found")
    response = send_file(io.BytesIO(path.read_bytes()), mimetype=photo.content_type,
                         download_name=photo.stored_name, etag=photo.stored_name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
