"""humanoid_CMU: the CMU motion-capture skeleton on a free root (dm_control's ``humanoid_CMU``).

Facts of the model (SI units; angles in degrees in the tables, converted when built):

* The model is **y-up**: the root body sits 1 m above the floor, turned 90 degrees about x, so
  each body's local y axis points along the limb, away from the root (up the spine, down the
  legs). The upright measure is therefore the thorax's ``zy`` entry, not ``zz``.
* 31 bodies (:data:`BODIES`): the root (pelvis) carries the two hips, legs, feet and toes, and
  the spine ``lowerback`` -> ``upperback`` -> ``thorax``; the thorax carries the neck and head and
  the two clavicles, arms, wrists, hands, fingers and thumbs.
* 56 limited hinges (armature 0.01, soft limits solimp (0, 0.99, 0.01)), named body + ``r`` +
  axis (``lfemurrz``). Four joint classes set (stiffness N*m/rad, damping N*m*s/rad):
  ordinary (0.1, 1), low (0.5, 4), medium (10, 5), high (30, 10).
* 49 collision geoms: 39 capsules, 8 spheres and 2 ellipsoids (the hands), all condim 3, friction
  0.7, solref (0.015, 1), solimp (0.95, 0.99, 0.003), density 1000 kg/m^3; the floor plane shares
  the friction and solver settings. Five body pairs around the neck and clavicles never collide.
* 56 motors (one per hinge, in alphabetical order) with controls in [-1, 1] and gears 20 to 120
  (:data:`GEARS`).
* 8 sensors: the thorax subtree's linear velocity; a velocimeter, gyro and accelerometer at the
  ``root`` site; touch at the two feet and two toes.
* MuJoCo's default timestep (0.002 s), Euler, Newton solver with default settings.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import mujoco

from mjcf_builder.model import Model
from mjxcontrol.tasks.models import _common

MODEL_NAME = "humanoid_CMU"
STAT_CENTER = (0, 0, 1)
STAT_EXTENT = 2.0
FLOOR_SIZE = (100, 100, 0.2)

ROOT_POS = (0, 0, 1)
ROOT_EULER = (90, 0, 0)  # y-up: the skeleton's y axis points up the spine

CONTACT = {"friction": 0.7, "solref": (0.015, 1.0), "solimp": (0.95, 0.99, 0.003)}
# Joint classes: (stiffness N*m/rad, damping N*m*s/rad).
ORDINARY, LOW, MEDIUM, HIGH = (0.1, 1.0), (0.5, 4.0), (10.0, 5.0), (30.0, 10.0)
JOINT_ARMATURE = 0.01
JOINT_SOLIMP_LIMIT = (0.0, 0.99, 0.01)
TOUCH_SITE = {"group": 3, "rgba": (0, 0, 1, 0.5)}
ROOT_SITE = {"size": (0.01, 0.005, 0.005), "rgba": (0.5, 0.5, 0.5, 0)}


class Geom(NamedTuple):
    """A collision geom: capsule ``size`` (radius, half-length), sphere (radius,) or ellipsoid
    (three semi-axes), at ``pos`` in its body's frame, turned by ``quat`` or ``euler`` (deg)."""

    name: str
    size: tuple
    pos: tuple
    quat: tuple | None = None
    euler: tuple | None = None


class Body(NamedTuple):
    """A body: its parent, frame (``pos``, ``quat``) and hinges ``(axis letter, (lo, hi) deg,
    class)``, named ``name + "r" + axis``."""

    name: str
    parent: str
    pos: tuple = (0, 0, 0)
    quat: tuple | None = None
    joints: tuple = ()
    geoms: tuple = ()


def _spine_joints(joint_class, x_range=(-20, 45)):
    ranges = {"z": (-30, 30), "y": (-30, 30), "x": x_range}
    return tuple((axis, ranges[axis], joint_class) for axis in "zyx")


def _sphere(name, pos):
    return Geom(name, (0.02,), pos)


# Bodies in tree order (depth first, as dm_control lists them).
BODIES = (
    Body("root", "world", ROOT_POS,
         geoms=(Geom("root_geom", (0.09, 0.06), (0, -0.05, 0), (1, 0, -1, 0)),)),
    # Left leg.
    Body("lhipjoint", "root", geoms=(Geom("lhipjoint", (0.008, 0.022), (0.051, -0.046, 0.025),
                                          (0.5708, -0.566602, -0.594264, 0)),)),
    Body("lfemur", "lhipjoint", (0.102, -0.092, 0.05), (1, 0, 0, 0.17365),
         (("z", (-60, 70), MEDIUM), ("y", (-70, 70), MEDIUM), ("x", (-160, 20), MEDIUM)),
         (Geom("lfemur", (0.06, 0.17), (-0.01, -0.202473, 0), (0.7, -0.7, -0.1228, -0.07)),)),
    Body("ltibia", "lfemur", (0, -0.404945, 0), None, (("x", (1, 170), LOW),),
         (Geom("ltibia", (0.03, 0.1825614), (0, -0.202846, 0), (0.7, -0.7, -0.1228, -0.1228)),
          Geom("lcalf", (0.045, 0.08), (0, -0.1, -0.01), (0.7, -0.7, -0.1228, -0.1228)))),
    Body("lfoot", "ltibia", (0, -0.405693, 0), (0.707107, -0.707107, 0, 0),
         (("z", (-70, 20), MEDIUM), ("x", (-45, 90), MEDIUM)),
         (Geom("lfoot0", (0.02, 0.06), (-0.02, -0.023, -0.01), euler=(100, -2, 0)),
          Geom("lfoot1", (0.02, 0.06), (0, -0.023, -0.01), euler=(100, 0, 0)),
          Geom("lfoot2", (0.02, 0.06), (0.01, -0.023, -0.01), euler=(100, 10, 0)))),
    Body("ltoes", "lfoot", (0, -0.106372, -0.0227756), None, (("x", (-90, 20), ORDINARY),),
         (_sphere("ltoes0", (-0.025, -0.01, -0.01)), _sphere("ltoes1", (0, -0.005, -0.01)),
          _sphere("ltoes2", (0.02, 0.001, -0.01)))),
    # Right leg.
    Body("rhipjoint", "root", geoms=(Geom("rhipjoint", (0.008, 0.022), (-0.051, -0.046, 0.025),
                                          (0.574856, -0.547594, 0.608014, 0)),)),
    Body("rfemur", "rhipjoint", (-0.102, -0.092, 0.05), (1, 0, 0, -0.17365),
         (("z", (-70, 60), MEDIUM), ("y", (-70, 70), MEDIUM), ("x", (-160, 20), MEDIUM)),
         (Geom("rfemur", (0.06, 0.17), (0.01, -0.202473, 0), (0.7, -0.7, 0.1228, 0.07)),)),
    Body("rtibia", "rfemur", (0, -0.404945, 0), None, (("x", (1, 170), LOW),),
         (Geom("rtibia", (0.03, 0.1825614), (0, -0.202846, 0), (0.7, -0.7, 0.1228, 0.1228)),
          Geom("rcalf", (0.045, 0.08), (0, -0.1, -0.01), (0.7, -0.7, -0.1228, -0.1228)))),
    Body("rfoot", "rtibia", (0, -0.405693, 0), (0.707107, -0.707107, 0, 0),
         (("z", (-20, 70), MEDIUM), ("x", (-45, 90), MEDIUM)),
         (Geom("rfoot0", (0.02, 0.06), (0.02, -0.023, -0.01), euler=(100, 2, 0)),
          Geom("rfoot1", (0.02, 0.06), (0, -0.023, -0.01), euler=(100, 0, 0)),
          Geom("rfoot2", (0.02, 0.06), (-0.01, -0.023, -0.01), euler=(100, -10, 0)))),
    Body("rtoes", "rfoot", (0, -0.106372, -0.0227756), None, (("x", (-90, 20), ORDINARY),),
         (_sphere("rtoes0", (0.025, -0.01, -0.01)), _sphere("rtoes1", (0, -0.005, -0.01)),
          _sphere("rtoes2", (-0.02, 0.001, -0.01)))),
    # Spine, neck and head.
    Body("lowerback", "root", joints=_spine_joints(HIGH),
         geoms=(Geom("lowerback", (0.065, 0.055), (0, 0.056, 0.03), (1, 0, 1, 0)),)),
    Body("upperback", "lowerback", (0, 0.1, -0.01), None, _spine_joints(HIGH),
         (Geom("upperback", (0.06, 0.06), (0, 0.06, 0.02), (1, 0, 1, 0)),)),
    Body("thorax", "upperback", (0.000512528, 0.11356, 0.000936821), None, _spine_joints(HIGH),
         (Geom("thorax", (0.08, 0.07), (0, 0.05, 0), (1, 0, 1, 0)),)),
    Body("lowerneck", "thorax", (0, 0.113945, 0.00468037), None, _spine_joints(MEDIUM),
         (Geom("lowerneck", (0.08, 0.02), (0, 0.04, -0.02), (1, 1, 0, 0)),)),
    Body("upperneck", "lowerneck", (0, 0.09, 0.01), None, _spine_joints(MEDIUM),
         (Geom("upperneck", (0.05, 0.03), (0, 0.05, 0), (0.8, 1, 0, 0)),)),
    Body("head", "upperneck", (0, 0.09, 0), None, _spine_joints(MEDIUM),
         (Geom("head", (0.085, 0.035), (0, 0.11, 0.03), (1, 0.9, 0, 0)),
          _sphere("leye", (0.03, 0.11, 0.1)), _sphere("reye", (-0.03, 0.11, 0.1)))),
    # Left arm.
    Body("lclavicle", "thorax", (0, 0.113945, 0.00468037), None,
         (("z", (0, 20), HIGH), ("y", (-20, 10), HIGH)),
         (Geom("lclavicle", (0.08, 0.04), (0.09, 0.05, -0.01), (1, 0, -1, -0.4)),)),
    Body("lhumerus", "lclavicle", (0.183, 0.076, 0.01), (0.18, 0.68, -0.68, 0.18),
         (("z", (-90, 90), LOW), ("y", (-90, 90), LOW), ("x", (-60, 90), LOW)),
         (Geom("lhumerus", (0.035, 0.124), (0, -0.138, 0), (0.612, -0.612, 0.35, 0.35)),)),
    Body("lradius", "lhumerus", (0, -0.277, 0), None, (("x", (-10, 170), LOW),),
         (Geom("lradius", (0.03, 0.06), (0, -0.08, 0), (0.612, -0.612, 0.35, 0.35)),)),
    Body("lwrist", "lradius", (0, -0.17, 0), (-0.5, 0, 0.866, 0), (("y", (-180, 0), ORDINARY),),
         (Geom("lwrist", (0.025, 0.03), (0, -0.02, 0), (0, 0, -1, -1)),)),
    Body("lhand", "lwrist", (0, -0.08, 0), None,
         (("z", (-45, 45), ORDINARY), ("x", (-90, 90), ORDINARY)),
         (Geom("lhand", (0.048, 0.02, 0.06), (0, -0.047, 0), (0, 0, -1, -1)),)),
    Body("lfingers", "lhand", (0, -0.08, 0), None, (("x", (0, 90), ORDINARY),),
         (Geom("lfinger0", (0.01, 0.04), (-0.03, -0.05, 0), (1, -1, 0, 0)),
          Geom("lfinger1", (0.01, 0.04), (-0.008, -0.06, 0), (1, -1, 0, 0)),
          Geom("lfinger2", (0.009, 0.04), (0.014, -0.06, 0), (1, -1, 0, 0)),
          Geom("lfinger3", (0.008, 0.04), (0.032, -0.05, 0), (1, -1, 0, 0)))),
    Body("lthumb", "lhand", (-0.02, -0.03, 0), (0.92388, 0, 0, -0.382683),
         (("z", (-45, 45), ORDINARY), ("x", (0, 90), ORDINARY)),
         (Geom("lthumb", (0.012, 0.04), (0, -0.06, 0), (0, 0, -1, -1)),)),
    # Right arm.
    Body("rclavicle", "thorax", (0, 0.113945, 0.00468037), None,
         (("z", (-20, 0), HIGH), ("y", (-10, 20), HIGH)),
         (Geom("rclavicle", (0.08, 0.04), (-0.09, 0.05, -0.01), (1, 0, -1, 0.4)),)),
    Body("rhumerus", "rclavicle", (-0.183, 0.076, 0.01), (0.18, 0.68, 0.68, -0.18),
         (("z", (-90, 90), LOW), ("y", (-90, 90), LOW), ("x", (-60, 90), LOW)),
         (Geom("rhumerus", (0.035, 0.124), (0, -0.138, 0), (0.61, -0.61, -0.35, -0.35)),)),
    Body("rradius", "rhumerus", (0, -0.277, 0), None, (("x", (-10, 170), LOW),),
         (Geom("rradius", (0.03, 0.06), (0, -0.08, 0), (0.612, -0.612, -0.35, -0.35)),)),
    Body("rwrist", "rradius", (0, -0.17, 0), (-0.5, 0, -0.866, 0), (("y", (-180, 0), ORDINARY),),
         (Geom("rwrist", (0.025, 0.03), (0, -0.02, 0), (0, 0, 1, 1)),)),
    Body("rhand", "rwrist", (0, -0.08, 0), None,
         (("z", (-45, 45), ORDINARY), ("x", (-90, 90), ORDINARY)),
         (Geom("rhand", (0.048, 0.02, 0.06), (0, -0.047, 0), (0, 0, 1, 1)),)),
    Body("rfingers", "rhand", (0, -0.08, 0), None, (("x", (0, 90), ORDINARY),),
         (Geom("rfinger0", (0.01, 0.04), (0.03, -0.05, 0), (1, -1, 0, 0)),
          Geom("rfinger1", (0.01, 0.04), (0.008, -0.06, 0), (1, -1, 0, 0)),
          Geom("rfinger2", (0.009, 0.04), (-0.014, -0.06, 0), (1, -1, 0, 0)),
          Geom("rfinger3", (0.008, 0.04), (-0.032, -0.05, 0), (1, -1, 0, 0)))),
    Body("rthumb", "rhand", (0.02, -0.03, 0), (0.92388, 0, 0, 0.382683),
         (("z", (-45, 45), ORDINARY), ("x", (0, 90), ORDINARY)),
         (Geom("rthumb", (0.012, 0.04), (0, -0.06, 0), (0, 0, 1, 1)),)),
)  # fmt: skip

