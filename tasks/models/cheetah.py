"""Cheetah: a planar two-legged runner (back leg and front leg) moving in the x-z plane.

Facts of the model (SI units):

* The torso starts 0.7 m above a long ``ground`` plane (200 m x 1.6 m, starting 2 m behind the
  origin). It moves with three unlimited, undamped root joints: ``rootx`` and ``rootz`` slides and
  the ``rooty`` pitch hinge.
* Every geom is a capsule of radius 4.6 cm. The torso is 1 m long along x; the ``head`` capsule
  (half-length 15 cm) sticks out forward and up, pitched 50 degrees.
* Each leg is a chain of three bodies (thigh, shin, foot) joined by pitch hinges about +y. Per
  joint: range in degrees, spring stiffness (N*m/rad, rest angle 0), damping (N*m*s/rad) and motor
  gear, listed in :data:`LEG`.
* All leg joints also have armature 0.1 kg*m^2. Leg geoms collide with the ground with friction
  0.4 (sliding), 0.1 (torsional), 0.1 (rolling).
* Total mass is 14 kg, spread over the geoms in proportion to their volumes: dm_control gets this
  by rescaling after compilation; here the same numbers come from a uniform geom density of
  14 kg divided by the total capsule volume.
* Six motors, one per leg joint, controls in [-1, 1].
* Sensor ``torso_subtreelinvel``: linear velocity of the whole cheetah's centre of mass.
* Timestep 0.01 s, default (Euler) integrator, contacts enabled.
"""

from __future__ import annotations

from typing import NamedTuple

import mujoco

from mjxcontrol.tasks.models import _common
from mjxcontrol.tasks.models import _planar_common as pc

MODEL_NAME = "cheetah"
TIMESTEP = 0.01
STAT_CENTER = (0, 0, 0.7)
STAT_EXTENT = 2.0

TOTAL_MASS = 14.0
RADIUS = 0.046
TORSO_HEIGHT = 0.7
TORSO_HALF_LENGTH = 0.5
HEAD_POS = (0.6, 0, 0.1)
HEAD_PITCH = 50.0
HEAD_HALF_LENGTH = 0.15

GROUND_POS = (98, 0, 0)
GROUND_SIZE = (100, 0.8, 0.5)

PITCH_AXIS = (0, 1, 0)
LEG_ARMATURE = 0.1
LEG_FRICTION = (0.4, 0.1, 0.1)


class Segment(NamedTuple):
    """One leg body: where it hangs, its capsule, its hinge and the motor driving that hinge."""

    parent: str
    pos: tuple[float, float, float]  # body origin (= hinge) in the parent's frame
    geom_pos: tuple[float, float, float]
    geom_pitch: float  # degrees about y
    half_length: float  # capsule half-length (radius is RADIUS)
    joint_range: tuple[float, float]  # degrees
    stiffness: float  # N*m/rad, spring rest angle 0
    damping: float  # N*m*s/rad
    gear: float


# Back leg then front leg, each thigh -> shin -> foot. (The front thigh's upper limit really is
# 0.4 degrees, as in dm_control.)
LEG = {
    "bthigh": Segment("torso", (-0.5, 0, 0), (0.1, 0, -0.13), -218, 0.145, (-30, 60), 240, 6, 120),
    "bshin": Segment(
        "bthigh", (0.16, 0, -0.25), (-0.14, 0, -0.07), -116, 0.15, (-50, 50), 180, 4.5, 90
    ),
    "bfoot": Segment(
        "bshin", (-0.28, 0, -0.14), (0.03, 0, -0.097), -15, 0.094, (-230, 50), 120, 3, 60
    ),
    "fthigh": Segment("torso", (0.5, 0, 0), (-0.07, 0, -0.12), 30, 0.133, (-57, 0.4), 180, 4.5, 90),
    "fshin": Segment(
        "fthigh", (-0.14, 0, -0.24), (0.065, 0, -0.09), -34, 0.106, (-70, 50), 120, 3, 60
    ),
    "ffoot": Segment(
        "fshin", (0.13, 0, -0.18), (0.045, 0, -0.07), -34, 0.07, (-28, 28), 60, 1.5, 30
    ),
}

