"""Hopper: a planar one-legged robot (torso, pelvis, thigh, calf, foot) moving in the x-z plane.

Facts of the model (SI units):

* A long ``floor`` plane (100 m x 2 m, starting 2 m behind the origin) is the only thing the
  hopper can touch: body geoms collide with the floor (default contype/conaffinity 1) and with
  each other only through it (MuJoCo never collides geoms of parent and child bodies).
* The torso starts 1 m above the floor and moves by three unlimited, undamped root joints
  without armature: ``rootx`` and ``rootz`` slides and the ``rooty`` pitch hinge.
* Every body geom is a capsule given by its end points, at the default density 1000 kg/m^3:
  torso (radius 6.53 cm, from 5 cm below to 20 cm above the torso origin) with a ``nose``
  (radius 3 cm) sticking forward; pelvis (6.5 cm, 15 cm long), thigh (4 cm, 33 cm),
  calf (3 cm, 32 cm) hanging down; a horizontal foot (4 cm, 8 cm behind to 17 cm ahead of the
  ankle).
* The four limb hinges (``waist``, ``hip``, ``knee``, ``ankle``) turn about +y, have damping
  0.05 N*m*s/rad and armature 0.2 kg*m^2, and are limited (degrees): waist -30..30,
  hip -170..10, knee 5..150, ankle -45..45.
* Four motors (gears: waist 30, hip 40, knee 30, ankle 10), controls in [-1, 1].
* Sensors: ``torso_subtreelinvel`` (velocity of the hopper's centre of mass) and the touch
  sensors ``touch_toe`` and ``touch_heel`` at the foot's two ends (sphere sites, radius 5 cm).
* Timestep 0.005 s, default (Euler) integrator, contacts enabled.
"""

from __future__ import annotations

import mujoco

from mjxcontrol.tasks.models import _common
from mjxcontrol.tasks.models import _planar_common as pc

MODEL_NAME = "planar hopper"
TIMESTEP = 0.005
STAT_CENTER = (0, 0, 0.5)
STAT_EXTENT = 2.0

FLOOR_POS = (48, 0, 0)
FLOOR_SIZE = (50, 1, 0.2)

TORSO_HEIGHT = 1.0
LIMB_AXIS = (0, 1, 0)
LIMB_DAMPING = 0.05
LIMB_ARMATURE = 0.2
SITE_RADIUS = 0.05
SITE_GROUP = 3

# Root joint name -> (type, axis).
ROOT_JOINTS = {
    "rootx": (pc.SLIDE, (1, 0, 0)),
    "rootz": (pc.SLIDE, (0, 0, 1)),
    "rooty": (pc.HINGE, (0, 1, 0)),
}
# Torso capsules: name -> (radius, fromto) in the torso's frame.
TORSO_GEOMS = {
    "torso": (0.0653, (0, 0, -0.05, 0, 0, 0.2)),
    "nose": (0.03, (0.08, 0, 0.13, 0.15, 0, 0.14)),
}
# The limb chain below the torso, each entry a body holding one hinge of the same name at its
# origin: name -> (parent body, body position in the parent, hinge range in degrees,
# capsule radius, capsule fromto in the body's frame).
LIMBS = {
    "pelvis": ("torso", (0, 0, -0.05), "waist", (-30, 30), 0.065, (0, 0, 0, 0, 0, -0.15)),
    "thigh": ("pelvis", (0, 0, -0.2), "hip", (-170, 10), 0.04, (0, 0, 0, 0, 0, -0.33)),
    "calf": ("thigh", (0, 0, -0.33), "knee", (5, 150), 0.03, (0, 0, 0, 0, 0, -0.32)),
    "foot": ("calf", (0, 0, -0.32), "ankle", (-45, 45), 0.04, (-0.08, 0, 0, 0.17, 0, 0)),
}
# Touch sites at the foot's toe and heel (capsule end points).
FOOT_SITES = {"touch_toe": (0.17, 0, 0), "touch_heel": (-0.08, 0, 0)}
# Motor name (= joint name) -> gear.
GEARS = {"waist": 30, "hip": 40, "knee": 30, "ankle": 10}


def spec() -> mujoco.MjSpec:
    """Returns the hopper model as an uncompiled spec."""
    s = _common.new_spec(MODEL_NAME)
    s.option.timestep = TIMESTEP
    s.stat.center = STAT_CENTER
    s.stat.extent = STAT_EXTENT
    world = s.worldbody
    cam0 = world.add_camera(name="cam0", pos=(0, -2.8, 0.8), mode=pc.TRACKCOM)
    pc.set_euler(cam0, (90, 0, 0))
    back = world.add_camera(name="back", pos=(-2, -0.2, 1.2), mode=pc.TRACKCOM)
    pc.set_xyaxes(back, (0.2, -1, 0, 0.5, 0, 2))
    world.add_geom(name="floor", type=pc.PLANE, material="grid", pos=FLOOR_POS, size=FLOOR_SIZE)
    _add_body(s)
    pc.add_subtreelinvel(s, "torso")
    for site in FOOT_SITES:
        s.add_sensor(
            name=site,
            type=mujoco.mjtSensor.mjSENS_TOUCH,
            objtype=mujoco.mjtObj.mjOBJ_SITE,
            objname=site,
        )
    for joint, gear in GEARS.items():
        pc.add_motor(s, joint, joint, gear)
    return s


def _add_capsule(body, name: str, radius: float, fromto) -> None:
    body.add_geom(name=name, type=pc.CAPSULE, material="self", size=(radius, 0, 0), fromto=fromto)


def _add_body(s: mujoco.MjSpec) -> None:
    """Torso with its light and root joints, then the pelvis -> thigh -> calf -> foot chain."""
    torso = s.worldbody.add_body(name="torso", pos=(0, 0, TORSO_HEIGHT))
    torso.add_light(name="top", pos=(0, 0, 2), mode=pc.TRACKCOM)
    for name, (joint_type, axis) in ROOT_JOINTS.items():
        torso.add_joint(name=name, type=joint_type, axis=axis, limited=pc.UNLIMITED)
    for name, (radius, fromto) in TORSO_GEOMS.items():
        _add_capsule(torso, name, radius, fromto)
    bodies = {"torso": torso}
    for name, (parent, pos, joint, joint_range, radius, fromto) in LIMBS.items():
        body = bodies[parent].add_body(name=name, pos=pos)
        body.add_joint(
            name=joint,
            type=pc.HINGE,
            axis=LIMB_AXIS,
            limited=pc.LIMITED,
            range=joint_range,
            damping=LIMB_DAMPING,
            armature=LIMB_ARMATURE,
        )
        _add_capsule(body, name, radius, fromto)
        bodies[name] = body
    for site, pos in FOOT_SITES.items():
        touch = bodies["foot"].add_site(
            name=site, type=mujoco.mjtGeom.mjGEOM_SPHERE, pos=pos, group=SITE_GROUP
        )
        touch.size[0] = SITE_RADIUS  # a sphere reads only the first size; the rest keep defaults
