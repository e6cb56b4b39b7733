"""Issue 13: what a provider's photo must be (type, bytes, pixels), and what we keep of it."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.catalog.photo_checks import MAX_PHOTO_BYTES, THUMB_SIZE, as_kept, check_photo
from core.catalog.photo_store import LocalPhotoStore, photo_name, thumbnail_url
from core.errors import InvalidValue
from tests.support.pictures import huge_header_png, opened, picture


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_jpeg_png_and_webp_are_taken(fmt: str) -> None:
    checked = check_photo(picture(fmt, (640, 480)))
    assert (checked.format, checked.width, checked.height) == (fmt, 640, 480)


@pytest.mark.parametrize(
    ("data", "key"),
    [
        (picture("GIF"), "photo_format"),
        (picture("BMP"), "photo_format"),
        (b"%PDF-1.7 not a picture", "photo_unreadable"),
        (picture("JPEG", (200, 900)), "photo_too_small"),
        (huge_header_png(), "photo_too_many_pixels"),
        (huge_header_png((12_000, 9_000)), "photo_too_many_pixels"),  # Pillow warns
        (huge_header_png((20_000, 10_000)), "photo_too_many_pixels"),  # Pillow refuses
        (b"\xff\xd8\xff" + b"0" * MAX_PHOTO_BYTES, "photo_too_big"),
    ],
    ids=["gif", "bmp", "pdf", "small", "pixels", "warned", "bomb", "bytes"],
)
def test_other_files_are_refused_with_their_reason(data: bytes, key: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        check_photo(data)
    assert refused.value.key == key


def test_kept_photo_is_an_upright_jpeg_without_its_exif_and_a_card_thumbnail() -> None:
    kept, thumb = as_kept(picture("JPEG", (1200, 800), exif_rotated=True))
    photo = opened(kept)
    # Stored sideways with "rotate 90°": kept upright, as the phone showed it.
    assert (photo.format, photo.size) == ("JPEG", (800, 1200))
    assert not photo.getexif()  # the GPS block went with the rest
    small = opened(thumb)
    assert (small.format, small.size) == ("JPEG", THUMB_SIZE)


def test_a_picture_broken_after_its_header_is_refused() -> None:
    whole = picture("PNG", (800, 600))
    with pytest.raises(InvalidValue) as refused:
        as_kept(whole[: len(whole) // 2])
    assert refused.value.key == "photo_unreadable"


async def test_local_store_names_by_content_and_resolves_only_its_names(tmp_path: Path) -> None:
    store = LocalPhotoStore(tmp_path / "photos")
    kept, thumb = as_kept(picture())
    name = photo_name(7, kept)
    url = await store.save(name, kept, thumb)
    assert url == f"/photos/{name}" and name.startswith("p7-")
    assert await store.save(name, kept, thumb) == url  # again: the same file, no copy
    assert sorted(p.name for p in (tmp_path / "photos").iterdir()) == sorted(
        [name, name.removesuffix(".jpg") + "-thumb.jpg"]
    )
    assert store.path(name) is not None
    assert store.path(thumbnail_url(url).rsplit("/", 1)[1]) is not None
    assert store.path("../secret.jpg") is None and store.path("p7-x.jpg") is None
    assert thumbnail_url("/static/demo/atlas-films-1.jpg") == "/static/demo/atlas-films-1.jpg"
    with pytest.raises(ValueError):
        await store.save("../../etc/passwd", kept, thumb)
