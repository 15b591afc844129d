"""Finger: a planar two-link finger that flicks a free-spinning body about a fixed hinge.

Facts of the model (SI units):

* Everything moves in the x-z plane; every hinge turns about -y. Gravity is disabled.
* ``proximal`` hangs from a world-fixed point 0.4 m up, 0.2 m left of centre. Its hinge, also
  named ``proximal``, has reference angle -90 degrees (``qpos0``) and range -110..110 degrees.
  Its capsule (radius 3 cm) runs 17 cm down the link; a short cylinder (radius 3.4 cm, 6.6 cm
  wide along y) marks the joint.
* ``distal`` sits 18 cm down the proximal link on the ``distal`` hinge (range -110..110 degrees).
  Its capsule (radius 2.8 cm, 16 cm) does not collide; the ``fingertip`` capsule (radius 3 cm,
  from 13 to 16.1 cm down the link) does. Two touch sites (``touchtop``, ``touchbottom``: ellipsoids
  of half-sizes 2.5, 3, 2.5 cm) sit 1 cm either side of the link axis, 17 cm down.
* Both finger hinges are limited and have damping 2.5 N*m*s/rad; two motors drive them with gears
  30 (proximal) and 15 (distal), controls in [-1, 1].
* ``spinner`` is a body on the unlimited ``hinge`` at (0.2, 0.4) with damping 0.5 N*m*s/rad and dry
  friction (``frictionloss``) 0.1 N*m. It carries two capsules (radius 4 cm, half-length 9 cm,
  2 cm either side of the hinge along x), a small cylinder on the axis and the ``tip`` site 13 cm
  from the hinge along the body's z.
* A world-fixed sphere site ``target`` (radius 3 cm, at (0, 0, 0.4) here; the turn tasks move
  it to a point 13 cm from the spinner's hinge and resize it).
* Every geom, the ``ground`` plane included, uses contact impedance solimp (0, 0.9, 0.01), i.e. no
  minimum impedance, and solref (0.02, 1); friction is MuJoCo's default (1, 0.005, 1e-4).
* Sensors, in order: ``proximal`` and ``distal`` joint angles; ``proximal_velocity``,
  ``distal_velocity``, ``hinge_velocity``; world positions of the ``tip`` and ``target`` sites and
  of the ``spinner`` body; ``touchtop`` and ``touchbottom`` touch sensors; world positions of the
  two touch sites.
* Timestep 0.01 s, Euler integrator, elliptic friction cones, Newton solver with up to 200
  iterations.
"""

from __future__ import annotations

import mujoco

from mjxcontrol.tasks.models import _common
from mjxcontrol.tasks.models import _planar_common as pc

MODEL_NAME = "finger"
TIMESTEP = 0.01
SOLVER_ITERATIONS = 200

HINGE_AXIS = (0, -1, 0)
GEOM_SOLIMP = (0.0, 0.9, 0.01, 0.5, 2.0)
GEOM_SOLREF = (0.02, 1.0)


# The finger.
PROXIMAL_POS = (-0.2, 0, 0.4)
PROXIMAL_REF = -90.0  # degrees
FINGER_RANGE = (-110.0, 110.0)  # degrees, both finger hinges
FINGER_DAMPING = 2.5
DISTAL_POS = (0, 0, -0.18)
GEARS = {"proximal": 30, "distal": 15}
TOUCH_SITE_SIZE = (0.025, 0.03, 0.025)
TOUCH_SITE_GROUP = 3
TOUCH_SITES = {"touchtop": (0.01, 0, -0.17), "touchbottom": (-0.01, 0, -0.17)}

# The spinner.
SPINNER_POS = (0.2, 0, 0.4)
SPINNER_DAMPING = 0.5
SPINNER_FRICTIONLOSS = 0.1
SPINNER_CAPSULE_SIZE = (0.04, 0.09, 0)
# Capsule name -> position along x. The spinner's tip is at the capsules' radius + half-length.
SPINNER_CAPSULES = {"cap1": (0.02, 0, 0), "cap2": (-0.02, 0, 0)}
TIP_RADIUS = 0.02
TIP_POS = (0, 0, 0.13)

TARGET_RADIUS = 0.03
TARGET_POS = (0, 0, 0.4)


def spec() -> mujoco.MjSpec:
    """Returns the finger model as an uncompiled spec (the ``spin`` variant's layout)."""
    s = _common.new_spec(MODEL_NAME)
    s.option.timestep = TIMESTEP
    s.option.cone = mujoco.mjtCone.mjCONE_ELLIPTIC
    s.option.iterations = SOLVER_ITERATIONS
    s.option.disableflags |= mujoco.mjtDisableBit.mjDSBL_GRAVITY
    world = s.worldbody
    pc.add_side_view_scene(world, solimp=GEOM_SOLIMP, solref=GEOM_SOLREF)
    _add_finger(world)
    _add_spinner(world)
    world.add_site(name="target", type=pc.SPHERE, pos=TARGET_POS, material="target").size[0] = (
        TARGET_RADIUS
    )
    for joint, gear in GEARS.items():
        pc.add_motor(s, joint, joint, gear)
    _add_sensors(s)
    return s


