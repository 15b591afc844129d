"""Fish: a free-floating fish with a two-part tail and two fins, in a dense, weightless fluid.

Facts of the model (SI units):

* ``torso`` starts 0.1 m up, facing +y, on a free joint ``root``. Its mass is that of an invisible
  box ``torso_massive`` (half-sizes 0.002 x 0.06 x 0.03 m, density 1000 kg/m^3, group 4); its
  visible geoms are massless: the ``torso`` ellipsoid (semi-axes 0.01, 0.08, 0.04), a ``back_fin``
  ellipsoid, an ``eye`` ellipsoid tilted 10 degrees about x, and two capsules, ``mouth`` (radius
  5 mm) and ``lower_mouth``, at the front. A ``torso`` site carries the velocimeter and gyro.
* The tail: ``tail1`` (0.09 m behind the torso) turns on ``tail1`` (about z) and ``tail_twist``
  (about y), both 1 cm in front of its origin; ``tail2`` (0.028 m further back) turns on ``tail2``
  (about z, 2 cm in front of its origin, stiffness 8e-5 N*m/rad). Each carries a flat ellipsoid of
  density 1000.
* Two fins, ``finright`` and ``finleft`` at x = +-0.01 m, each turn on a ``*_roll`` hinge (about y)
  and a ``*_pitch`` hinge (about x, 5 mm in front); each carries a flat ellipsoid (semi-axes 0.02,
  0.015, 0.001) centred 1.5 cm outwards.
* Every hinge has damping 2e-5 N*m*s/rad, no armature, and is unlimited; all joints (the free
  root too) declare the range (-60, 60) (tail_twist: (-30, 30)), which MuJoCo keeps unconverted
  because no joint is limited. All joints share solreflimit (0.1, 1) and solimplimit (0, 0.8, 0.1).
* Fixed tendons on the fins' roll angles: ``fins_flap`` = (right - left) / 2 and ``fins_sym`` =
  (right + left) / 2, the latter a spring of stiffness 1e-4 at rest length 0.
* Five position servos with controls in [-1, 1]: ``tail`` (joint tail1, kp 5e-4), ``tail_twist``
  (kp 1e-4), ``fins_flap`` (the tendon, kp 3e-4), ``finleft_pitch`` and ``finright_pitch``
  (kp 1e-4).
* Fluid density 5000 kg/m^3, no viscosity, with MuJoCo's inertia-box drag. Gravity and all
  constraints are disabled (no contacts, no limits). Timestep 0.004 s, Euler integrator.
* A ``target`` sphere of radius 0.04 m sits at (0, 0.4, 0.1); the swim task moves it.
* Cameras: three centre-of-mass tracking views and a fixed top view in the world, and ``eye`` on
  the torso; one light tracks the torso from 0.5 m above it.
"""

from __future__ import annotations

import math

import mujoco

from mjxcontrol.tasks.models import _common

MODEL_NAME = "fish"
TIMESTEP = 0.004
FLUID_DENSITY = 5000.0
GEOM_DENSITY = 1000.0  # MuJoCo's default; the massive geoms keep it

TORSO_POS = (0.0, 0.0, 0.1)
TARGET_POS = (0.0, 0.4, 0.1)
TARGET_RADIUS = 0.04
GROUND_SIZE = (0.5, 0.5, 0.1)

# Declared joint ranges (degrees, kept as written: no joint is limited).
JOINT_RANGE = (-60.0, 60.0)
TAIL_TWIST_RANGE = (-30.0, 30.0)
JOINT_SOLREF_LIMIT = (0.1, 1.0)
JOINT_SOLIMP_LIMIT = (0.0, 0.8, 0.1)
HINGE_DAMPING = 2e-5
TAIL2_STIFFNESS = 8e-5
FINS_SYM_STIFFNESS = 1e-4
SITE_RADIUS = 0.01
INVISIBLE = (0.0, 0.0, 0.0, 0.0)
MASSIVE_GROUP = 4

