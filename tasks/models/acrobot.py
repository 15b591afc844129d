"""Acrobot: a two-link planar chain with a passive shoulder and a motorised elbow.

Facts of the model (SI units), after Coulom's (2002) variant rather than Spong's:

* ``upper_arm`` hangs from a passive shoulder hinge 2 m above the floor; ``lower_arm`` is attached
  to it by the elbow hinge 1 m further along. Both hinges turn about the world y axis, are unlimited
  and carry viscous damping 0.05 N*m*s/rad.
* Each arm is a 1 m capsule of mass 1 kg (radii 0.05 upper, 0.049 lower), so the inertia is that
  of a uniform capsule. A massless cylinder (radius 0.051, 12 cm along y) draws the shoulder axle.
* Site ``tip`` marks the free end of the lower arm; site ``target`` (radius 0.2, group 3 so hidden
  by default) marks the goal 4 m up, i.e. the tip of the fully raised chain.
* One motor, ``elbow``, drives the elbow with gear 2 and control clamped to [-1, 1].
* Timestep 0.01 s with RK4; all constraints are disabled (so no contacts or limits); energy is
  computed. A 3 m x 3 m floor plane at z = 0 is decoration only.
"""

from __future__ import annotations

import mujoco

from mjxcontrol.tasks.models import _common

MODEL_NAME = "acrobot"
TIMESTEP = 0.01

SHOULDER_HEIGHT = 2.0
ARM_LENGTH = 1.0
ARM_MASS = 1.0
UPPER_ARM_RADIUS = 0.05
LOWER_ARM_RADIUS = 0.049
JOINT_DAMPING = 0.05
AXLE_RADIUS = 0.051
AXLE_HALF_LENGTH = 0.06

TARGET_HEIGHT = SHOULDER_HEIGHT + 2 * ARM_LENGTH
TARGET_RADIUS = 0.2
TARGET_GROUP = 3
TIP_SITE_RADIUS = 0.01

FLOOR_HALF_EXTENT = 3.0
FLOOR_GRID_SPACING = 0.2
LIGHT_HEIGHT = 6.0

MOTOR_GEAR = 2.0
CTRL_RANGE = (-1.0, 1.0)

HINGE_AXIS = (0, 1, 0)


def spec() -> mujoco.MjSpec:
    """Returns the acrobot model as an uncompiled spec."""
    s = _common.new_spec(MODEL_NAME)
    _set_options(s)
    _add_scene(s)
    upper = _add_upper_arm(s.worldbody)
    _add_lower_arm(upper)
    _add_motor(s)
    return s


def _set_options(s: mujoco.MjSpec) -> None:
    s.option.timestep = TIMESTEP
    s.option.integrator = mujoco.mjtIntegrator.mjINT_RK4
    s.option.disableflags |= mujoco.mjtDisableBit.mjDSBL_CONSTRAINT
    s.option.enableflags |= mujoco.mjtEnableBit.mjENBL_ENERGY


def _add_scene(s: mujoco.MjSpec) -> None:
    """Light, floor, goal site and the two cameras."""
    world = s.worldbody
    _common.add_light_and_floor(s, LIGHT_HEIGHT, FLOOR_HALF_EXTENT, FLOOR_GRID_SPACING)
    target = world.add_site(
        name="target",
        type=mujoco.mjtGeom.mjGEOM_SPHERE,
        pos=(0, 0, TARGET_HEIGHT),
        material="target",
        group=TARGET_GROUP,
    )
    _set_radius(target, TARGET_RADIUS)
    fixed = world.add_camera(name="fixed", pos=(0, -6, 2))
    fixed.alt.type = mujoco.mjtOrientation.mjORIENTATION_ZAXIS
    fixed.alt.zaxis = (0, -1, 0)
    world.add_camera(
        name="lookat",
        mode=mujoco.mjtCamLight.mjCAMLIGHT_TARGETBODYCOM,
        targetbody="upper_arm",
        pos=(0, -2, 3),
    )


def _set_radius(site: mujoco.MjsSite, radius: float) -> None:
    """Sets a sphere site's radius, keeping MuJoCo's default for the unused size entries."""
    site.size = (radius, *site.size[1:])


def _add_hinge(body: mujoco.MjsBody, name: str) -> None:
    body.add_joint(
        name=name,
        type=mujoco.mjtJoint.mjJNT_HINGE,
        axis=HINGE_AXIS,
        damping=(JOINT_DAMPING, 0, 0),
    )


def _add_arm_geom(body: mujoco.MjsBody, name: str, radius: float) -> None:
    body.add_geom(
        name=name,
        type=mujoco.mjtGeom.mjGEOM_CAPSULE,
        material="self",
        fromto=(0, 0, 0, 0, 0, ARM_LENGTH),
        size=(radius, 0, 0),
        mass=ARM_MASS,
    )


def _add_upper_arm(world: mujoco.MjsBody) -> mujoco.MjsBody:
    """The upper arm with the passive shoulder and the axle decoration."""
    upper = world.add_body(name="upper_arm", pos=(0, 0, SHOULDER_HEIGHT))
    _add_hinge(upper, "shoulder")
    upper.add_geom(
        name="upper_arm_decoration",
        type=mujoco.mjtGeom.mjGEOM_CYLINDER,
        material="decoration",
        fromto=(0, -AXLE_HALF_LENGTH, 0, 0, AXLE_HALF_LENGTH, 0),
        size=(AXLE_RADIUS, 0, 0),
        mass=0.0,
    )
    _add_arm_geom(upper, "upper_arm", UPPER_ARM_RADIUS)
    return upper


def _add_lower_arm(upper: mujoco.MjsBody) -> None:
    """The lower arm with the actuated elbow and the tip site."""
    lower = upper.add_body(name="lower_arm", pos=(0, 0, ARM_LENGTH))
    _add_hinge(lower, "elbow")
    _add_arm_geom(lower, "lower_arm", LOWER_ARM_RADIUS)
    tip = lower.add_site(name="tip", pos=(0, 0, ARM_LENGTH))
    _set_radius(tip, TIP_SITE_RADIUS)


def _add_motor(s: mujoco.MjSpec) -> None:
    s.add_actuator(
        name="elbow",
        target="elbow",
        trntype=mujoco.mjtTrn.mjTRN_JOINT,
        gear=(MOTOR_GEAR, 0, 0, 0, 0, 0),
        ctrllimited=mujoco.mjtLimited.mjLIMITED_TRUE,
        ctrlrange=CTRL_RANGE,
    )