def _add_geom(body, name: str, geom_type, size, **kwargs) -> mujoco.MjsGeom:
    """A geom with the model-wide contact parameters."""
    return body.add_geom(
        name=name, type=geom_type, size=size, solimp=GEOM_SOLIMP, solref=GEOM_SOLREF, **kwargs
    )


def _add_finger(world) -> None:
    proximal = world.add_body(name="proximal", pos=PROXIMAL_POS)
    _add_geom(
        proximal,
        "proximal_decoration",
        pc.CYLINDER,
        (0.034, 0, 0),
        fromto=(0, -0.033, 0, 0, 0.033, 0),
        material="decoration",
    )
    _add_finger_joint(proximal, "proximal", ref=PROXIMAL_REF)
    _add_geom(
        proximal,
        "proximal",
        pc.CAPSULE,
        (0.03, 0, 0),
        fromto=(0, 0, 0, 0, 0, -0.17),
        material="self",
    )
    distal = proximal.add_body(name="distal", pos=DISTAL_POS)
    _add_finger_joint(distal, "distal")
    _add_geom(
        distal,
        "distal",
        pc.CAPSULE,
        (0.028, 0, 0),
        fromto=(0, 0, 0, 0, 0, -0.16),
        material="self",
        contype=0,
        conaffinity=0,
    )
    _add_geom(
        distal,
        "fingertip",
        pc.CAPSULE,
        (0.03, 0, 0),
        fromto=(0, 0, -0.13, 0, 0, -0.161),
        material="effector",
    )
    for name, pos in TOUCH_SITES.items():
        distal.add_site(
            name=name,
            type=mujoco.mjtGeom.mjGEOM_ELLIPSOID,
            size=TOUCH_SITE_SIZE,
            pos=pos,
            material="site",
            group=TOUCH_SITE_GROUP,
        )


def _add_finger_joint(body, name: str, ref: float = 0.0) -> None:
    body.add_joint(
        name=name,
        type=pc.HINGE,
        axis=HINGE_AXIS,
        limited=pc.LIMITED,
        range=FINGER_RANGE,
        damping=FINGER_DAMPING,
        ref=ref,
    )


def _add_spinner(world) -> None:
    spinner = world.add_body(name="spinner", pos=SPINNER_POS)
    spinner.add_joint(
        name="hinge",
        type=pc.HINGE,
        axis=HINGE_AXIS,
        damping=SPINNER_DAMPING,
        frictionloss=SPINNER_FRICTIONLOSS,
    )
    for name, pos in SPINNER_CAPSULES.items():
        _add_geom(spinner, name, pc.CAPSULE, SPINNER_CAPSULE_SIZE, pos=pos, material="self")
    spinner.add_site(name="tip", type=pc.SPHERE, pos=TIP_POS, material="target").size[0] = (
        TIP_RADIUS
    )
    _add_geom(
        spinner,
        "spinner_decoration",
        pc.CYLINDER,
        (0.02, 0, 0),
        fromto=(0, -0.045, 0, 0, 0.045, 0),
        material="decoration",
    )


def _add_sensors(s: mujoco.MjSpec) -> None:
    sens, obj = mujoco.mjtSensor, mujoco.mjtObj
    for name in ("proximal", "distal"):
        s.add_sensor(name=name, type=sens.mjSENS_JOINTPOS, objtype=obj.mjOBJ_JOINT, objname=name)
    for joint in ("proximal", "distal", "hinge"):
        s.add_sensor(
            name=f"{joint}_velocity",
            type=sens.mjSENS_JOINTVEL,
            objtype=obj.mjOBJ_JOINT,
            objname=joint,
        )
    for name, objtype in (("tip", obj.mjOBJ_SITE), ("target", obj.mjOBJ_SITE)):
        s.add_sensor(name=name, type=sens.mjSENS_FRAMEPOS, objtype=objtype, objname=name)
    s.add_sensor(
        name="spinner", type=sens.mjSENS_FRAMEPOS, objtype=obj.mjOBJ_XBODY, objname="spinner"
    )
    for name in TOUCH_SITES:
        s.add_sensor(name=name, type=sens.mjSENS_TOUCH, objtype=obj.mjOBJ_SITE, objname=name)
    for name in TOUCH_SITES:
        s.add_sensor(
            name=f"{name}_pos", type=sens.mjSENS_FRAMEPOS, objtype=obj.mjOBJ_SITE, objname=name
        )
