"""A QR code as a YUV4MPEG2 video, for Chromium's fake camera.

Chromium started with ``--use-fake-device-for-media-stream
--use-file-for-fake-video-capture=FILE.y4m`` plays FILE (in a loop) as the camera. The
video holds a few identical frames of the QR code of a payload, drawn with the ``qrcode``
package, scaled up with nearest-neighbour sampling and centred on a white background with
a quiet zone, then converted from RGB to 8-bit YUV 4:2:0 (BT.601, studio range).
"""

from __future__ import annotations

from pathlib import Path

import qrcode
from PIL import Image

__all__ = ["qr_image", "rgb_to_i420", "write_y4m", "qr_video"]


def qr_image(payload: str, *, width: int = 640, height: int = 480,
             quiet_modules: int = 4) -> Image.Image:
    """The QR code of ``payload``, as large as fits in ``width`` x ``height`` (each module a
    whole number of pixels), centred on white with at least ``quiet_modules`` of margin."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=1,
                         border=0)
    code.add_data(payload)
    code.make(fit=True)
    modules = code.get_matrix()
    count = len(modules)
    scale = min(width, height) // (count + 2 * quiet_modules)
    if scale < 2:
        raise ValueError(f"a {count}-module QR code does not fit in {width}x{height}")
    small = Image.new("L", (count, count), 255)
    small.putdata([0 if dark else 255 for row in modules for dark in row])
    big = small.resize((count * scale, count * scale), Image.Resampling.NEAREST)
    canvas = Image.new("RGB", (width, height), (255, 255, 255))
    canvas.paste(big.convert("RGB"), ((width - big.width) // 2, (height - big.height) // 2))
    return canvas


def _clamp(value: float) -> int:
    return 0 if value < 0 else 255 if value > 255 else int(value + 0.5)


def rgb_to_i420(image: Image.Image) -> bytes:
    """The Y plane, then the U and V planes at half resolution (each the mean of a 2x2
    block), of an RGB image with even sides. BT.601 studio range: Y 16-235, U/V 16-240."""
    rgb = image.convert("RGB")
    width, height = rgb.size
    if width % 2 or height % 2:
        raise ValueError("I420 needs an even width and height")
    pixels = rgb.tobytes()
    y_plane = bytearray(width * height)
    u_sum = [0.0] * ((width // 2) * (height // 2))
    v_sum = [0.0] * len(u_sum)
    half = width // 2
    # A QR code has two colours: each is converted once.
    seen: dict[bytes, tuple[int, float, float]] = {}
    for row in range(height):
        base = row * width
        chroma_row = (row // 2) * half
        for col in range(width):
            offset = (base + col) * 3
            colour = pixels[offset:offset + 3]
            yuv = seen.get(colour)
            if yuv is None:
                r, g, b = colour
                yuv = seen[colour] = (
                    _clamp(16 + (65.738 * r + 129.057 * g + 25.064 * b) / 256),
                    128 + (-37.945 * r - 74.494 * g + 112.439 * b) / 256,
                    128 + (112.439 * r - 94.154 * g - 18.285 * b) / 256)
            y_plane[base + col] = yuv[0]
            index = chroma_row + col // 2
            u_sum[index] += yuv[1]
            v_sum[index] += yuv[2]
    u_plane = bytes(_clamp(s / 4) for s in u_sum)
    v_plane = bytes(_clamp(s / 4) for s in v_sum)
    return bytes(y_plane) + u_plane + v_plane


def write_y4m(path: Path, image: Image.Image, *, frames: int = 4, fps: int = 10) -> Path:
    """Write ``frames`` identical frames of ``image`` as a YUV4MPEG2 (I420) file."""
    frame = rgb_to_i420(image)
    width, height = image.size
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode("ascii"))
        for _ in range(frames):
            out.write(b"FRAME\n")
            out.write(frame)
    return path


def qr_video(payload: str, path: Path, **options: int) -> Path:
    """A fresh Y4M video at ``path`` showing the QR code of ``payload``."""
    return write_y4m(path, qr_image(payload, **options))
