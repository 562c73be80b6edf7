"""The authenticator-app QR code, drawn on the server as inline SVG (the CSP allows no external image or script)."""

from __future__ import annotations

import qrcode
import qrcode.image.svg


def qr_svg(text: str) -> str:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    return image.to_string(encoding="unicode")
