"""Helpers shared by the suite's model modules: a new spec or Model with the suite's look
(:mod:`mjcf_builder.look`), and the common light and floor."""

from __future__ import annotations

import mujoco

from mjcf_builder.look import GRID_NAME, apply


def new_spec(model_name: str) -> mujoco.MjSpec:
    """Returns an empty spec carrying the suite's common textures, materials and visual settings.

    Args:
      model_name: the model's name (``<mujoco model=...>``).
    """
    spec = mujoco.MjSpec()
    spec.modelname = model_name
    apply(spec)
    return spec


def new_model(model_name: str):
    """Like :func:`new_spec`, as an :class:`mjcf_builder.Model` (angles in radians)."""
    from mjcf_builder.model import Model

    model = Model(model_name)
    apply(model.spec)
    return model


def add_sensors(model, sensors) -> None:
    """Adds sensors to an :class:`mjcf_builder.Model` in order, each given as ``(name, type,
    objtype, objname)``, e.g. ``("torso_gyro", "gyro", "site", "root")``."""
    for name, kind, objtype, objname in sensors:
        model.add("sensor", name=name, type=kind, objtype=objtype, objname=objname)


def add_light_and_floor(
    spec: mujoco.MjSpec, light_height: float, floor_half_extent: float, grid_spacing: float
) -> None:
    """A top light named ``light`` and a square grid plane named ``floor`` centred at the origin."""
    world = spec.worldbody
    world.add_light(name="light", pos=(0, 0, light_height))
    world.add_geom(
        name="floor",
        type=mujoco.mjtGeom.mjGEOM_PLANE,
        size=(floor_half_extent, floor_half_extent, grid_spacing),
        material=GRID_NAME,
    )
