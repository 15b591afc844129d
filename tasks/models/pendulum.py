"""Pendulum: a single weighted rod swinging about a horizontal axle.

Facts of the model (SI units):

* One body, ``pole``, hangs from an axle 0.6 m above the floor. Its hinge ``hinge`` turns about the
  world y axis and has viscous damping 0.1 N*m*s/rad; the angle is unlimited.
* The rod is massless: a capsule of radius 0.02 running 0.5 m up from the axle, plus a short
  massless cylinder (radius 0.021, 6 cm long along y) drawing the axle itself.
* All the mass, 1 kg, sits in a sphere of radius 0.05 at the rod's far end (0.5 m from the axle).
* One motor, ``torque``, drives the hinge with gear 1 and control clamped to [-1, 1] (so at most
  1 N*m, well short of the 4.9 N*m needed to hold the mass horizontal: the swing-up needs pumping).
* Timestep 0.02 s with the default (Euler) integrator; contacts are disabled; energy is computed.
* A 2 m x 2 m floor plane lies at z = 0; it is decoration only.
"""

from __future__ import annotations

import mujoco

from mjxcontrol.tasks.models import _common

MODEL_NAME = "pendulum"
TIMESTEP = 0.02

AXLE_HEIGHT = 0.6
HINGE_DAMPING = 0.1
AXLE_RADIUS = 0.021
AXLE_HALF_LENGTH = 0.03
ROD_RADIUS = 0.02
ROD_LENGTH = 0.5
BOB_RADIUS = 0.05
BOB_MASS = 1.0

FLOOR_HALF_EXTENT = 2.0
FLOOR_GRID_SPACING = 0.2
LIGHT_HEIGHT = 2.0

MOTOR_GEAR = 1.0
CTRL_RANGE = (-1.0, 1.0)


def spec() -> mujoco.MjSpec:
    """Returns the pendulum model as an uncompiled spec."""
    s = _common.new_spec(MODEL_NAME)
    _set_options(s)
    _add_scene(s)
    _add_pole(s)
    _add_motor(s)
    return s


def _set_options(s: mujoco.MjSpec) -> None:
    s.option.timestep = TIMESTEP
    s.option.disableflags |= mujoco.mjtDisableBit.mjDSBL_CONTACT
    s.option.enableflags |= mujoco.mjtEnableBit.mjENBL_ENERGY


def _add_scene(s: mujoco.MjSpec) -> None:
    """Light, floor and the two cameras."""
    world = s.worldbody
    _common.add_light_and_floor(s, LIGHT_HEIGHT, FLOOR_HALF_EXTENT, FLOOR_GRID_SPACING)
    fixed = world.add_camera(name="fixed", pos=(0, -1.5, 2))
    fixed.alt.type = mujoco.mjtOrientation.mjORIENTATION_XYAXES
    fixed.alt.xyaxes = (1, 0, 0, 0, 1, 1)
    world.add_camera(
        name="lookat",
        mode=mujoco.mjtCamLight.mjCAMLIGHT_TARGETBODYCOM,
        targetbody="pole",
        pos=(0, -2, 1),
    )


def _add_pole(s: mujoco.MjSpec) -> None:
    """The swinging body: axle decoration, massless rod, heavy bob."""
    pole = s.worldbody.add_body(name="pole", pos=(0, 0, AXLE_HEIGHT))
    pole.add_joint(
        name="hinge",
        type=mujoco.mjtJoint.mjJNT_HINGE,
        axis=(0, 1, 0),
        damping=(HINGE_DAMPING, 0, 0),
    )
    pole.add_geom(
        name="base",
        type=mujoco.mjtGeom.mjGEOM_CYLINDER,
        material="decoration",
        fromto=(0, -AXLE_HALF_LENGTH, 0, 0, AXLE_HALF_LENGTH, 0),
        size=(AXLE_RADIUS, 0, 0),
        mass=0.0,
    )
    pole.add_geom(
        name="pole",
        type=mujoco.mjtGeom.mjGEOM_CAPSULE,
        material="self",
        fromto=(0, 0, 0, 0, 0, ROD_LENGTH),
        size=(ROD_RADIUS, 0, 0),
        mass=0.0,
    )
    pole.add_geom(
        name="mass",
        type=mujoco.mjtGeom.mjGEOM_SPHERE,
        material="effector",
        pos=(0, 0, ROD_LENGTH),
        size=(BOB_RADIUS, 0, 0),
        mass=BOB_MASS,
    )


def _add_motor(s: mujoco.MjSpec) -> None:
    s.add_actuator(
        name="torque",
        target="hinge",
        trntype=mujoco.mjtTrn.mjTRN_JOINT,
        gear=(MOTOR_GEAR, 0, 0, 0, 0, 0),
        ctrllimited=mujoco.mjtLimited.mjLIMITED_TRUE,
        ctrlrange=CTRL_RANGE,
    )
