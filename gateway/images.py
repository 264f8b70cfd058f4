"""Turn image files into ImageParts, refusing anything a provider would reject later.

Detecting the format from the file's magic bytes (not its extension) gives one clear
ConfigurationError up front instead of an opaque 400 from the provider after a paid round trip.
"""

from __future__ import annotations

from pathlib import Path

from llmhpo.gateway.errors import ConfigurationError
from llmhpo.gateway.types import ImagePart

# (magic prefix, MIME type) for the formats the vision APIs we target accept.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)

SUPPORTED = "PNG, JPEG, GIF, WebP"


def sniff_mime(data: bytes) -> str | None:
    """MIME type of an image from its first bytes, or None when it is not a supported image."""
    for magic, mime in _SIGNATURES:
        if data.startswith(magic):
            return mime
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def image_from_bytes(data: bytes, *, fingerprint: str | None = None, source: str = "image") -> ImagePart:
    """An ImagePart for in-memory image bytes (e.g. a rendered plot)."""
    mime = sniff_mime(data)
    if mime is None:
        raise ConfigurationError(f"{source} is not a supported image ({SUPPORTED})")
    check_decodes(data, source)
    return ImagePart(data=data, mime=mime, fingerprint=fingerprint)


def check_decodes(data: bytes, source: str) -> None:
    """Decode the whole image with Pillow: a truncated or damaged file fails here, not at the provider."""
    import io

    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ConfigurationError(f"{source} cannot be decoded ({type(exc).__name__}: {exc}); is it truncated?") from None


def load_image(path: str | Path, *, fingerprint: str | None = None) -> ImagePart:
    """Read an image file; ConfigurationError if it is missing, unreadable or not an image."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ConfigurationError(f"cannot read image file {str(p)!r}: {reason}") from None
    return image_from_bytes(data, fingerprint=fingerprint, source=f"image file {str(p)!r}")
