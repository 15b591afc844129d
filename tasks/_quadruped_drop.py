"""The quadruped's drop-to-ground reset: dm_control's search, in closed form.

dm_control raises the torso from z = 0 in 1 cm steps until nothing touches (at most 10,000
steps). Lifting the body by z lifts each geom's lowest point (its support point along -z) by z,
so the answer is the first 1 cm step at or above (within :data:`DROP_TIE`) the deepest
penetration of those points below the ground: the floor plane z = 0, or for escape the terrain's
surface under each point where that is higher (:func:`terrain_height`; on escape's gently
sloped bowl centre the contact point differs from the lowest point by far less than a step).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import mujoco

from mjxcontrol._mjx import mjx
from mjxcontrol.tasks.models import quadruped as quadruped_model

TORSO = "torso"
ROOT = "root"

# Drop search: dm_control's height step (m) and its number of tries before giving up.
DROP_STEP = 0.01
MAX_DROP_STEPS = 10_000
# A lowest point within this fraction of a drop step above a step counts as clear of the ground at
# that step. dm_control's heights are sums of 0.01 in float64 (0.52 is 0.5200000000000002), so an
# exact tie clears: fetch's upright quadruped with straight legs reaches exactly 0.52 m below its
# torso and stands at 0.52, not 0.53. Float32 puts our tie ~1e-6 steps either side.
DROP_TIE = 1e-4

_SPHERE, _CAPSULE, _ELLIPSOID, _CYLINDER = (
    int(mujoco.mjtGeom.mjGEOM_SPHERE),
    int(mujoco.mjtGeom.mjGEOM_CAPSULE),
    int(mujoco.mjtGeom.mjGEOM_ELLIPSOID),
    int(mujoco.mjtGeom.mjGEOM_CYLINDER),
)


def drop_to_ground(physics, model, data, orientation, xy=(0.0, 0.0), ground=None):
    """``data`` with the torso at ``(x, y)`` in ``orientation``, dropped onto the ground.

    Returns dm_control's answer: the lowest height ``k * 1 cm`` (``0 <= k <= 10,000``) at which no
    body geom reaches below the ground (see the module docstring). ``ground`` maps world points
    ``[n, 2]`` to the ground's height (m) under them; default: the floor, ``z = 0``.
    """
    root = physics.names.qpos(ROOT)
    qpos = data.qpos.at[root].set(jnp.concatenate([jnp.asarray(xy), jnp.zeros(1), orientation]))
    kinematics = mjx.kinematics(model, data.replace(qpos=qpos))
    geoms = _body_geoms(physics)
    lowest = _lowest_points(physics, model, kinematics, geoms)
    floor = jnp.zeros(len(geoms)) if ground is None else ground(lowest[:, :2])
    clearance = jnp.min(lowest[:, 2] - floor)
    steps = jnp.clip(jnp.ceil(-clearance / DROP_STEP - DROP_TIE), 0, MAX_DROP_STEPS)
    return data.replace(qpos=qpos.at[root[2]].set(steps * DROP_STEP))


def _lowest_points(physics, model, data, geoms) -> jax.Array:
    """``[len(geoms), 3]``: each geom's lowest point in the world (its support point along -z)."""
    points = []
    for g in geoms:
        kind = int(physics.mj_model.geom_type[g])
        centre, rot, size = data.geom_xpos[g], data.geom_xmat[g], model.geom_size[g]
        axis = rot[:, 2]
        down = jnp.array([0.0, 0.0, -1.0])
        if kind == _SPHERE:
            point = centre + size[0] * down
        elif kind == _CAPSULE:
            point = centre - size[1] * jnp.sign(axis[2]) * axis + size[0] * down
        elif kind == _ELLIPSOID:
            local = rot.T @ down  # support of {R diag(a) u : |u| <= 1} along ``down``
            point = centre + rot @ (size**2 * local / jnp.linalg.norm(size * local))
        elif kind == _CYLINDER:
            radial = down + axis[2] * axis  # ``down`` without its component along the axis
            radial = radial / jnp.maximum(jnp.linalg.norm(radial), 1e-12)
            point = centre - size[1] * jnp.sign(axis[2]) * axis + size[0] * radial
        else:
            raise NotImplementedError(f"no lowest point for geom type {kind} (geom {g})")
        points.append(point)
    return jnp.stack(points)


def _body_geoms(physics) -> list[int]:
    """Ids of the quadruped's geoms (those of the torso's subtree)."""
    m, torso = physics.mj_model, physics.names.id("body", TORSO)
    return [g for g in range(m.ngeom) if m.body_rootid[m.geom_bodyid[g]] == torso]


def terrain_height(physics, model, terrain, xy: jax.Array) -> jax.Array:
    """``[n]`` height (m) of the ground under world points ``xy`` (``[n, 2]``): pool terrain
    ``terrain`` at home, on MuJoCo's triangulation of its samples, or the floor where higher."""
    m = physics.mj_model
    ids = physics.names.ids("hfield", quadruped_model.terrain_names(m.nhfield))
    samples = quadruped_model.TERRAIN_SAMPLES
    start = jnp.asarray(m.hfield_adr[ids])[terrain]
    grid = jax.lax.dynamic_slice(model.hfield_data, (start,), (samples**2,))
    grid = grid.reshape(samples, samples)  # [row = y, column = x]
    half = jnp.asarray(quadruped_model.TERRAIN_SIZE[:2])
    cell = (xy + half) / (2 * half) * (samples - 1)  # (column, row) coordinates
    inside = jnp.all((cell >= 0) & (cell <= samples - 1), axis=-1)
    corner = jnp.clip(jnp.floor(cell), 0, samples - 2).astype(jnp.int32)
    fx, fy = (cell - corner).T
    c, r = corner.T
    h00, h10, h01, h11 = grid[r, c], grid[r, c + 1], grid[r + 1, c], grid[r + 1, c + 1]
    # MuJoCo splits each cell along its (0, 0)-(1, 1) diagonal into two triangles.
    upper = h00 + fx * (h11 - h01) + fy * (h01 - h00)
    lower = h00 + fx * (h10 - h00) + fy * (h11 - h10)
    elevation = jnp.where(fy > fx, upper, lower)
    height = quadruped_model.TERRAIN_Z + quadruped_model.TERRAIN_SIZE[2] * elevation
    return jnp.where(inside, jnp.maximum(height, 0.0), 0.0)
