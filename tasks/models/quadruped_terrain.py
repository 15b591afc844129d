"""quadruped/escape's terrain: a bumpy bowl drawn per episode, and a pool of them in one model.

Facts of dm_control's terrain (quadruped/escape), on the ``terrain`` height field's 201 x 201
samples over 60 m x 60 m (elevation unit 5 m):

* a radial bowl ``0.5 - 0.5 cos(2 pi r)``, ``r`` the distance from the centre in units of the
  half-size (sample coordinates ``-1 .. 1`` on both axes), clipped to ``[0.04, 1]``;
* times smooth bumps: a ``30 x 30`` grid (one value per 2 m) of ``U(0.15, 1)`` draws brought to
  ``201 x 201`` by ``scipy.ndimage.zoom``'s cubic spline (its defaults).

dm_control rewrites the height field's samples at every reset. MJX-Warp reads ``hfield_data``
from the model shared by the whole batch (it has no per-env axis), so a batch cannot hold one
terrain per env. Instead the model carries a *pool*: ``num`` independent terrains, each its own
height field and geom (``terrain``, ``terrain_1``, ...) on a mocap body at the origin (MJX-Warp
places world geoms once per batch, a mocap body's per env from its ``geom_pos``). An episode
draws one; the others are parked 1 km below the floor, out of reach of every body and behind
the floor for every ray (a ray that passes the floor's edge meets them over 1 km away, where the
rangefinder observation ``tanh(distance)`` is 1 in float32, as for a ray that hits nothing).

Host-side (numpy and scipy); no JAX.
"""

from __future__ import annotations

import mujoco
import numpy as np
from scipy import ndimage

from mjxcontrol.tasks.models import quadruped

SMOOTHNESS = 0.15  # lower bound of the bump draws (1 would be flat)
BUMP_SPACING = 2.0  # m between bump draws
BOWL_MIN_RADIUS = 0.04  # the bowl's radius is clipped to [this, 1] (half-size units)
DEFAULT_POOL_SIZE = 32
DEFAULT_POOL_SEED = 0
ESCAPE_FLOOR_SIZE = 40.0  # m, dm_control's floor half-size for escape


def bump_shape() -> tuple[int, int]:
    """Shape of the bump grid: one draw per :data:`BUMP_SPACING` across the terrain."""
    n = int(2 * quadruped.TERRAIN_SIZE[0] / BUMP_SPACING)
    return n, n


def terrain(bumps: np.ndarray) -> np.ndarray:
    """``[201, 201]`` elevations in ``[0, 1]`` (row = y, column = x) from a ``[30, 30]`` bump grid.

    Given the same ``bumps`` (dm_control's ``U(0.15, 1)`` draws), this equals dm_control's terrain.
    """
    n = quadruped.TERRAIN_SAMPLES
    rows, cols = np.ogrid[-1 : 1 : n * 1j, -1 : 1 : n * 1j]
    radius = np.clip(np.sqrt(cols**2 + rows**2), BOWL_MIN_RADIUS, 1)
    bowl = 0.5 - 0.5 * np.cos(2 * np.pi * radius)
    smooth = np.asarray(ndimage.zoom(bumps, n / float(bumps.shape[0])))
    return bowl * smooth


def draw_terrains(num: int, seed: int) -> np.ndarray:
    """``[num, 201, 201]`` independent terrains (dm_control's distribution), from ``seed``."""
    rng = np.random.default_rng(seed)
    return np.stack([terrain(rng.uniform(SMOOTHNESS, 1, bump_shape())) for _ in range(num)])


def spec(num: int) -> mujoco.MjSpec:
    """quadruped/escape's model with a pool of ``num`` flat terrains (see :func:`model`).

    Terrain 0 sits at home, the others parked. MuJoCo rescales a height field's samples to
    ``[0, 1]`` when it compiles them, so :func:`model` writes them into the compiled model, as
    dm_control does.
    """
    if not isinstance(num, int) or num < 1:
        raise ValueError(f"a terrain pool needs num >= 1 terrains, got {num!r}")
    return quadruped.spec(
        floor_size=ESCAPE_FLOOR_SIZE, terrain=True, rangefinders=True, terrain_pool=num
    )


def model(terrains: np.ndarray) -> mujoco.MjModel:
    """The compiled pool model (:func:`spec`) carrying ``terrains`` (``[num, 201, 201]``)."""
    terrains = np.asarray(terrains, np.float64)
    n = quadruped.TERRAIN_SAMPLES
    if terrains.ndim != 3 or terrains.shape[1:] != (n, n) or len(terrains) < 1:
        raise ValueError(f"terrains must be [num >= 1, {n}, {n}], got {terrains.shape}")
    compiled = spec(len(terrains)).compile()
    for name, heights in zip(quadruped.terrain_names(len(terrains)), terrains, strict=True):
        start = compiled.hfield(name).adr[0]
        compiled.hfield_data[start : start + heights.size] = heights.ravel()
    return compiled


def home_pos() -> np.ndarray:
    """Position (m) of the episode's terrain geom: dm_control's ``terrain`` geom position."""
    return np.array([0.0, 0.0, quadruped.TERRAIN_Z])


def parked_pos() -> np.ndarray:
    """Position (m) of the terrains an episode does not use."""
    return np.array([0.0, 0.0, quadruped.TERRAIN_PARKED_Z])
