"""Point mass: a small ball sliding on a walled tabletop, pushed along x and y.

Facts of the model (SI units):

* The tabletop arena is a 0.6 m x 0.6 m ``ground`` plane fenced by four 4 cm high planes
  (``wall_x``, ``wall_y``, ``wall_neg_x``, ``wall_neg_y``); all of it is decoration, because
  contacts are disabled.
* One body, ``pointmass``, rests 1 cm above the ground. It carries a 0.3 kg sphere of radius 1 cm
  and two perpendicular slide joints, ``root_x`` and ``root_y``. Each slides at most 0.29 m either
  way from the centre and has viscous damping 1 N*s/m.
* Two fixed tendons pick out one coordinate each: ``t1`` equals ``root_x`` and ``t2`` equals
  ``root_y`` (each lists both joints, the other with coefficient 0).
* Two motors, ``t1`` and ``t2``, push along those tendons with gear 0.1 and controls in [-1, 1],
  i.e. at most 0.1 N per axis.
* A world-fixed sphere ``target`` (radius 1.5 cm) marks the goal at the arena centre.
* Timestep 0.02 s, default (Euler) integrator, contacts disabled.
* Cameras: ``fixed`` looks straight down from 0.75 m; ``cam0`` rides on the point mass.
"""

from __future__ import annotations

import mujoco

from mjxcontrol.tasks.models import _common
from mjxcontrol.tasks.models import _planar_common as pc

MODEL_NAME = "planar point mass"
TIMESTEP = 0.02

GROUND_THICKNESS = 0.1
BODY_HEIGHT = 0.01
BALL_RADIUS = 0.01
BALL_MASS = 0.3
TARGET_RADIUS = 0.015

SLIDE_RANGE = (-0.29, 0.29)
SLIDE_DAMPING = 1.0
MOTOR_GEAR = 0.1

# Slide joint name -> its axis.
SLIDES = {"root_x": (1, 0, 0), "root_y": (0, 1, 0)}
# Tendon (and motor) name -> the joint it follows; other joints enter with coefficient 0.
TENDONS = {"t1": "root_x", "t2": "root_y"}


def spec() -> mujoco.MjSpec:
    """Returns the point-mass model as an uncompiled spec."""
    s = _common.new_spec(MODEL_NAME)
    s.option.timestep = TIMESTEP
    s.option.disableflags |= mujoco.mjtDisableBit.mjDSBL_CONTACT
    _add_scene(s)
    _add_point_mass(s)
    s.worldbody.add_geom(
        name="target",
        type=pc.SPHERE,
        material="target",
        pos=(0, 0, BODY_HEIGHT),
        size=(TARGET_RADIUS, 0, 0),
    )
    _add_tendons(s)
    for name in TENDONS:
        pc.add_motor(s, name, name, MOTOR_GEAR, trntype=mujoco.mjtTrn.mjTRN_TENDON)
    return s


def _add_scene(s: mujoco.MjSpec) -> None:
    """Light, overhead camera and the walled arena."""
    s.worldbody.add_light(name="light", pos=(0, 0, 1))
    s.worldbody.add_camera(name="fixed", pos=(0, 0, 0.75), quat=(1, 0, 0, 0))
    pc.add_arena(s, GROUND_THICKNESS)


def _add_point_mass(s: mujoco.MjSpec) -> None:
    """The ball body with its two damped, limited slide joints."""
    body = s.worldbody.add_body(name="pointmass", pos=(0, 0, BODY_HEIGHT))
    cam = body.add_camera(name="cam0", pos=(0, -0.3, 0.3))
    pc.set_xyaxes(cam, (1, 0, 0, 0, 0.7, 0.7))
    for name, axis in SLIDES.items():
        body.add_joint(
            name=name,
            type=pc.SLIDE,
            axis=axis,
            limited=pc.LIMITED,
            range=SLIDE_RANGE,
            damping=SLIDE_DAMPING,
        )
    body.add_geom(
        name="pointmass",
        type=pc.SPHERE,
        material="self",
        size=(BALL_RADIUS, 0, 0),
        mass=BALL_MASS,
    )


def _add_tendons(s: mujoco.MjSpec) -> None:
    """One fixed tendon per slide joint, selecting that joint's coordinate."""
    for name, followed in TENDONS.items():
        tendon = s.add_tendon(name=name)
        for joint in SLIDES:
            tendon.wrap_joint(joint, 1.0 if joint == followed else 0.0)
