"""Manipulator: the planar arm of :mod:`._arm` bringing a ball or a peg to a target.

Facts of the model (SI units; the arm, arena and options are described in :mod:`._arm`):

* Geom contacts use solref (0.005, 1).
* Each variant keeps one object, its ghost target and, for the insert tasks, a receptacle:

  ======================  ==========  ===========  ==========
  variant                 object      target       receptacle
  ======================  ==========  ===========  ==========
  bring_ball              ball        target_ball  (none)
  bring_peg               peg         target_peg   (none)
  insert_ball             ball        target_ball  cup
  insert_peg              peg         target_peg   slot
  ======================  ==========  ===========  ==========

* Objects move in the x-z plane on slides ``<obj>_x``, ``<obj>_z`` (whose qpos are world
  coordinates) and a hinge ``<obj>_y``; their geoms use the ``self`` material at the default
  density of 1000 kg/m^3.
* ``ball``: a 22 mm sphere starting at (0.4, 0, 0.4), with a site at its centre.
* ``peg``: a sword starting at (-0.4, 0, 0.4), hanging down from its grip point: a 10 cm blade
  and a 3.4 cm cross guard (capsules of radius 5 mm) and a 9 mm pommel sphere in a child body
  ``pommel``; box sites ``peg`` (blade middle), ``peg_pinch``, ``peg_grasp`` and ``peg_tip``.
* Targets are the same shapes as non-colliding ghosts 1 mm behind the motion plane
  (``target_ball`` is 20 mm, slightly smaller than the ball); tasks move them.
* Receptacles are world-fixed and frictionless, in the ``decoration`` material: ``cup`` is a
  U of four 8 mm capsules tilted -15 degrees at (0.3, 0, 0.4); ``slot`` is a channel of three
  boxes tilted 20 degrees at (-0.405, 0, 0.2), 2 cm thick in y.
"""

from __future__ import annotations

import mujoco

from mjcf_builder.model import Model
from mjxcontrol.tasks.models import _arm

MODEL_NAME = "planar manipulator"
GEOM_SOLREF = (0.005, 1.0)

BALL_POS = (0.4, 0.0, 0.4)
BALL_RADIUS = 0.022
TARGET_BALL_POS = (0.4, _arm.GHOST_Y, 0.4)
TARGET_BALL_RADIUS = 0.02

PEG_POS = (-0.4, 0.0, 0.4)
TARGET_PEG_POS = (-0.2, _arm.GHOST_Y, 0.4)
PEG_RADIUS = 0.005
POMMEL_Z = -0.013
POMMEL_RADIUS = 0.009
BLADE_TIP_Z = -0.113
GUARD_Z = -0.043
GUARD_HALF_WIDTH = 0.017
# Peg sites (name suffix -> height below the grip point).
PEG_SITES = (("", -0.063), ("_pinch", -0.025), ("_grasp", 0.0), ("_tip", BLADE_TIP_Z))

OBSTACLE_FRICTION = 0.0
CUP_POS = (0.3, 0.0, 0.4)
CUP_PITCH_DEGREES = -15.0
CUP_RADIUS = 0.008
CUP_SITE_RADIUS = 0.005
# The cup's outline in its x-z plane: up the left rim, down to the bottom, up the right rim.
CUP_OUTLINE = ((-0.03, 0.06), (-0.03, -0.015), (0.0, -0.04), (0.03, -0.015), (0.03, 0.06))
SLOT_POS = (-0.405, 0.0, 0.2)
SLOT_PITCH_DEGREES = 20.0
SLOT_HALF_THICKNESS = 0.01
# Slot boxes: (x, z, half-width in x, half-height in z); two side walls and the floor.
SLOT_BOXES = (
    (-0.0252, -0.083, 0.0198, 0.035),
    (0.0252, -0.083, 0.0198, 0.035),
    (0.0, -0.138, 0.045, 0.02),
)
SLOT_END_Z = -0.05

ALL_PROPS = ("ball", "peg", "slot", "cup", "target_ball", "target_peg")


def model(use_peg: bool, insert: bool) -> Model:
    """Returns the manipulator model of one task variant.

    Args:
      use_peg: carry the peg (True) or the ball (False).
      insert: add the receptacle (slot for the peg, cup for the ball).

    Raises:
      ValueError: if either flag is not a bool.
    """
    for flag, value in (("use_peg", use_peg), ("insert", insert)):
        if not isinstance(value, bool):
            raise ValueError(f"manipulator needs {flag} to be True or False, got {value!r}")
    m = _arm.new_model(MODEL_NAME, GEOM_SOLREF)
    kept = props(use_peg, insert)
    builders = {
        "ball": _add_ball,
        "peg": _add_peg,
        "slot": _add_slot,
        "cup": _add_cup,
        "target_ball": _add_target_ball,
        "target_peg": _add_target_peg,
    }
    for name in ALL_PROPS:  # dm_control's body order
        if name in kept:
            builders[name](m)
    return m


