"""The media library: checking uploaded images, storing them with their
resized copies, and the markup pages show them with.

Decisions (see also the README, "Images and diagrams"):

- **What is accepted.** PNG, JPEG and WebP, recognised by Pillow from the
  file's content (never its name). SVG is refused with a message asking for a
  PNG export (SVG can carry scripts and links). Animated images are refused
  (motion distracts and cannot be paused). At most MAX_BYTES and MAX_PIXELS;
  the pixel count is checked from the header before anything is decoded, and
  Pillow's decompression-bomb guard is an error, never a warning.
- **What is stored.** Every file is re-encoded from the decoded pixels (EXIF
  orientation applied, metadata such as GPS positions dropped): a full-size
  copy (`Image.file`) and renditions RENDITION_WIDTHS wide (narrower than
  the original only). Names hold a hash of the upload, so a URL always
  means the same bytes and can be cached for ever. Files go through Django's
  storage API (`default_storage`): MEDIA_ROOT by default, any STORAGES
  backend (S3...) by settings.
- **Immutable.** An Image never changes once uploaded (treatments.models.Image):
  a page version that shows one is reviewed exactly as readers will see it,
  so a live page never changes because of an image, and nothing about images
  needs re-rendering or dependency tracking.
- **How a page shows one.** The body says `![what it shows](image:key)` on a
  line of its own (treatments.media_markdown). The alt text is written in
  the body, so it is part of the revision, its diff and its review; the
  library's alt text is only the default offered to editors. An optional
  Markdown title, `![alt](image:key "Caption")`, is the caption (else the
  library's); the credit is the library's. Rendered as a <figure> with a
  responsive `srcset`, `sizes`, width and height (no layout shift) and lazy
  loading.
"""

import hashlib
import io
import re
import warnings
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.html import format_html

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
# Pillow format name -> file extension.
FORMATS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}
RENDITION_WIDTHS = (320, 640, 960, 1280, 1920)
# The rendition in `src` for browsers without srcset: the first at least this wide.
DEFAULT_WIDTH = 960
# How wide an image shows: the text column (site.css --measure, 42rem) on wide
# screens, the screen less its margins on phones.
SIZES = "(min-width: 46rem) 42rem, calc(100vw - 2rem)"

# `](image:key` in Markdown: the keys a body shows.
IMAGE_REF_RE = re.compile(r"\]\(\s*<?image:([^\s)>\"']+)")


class ImageRejected(ValueError):
    """An upload that cannot go into the library; the message says why and what to do."""


@dataclass
class CheckedImage:
    """An upload that passed every check: its decoded pixels and what it was."""

    pixels: object  # PIL.Image.Image, orientation applied
    format: str
    data: bytes


def _megabytes(size):
    return f"{size / (1024 * 1024):.1f} MB"


def _looks_like_svg(upload, head):
    name = (getattr(upload, "name", "") or "").lower()
    content_type = (getattr(upload, "content_type", "") or "").lower()
    text = head.lstrip().lower()
    return (
        name.endswith((".svg", ".svgz"))
        or "svg" in content_type
        or text.startswith(b"<svg")
        or (text.startswith(b"<?xml") and b"<svg" in text)
    )


def check_upload(upload):
    """The upload as a CheckedImage, or ImageRejected saying, in plain words,
    why it cannot be used and what to do instead."""
    from PIL import Image as PILImage
    from PIL import ImageOps, UnidentifiedImageError

    size = upload.size
    if size > MAX_BYTES:
        raise ImageRejected(
            f"The file is {_megabytes(size)}: images can be at most {_megabytes(MAX_BYTES)}. "
            "Save it smaller (for a photo, JPEG at about 80% quality; for a diagram, at most "
            "2,000 pixels wide) and choose it again."
        )
    upload.seek(0)
    data = upload.read()
    if not data:
        raise ImageRejected("The file is empty: choose the image file again.")
    if _looks_like_svg(upload, data[:1024]):
        raise ImageRejected(
            "SVG files cannot be uploaded (they can contain scripts and links). Export the "
            "drawing as PNG from the program you made it in, and upload the PNG."
        )
    with warnings.catch_warnings():
        warnings.simplefilter("error", PILImage.DecompressionBombWarning)
        try:
            probe = PILImage.open(io.BytesIO(data))
        except UnidentifiedImageError as error:
            raise ImageRejected(
                "This file is not an image we can read. Upload a PNG, JPEG or WebP image "
                "(a renamed file of another kind does not work)."
            ) from error
        except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning) as error:
            raise ImageRejected(_too_many_pixels(None)) from error
        if probe.format not in FORMATS:
            raise ImageRejected(
                f"This is a {probe.format} image: upload PNG (for diagrams), JPEG (for photos) "
                "or WebP instead."
            )
        if probe.width * probe.height > MAX_PIXELS:
            raise ImageRejected(_too_many_pixels(probe.size))
        if getattr(probe, "n_frames", 1) > 1:
            raise ImageRejected(
                "This image is animated. Pages show still images only: upload a single frame "
                "as PNG or JPEG."
            )
        try:
            probe.verify()
            pixels = PILImage.open(io.BytesIO(data))
            pixels.load()
        except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning) as error:
            raise ImageRejected(_too_many_pixels(None)) from error
        except Exception as error:  # Pillow raises many kinds for damaged files
            raise ImageRejected(
                "The image file is damaged or incomplete and cannot be read. Save or export "
                "it again and upload the new file."
            ) from error
    image_format = pixels.format
    pixels = ImageOps.exif_transpose(pixels)
    has_alpha = pixels.mode in ("RGBA", "LA", "PA") or "transparency" in pixels.info
    if image_format == "JPEG" or not has_alpha:
        pixels = pixels.convert("RGB")
    else:
        pixels = pixels.convert("RGBA")
    return CheckedImage(pixels=pixels, format=image_format, data=data)


