"""Humanoid: a 21-joint, 3D biped on a free root (dm_control's ``humanoid`` domain).

Facts of the model (SI units; angles in degrees where written as ranges):

* A square ``floor`` plane (half-side 100 m) under the body. Body geoms collide with the floor and
  with each other (except parent/child pairs): capsules and spheres at the default 1000 kg/m^3,
  contact dimension 1 (frictionless normal contacts) with friction 0.7, solref (0.015, 1) and
  solimp (0.9, 0.99, 0.003). The floor keeps MuJoCo's contact defaults (condim 3).
* The torso (origin 1.5 m up, on the free joint ``root``) carries the head, the waist chain
  (``lower_waist`` -> ``pelvis``, each tilted 0.23 degrees about y), the two legs (thigh, shin,
  two-capsule foot) below the pelvis and the two arms (upper arm, lower arm, hand) at the
  shoulders.
* 21 limited hinges, all with armature 0.01 and soft limits solimp (0, 0.99, 0.01). Three joint
  classes: ordinary (damping 0.2, stiffness 1), big (damping 5, stiffness 10) and big-stiff
  (damping 5, stiffness 20); ankles override the stiffness (6 about y, 3 about x), elbows have
  none.
* 25 sites: force/torque boxes (``root``, hips, knees, ankles), capsule/sphere/box touch sites
  around every geom, all in group 3 or their class's look.
* 21 motors with controls in [-1, 1], gears 20 to 120 (:data:`MOTORS`).
* 34 sensors: the torso's subtree linear velocity, an accelerometer, velocimeter and gyro at
  ``root``, force and torque at the 6 leg force/torque sites, and 18 touch sensors.
* Timestep 0.005 s, Euler, Newton solver with MuJoCo's default settings.
"""

from __future__ import annotations

import math

import mujoco

from mjcf_builder.model import Model
from mjxcontrol.tasks.models import _common

MODEL_NAME = "humanoid"
TIMESTEP = 0.005
STAT_CENTER = (0, 0, 1)
STAT_EXTENT = 2.0

FLOOR_SIZE = (100, 100, 0.2)
TORSO_POS = (0, 0, 1.5)

# Body geoms: capsules unless stated, frictionless normal contacts.
GEOM_LOOK = {
    "type": "capsule",
    "condim": 1,
    "friction": 0.7,
    "solimp": (0.9, 0.99, 0.003),
    "solref": (0.015, 1.0),
    "material": "self",
}
# Joint classes: (damping N*m*s/rad, stiffness N*m/rad).
ORDINARY, BIG, BIG_STIFF = (0.2, 1.0), (5.0, 10.0), (5.0, 20.0)
JOINT_ARMATURE = 0.01
JOINT_SOLIMP_LIMIT = (0.0, 0.99, 0.01)

SITE_GROUP = 3
FORCE_TORQUE_SITE = {"type": "box", "size": (0.01, 0.01, 0.02), "rgba": (1, 0, 0, 1)}
TOUCH_RGBA = (0, 0, 1, 0.3)

# Waist bodies are tilted slightly forward (quaternion before normalisation).
WAIST_QUAT = (1.0, 0.0, -0.002, 0.0)

# Leg tables, per side: body positions and joint axes/ranges in the parent frame.
LEGS = {
    "right": {
        "y": -1.0,
        "hip": (
            ("hip_x", (1, 0, 0), (-25, 5), BIG),
            ("hip_z", (0, 0, 1), (-60, 35), BIG),
            ("hip_y", (0, 1, 0), (-110, 20), BIG_STIFF),
        ),
        # (outer geom, inner geom) then (site toward -y, site toward +y).
        "foot_geoms": ("right_right_foot", "left_right_foot"),
        "foot_sites": ("right_right_foot", "left_right_foot"),
        "foot_site_y": -0.03,
    },
    "left": {
        "y": 1.0,
        "hip": (
            ("hip_x", (-1, 0, 0), (-25, 5), BIG),
            ("hip_z", (0, 0, -1), (-60, 35), BIG),
            ("hip_y", (0, 1, 0), (-120, 20), BIG_STIFF),
        ),
        "foot_geoms": ("left_left_foot", "right_left_foot"),
        "foot_sites": ("right_left_foot", "left_left_foot"),
        "foot_site_y": -0.01,
    },
}
KNEE = ((0, -1, 0), (-160, 2))
# Ankles: (name, joint position z, axis, range, stiffness).
ANKLES = (
    ("ankle_y", 0.08, (0, 1, 0), (-50, 50), 6.0),
    ("ankle_x", 0.04, (1, 0, 0.5), (-50, 50), 3.0),
)
THIGH_RADIUS, SHIN_RADIUS, FOOT_RADIUS = 0.06, 0.049, 0.027

