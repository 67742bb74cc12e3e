"""Evidence files for tests: photos with camera metadata, and files Fieldkit keeps or refuses."""

from __future__ import annotations

import io
import random

from PIL import Image

#: EXIF tags a phone writes: where (GPS), on what (make, model) and which way up (orientation).
_GPS_IFD = 0x8825
_MAKE = 0x010F
_MODEL = 0x0110
_ORIENTATION = 0x0112


def photo(
    *, width: int = 640, height: int = 480, seed: int = 1, orientation: int = 1, gps: bool = True
) -> bytes:
    """A JPEG of noise (so its bytes are distinctive) with a phone's EXIF location and device."""
    rng = random.Random(seed)
    image = Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))
    exif = Image.Exif()
    exif[_MAKE] = "PhoneMaker"
    exif[_MODEL] = "Model X-42"
    exif[_ORIENTATION] = orientation
    if gps:
        exif[_GPS_IFD] = {1: "N", 2: (53.0, 38.0, 42.0), 3: "W", 4: (1.0, 46.0, 54.0)}
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=95, exif=exif.tobytes())
    return out.getvalue()


def photo_of_size(target: int, *, seed: int = 1) -> bytes:
    """A noisy JPEG of roughly ``target`` bytes (noise compresses badly: about 1 byte a pixel)."""
    side = int((target / 1.1) ** 0.5)
    return photo(width=side, height=side, seed=seed)


def pdf() -> bytes:
    """A tiny but real PDF."""
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )
