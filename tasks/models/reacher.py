"""Reacher: a two-link arm on a walled tabletop that must touch a target with its fingertip.

Facts of the model (SI units):

* The arena is the same decorative 0.6 m x 0.6 m ``ground`` plus four low walls as point mass;
  contacts are disabled, so nothing collides.
* A short world-fixed cylinder ``root`` (radius 1.1 cm, 2 cm tall) marks the shoulder.
* ``arm`` hangs 1 cm above the ground and turns about the vertical ``shoulder`` hinge (no limit).
  Its capsule (radius 1 cm) runs 12 cm along the arm's x axis.
* ``hand`` sits 12 cm along the arm and turns about the ``wrist`` hinge, limited to +-160 degrees.
  Its capsule (radius 1 cm) is 10 cm long.
* ``finger`` is fixed 12 cm along the hand and carries a 1 cm sphere (the fingertip) and the
  tracking camera ``hand``.
* Both hinges have damping 0.01 N*m*s/rad. All masses come from geom volumes at the default
  density of 1000 kg/m^3.
* Two motors, ``shoulder`` and ``wrist``, with gear 0.05 and controls in [-1, 1].
* A world-fixed sphere ``target`` (radius 5 cm here; tasks move and resize it) marks the goal.
* Timestep 0.02 s, default (Euler) integrator, contacts disabled.
"""

from __future__ import annotations

import mujoco

from mjxcontrol.tasks.models import _common
from mjxcontrol.tasks.models import _planar_common as pc

MODEL_NAME = "two-link planar reacher"
TIMESTEP = 0.02

GROUND_THICKNESS = 10.0
ROOT_RADIUS = 0.011
ROOT_HEIGHT = 0.02
ARM_HEIGHT = 0.01
LINK_RADIUS = 0.01
ARM_LENGTH = 0.12
HAND_LENGTH = 0.1
LINK_SPACING = 0.12  # distance from one joint to the next body along the link
FINGER_RADIUS = 0.01
TARGET_RADIUS = 0.05

HINGE_AXIS = (0, 0, 1)
HINGE_DAMPING = 0.01
WRIST_RANGE_DEGREES = (-160.0, 160.0)
MOTOR_GEAR = 0.05
HAND_CAMERA_HEIGHT = 0.2


def spec() -> mujoco.MjSpec:
    """Returns the reacher model as an uncompiled spec."""
    s = _common.new_spec(MODEL_NAME)
    s.option.timestep = TIMESTEP
    s.option.disableflags |= mujoco.mjtDisableBit.mjDSBL_CONTACT
    _add_scene(s)
    _add_arm(s)
    s.worldbody.add_geom(
        name="target",
        type=pc.SPHERE,
        material="target",
        pos=(0, 0, ARM_HEIGHT),
        size=(TARGET_RADIUS, 0, 0),
    )
    for joint in ("shoulder", "wrist"):
        pc.add_motor(s, joint, joint, MOTOR_GEAR)
    return s


def _add_scene(s: mujoco.MjSpec) -> None:
    """Light, overhead camera, the walled arena and the shoulder's base."""
    s.worldbody.add_light(name="light", pos=(0, 0, 1))
    s.worldbody.add_camera(name="fixed", pos=(0, 0, 0.75), quat=(1, 0, 0, 0))
    pc.add_arena(s, GROUND_THICKNESS)
    s.worldbody.add_geom(
        name="root",
        type=pc.CYLINDER,
        material="decoration",
        size=(ROOT_RADIUS, 0, 0),
        fromto=(0, 0, 0, 0, 0, ROOT_HEIGHT),
    )


def _add_link(parent, name: str, pos, length: float):
    """Adds a body holding a capsule of ``length`` along its local x axis."""
    body = parent.add_body(name=name, pos=pos)
    body.add_geom(
        name=name,
        type=pc.CAPSULE,
        material="self",
        size=(LINK_RADIUS, 0, 0),
        fromto=(0, 0, 0, length, 0, 0),
    )
    return body


def _add_arm(s: mujoco.MjSpec) -> None:
    """Arm, hand and fingertip, chained by the shoulder and wrist hinges."""
    arm = _add_link(s.worldbody, "arm", (0, 0, ARM_HEIGHT), ARM_LENGTH)
    arm.add_joint(name="shoulder", type=pc.HINGE, axis=HINGE_AXIS, damping=HINGE_DAMPING)
    hand = _add_link(arm, "hand", (LINK_SPACING, 0, 0), HAND_LENGTH)
    hand.add_joint(
        name="wrist",
        type=pc.HINGE,
        axis=HINGE_AXIS,
        damping=HINGE_DAMPING,
        limited=pc.LIMITED,
        range=WRIST_RANGE_DEGREES,
    )
    finger = hand.add_body(name="finger", pos=(LINK_SPACING, 0, 0))
    finger.add_camera(name="hand", pos=(0, 0, HAND_CAMERA_HEIGHT), mode=pc.TRACK)
    finger.add_geom(
        name="finger",
        type=pc.SPHERE,
        material="effector",
        size=(FINGER_RADIUS, 0, 0),
    )
