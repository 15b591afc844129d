"""Stacker: the planar arm of :mod:`._arm` stacking cubes onto a target spot.

Facts of the model (SI units; the arm, arena and options are described in :mod:`._arm`):

* Geom contacts use solref (0.01, 1): softer than manipulator's (0.005, 1).
* ``n_boxes`` cubes ``box0`` ... ``box<n-1>`` (dm_control ships 2 for ``stack_2`` and 4 for
  ``stack_4``) of half-size 22 mm, ``self`` material, default density 1000 kg/m^3 (85 g each).
  Box ``k`` starts at x = 0.5 - 0.1 k, z = 0.4 and moves in the x-z plane on slides ``box<k>_x``,
  ``box<k>_z`` (qpos = world coordinates) and a hinge ``box<k>_y``; a site ``box<k>`` marks its
  centre.
* ``target`` is a ghost cube of the same size resting on the floor 1 mm behind the motion plane,
  with a centre site ``target``; tasks move it.
"""

from __future__ import annotations

import mujoco

from mjcf_builder.model import Model
from mjxcontrol.tasks.models import _arm

MODEL_NAME = "planar stacker"
GEOM_SOLREF = (0.01, 1.0)
MAX_BOXES = 4

BOX_HALF_SIZE = 0.022
FIRST_BOX_X = 0.5
BOX_SPACING_X = 0.1
BOX_START_Z = 0.4


def model(n_boxes: int) -> Model:
    """Returns the stacker model with ``n_boxes`` cubes.

    Args:
      n_boxes: how many cubes, 1 to 4.

    Raises:
      ValueError: if ``n_boxes`` is not an int in [1, 4].
    """
    if isinstance(n_boxes, bool) or not isinstance(n_boxes, int) or not 1 <= n_boxes <= MAX_BOXES:
        raise ValueError(f"stacker needs n_boxes in 1..{MAX_BOXES} (an int), got {n_boxes!r}")
    m = _arm.new_model(MODEL_NAME, GEOM_SOLREF)
    for index in range(n_boxes):
        _add_box(m, index)
    target = m.add("body", name="target", pos=(0, _arm.GHOST_Y, BOX_HALF_SIZE))
    _arm.add_ghost_geom(m, target, name="target", type="box", size=(BOX_HALF_SIZE,) * 3)
    m.add("site", parent=target, name="target", type="sphere")
    return m


def box_start(index: int) -> tuple[float, float, float]:
    """Initial (x, y, z) of box ``index`` in metres."""
    return (FIRST_BOX_X - BOX_SPACING_X * index, 0.0, BOX_START_Z)


def _add_box(m: Model, index: int) -> None:
    name = f"box{index}"
    box = _arm.add_object_body(m, name, box_start(index))
    m.add("geom", parent=box, name=name, type="box", size=(BOX_HALF_SIZE,) * 3, material="self")
    m.add("site", parent=box, name=name, type="sphere")


def spec(n_boxes: int) -> mujoco.MjSpec:
    """:func:`model`'s uncompiled ``mujoco.MjSpec``."""
    return model(n_boxes).spec
