"""Small building blocks shared by the planar suite models (point_mass, reacher, cheetah, walker).

Look and feel (textures, materials, visual settings) comes from :mod:`mjcf_builder.look`; this
module only adds the pieces that recur among these four domains: the walled square arena of
the two tabletop tasks, motors with the suite's usual [-1, 1] control range, orientation helpers,
and the torso's subtree linear velocity sensor.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import mujoco

LIMITED = mujoco.mjtLimited.mjLIMITED_TRUE
UNLIMITED = mujoco.mjtLimited.mjLIMITED_FALSE
HINGE = mujoco.mjtJoint.mjJNT_HINGE
SLIDE = mujoco.mjtJoint.mjJNT_SLIDE
PLANE = mujoco.mjtGeom.mjGEOM_PLANE
SPHERE = mujoco.mjtGeom.mjGEOM_SPHERE
CAPSULE = mujoco.mjtGeom.mjGEOM_CAPSULE
CYLINDER = mujoco.mjtGeom.mjGEOM_CYLINDER
TRACKCOM = mujoco.mjtCamLight.mjCAMLIGHT_TRACKCOM
TRACK = mujoco.mjtCamLight.mjCAMLIGHT_TRACK

# Every suite motor takes a normalised command in [-1, 1]; the gear sets the physical scale.
CTRL_RANGE = (-1.0, 1.0)

# Tabletop arena: a square floor of half-side ARENA_HALF_SIDE bounded by four thin upright
# planes (decoration only; the tabletop tasks disable contacts).
ARENA_HALF_SIDE = 0.3
WALL_HALF_HEIGHT = 0.02
WALL_HALF_THICKNESS = 0.02
# name -> (centre, plane normal pointing into the arena, axis along which the wall runs).
ARENA_WALLS = {
    "wall_x": ((-ARENA_HALF_SIDE, 0, WALL_HALF_HEIGHT), (1, 0, 0), "y"),
    "wall_y": ((0, -ARENA_HALF_SIDE, WALL_HALF_HEIGHT), (0, 1, 0), "x"),
    "wall_neg_x": ((ARENA_HALF_SIDE, 0, WALL_HALF_HEIGHT), (-1, 0, 0), "y"),
    "wall_neg_y": ((0, ARENA_HALF_SIDE, WALL_HALF_HEIGHT), (0, -1, 0), "x"),
}


def set_zaxis(element, zaxis: Sequence[float]) -> None:
    """Orients a geom/site/camera so that its local z axis points along ``zaxis``."""
    element.alt.type = mujoco.mjtOrientation.mjORIENTATION_ZAXIS
    element.alt.zaxis = zaxis


def set_euler(element, euler_degrees: Sequence[float]) -> None:
    """Orients an element by intrinsic x-y-z Euler angles in degrees (the compiler default)."""
    element.alt.type = mujoco.mjtOrientation.mjORIENTATION_EULER
    element.alt.euler = euler_degrees


def set_xyaxes(element, xyaxes: Sequence[float]) -> None:
    """Orients an element by its local x axis and (a vector in the plane of) its local y axis."""
    element.alt.type = mujoco.mjtOrientation.mjORIENTATION_XYAXES
    element.alt.xyaxes = xyaxes


def add_arena(spec: mujoco.MjSpec, ground_thickness: float) -> None:
    """Adds the tabletop arena: ``ground`` plane plus four low walls, all fixed to the world.

    Args:
      spec: the spec to extend.
      ground_thickness: the ground plane's third size value (rendering grid spacing only).
    """
    world = spec.worldbody
    world.add_geom(
        name="ground",
        type=PLANE,
        material="grid",
        size=(ARENA_HALF_SIDE, ARENA_HALF_SIDE, ground_thickness),
    )
    for name, (pos, normal, long_axis) in ARENA_WALLS.items():
        half_x = ARENA_HALF_SIDE if long_axis == "x" else WALL_HALF_THICKNESS
        half_y = ARENA_HALF_SIDE if long_axis == "y" else WALL_HALF_THICKNESS
        wall = world.add_geom(
            name=name,
            type=PLANE,
            material="decoration",
            pos=pos,
            size=(half_x, half_y, WALL_HALF_HEIGHT),
        )
        set_zaxis(wall, normal)


def add_motor(
    spec: mujoco.MjSpec,
    name: str,
    target: str,
    gear: float,
    trntype: mujoco.mjtTrn = mujoco.mjtTrn.mjTRN_JOINT,
) -> mujoco.MjsActuator:
    """Adds a direct-drive motor with control clamped to :data:`CTRL_RANGE`.

    Args:
      spec: the spec to extend.
      name: actuator name.
      target: the joint (or tendon) it drives.
      gear: force/torque per unit of control.
      trntype: transmission kind, joint by default.

    Returns:
      The new actuator.
    """
    motor = spec.add_actuator(
        name=name,
        target=target,
        trntype=trntype,
        gear=(gear, 0, 0, 0, 0, 0),
        ctrllimited=LIMITED,
        ctrlrange=CTRL_RANGE,
    )
    motor.set_to_motor()
    return motor


def add_subtreelinvel(spec: mujoco.MjSpec, body: str) -> None:
    """Adds ``<body>_subtreelinvel``: the linear velocity of the centre of mass below ``body``."""
    spec.add_sensor(
        name=f"{body}_subtreelinvel",
        type=mujoco.mjtSensor.mjSENS_SUBTREELINVEL,
        objtype=mujoco.mjtObj.mjOBJ_BODY,
        objname=body,
    )


def capsule_volume(radius: float, half_length: float) -> float:
    """Volume of a capsule: a cylinder of the given half-length capped by two hemispheres."""
    return math.pi * radius**2 * (2.0 * half_length + 4.0 / 3.0 * radius)


# The side-view scene of finger and ball_in_cup: a directional light, a ground plane, two cameras.
SIDE_VIEW_GROUND_SIZE = (0.6, 0.2, 10)
SIDE_VIEW_LIGHT_DIFFUSE = (0.6, 0.6, 0.6)
SIDE_VIEW_LIGHT_SPECULAR = (0.3, 0.3, 0.3)
SIDE_VIEW_CAMERAS = {  # name -> (position, xyaxes)
    "cam0": ((0, -1, 0.8), (1, 0, 0, 0, 1, 2)),
    "cam1": ((0, -1, 0.4), (1, 0, 0, 0, 0, 1)),
}


def add_side_view_scene(world, **ground_attributes) -> None:
    """Adds the side-view scene's light, ``ground`` plane (material ``grid``, plus
    ``ground_attributes``) and cameras ``cam0``, ``cam1`` to ``world``."""
    world.add_light(
        name="light",
        type=mujoco.mjtLightType.mjLIGHT_DIRECTIONAL,
        pos=(0, 0, 2),
        diffuse=SIDE_VIEW_LIGHT_DIFFUSE,
        specular=SIDE_VIEW_LIGHT_SPECULAR,
    )
    world.add_geom(
        name="ground",
        type=PLANE,
        size=SIDE_VIEW_GROUND_SIZE,
        material="grid",
        **ground_attributes,
    )
    for name, (pos, xyaxes) in SIDE_VIEW_CAMERAS.items():
        set_xyaxes(world.add_camera(name=name, pos=pos), xyaxes)
