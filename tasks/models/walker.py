"""Walker: a planar biped (torso plus two three-segment legs) moving in the x-z plane.

Facts of the model (SI units):

* A long ``floor`` plane (500 m x 1.6 m, starting 2 m behind the origin) is the only thing the
  walker can touch: body geoms collide with the floor but not with each other (contype 1,
  conaffinity 0 on the body; conaffinity 1 on the floor). Friction is 0.7 / 0.1 / 0.1.
* Every body geom is a capsule. The torso (radius 7 cm, half-length 30 cm, upright) starts 1.3 m
  up and moves by three unlimited, undamped root joints without armature: ``rootz`` and ``rootx``
  slides and the ``rooty`` pitch hinge.
* Each leg (``right_*`` at y = -5 cm, ``left_*`` at y = +5 cm) hangs from the bottom of the torso:
  thigh (radius 5 cm, half-length 22.5 cm), leg (radius 4 cm, half-length 25 cm) and a horizontal
  foot (radius 5 cm, half-length 10 cm) whose ankle sits at its back end.
* Leg hinges turn about -y: hip -20..100 degrees, knee -150..0, ankle -45..45. They (and only they)
  have damping 0.1 N*m*s/rad and armature 0.01 kg*m^2.
* Every joint, root ones included, uses soft-limit impedance (0, 0.99, 0.01) with the default
  midpoint 0.5 and power 2. Masses come from geom volumes at the default 1000 kg/m^3.
* Six motors (hip gear 100, knee 50, ankle 20 per side), controls in [-1, 1].
* Sensor ``torso_subtreelinvel``: linear velocity of the whole walker's centre of mass.
* Timestep 0.0025 s, default (Euler) integrator, contacts enabled.
"""

from __future__ import annotations

import mujoco

from mjxcontrol.tasks.models import _common
from mjxcontrol.tasks.models import _planar_common as pc

MODEL_NAME = "planar walker"
TIMESTEP = 0.0025
STAT_CENTER = (0, 0, 1)
STAT_EXTENT = 2.0

FLOOR_POS = (248, 0, 0)
FLOOR_SIZE = (250, 0.8, 0.2)
FRICTION = (0.7, 0.1, 0.1)

TORSO_HEIGHT = 1.3
TORSO_SIZE = (0.07, 0.3, 0)
HIP_OFFSET_Y = 0.05  # right leg at -y, left leg at +y
HIP_HEIGHT = -0.3
THIGH_SIZE = (0.05, 0.225, 0)
LEG_SIZE = (0.04, 0.25, 0)
FOOT_SIZE = (0.05, 0.1, 0)
ANKLE_BEHIND_FOOT_ORIGIN = 0.06  # the foot body's origin sits this far ahead of its ankle

LEG_JOINT_AXIS = (0, -1, 0)
LEG_JOINT_DAMPING = 0.1
LEG_JOINT_ARMATURE = 0.01
# Soft joint-limit impedance: (dmin, dmax, width, midpoint, power).
JOINT_SOLIMP_LIMIT = (0.0, 0.99, 0.01, 0.5, 2.0)

HIP_RANGE = (-20, 100)
KNEE_RANGE = (-150, 0)
ANKLE_RANGE = (-45, 45)
SIDES = ("right", "left")
# Motor gear per leg joint, in actuator order within a side.
GEARS = {"hip": 100, "knee": 50, "ankle": 20}

# Root joint name -> (type, axis).
ROOT_JOINTS = {
    "rootz": (pc.SLIDE, (0, 0, 1)),
    "rootx": (pc.SLIDE, (1, 0, 0)),
    "rooty": (pc.HINGE, (0, 1, 0)),
}