# Actuator name -> (kind of target, target, kp).
SERVOS = {
    "tail": ("joint", "tail1", 5e-4),
    "tail_twist": ("joint", "tail_twist", 1e-4),
    "fins_flap": ("tendon", "fins_flap", 3e-4),
    "finleft_pitch": ("joint", "finleft_pitch", 1e-4),
    "finright_pitch": ("joint", "finright_pitch", 1e-4),
}
CTRL_RANGE = (-1.0, 1.0)
# Tendon name -> coefficients of (finleft_roll, finright_roll).
FIN_TENDONS = {"fins_flap": (-0.5, 0.5), "fins_sym": (0.5, 0.5)}

# Cameras: name -> (parent body, mode, position, quaternion, fovy in degrees).
_TRACKCOM = mujoco.mjtCamLight.mjCAMLIGHT_TRACKCOM
_FIXED = mujoco.mjtCamLight.mjCAMLIGHT_FIXED
CAMERAS = {
    "tracking_top": ("world", _TRACKCOM, (0, 0, 1), (1, 0, 0, 0), 45.0),
    "tracking_x": (
        "world",
        _TRACKCOM,
        (-0.3, 0, 0.2),
        (0.5792028135240382, 0.4056157058175116, -0.4056157058175116, -0.5792028135240384),
        60.0,
    ),
    "tracking_y": (
        "world",
        _TRACKCOM,
        (0, -0.3, 0.2),
        (0.8191164742503496, 0.5736272322786604, 0, 0),
        60.0,
    ),
    "fixed_top": ("world", _FIXED, (0, 0, 5.5), (1, 0, 0, 0), 10.0),
    "eye": ("torso", _FIXED, (0, 0.06, 0.02), (math.sqrt(0.5), math.sqrt(0.5), 0, 0), 45.0),
}
LIGHT_POS = (0.0, 0.0, 0.5)
LIGHT_DIFFUSE = (0.6, 0.6, 0.6)

_ELLIPSOID = mujoco.mjtGeom.mjGEOM_ELLIPSOID
_CAPSULE = mujoco.mjtGeom.mjGEOM_CAPSULE
_HINGE = mujoco.mjtJoint.mjJNT_HINGE
X, Y, Z = (1, 0, 0), (0, 1, 0), (0, 0, 1)


def spec() -> mujoco.MjSpec:
    """Returns the fish model as an uncompiled spec."""
    s = _common.new_spec(MODEL_NAME)
    s.option.timestep = TIMESTEP
    s.option.density = FLUID_DENSITY
    s.option.disableflags |= mujoco.mjtDisableBit.mjDSBL_GRAVITY
    s.option.disableflags |= mujoco.mjtDisableBit.mjDSBL_CONSTRAINT
    world = s.worldbody
    world.add_geom(
        name="ground", type=mujoco.mjtGeom.mjGEOM_PLANE, size=GROUND_SIZE, material="grid"
    )
    world.add_geom(
        name="target",
        type=mujoco.mjtGeom.mjGEOM_SPHERE,
        size=(TARGET_RADIUS, 0, 0),
        pos=TARGET_POS,
        material="target",
    )
    torso = _add_torso(world)
    _add_tail(torso)
    for side, sign in (("right", 1.0), ("left", -1.0)):
        _add_fin(torso, side, sign)
    for name, (parent, mode, pos, quat, fovy) in CAMERAS.items():
        body = world if parent == "world" else s.body(parent)
        body.add_camera(name=name, mode=mode, pos=pos, quat=quat, fovy=fovy)
    for name, coefficients in FIN_TENDONS.items():
        stiffness = FINS_SYM_STIFFNESS if name == "fins_sym" else 0.0
        tendon = s.add_tendon(name=name, stiffness=stiffness)
        for joint, coefficient in zip(("finleft_roll", "finright_roll"), coefficients, strict=True):
            tendon.wrap_joint(joint, coefficient)
    for name, (kind, target, kp) in SERVOS.items():
        servo = s.add_actuator(
            name=name,
            target=target,
            trntype=mujoco.mjtTrn.mjTRN_TENDON if kind == "tendon" else mujoco.mjtTrn.mjTRN_JOINT,
            ctrllimited=True,
            ctrlrange=CTRL_RANGE,
        )
        servo.set_to_position(kp=kp)
    for kind in (mujoco.mjtSensor.mjSENS_VELOCIMETER, mujoco.mjtSensor.mjSENS_GYRO):
        name = "velocimeter" if kind == mujoco.mjtSensor.mjSENS_VELOCIMETER else "gyro"
        s.add_sensor(name=name, type=kind, objtype=mujoco.mjtObj.mjOBJ_SITE, objname="torso")
    return s


