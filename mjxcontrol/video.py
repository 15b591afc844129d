"""Writing frames to files: MP4 videos and PNG contact sheets, with imageio (+ imageio-ffmpeg).

Frames are ``uint8 [T, H, W, 3]`` RGB arrays, e.g. from :func:`mjxcontrol.render.render_frames`.
"""

from __future__ import annotations

import os
import pathlib
import warnings

import numpy as np

__all__ = ["contact_sheet", "save_contact_sheet", "save_video"]


def _imageio():
    """``imageio.v2`` (video and PNG writing), or an ImportError with the install command."""
    try:
        import imageio.v2 as imageio
        import imageio_ffmpeg  # noqa: F401  (ships the ffmpeg binary)
    except ImportError as e:
        raise ImportError(
            f"writing videos and images needs imageio and imageio-ffmpeg: "
            f"pip install imageio imageio-ffmpeg ({e})"
        ) from e
    return imageio


def _check_frames(frames: np.ndarray) -> np.ndarray:
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3 or len(frames) == 0:
        raise ValueError(f"frames must have shape [T>0, H, W, 3], got {frames.shape}")
    if frames.dtype != np.uint8:
        raise ValueError(f"frames must be uint8 RGB, got dtype {frames.dtype}")
    return frames


def save_video(path: str | os.PathLike, frames: np.ndarray, fps: float) -> pathlib.Path:
    """Writes ``uint8 [T, H, W, 3]`` frames as an H.264 MP4 (yuv420p, plays everywhere).

    Odd image sizes are padded by one pixel (yuv420p needs even ones). Returns the path.
    """
    frames = _check_frames(frames)
    if not fps > 0:
        raise ValueError(f"fps must be positive, got {fps!r}")
    pad_h, pad_w = frames.shape[1] % 2, frames.shape[2] % 2
    if pad_h or pad_w:
        frames = np.pad(frames, ((0, 0), (0, pad_h), (0, pad_w), (0, 0)), mode="edge")
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    imageio = _imageio()
    with warnings.catch_warnings():
        # ffmpeg runs as a subprocess (fork + exec at once), which JAX's fork warning misreads.
        warnings.filterwarnings("ignore", message="os.fork", category=RuntimeWarning)
        writer = imageio.get_writer(
            path,
            format="FFMPEG",
            mode="I",
            fps=fps,
            codec="libx264",
            pixelformat="yuv420p",
            macro_block_size=1,
            ffmpeg_log_level="error",
        )
        try:
            for frame in frames:
                writer.append_data(frame)
        finally:
            writer.close()
    return path


def contact_sheet(frames: np.ndarray, cols: int = 4, num_frames: int = 8) -> np.ndarray:
    """A grid of ``num_frames`` evenly spaced frames, ``cols`` per row, 2-pixel white gutters."""
    frames = _check_frames(frames)
    for name, value in (("cols", cols), ("num_frames", num_frames)):
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    picks = np.linspace(0, len(frames) - 1, min(num_frames, len(frames))).round().astype(int)
    picks = frames[np.unique(picks)]
    cols = min(cols, len(picks))
    rows, gap, (h, w) = -(-len(picks) // cols), 2, frames.shape[1:3]
    tiles = np.full((rows * cols, h + gap, w + gap, 3), 255, np.uint8)  # frame + right/bottom gap
    tiles[: len(picks), :h, :w] = picks
    sheet = tiles.reshape(rows, cols, h + gap, w + gap, 3).transpose(0, 2, 1, 3, 4)
    sheet = sheet.reshape(rows * (h + gap), cols * (w + gap), 3)
    return np.pad(sheet, ((gap, 0), (gap, 0), (0, 0)), constant_values=255)


def save_contact_sheet(
    path: str | os.PathLike, frames: np.ndarray, cols: int = 4, num_frames: int = 8
) -> pathlib.Path:
    """Writes :func:`contact_sheet` of ``frames`` as a PNG and returns the path."""
    sheet = contact_sheet(frames, cols=cols, num_frames=num_frames)
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _imageio().imwrite(path, sheet, format="PNG")
    return path