def spec() -> mujoco.MjSpec:
    """Returns the walker model as an uncompiled spec."""
    s = _common.new_spec(MODEL_NAME)
    s.option.timestep = TIMESTEP
    s.stat.center = STAT_CENTER
    s.stat.extent = STAT_EXTENT
    s.worldbody.add_geom(
        name="floor",
        type=pc.PLANE,
        material="grid",
        pos=FLOOR_POS,
        size=FLOOR_SIZE,
        friction=FRICTION,
        contype=1,
        conaffinity=1,
    )
    torso = _add_torso(s)
    for side in SIDES:
        _add_leg(torso, side)
    pc.add_subtreelinvel(s, "torso")
    for side in SIDES:
        for joint, gear in GEARS.items():
            pc.add_motor(s, f"{side}_{joint}", f"{side}_{joint}", gear)
    return s


def _add_capsule(body, name: str, size, **placement) -> mujoco.MjsGeom:
    """Adds a body capsule that collides with the floor only."""
    return body.add_geom(
        name=name,
        type=pc.CAPSULE,
        material="self",
        size=size,
        friction=FRICTION,
        contype=1,
        conaffinity=0,
        **placement,
    )


def _add_leg_joint(body, name: str, joint_range, **placement) -> None:
    """Adds a damped, limited leg hinge about -y."""
    body.add_joint(
        name=name,
        type=pc.HINGE,
        axis=LEG_JOINT_AXIS,
        limited=pc.LIMITED,
        range=joint_range,
        damping=LEG_JOINT_DAMPING,
        armature=LEG_JOINT_ARMATURE,
        solimp_limit=JOINT_SOLIMP_LIMIT,
        **placement,
    )


def _add_torso(s: mujoco.MjSpec):
    """Torso with its light, cameras, root joints and capsule; returns the body."""
    torso = s.worldbody.add_body(name="torso", pos=(0, 0, TORSO_HEIGHT))
    torso.add_light(name="light", pos=(0, 0, 2), mode=pc.TRACKCOM)
    side = torso.add_camera(name="side", pos=(0, -2, 0.7), mode=pc.TRACKCOM)
    pc.set_euler(side, (60, 0, 0))
    back = torso.add_camera(name="back", pos=(-2, 0, 0.5), mode=pc.TRACKCOM)
    pc.set_xyaxes(back, (0, -1, 0, 1, 0, 3))
    for name, (joint_type, axis) in ROOT_JOINTS.items():
        torso.add_joint(
            name=name,
            type=joint_type,
            axis=axis,
            limited=pc.UNLIMITED,
            solimp_limit=JOINT_SOLIMP_LIMIT,
        )
    _add_capsule(torso, "torso", TORSO_SIZE)
    return torso


def _add_leg(torso, side: str) -> None:
    """Adds one thigh -> leg -> foot chain on the given side ("right" or "left")."""
    y = -HIP_OFFSET_Y if side == "right" else HIP_OFFSET_Y
    thigh = torso.add_body(name=f"{side}_thigh", pos=(0, y, HIP_HEIGHT))
    _add_leg_joint(thigh, f"{side}_hip", HIP_RANGE)
    _add_capsule(thigh, f"{side}_thigh", THIGH_SIZE, pos=(0, 0, -THIGH_SIZE[1]))

    # The leg body's origin is at its capsule's centre; the knee sits at the capsule's top.
    leg = thigh.add_body(name=f"{side}_leg", pos=(0, 0, -(2 * THIGH_SIZE[1] + LEG_SIZE[1])))
    _add_leg_joint(leg, f"{side}_knee", KNEE_RANGE, pos=(0, 0, LEG_SIZE[1]))
    _add_capsule(leg, f"{side}_leg", LEG_SIZE)

    # The foot lies along x; its ankle is at the back, just under the leg's bottom end.
    foot = leg.add_body(name=f"{side}_foot", pos=(ANKLE_BEHIND_FOOT_ORIGIN, 0, -LEG_SIZE[1]))
    _add_leg_joint(foot, f"{side}_ankle", ANKLE_RANGE, pos=(-ANKLE_BEHIND_FOOT_ORIGIN, 0, 0))
    geom = _add_capsule(foot, f"{side}_foot", FOOT_SIZE)
    pc.set_zaxis(geom, (1, 0, 0))