def _hinge(body, name: str, axis, pos=(0, 0, 0), limits=JOINT_RANGE, stiffness: float = 0.0):
    return body.add_joint(
        name=name,
        type=_HINGE,
        axis=axis,
        pos=pos,
        range=limits,
        limited=mujoco.mjtLimited.mjLIMITED_FALSE,
        damping=HINGE_DAMPING,
        stiffness=stiffness,
        solref_limit=JOINT_SOLREF_LIMIT,
        solimp_limit=(*JOINT_SOLIMP_LIMIT, 0.5, 2.0),
    )


def _add_torso(world):
    torso = world.add_body(name="torso", pos=TORSO_POS)
    torso.add_light(
        name="light",
        mode=mujoco.mjtCamLight.mjCAMLIGHT_TRACK,
        pos=LIGHT_POS,
        dir=(0, 0, -1),
        diffuse=LIGHT_DIFFUSE,
    )
    root = torso.add_freejoint(name="root")
    root.range = JOINT_RANGE
    root.solref_limit = JOINT_SOLREF_LIMIT
    root.solimp_limit = (*JOINT_SOLIMP_LIMIT, 0.5, 2.0)
    tilt = math.radians(-10.0) / 2
    torso.add_geom(
        name="eye",
        type=_ELLIPSOID,
        size=(0.008, 0.012, 0.008),
        pos=(0, 0.055, 0.015),
        quat=(math.cos(tilt), math.sin(tilt), 0, 0),
        material="eye",
        mass=0,
    )
    torso.add_geom(
        name="mouth",
        type=_CAPSULE,
        size=(0.005, 0, 0),
        fromto=(0, 0.079, 0, 0, 0.07, 0),
        material="effector",
        mass=0,
    )
    torso.add_geom(
        name="lower_mouth",
        type=_CAPSULE,
        size=(0.0045, 0, 0),
        fromto=(0, 0.079, -0.004, 0, 0.07, -0.003),
        material="effector",
        mass=0,
    )
    torso.add_geom(name="torso", type=_ELLIPSOID, size=(0.01, 0.08, 0.04), material="self", mass=0)
    torso.add_geom(
        name="back_fin",
        type=_ELLIPSOID,
        size=(0.001, 0.03, 0.015),
        pos=(0, -0.03, 0.03),
        material="effector",
        mass=0,
    )
    torso.add_geom(
        name="torso_massive",
        type=mujoco.mjtGeom.mjGEOM_BOX,
        size=(0.002, 0.06, 0.03),
        group=MASSIVE_GROUP,
        material="self",
    )
    site = torso.add_site(name="torso", rgba=INVISIBLE)
    site.size[0] = SITE_RADIUS
    return torso


def _add_tail(torso) -> None:
    tail1 = torso.add_body(name="tail1", pos=(0, -0.09, 0))
    _hinge(tail1, "tail1", Z, pos=(0, 0.01, 0))
    _hinge(tail1, "tail_twist", Y, pos=(0, 0.01, 0), limits=TAIL_TWIST_RANGE)
    tail1.add_geom(name="tail1", type=_ELLIPSOID, size=(0.001, 0.008, 0.016), material="self")
    tail2 = tail1.add_body(name="tail2", pos=(0, -0.028, 0))
    _hinge(tail2, "tail2", Z, pos=(0, 0.02, 0), stiffness=TAIL2_STIFFNESS)
    tail2.add_geom(name="tail2", type=_ELLIPSOID, size=(0.001, 0.018, 0.035), material="self")


def _add_fin(torso, side: str, sign: float) -> None:
    fin = torso.add_body(name=f"fin{side}", pos=(sign * 0.01, 0, 0))
    _hinge(fin, f"fin{side}_roll", Y)
    _hinge(fin, f"fin{side}_pitch", X, pos=(0, 0.005, 0))
    fin.add_geom(
        name=f"fin{side}",
        type=_ELLIPSOID,
        size=(0.02, 0.015, 0.001),
        pos=(sign * 0.015, 0, 0),
        material="self",
    )