# Touch sites: (body, site name, type, size, pos, orientation), each with a touch sensor.
FOOT_TOUCH, TOES_TOUCH = ("box", (0.04, 0.08, 0.02)), ("capsule", (0.025, 0.02))
TOUCH_SITES = (
    ("lfoot", "lfoot_touch", *FOOT_TOUCH, (-0.005, -0.02, -0.025), {"euler": (10, 0, 0)}),
    ("ltoes", "ltoes_touch", *TOES_TOUCH, (-0.005, -0.005, -0.01), {"zaxis": (1, 0.2, 0)}),
    ("rfoot", "rfoot_touch", *FOOT_TOUCH, (0.005, -0.02, -0.025), {"euler": (10, 0, 0)}),
    ("rtoes", "rtoes_touch", *TOES_TOUCH, (0.005, -0.005, -0.01), {"zaxis": (1, -0.2, 0)}),
)
TOUCH_SENSOR_ORDER = ("ltoes", "rtoes", "rfoot", "lfoot")
# Body pairs whose geoms never collide.
EXCLUDES = (
    ("lclavicle", "rclavicle"),
    ("lowerneck", "lclavicle"),
    ("lowerneck", "rclavicle"),
    ("upperneck", "lclavicle"),
    ("upperneck", "rclavicle"),
)
# Motor gears of the hinges stronger than the default 20 (by hinge name, both sides).
DEFAULT_GEAR = 20
GEARS = {
    **{f"{s}femurrx": 120 for s in "lr"},
    **{f"{s}tibiarx": 80 for s in "lr"},
    **{f"{s}femurr{a}": 40 for s in "lr" for a in "yz"},
    **{f"{s}humerusr{a}": 40 for s in "lr" for a in "xyz"},
    **{f"{s}radiusrx": 40 for s in "lr"},
    **{f"{b}r{a}": 40 for b in ("lowerback", "upperback", "thorax") for a in "xyz"},
}


