"""Ball in cup: a cup moved in the x-z plane, with a ball tied to it by a string.

Facts of the model (SI units):

* A ``ground`` plane (1.2 m x 0.4 m) under a directional light; cameras ``cam0`` and ``cam1`` look
  at the scene from the front.
* ``cup`` starts 0.6 m up and moves on two slide joints, ``cup_x`` and ``cup_z``, each a spring
  (stiffness 20 N/m, rest at 0) with damping 3 N*s/m, unlimited. Its wall is five capsules of radius
  8 mm (default density) tracing a U: two uprights 7.5 cm tall at x = +-5 cm, two 45-ish degree
  corners and a 5 cm bottom 10 cm below the cup's origin.
* Sites on the cup: ``cup`` (radius 5 mm) just under the bottom, where the string is tied, and
  ``target``, a box (half-sizes 5 cm, 6 mm, 5 cm) centred 5 cm below the origin (hidden in group
  4): the volume the ball must reach.
* ``ball`` starts 0.2 m up and moves freely on two undamped slide joints ``ball_x`` and
  ``ball_z``; its sphere has radius 2.5 cm and carries the site ``ball`` (radius 5 mm) at its
  centre.
* The spatial tendon ``string`` (width 3 mm) runs from the ``ball`` site to the ``cup`` site and is
  limited to lengths in [0, 0.3] m: a tendon-limit constraint that acts like a rope.
* Two motors, ``x`` and ``z``, drive the cup slides with gear 5 (N), controls in [-1, 1].
* Timestep 0.002 s (MuJoCo's default), Euler integrator, gravity on, contacts enabled.
"""

from __future__ import annotations

import itertools

import mujoco

from mjxcontrol.tasks.models import _common
from mjxcontrol.tasks.models import _planar_common as pc

MODEL_NAME = "ball in cup"


CUP_POS = (0, 0, 0.6)
CUP_JOINT_STIFFNESS = 20.0
CUP_JOINT_DAMPING = 3.0
CUP_WALL_RADIUS = 0.008
# The cup's wall, as capsule end points in the cup's frame (x, z), in order around the U.
CUP_OUTLINE = (
    (-0.05, 0.0),
    (-0.05, -0.075),
    (-0.025, -0.1),
    (0.025, -0.1),
    (0.05, -0.075),
    (0.05, 0.0),
)
STRING_SITE_POS = (0, 0, -0.108)
TARGET_POS = (0, 0, -0.05)
TARGET_SIZE = (0.05, 0.006, 0.05)
TARGET_GROUP = 4
SMALL_SITE_RADIUS = 0.005

BALL_POS = (0, 0, 0.2)
BALL_RADIUS = 0.025

STRING_RANGE = (0.0, 0.3)
STRING_WIDTH = 0.003
MOTOR_GEAR = 5.0
# Motor name -> the cup joint it drives.
MOTORS = {"x": "cup_x", "z": "cup_z"}
# Slide joint suffix -> axis.
AXES = {"x": (1, 0, 0), "z": (0, 0, 1)}


def spec() -> mujoco.MjSpec:
    """Returns the ball-in-cup model as an uncompiled spec."""
    s = _common.new_spec(MODEL_NAME)
    world = s.worldbody
    pc.add_side_view_scene(world)
    _add_cup(world)
    _add_ball(world)
    for name, joint in MOTORS.items():
        pc.add_motor(s, name, joint, MOTOR_GEAR)
    string = s.add_tendon(name="string", limited=pc.LIMITED, range=STRING_RANGE, width=STRING_WIDTH)
    string.wrap_site("ball")
    string.wrap_site("cup")
    return s


def _add_cup(world) -> None:
    cup = world.add_body(name="cup", pos=CUP_POS)
    for axis, direction in AXES.items():
        cup.add_joint(
            name=f"cup_{axis}",
            type=pc.SLIDE,
            axis=direction,
            stiffness=CUP_JOINT_STIFFNESS,
            damping=CUP_JOINT_DAMPING,
        )
    for i, ((x0, z0), (x1, z1)) in enumerate(itertools.pairwise(CUP_OUTLINE)):
        cup.add_geom(
            name=f"cup_part_{i}",
            type=pc.CAPSULE,
            size=(CUP_WALL_RADIUS, 0, 0),
            fromto=(x0, 0, z0, x1, 0, z1),
            material="self",
        )
    cup.add_site(name="cup", pos=STRING_SITE_POS).size[0] = SMALL_SITE_RADIUS
    cup.add_site(
        name="target",
        type=mujoco.mjtGeom.mjGEOM_BOX,
        pos=TARGET_POS,
        size=TARGET_SIZE,
        group=TARGET_GROUP,
    )


def _add_ball(world) -> None:
    ball = world.add_body(name="ball", pos=BALL_POS)
    for axis, direction in AXES.items():
        ball.add_joint(name=f"ball_{axis}", type=pc.SLIDE, axis=direction)
    ball.add_geom(name="ball", type=pc.SPHERE, size=(BALL_RADIUS, 0, 0), material="effector")
    ball.add_site(name="ball").size[0] = SMALL_SITE_RADIUS