def _too_many_pixels(dimensions):
    limit = f"images can have at most {MAX_PIXELS // 1_000_000} megapixels"
    if dimensions is None:
        return (
            f"The image is far too large in pixels: {limit}. Make it smaller and upload it again."
        )
    width, height = dimensions
    return (
        f"The image is {width:,} × {height:,} pixels ({width * height / 1_000_000:.0f} "
        f"megapixels): {limit}. Resize it (2,000 pixels wide is plenty for a page) and upload "
        "it again."
    )


def _encode(pixels, image_format):
    out = io.BytesIO()
    options = {
        "PNG": {"optimize": True},
        "JPEG": {"quality": 85, "optimize": True, "progressive": True},
        "WEBP": {"quality": 85, "method": 4},
    }[image_format]
    pixels.save(out, format=image_format, **options)
    return out.getvalue()


def _resized(pixels, width):
    from PIL import Image as PILImage

    height = max(1, round(pixels.height * width / pixels.width))
    return pixels.resize((width, height), PILImage.Resampling.LANCZOS, reducing_gap=3.0)


def write_files(key, checked):
    """Write the full-size copy and the renditions through the default storage.
    Returns (file name, [[width, height, name], ...] narrowest first)."""
    extension = FORMATS[checked.format]
    stem = f"images/{key}/{hashlib.sha256(checked.data).hexdigest()[:16]}"
    pixels = checked.pixels
    written = []
    try:
        full = default_storage.save(
            f"{stem}.{extension}", ContentFile(_encode(pixels, checked.format))
        )
        written.append(full)
        renditions = []
        for width in RENDITION_WIDTHS:
            if width >= pixels.width:
                break
            copy = _resized(pixels, width)
            name = default_storage.save(
                f"{stem}-{width}w.{extension}", ContentFile(_encode(copy, checked.format))
            )
            written.append(name)
            renditions.append([copy.width, copy.height, name])
        if pixels.width <= RENDITION_WIDTHS[-1]:
            renditions.append([pixels.width, pixels.height, full])
    except Exception:
        delete_files(written)
        raise
    return full, renditions


def add_image(image, checked, *, by):
    """Store a checked upload as the new library Image `image` (unsaved, with
    key, alt text, caption and credit filled in). Returns it, saved."""
    if not by.has_perm("treatments.add_image"):
        raise PermissionError("Only editors can add images to the library.")
    full, renditions = write_files(image.key, checked)
    image.file = full
    image.width, image.height = checked.pixels.size
    image.format = checked.format
    image.renditions = renditions
    image.uploaded_by = by
    try:
        with transaction.atomic():
            image.save()
    except Exception:
        delete_files([full, *(name for _, _, name in renditions)])
        raise
    return image


def delete_files(names):
    """Delete stored files once the deletion of their Image is committed."""
    names = [name for name in dict.fromkeys(names) if name]

    def delete():
        for name in names:
            default_storage.delete(name)

    transaction.on_commit(delete)


# Pages ----------------------------------------------------------------------


def image_keys_in(body):
    return set(IMAGE_REF_RE.findall(body or ""))


def library_images(body):
    """{key: Image} of the library images a body refers to (one query; none
    when it shows no image). Images never change, so the same for drafts,
    previews and live pages."""
    from .models import Image

    keys = image_keys_in(body)
    return {image.key: image for image in Image.objects.filter(key__in=keys)} if keys else {}


def default_rendition(image):
    for rendition in image.renditions:
        if rendition[0] >= DEFAULT_WIDTH:
            return rendition
    return image.renditions[-1]


def figure_html(image, *, alt, caption=None):
    """The <figure> a page shows an image in. `caption` None: the library's."""
    caption = image.caption if caption is None else caption
    width, height, name = default_rendition(image)
    srcset = ", ".join(f"{default_storage.url(n)} {w}w" for w, _, n in image.renditions)
    figcaption = ""
    if caption or image.credit:
        credit = format_html(' <span class="figure__credit">{}</span>', image.credit)
        figcaption = format_html(
            "<figcaption>{}{}</figcaption>", caption, credit if image.credit else ""
        )
    return format_html(
        '<figure class="figure"><img src="{}" srcset="{}" sizes="{}" width="{}" height="{}" '
        'alt="{}" loading="lazy" decoding="async">{}</figure>',
        default_storage.url(name),
        srcset,
        SIZES,
        width,
        height,
        alt,
        figcaption,
    )


def snippet(image):
    """What an editor pastes into a page to show this image."""
    alt = image.alt_text.replace("[", "(").replace("]", ")")
    return f"![{alt}](image:{image.key})"
