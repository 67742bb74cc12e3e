"""Photos made fit to keep as evidence: turned upright, stripped of location and device data."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from fieldkit.domain.evidence import MAX_PIXELS, THUMBNAIL_EDGE, MediaType


class ImageRefused(ValueError):
    """The bytes are not an image Fieldkit can keep; the message says why (never what it shows)."""


@dataclass(frozen=True)
class PreparedImage:
    """An image as stored: its re-encoded bytes, their kind, and a small JPEG thumbnail."""

    data: bytes
    media_type: MediaType
    thumbnail: bytes


#: Lossy sources stay JPEG; lossless ones (and those with transparency) become PNG.
_OUTPUT: dict[MediaType, MediaType] = {
    MediaType.JPEG: MediaType.JPEG,
    MediaType.WEBP: MediaType.JPEG,
    MediaType.TIFF: MediaType.PNG,
    MediaType.PNG: MediaType.PNG,
    MediaType.GIF: MediaType.PNG,
}


def _open(data: bytes) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.width * image.height > MAX_PIXELS:
                raise ImageRefused("the image has too many pixels to be a photograph")
            image.load()
    except ImageRefused:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRefused("the image cannot be read") from None
    except (OSError, ValueError, SyntaxError, EOFError):
        raise ImageRefused("the image is damaged or cut short") from None
    return image


def prepare(data: bytes, media_type: MediaType) -> PreparedImage:
    """Re-encode an image once, as it will be stored: upright, with no EXIF or other metadata.

    Everything is done in memory: neither the photo nor its thumbnail touches the disk here.

    Args:
        data: the image file as captured.
        media_type: its kind, as sniffed from its content.

    Raises:
        ImageRefused: the image cannot be read, or is implausibly large.
    """
    source = _open(data)
    try:
        upright = ImageOps.exif_transpose(source)
    except (OSError, ValueError, SyntaxError):
        upright = source
    output = _OUTPUT[media_type]
    if output is MediaType.JPEG:
        picture = upright if upright.mode in ("RGB", "L") else upright.convert("RGB")
        stored = io.BytesIO()
        # No exif=, no comment: what was in the camera's metadata is not carried over.
        picture.save(stored, format="JPEG", quality=90, optimize=False)
    else:
        picture = upright if upright.mode in ("RGB", "RGBA", "L", "LA") else upright.convert("RGBA")
        stored = io.BytesIO()
        picture.save(stored, format="PNG", compress_level=3)
    small = picture.copy()
    small.thumbnail((THUMBNAIL_EDGE, THUMBNAIL_EDGE))
    if small.mode not in ("RGB", "L"):
        small = small.convert("RGB")
    thumb = io.BytesIO()
    small.save(thumb, format="JPEG", quality=80)
    return PreparedImage(stored.getvalue(), output, thumb.getvalue())