def props(use_peg: bool, insert: bool) -> frozenset[str]:
    """Names of the prop bodies a variant keeps."""
    kept = {"peg", "target_peg"} if use_peg else {"ball", "target_ball"}
    if insert:
        kept.add("slot" if use_peg else "cup")
    return frozenset(kept)


def _add_ball(m: Model) -> None:
    ball = _arm.add_object_body(m, "ball", BALL_POS)
    m.add("geom", parent=ball, name="ball", type="sphere", size=BALL_RADIUS, material="self")
    m.add("site", parent=ball, name="ball", type="sphere")


def _add_target_ball(m: Model) -> None:
    target = m.add("body", name="target_ball", pos=TARGET_BALL_POS)
    _arm.add_ghost_geom(m, target, name="target_ball", type="sphere", size=TARGET_BALL_RADIUS)
    m.add("site", parent=target, name="target_ball", type="sphere")


def _add_peg(m: Model) -> None:
    peg = _arm.add_object_body(m, "peg", PEG_POS)
    blade, guard = _peg_capsules()
    m.add("geom", parent=peg, name="blade", fromto=blade, **_peg_look())
    m.add("geom", parent=peg, name="guard", fromto=guard, **_peg_look())
    pommel = m.add("body", parent=peg, name="pommel", pos=(0, 0, POMMEL_Z))
    m.add("geom", parent=pommel, name="pommel", type="sphere", size=POMMEL_RADIUS, material="self")
    _add_peg_sites(m, peg, "peg")


def _add_target_peg(m: Model) -> None:
    target = m.add("body", name="target_peg", pos=TARGET_PEG_POS)
    blade, guard = _peg_capsules()
    _arm.add_ghost_geom(
        m, target, name="target_blade", type="capsule", size=PEG_RADIUS, fromto=blade
    )
    _arm.add_ghost_geom(
        m, target, name="target_guard", type="capsule", size=PEG_RADIUS, fromto=guard
    )
    _arm.add_ghost_geom(
        m, target, name="target_pommel", type="sphere", size=POMMEL_RADIUS, pos=(0, 0, POMMEL_Z)
    )
    _add_peg_sites(m, target, "target_peg")


def _peg_capsules() -> tuple[tuple[float, ...], tuple[float, ...]]:
    """End points of the blade (pommel to tip) and of the cross guard, in the peg frame."""
    blade = (0, 0, POMMEL_Z, 0, 0, BLADE_TIP_Z)
    guard = (-GUARD_HALF_WIDTH, 0, GUARD_Z, GUARD_HALF_WIDTH, 0, GUARD_Z)
    return blade, guard


def _peg_look() -> dict:
    return {"type": "capsule", "size": PEG_RADIUS, "material": "self"}


def _add_peg_sites(m: Model, body: mujoco.MjsBody, prefix: str) -> None:
    for suffix, z in PEG_SITES:
        m.add("site", parent=body, name=prefix + suffix, type="box", pos=(0, 0, z))


def _add_slot(m: Model) -> None:
    slot = m.add("body", name="slot", pos=SLOT_POS, euler=_arm.degrees(0, SLOT_PITCH_DEGREES, 0))
    for index, (x, z, half_x, half_z) in enumerate(SLOT_BOXES):
        m.add(
            "geom",
            parent=slot,
            name=f"slot_{index}",
            type="box",
            pos=(x, 0, z),
            size=(half_x, SLOT_HALF_THICKNESS, half_z),
            **_obstacle_look(),
        )
    m.add("site", parent=slot, name="slot", type="box")
    m.add("site", parent=slot, name="slot_end", type="box", pos=(0, 0, SLOT_END_Z))


def _add_cup(m: Model) -> None:
    cup = m.add("body", name="cup", pos=CUP_POS, euler=_arm.degrees(0, CUP_PITCH_DEGREES, 0))
    segments = zip(CUP_OUTLINE[:-1], CUP_OUTLINE[1:], strict=True)
    for index, ((x0, z0), (x1, z1)) in enumerate(segments):
        m.add(
            "geom",
            parent=cup,
            name=f"cup_{index}",
            type="capsule",
            size=CUP_RADIUS,
            fromto=(x0, 0, z0, x1, 0, z1),
            **_obstacle_look(),
        )
    # Only the radius is the cup's own; the other two entries keep the site default.
    m.add("site", parent=cup, name="cup", size=(CUP_SITE_RADIUS, _arm.SITE_SIZE, _arm.SITE_SIZE))


def _obstacle_look() -> dict:
    return {"material": "decoration", "friction": OBSTACLE_FRICTION}


def spec(use_peg: bool, insert: bool) -> mujoco.MjSpec:
    """:func:`model`'s uncompiled ``mujoco.MjSpec``."""
    return model(use_peg, insert).spec