def hinge_names() -> tuple[str, ...]:
    """The 56 hinges in model (tree) order: ``qpos[7:]`` and ``qvel[6:]`` follow it."""
    return tuple(f"{body.name}r{axis}" for body in BODIES for axis, _, _ in body.joints)


def spec() -> mujoco.MjSpec:
    """Returns the humanoid_CMU model as an uncompiled spec."""
    m = _common.new_model(MODEL_NAME)
    m.spec.stat.center = STAT_CENTER
    m.spec.stat.extent = STAT_EXTENT
    m.add(
        "geom",
        name="floor",
        type="plane",
        size=FLOOR_SIZE,
        material="grid",
        conaffinity=1,
        **CONTACT,
    )
    m.add(
        "light",
        name="tracking_light",
        pos=(0, 0, 7),
        dir=(0, 0, -1),
        mode="trackcom",
    )
    for name, pos, xyaxes in (
        ("back", (0, 3, 2.4), (-1, 0, 0, 0, -1, 2)),
        ("side", (-3, 0, 2.4), (0, -1, 0, 1, 0, 2)),
    ):
        m.add("camera", name=name, pos=pos, xyaxes=xyaxes, mode="trackcom")
    for body in BODIES:
        _add_body(m, body)
    for body, name, kind, size, pos, orientation in TOUCH_SITES:
        m.add("site", parent=body, name=name, type=kind, size=size, pos=pos, **TOUCH_SITE,
              **_radians(orientation))  # fmt: skip
    for body1, body2 in EXCLUDES:
        m.add("exclude", bodyname1=body1, bodyname2=body2)
    for joint in sorted(hinge_names()):
        m.add(
            "actuator",
            name=joint,
            target=joint,
            trntype="joint",
            gear=GEARS.get(joint, DEFAULT_GEAR),
            ctrllimited=True,
            ctrlrange=(-1, 1),
        ).set_to_motor()
    _add_sensors(m)
    return m.spec