# Arm tables, per side: joint axes and ranges (the elbow has no stiffness).
ARMS = {
    "right": {
        "y": -1.0,
        "shoulder": (("shoulder1", (2, 1, 1), (-85, 60)), ("shoulder2", (0, -1, 1), (-85, 60))),
        "elbow": ((0, -1, 1), (-90, 50)),
    },
    "left": {
        "y": 1.0,
        "shoulder": (("shoulder1", (2, -1, 1), (-60, 85)), ("shoulder2", (0, 1, 1), (-60, 85))),
        "elbow": ((0, -1, -1), (-90, 50)),
    },
}
UPPER_ARM_RADIUS, LOWER_ARM_RADIUS, HAND_RADIUS = 0.04, 0.031, 0.04

# Motor name (= joint name) -> gear, in actuator order.
MOTORS = {
    "abdomen_y": 40,
    "abdomen_z": 40,
    "abdomen_x": 40,
    **{
        f"{side}_{joint}": gear
        for side in ("right", "left")
        for joint, gear in (
            ("hip_x", 40),
            ("hip_z", 40),
            ("hip_y", 120),
            ("knee", 80),
            ("ankle_x", 20),
            ("ankle_y", 20),
        )
    },
    **{
        f"{side}_{joint}": gear
        for side in ("right", "left")
        for joint, gear in (("shoulder1", 20), ("shoulder2", 20), ("elbow", 40))
    },
}
# Sites of the force and torque sensors, in sensor order.
FORCE_TORQUE_SENSOR_SITES = (
    "left_ankle",
    "right_ankle",
    "left_knee",
    "right_knee",
    "left_hip",
    "right_hip",
)
TOUCH_SENSOR_SITES = (
    "torso",
    "head",
    "lower_waist",
    "butt",
    "right_thigh",
    "right_shin",
    "right_right_foot",
    "left_right_foot",
    "left_thigh",
    "left_shin",
    "right_left_foot",
    "left_left_foot",
    "right_upper_arm",
    "right_lower_arm",
    "right_hand",
    "left_upper_arm",
    "left_lower_arm",
    "left_hand",
)


def spec() -> mujoco.MjSpec:
    """Returns the humanoid model as an uncompiled spec."""
    m = _common.new_model(MODEL_NAME)
    m.spec.option.timestep = TIMESTEP
    m.spec.stat.center = STAT_CENTER
    m.spec.stat.extent = STAT_EXTENT
    m.add("geom", name="floor", type="plane", size=FLOOR_SIZE, material="grid", conaffinity=1)
    torso = _add_torso(m)
    pelvis = _add_waist(m, torso)
    for side in ("right", "left"):
        _add_leg(m, pelvis, side)
    for side in ("right", "left"):
        _add_arm(m, torso, side)
    for name, gear in MOTORS.items():
        m.add(
            "actuator",
            name=name,
            target=name,
            trntype="joint",
            gear=gear,
            ctrllimited=True,
            ctrlrange=(-1, 1),
        ).set_to_motor()
    _add_sensors(m)
    return m.spec


def _mirror(v, y_sign: float):
    """``v`` (authored for the left side, +y) with its y coordinate multiplied by ``y_sign``."""
    return (v[0], y_sign * v[1], *v[2:])


def _geom(m: Model, body, name: str, **attrs):
    return m.add("geom", parent=body, name=name, **{**GEOM_LOOK, **attrs})


def _joint(m: Model, body, name: str, axis, degrees, joint_class, **attrs):
    damping, stiffness = joint_class
    return m.add(
        "joint",
        parent=body,
        name=name,
        type="hinge",
        axis=axis,
        limited=True,
        range=tuple(math.radians(d) for d in degrees),
        damping=damping,
        stiffness=stiffness,
        armature=JOINT_ARMATURE,
        solimp_limit=JOINT_SOLIMP_LIMIT,
        **attrs,
    )


