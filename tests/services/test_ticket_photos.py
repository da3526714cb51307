"""Ticket photos (docs/reliability.md#photos): re-encoded, metadata stripped, random names,
limits."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from sqlalchemy import func, select

from pmsys.audit import AuditRecord
from pmsys.errors import Forbidden, InvalidInput, NotFound
from pmsys.models.tickets import TicketPhoto
from pmsys.tickets import photos
from pmsys.tickets.services import take_action, ticket_parties
from tests.ticket_world import build_ticket_world, file_as

GPS_IFD, ORIENTATION, MAKE = 0x8825, 0x0112, 0x010F


@pytest.fixture
def world(db):
    return build_ticket_world()


@pytest.fixture
def folder(app):
    return app.config["UPLOAD_FOLDER"]


def image_bytes(fmt: str, size=(64, 48), mode="RGB", exif=None) -> bytes:
    out = io.BytesIO()
    image = Image.new(mode, size, "red" if mode != "1" else 0)
    if exif is not None:
        image.save(out, fmt, exif=exif)
    else:
        image.save(out, fmt)
    return out.getvalue()


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[MAKE] = "PhoneCo"
    exif[ORIENTATION] = 6  # taken sideways: the stored copy is turned upright
    exif[GPS_IFD] = {1: "N", 2: (40.0, 39.0, 12.5), 3: "E", 4: (110.0, 2.0, 3.0)}
    data = image_bytes("JPEG", exif=exif)
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(GPS_IFD)  # the fixture carries GPS
    return data


def add(db, world, folder, login, ticket, uploads, purpose="report"):
    actor = world.users[login]
    stored = photos.add_photos(db.session, actor, ticket, uploads, purpose=purpose,
                               parties=ticket_parties(db.session, actor, ticket),
                               upload_folder=folder)
    db.session.commit()
    return stored


def files_in(folder) -> set[str]:
    directory = photos.photo_dir(folder)
    return {p.name for p in directory.iterdir()} if directory.exists() else set()


def test_exif_and_gps_are_stripped_and_the_photo_turned_upright(world, db, folder):
    ticket = file_as(world, "resident_a")
    (photo,) = add(db, world, folder, "resident_a", ticket, [jpeg_with_gps()])
    assert photo.content_type == "image/jpeg"
    stored = photos.photo_path(folder, photo)
    data = stored.read_bytes()
    assert b"PhoneCo" not in data and b"Exif" not in data
    with Image.open(stored) as image:
        assert image.format == "JPEG"
        assert dict(image.getexif()) == {}
        assert image.size == (48, 64)
    assert (photo.width, photo.height, photo.size) == (48, 64, len(data))


@pytest.mark.parametrize(
    ("fmt", "mode", "content_type", "extension"),
    [("PNG", "RGB", "image/png", ".png"), ("PNG", "P", "image/png", ".png"),
     ("WEBP", "RGB", "image/webp", ".webp"), ("JPEG", "L", "image/jpeg", ".jpg")],
)
def test_png_webp_and_jpeg_are_accepted(world, db, folder, fmt, mode, content_type, extension):
    ticket = file_as(world, "resident_a")
    (photo,) = add(db, world, folder, "resident_a", ticket, [image_bytes(fmt, mode=mode)])
    assert photo.content_type == content_type
    assert re.fullmatch(r"[0-9a-f]{32}" + re.escape(extension), photo.stored_name)
    with Image.open(photos.photo_path(folder, photo)) as image:
        assert image.format == fmt and image.size == (64, 48)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(image_bytes("GIF"), id="gif"),
        pytest.param(image_bytes("BMP"), id="bmp"),
        pytest.param(b"just some text, not a photo", id="text"),
        pytest.param(b"", id="empty"),
        pytest.param(image_bytes("PNG")[:60], id="truncated"),
    ],
)
def test_other_files_are_refused(world, db, folder, data):
    ticket = file_as(world, "resident_a")
    with pytest.raises(InvalidInput) as refused:
        add(db, world, folder, "resident_a", ticket, [data])
    assert refused.value.code == "invalid_photo"


def test_too_many_pixels_are_refused(world, db, folder):
    # 40,008,000 pixels in one bit each: a small file, over the pixel limit.
    huge = image_bytes("PNG", size=(8001, 5001), mode="1")
    assert len(huge) < photos.MAX_BYTES
    ticket = file_as(world, "resident_a")
    with pytest.raises(InvalidInput) as refused:
        add(db, world, folder, "resident_a", ticket, [huge])
    assert "pixels" in refused.value.message


def test_too_many_bytes_are_refused():
    with pytest.raises(InvalidInput):
        photos.reencode(b"\xff\xd8" + b"0" * photos.MAX_BYTES)


def test_large_photos_are_scaled_down():
    clean, content_type, _, width, height = photos.reencode(
        image_bytes("JPEG", size=(photos.MAX_SIDE * 2, 100)))
    assert (width, height) == (photos.MAX_SIDE, 50)
    assert content_type == "image/jpeg" and clean[:2] == b"\xff\xd8"


def test_random_names_under_the_upload_folder_outside_static(world, db, folder, app):
    ticket = file_as(world, "resident_a")
    first, second = add(db, world, folder, "resident_a", ticket,
                        [image_bytes("PNG"), image_bytes("PNG")])
    assert first.stored_name != second.stored_name
    for photo in (first, second):
        path = photos.photo_path(folder, photo)
        assert path.parent == photos.photo_dir(folder)
        assert str(path).startswith(folder) and path.is_file()
        assert app.static_folder not in str(path)
    assert not any(name.endswith(".part") for name in files_in(folder))


def test_four_photos_per_purpose(world, db, folder):
    ticket = file_as(world, "resident_a")
    add(db, world, folder, "resident_a", ticket, [image_bytes("PNG")] * 3)
    with pytest.raises(InvalidInput):
        add(db, world, folder, "resident_a", ticket, [image_bytes("PNG")] * 2)
    db.session.rollback()
    add(db, world, folder, "resident_a", ticket, [image_bytes("PNG")])
    with pytest.raises(InvalidInput):
        add(db, world, folder, "resident_a", ticket, [image_bytes("PNG")])
    db.session.rollback()
    # The fix has its own four.
    take_action(db.session, world.users["operator_in"], ticket, "accept")
    add(db, world, folder, "operator_in", ticket, [image_bytes("JPEG")] * 4, purpose="fix")
    counts = dict(db.session.execute(
        select(TicketPhoto.purpose, func.count(TicketPhoto.id))
        .where(TicketPhoto.ticket_id == ticket.id).group_by(TicketPhoto.purpose)).all())
    assert counts == {"report": 4, "fix": 4}


def test_the_reporter_adds_report_photos_the_assignee_fix_photos(world, db, folder):
    ticket = file_as(world, "resident_a")
    png = [image_bytes("PNG")]
    with pytest.raises(Forbidden):
        add(db, world, folder, "operator_in", ticket, png, purpose="report")
    with pytest.raises(Forbidden):
        add(db, world, folder, "resident_a", ticket, png, purpose="fix")
    with pytest.raises(Forbidden):
        add(db, world, folder, "officer", ticket, png, purpose="report")
    with pytest.raises(InvalidInput):
        add(db, world, folder, "resident_a", ticket, png, purpose="selfie")
    (fix,) = add(db, world, folder, "operator_in", ticket, png, purpose="fix")
    assert fix.uploaded_by_id == world.users["operator_in"].id
    record = db.session.scalars(
        select(AuditRecord).where(AuditRecord.action == "ticket_photos_added",
                                  AuditRecord.object_key == ticket.number)).one()
    assert record.data == {"purpose": "fix", "count": 1}


def test_no_report_photos_on_a_finished_ticket(world, db, folder):
    ticket = file_as(world, "resident_a")
    take_action(db.session, world.users["resident_a"], ticket, "cancel")
    db.session.commit()
    with pytest.raises(InvalidInput) as refused:
        add(db, world, folder, "resident_a", ticket, [image_bytes("PNG")])
    assert refused.value.code == "ticket_finished"


def test_all_or_nothing(world, db, folder):
    ticket = file_as(world, "resident_a")
    before = files_in(folder)
    with pytest.raises(InvalidInput):
        add(db, world, folder, "resident_a", ticket,
            [image_bytes("PNG"), image_bytes("JPEG"), b"not a photo"])
    db.session.rollback()
    assert files_in(folder) == before
    assert db.session.scalar(
        select(func.count(TicketPhoto.id)).where(TicketPhoto.ticket_id == ticket.id)) == 0


def test_no_uploads_is_nothing(world, db, folder):
    ticket = file_as(world, "resident_a")
    assert add(db, world, folder, "operator_in", ticket, []) == []


def test_get_photo_or_404_only_of_this_ticket(world, db, folder):
    ticket = file_as(world, "resident_a")
    other = file_as(world, "resident_a")
    (photo,) = add(db, world, folder, "resident_a", ticket, [image_bytes("PNG")])
    assert photos.get_photo_or_404(db.session, ticket, photo.id) == photo
    assert photos.get_photo_or_404(db.session, ticket, str(photo.id)) == photo
    for bad in (None, "x", -1, 2**70, photo.id + 10_000):
        with pytest.raises(NotFound):
            photos.get_photo_or_404(db.session, ticket, bad)
    with pytest.raises(NotFound):
        photos.get_photo_or_404(db.session, other, photo.id)


def test_a_failed_write_leaves_no_file_behind(world, db, folder, monkeypatch):
    ticket = file_as(world, "resident_a")
    before = files_in(folder)
    real_replace = photos.os.replace
    calls = []

    def replace_then_fail(source, target):
        calls.append(target)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real_replace(source, target)

    monkeypatch.setattr(photos.os, "replace", replace_then_fail)
    with pytest.raises(OSError):
        add(db, world, folder, "resident_a", ticket, [image_bytes("PNG")] * 3)
    db.session.rollback()
    assert len(calls) == 2
    assert files_in(folder) == before
    assert db.session.scalar(
        select(func.count(TicketPhoto.id)).where(TicketPhoto.ticket_id == ticket.id)) == 0


# --- every metadata segment goes, for every accepted format (docs/reliability.md#photos) -------

SECRET = "home of Zhang San, 13800000101"


def with_metadata(fmt: str) -> bytes:
    """A photo carrying the secret in every metadata place its format has."""
    out = io.BytesIO()
    image = Image.new("RGB", (64, 48), "red")
    exif = Image.Exif()
    exif[MAKE] = SECRET
    xmp = f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><r>{SECRET}</r></x:xmpmeta>'.encode()
    if fmt == "JPEG":
        image.save(out, "JPEG", exif=exif, comment=SECRET.encode(), icc_profile=SECRET.encode(),
                   xmp=xmp)
    elif fmt == "PNG":
        from PIL import PngImagePlugin

        text = PngImagePlugin.PngInfo()
        text.add_text("Comment", SECRET)
        text.add_itxt("Description", SECRET)
        text.add_text("Author", SECRET, zip=True)
        image.save(out, "PNG", pnginfo=text, exif=exif, icc_profile=SECRET.encode())
    else:
        image.save(out, "WEBP", exif=exif, xmp=xmp, icc_profile=SECRET.encode())
    data = out.getvalue()
    assert SECRET.encode() in data or fmt == "PNG"  # zTXt is compressed; the others are plain
    opened = Image.open(io.BytesIO(data))
    opened.load()
    assert any(SECRET in str(value) for value in opened.info.values())
    return data


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_no_metadata_survives_the_reencoding(fmt):
    """Promise 10 (docs/reliability.md#photos)."""
    clean, *_rest = photos.reencode(with_metadata(fmt))
    assert SECRET.encode() not in clean
    reopened = Image.open(io.BytesIO(clean))
    reopened.load()
    assert not any(SECRET in str(value) for value in reopened.info.values())
    assert dict(reopened.getexif()) == {}
    assert "comment" not in reopened.info and "icc_profile" not in reopened.info
    assert "xmp" not in reopened.info and "XML:com.adobe.xmp" not in reopened.info


def test_the_pixels_of_one_request_are_bounded_before_any_is_decoded(world, db, folder,
                                                                     monkeypatch):
    decoded = []
    original = photos._clean
    monkeypatch.setattr(photos, "_clean", lambda *args: decoded.append(1) or original(*args))
    # Each under the limit of one photo; together over the limit of a request.
    big = image_bytes("PNG", size=(5000, 4000), mode="1")  # 20 megapixels, a small file
    ticket = file_as(world, "resident_a")
    with pytest.raises(InvalidInput) as refused:
        add(db, world, folder, "resident_a", ticket, [big] * 4)
    assert "together" in refused.value.message
    assert decoded == []
    assert add(db, world, folder, "resident_a", ticket, [big] * 2)  # 40 megapixels: accepted