def _radians(orientation: dict) -> dict:
    """``{"euler": degrees}`` in radians; other orientations unchanged."""
    if "euler" in orientation:
        return {"euler": tuple(math.radians(a) for a in orientation["euler"])}
    return orientation


def _add_body(m: Model, body: Body) -> None:
    frame = {} if body.quat is None else {"quat": body.quat}
    if body.name == "root":
        frame = {"euler": tuple(math.radians(a) for a in ROOT_EULER)}
    element = m.add("body", parent=body.parent, name=body.name, pos=body.pos, **frame)
    if body.name == "root":
        m.add("site", parent=element, name="root", **ROOT_SITE)
        m.add("freejoint", parent=element, name="root")
    if body.name == "head":
        m.add(
            "camera",
            parent=element,
            name="egocentric",
            xyaxes=(-1, 0, 0, 0, 1, 0),
            fovy=80,
        )
    for axis, degrees, (stiffness, damping) in body.joints:
        m.add(
            "joint",
            parent=element,
            name=f"{body.name}r{axis}",
            type="hinge",
            axis=tuple(float(axis == a) for a in "xyz"),
            limited=True,
            range=tuple(math.radians(d) for d in degrees),
            stiffness=stiffness,
            damping=damping,
            armature=JOINT_ARMATURE,
            solimp_limit=JOINT_SOLIMP_LIMIT,
        )
    for geom in body.geoms:
        kind = {1: "sphere", 2: "capsule", 3: "ellipsoid"}[len(geom.size)]
        orientation = {}
        if geom.quat is not None:
            orientation = {"quat": geom.quat}
        elif geom.euler is not None:
            orientation = _radians({"euler": geom.euler})
        m.add(
            "geom",
            parent=element,
            name=geom.name,
            type=kind,
            size=geom.size,
            pos=geom.pos,
            material="self",
            **CONTACT,
            **orientation,
        )


def _add_sensors(m: Model) -> None:
    _common.add_sensors(
        m,
        [
            ("thorax_subtreelinvel", "subtreelinvel", "body", "thorax"),
            ("sensor_root_veloc", "velocimeter", "site", "root"),
            ("sensor_root_gyro", "gyro", "site", "root"),
            ("sensor_root_accel", "accelerometer", "site", "root"),
            *((f"sensor_touch_{b}", "touch", "site", f"{b}_touch") for b in TOUCH_SENSOR_ORDER),
        ],
    )