def _touch_site(m: Model, body, name: str, size, **attrs):
    attrs.setdefault("type", "capsule")
    m.add("site", parent=body, name=name, size=size, rgba=TOUCH_RGBA, group=SITE_GROUP, **attrs)


def _force_torque_site(m: Model, body, name: str, **attrs):
    m.add("site", parent=body, name=name, group=SITE_GROUP, **FORCE_TORQUE_SITE, **attrs)


def _add_torso(m: Model):
    torso = m.add("body", name="torso", pos=TORSO_POS)
    m.add("light", parent=torso, name="top", pos=(0, 0, 2), mode="trackcom")
    m.add(
        "camera",
        parent=torso,
        name="back",
        pos=(-3, 0, 1),
        xyaxes=(0, -1, 0, 1, 0, 2),
        mode="trackcom",
    )
    m.add(
        "camera",
        parent=torso,
        name="side",
        pos=(0, -3, 1),
        xyaxes=(1, 0, 0, 0, 1, 2),
        mode="trackcom",
    )
    m.add("freejoint", parent=torso, name="root")
    _force_torque_site(m, torso, "root")
    _geom(m, torso, "torso", fromto=(0, -0.07, 0, 0, 0.07, 0), size=0.07)
    _geom(m, torso, "upper_waist", fromto=(-0.01, -0.06, -0.12, -0.01, 0.06, -0.12), size=0.06)
    _touch_site(m, torso, "torso", (0.075, 0.14, 0.13), type="box", pos=(0, 0, -0.05))
    head = m.add("body", parent=torso, name="head", pos=(0, 0, 0.19))
    _geom(m, head, "head", type="sphere", size=0.09)
    _touch_site(m, head, "head", 0.091, type="sphere")
    m.add(
        "camera",
        parent=head,
        name="egocentric",
        pos=(0.09, 0, 0),
        xyaxes=(0, -1, 0, 0.1, 0, 1),
        fovy=80,
    )
    return torso


def _add_waist(m: Model, torso):
    """``lower_waist`` (abdomen z, y) -> ``pelvis`` (abdomen x); returns the pelvis."""
    waist = m.add("body", parent=torso, name="lower_waist", pos=(-0.01, 0, -0.26), quat=WAIST_QUAT)
    _geom(m, waist, "lower_waist", fromto=(0, -0.06, 0, 0, 0.06, 0), size=0.06)
    _touch_site(m, waist, "lower_waist", (0.061, 0.06), zaxis=(0, 1, 0))
    _joint(m, waist, "abdomen_z", (0, 0, 1), (-45, 45), BIG_STIFF, pos=(0, 0, 0.065))
    _joint(m, waist, "abdomen_y", (0, 1, 0), (-75, 30), BIG, pos=(0, 0, 0.065))
    pelvis = m.add("body", parent=waist, name="pelvis", pos=(0, 0, -0.165), quat=WAIST_QUAT)
    _joint(m, pelvis, "abdomen_x", (1, 0, 0), (-35, 35), BIG, pos=(0, 0, 0.1))
    _geom(m, pelvis, "butt", fromto=(-0.02, -0.07, 0, -0.02, 0.07, 0), size=0.09)
    _touch_site(m, pelvis, "butt", (0.091, 0.07), pos=(-0.02, 0, 0), zaxis=(0, 1, 0))
    return pelvis