# Root joint name -> (type, axis).
ROOT_JOINTS = {
    "rootx": (pc.SLIDE, (1, 0, 0)),
    "rootz": (pc.SLIDE, (0, 0, 1)),
    "rooty": (pc.HINGE, PITCH_AXIS),
}


def geom_density() -> float:
    """Uniform density (kg/m^3) that makes the capsules weigh :data:`TOTAL_MASS` in total."""
    half_lengths = [TORSO_HALF_LENGTH, HEAD_HALF_LENGTH] + [seg.half_length for seg in LEG.values()]
    volume = sum(pc.capsule_volume(RADIUS, h) for h in half_lengths)
    return TOTAL_MASS / volume


def spec() -> mujoco.MjSpec:
    """Returns the cheetah model as an uncompiled spec."""
    s = _common.new_spec(MODEL_NAME)
    s.option.timestep = TIMESTEP
    s.stat.center = STAT_CENTER
    s.stat.extent = STAT_EXTENT
    s.worldbody.add_geom(
        name="ground",
        type=pc.PLANE,
        material="grid",
        pos=GROUND_POS,
        size=GROUND_SIZE,
    )
    density = geom_density()
    _add_torso(s, density)
    for name in LEG:
        _add_leg_segment(s, name, density)
    pc.add_subtreelinvel(s, "torso")
    for name, segment in LEG.items():
        pc.add_motor(s, name, name, segment.gear)
    return s


def _add_capsule(body, name: str, density: float, **placement) -> mujoco.MjsGeom:
    """Adds one of the cheetah's colliding capsules."""
    return body.add_geom(
        name=name,
        type=pc.CAPSULE,
        material="self",
        density=density,
        friction=LEG_FRICTION,
        **placement,
    )


def _add_torso(s: mujoco.MjSpec, density: float) -> None:
    """Torso with its light, cameras, root joints, body capsule and head."""
    torso = s.worldbody.add_body(name="torso", pos=(0, 0, TORSO_HEIGHT))
    torso.add_light(name="light", pos=(0, 0, 2), mode=pc.TRACKCOM)
    torso.add_camera(name="side", pos=(0, -3, 0), quat=(0.707, 0.707, 0, 0), mode=pc.TRACKCOM)
    back = torso.add_camera(name="back", pos=(-1.8, -1.3, 0.8), mode=pc.TRACKCOM)
    pc.set_xyaxes(back, (0.45, -0.9, 0, 0.3, 0.15, 0.94))
    for name, (joint_type, axis) in ROOT_JOINTS.items():
        torso.add_joint(name=name, type=joint_type, axis=axis, limited=pc.UNLIMITED)
    _add_capsule(
        torso,
        "torso",
        density,
        size=(RADIUS, 0, 0),
        fromto=(-TORSO_HALF_LENGTH, 0, 0, TORSO_HALF_LENGTH, 0, 0),
    )
    head = _add_capsule(torso, "head", density, pos=HEAD_POS, size=(RADIUS, HEAD_HALF_LENGTH, 0))
    pc.set_euler(head, (0, HEAD_PITCH, 0))


def _add_leg_segment(s: mujoco.MjSpec, name: str, density: float) -> None:
    """Adds one leg body with its sprung, damped, limited pitch hinge and capsule."""
    seg = LEG[name]
    body = s.body(seg.parent).add_body(name=name, pos=seg.pos)
    body.add_joint(
        name=name,
        type=pc.HINGE,
        axis=PITCH_AXIS,
        limited=pc.LIMITED,
        range=seg.joint_range,
        stiffness=seg.stiffness,
        damping=seg.damping,
        armature=LEG_ARMATURE,
    )
    geom = _add_capsule(body, name, density, pos=seg.geom_pos, size=(RADIUS, seg.half_length, 0))
    pc.set_euler(geom, (0, seg.geom_pitch, 0))