def _add_leg(m: Model, pelvis, side: str) -> None:
    leg = LEGS[side]
    y = leg["y"]
    thigh = m.add("body", parent=pelvis, name=f"{side}_thigh", pos=_mirror((0, 0.1, -0.04), y))
    _force_torque_site(m, thigh, f"{side}_hip")
    for name, axis, degrees, joint_class in leg["hip"]:
        _joint(m, thigh, f"{side}_{name}", axis, degrees, joint_class)
    _geom(
        m,
        thigh,
        f"{side}_thigh",
        fromto=(0, 0, 0, *_mirror((0, -0.01, -0.34), y)),
        size=THIGH_RADIUS,
    )
    _touch_site(
        m,
        thigh,
        f"{side}_thigh",
        (0.061, 0.17),
        pos=_mirror((0, -0.005, -0.17), y),
        zaxis=_mirror((0, 1, 34), y),
    )

    shin = m.add("body", parent=thigh, name=f"{side}_shin", pos=_mirror((0, -0.01, -0.403), y))
    _force_torque_site(m, shin, f"{side}_knee", pos=(0, 0, 0.02))
    _joint(m, shin, f"{side}_knee", *KNEE, ORDINARY, pos=(0, 0, 0.02))
    _geom(m, shin, f"{side}_shin", fromto=(0, 0, 0, 0, 0, -0.3), size=SHIN_RADIUS)
    _touch_site(m, shin, f"{side}_shin", (0.05, 0.15), pos=(0, 0, -0.15))

    foot = m.add("body", parent=shin, name=f"{side}_foot", pos=(0, 0, -0.39))
    _force_torque_site(m, foot, f"{side}_ankle")
    for name, z, axis, degrees, stiffness in ANKLES:
        _joint(m, foot, f"{side}_{name}", axis, degrees, (ORDINARY[0], stiffness), pos=(0, 0, z))
    # Each foot is two capsules splayed 2 cm apart at the toes: outer, then inner.
    outer, inner = leg["foot_geoms"]
    _geom(m, foot, outer, fromto=(-0.07, 0.02 * y, 0, 0.14, 0.04 * y, 0), size=FOOT_RADIUS)
    _geom(m, foot, inner, fromto=(-0.07, 0, 0, 0.14, -0.02 * y, 0), size=FOOT_RADIUS)
    # Touch sites over the two capsules, the one toward -y first, 4 cm apart.
    first_y = leg["foot_site_y"]
    for name, site_y, splay in zip(
        leg["foot_sites"], (first_y, first_y + 0.04), (-2, 2), strict=True
    ):
        _touch_site(m, foot, name, (0.03, 0.11), pos=(0.035, site_y, 0), zaxis=(21, splay, 0))


def _add_arm(m: Model, torso, side: str) -> None:
    arm = ARMS[side]
    y = arm["y"]
    upper = m.add("body", parent=torso, name=f"{side}_upper_arm", pos=_mirror((0, 0.17, 0.06), y))
    for name, axis, degrees in arm["shoulder"]:
        _joint(m, upper, f"{side}_{name}", axis, degrees, ORDINARY)
    _geom(
        m,
        upper,
        f"{side}_upper_arm",
        fromto=(0, 0, 0, *_mirror((0.16, 0.16, -0.16), y)),
        size=(UPPER_ARM_RADIUS, 0.16),
    )
    _touch_site(
        m,
        upper,
        f"{side}_upper_arm",
        (0.041, 0.14),
        pos=_mirror((0.08, 0.08, -0.08), y),
        zaxis=_mirror((1, 1, -1), y),
    )

    lower = m.add(
        "body", parent=upper, name=f"{side}_lower_arm", pos=_mirror((0.18, 0.18, -0.18), y)
    )
    elbow_axis, elbow_range = arm["elbow"]
    _joint(m, lower, f"{side}_elbow", elbow_axis, elbow_range, (ORDINARY[0], 0.0))
    _geom(
        m,
        lower,
        f"{side}_lower_arm",
        fromto=(*_mirror((0.01, -0.01, 0.01), y), *_mirror((0.17, -0.17, 0.17), y)),
        size=LOWER_ARM_RADIUS,
    )
    _touch_site(
        m,
        lower,
        f"{side}_lower_arm",
        (0.032, 0.14),
        pos=_mirror((0.09, -0.09, 0.09), y),
        zaxis=_mirror((1, -1, 1), y),
    )

    hand = m.add("body", parent=lower, name=f"{side}_hand", pos=_mirror((0.18, -0.18, 0.18), y))
    _geom(m, hand, f"{side}_hand", type="sphere", size=HAND_RADIUS)
    _touch_site(m, hand, f"{side}_hand", 0.041, type="sphere")


def _add_sensors(m: Model) -> None:
    _common.add_sensors(
        m,
        [
            ("torso_subtreelinvel", "subtreelinvel", "body", "torso"),
            ("torso_accel", "accelerometer", "site", "root"),
            ("torso_vel", "velocimeter", "site", "root"),
            ("torso_gyro", "gyro", "site", "root"),
            *(
                (f"{site}_{kind}", kind, "site", site)
                for kind in ("force", "torque")
                for site in FORCE_TORQUE_SENSOR_SITES
            ),
            *((f"{site}_touch", "touch", "site", site) for site in TOUCH_SENSOR_SITES),
        ],
    )
