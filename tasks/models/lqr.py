"""LQR: a chain of spring-loaded sliding masses, the first few pushed by motors.

Facts of the model (SI units; ``B`` bodies of which the first ``A`` are actuated):

* Bodies ``body_0`` ... ``body_{B-1}`` form a kinematic chain: ``body_0`` sits at (0.25, 0, 0.1)
  and every further body 0.25 m along +x from its parent, so body ``k`` is at x = 0.25 (k + 1).
* Each body is a sphere ``geom_k`` of radius 0.1 m made of the default density 1000 kg/m^3
  (mass 4/3 pi 0.1^3 * 1000, about 4.19 kg), with a marker site ``site_k`` at its centre.
* Each body slides along y relative to its parent on ``joint_k``: unlimited, with a spring to
  zero whose stiffness (N/m) is drawn uniformly from [15, 25] and a damper whose coefficient
  (N*s/m) is drawn uniformly from [0, 0], i.e. none. The draws alternate per body (stiffness of
  body 0, damping of body 0, stiffness of body 1, ...), exactly as dm_control consumes its
  ``numpy.random.RandomState``; so the same seed gives the same model.
* Motors ``motor_0`` ... ``motor_{A-1}`` push on the first ``A`` joints with gear 1 and unclamped
  control. So nq = nv = B and nu = A.
* Spatial tendons ``tendon_k`` link ``site_k`` to ``site_{k+1}``. They are drawn (width 0.02 m)
  but exert no force: no stiffness, damping or limits.
* Timestep 0.03 s with the default (Euler) integrator. All constraints are disabled. Gravity
  keeps its default but acts across the joints (along -z), so the dynamics are exactly linear.
* Decoration: an 8 m x 2 m ``floor`` plane and a translucent box ``origin`` marking the line
  y = 0 under the chain, a light 2 m up and two fixed cameras, ``cam0`` and ``cam1``.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import mujoco
import numpy as np

import mjcf_builder
from mjxcontrol.tasks.models import _common

MODEL_NAME = "LQR"
TIMESTEP = 0.03

# Uniform ranges from which each joint's spring stiffness (N/m) and damping (N*s/m) are drawn.
STIFFNESS_RANGE = (15.0, 25.0)
DAMPING_RANGE = (0.0, 0.0)

BODY_SPACING = 0.25
FIRST_BODY_HEIGHT = 0.1
BODY_RADIUS = 0.1
JOINT_AXIS = (0, 1, 0)
# Marker sites are spheres of radius 0.01; the unused size entries keep MJCF's 0.005 default.
SITE_SIZE = (0.01, 0.005, 0.005)
TENDON_WIDTH = 0.02
MOTOR_GEAR = 1.0

FLOOR_HALF_SIZE = (4.0, 1.0, 0.2)
ORIGIN_POS = (2.0, 0.0, 0.05)
ORIGIN_HALF_SIZE = (2.0, 0.003, 0.05)
ORIGIN_RGBA = (0.5, 0.5, 0.5, 0.5)
LIGHT_POS = (0.0, 0.0, 2.0)
# name -> (position, xyaxes).
CAMERAS = {
    "cam0": ((-1.428, -0.311, 0.856), (0.099, -0.995, 0.0, 0.350, 0.035, 0.936)),
    "cam1": ((1.787, 2.452, 4.331), (-1.0, 0.0, 0.0, 0.0, -0.868, 0.497)),
}


def model(
    n_bodies: int,
    n_actuators: int,
    random: np.random.RandomState | int | None = None,
    *,
    stiffness: Sequence[float] | None = None,
    damping: Sequence[float] | None = None,
    stiffness_range: tuple[float, float] = STIFFNESS_RANGE,
    damping_range: tuple[float, float] = DAMPING_RANGE,
) -> mjcf_builder.Model:
    """Returns the LQR chain as a :class:`mjcf_builder.Model`.

    The joints' springs and dampers are either drawn from ``random`` (as dm_control draws them,
    see :func:`draw_joint_parameters`) or given explicitly as ``stiffness`` and ``damping``.

    Args:
      n_bodies: sliding bodies in the chain (an int >= 1).
      n_actuators: how many of the first bodies have a motor (an int in [1, n_bodies]);
        (2, 1) and (6, 2) reproduce dm_control's ``lqr_2_1`` and ``lqr_6_2``.
      random: a ``numpy.random.RandomState`` (advanced by 2 * n_bodies draws, as dm_control
        does), an integer seed for a new one, or None for a fresh unseeded one. Must be None
        when the arrays are given.
      stiffness: per-body spring stiffness in N/m (``n_bodies`` numbers), or None to draw it.
      damping: per-body damping in N*s/m (``n_bodies`` numbers), or None to draw it.
      stiffness_range: (low, high) of the uniform stiffness draw, N/m.
      damping_range: (low, high) of the uniform damping draw, N*s/m.

    Raises:
      ValueError: for a bad body or actuator count, only one of ``stiffness`` and ``damping``,
        arrays of the wrong length, or arrays together with ``random``.
    """
    _check_counts(n_bodies, n_actuators)
    if stiffness is None and damping is None:
        springs, dampers = draw_joint_parameters(n_bodies, random, stiffness_range, damping_range)
    else:
        springs, dampers = _given_joint_parameters(n_bodies, random, stiffness, damping)
    m = _common.new_model(MODEL_NAME)
    _set_options(m.spec)
    _add_scene(m)
    _add_chain(m, springs, dampers)
    for index in range(n_actuators):
        _add_motor(m, index)
    for index in range(n_bodies - 1):
        _add_tendon(m, index)
    return m


def spec(n_bodies: int, n_actuators: int, random=None, **kwargs) -> mujoco.MjSpec:
    """The uncompiled spec of :func:`model` (the interface of the other suite modules)."""
    return model(n_bodies, n_actuators, random, **kwargs).spec


def draw_joint_parameters(
    n_bodies: int,
    random: np.random.RandomState | int | None = None,
    stiffness_range: tuple[float, float] = STIFFNESS_RANGE,
    damping_range: tuple[float, float] = DAMPING_RANGE,
) -> tuple[np.ndarray, np.ndarray]:
    """Draws each joint's stiffness (N/m) and damping (N*s/m), body by body.

    For each body in turn one uniform number is drawn for its stiffness and then one for its
    damping; a degenerate range such as (0, 0) still uses up a draw. This is the order in which
    dm_control builds the model, so the same ``RandomState`` yields the same springs and is left
    in the same state for the task's later draws.

    Returns:
      ``(stiffness, damping)``, two arrays of ``n_bodies`` numbers.
    """
    if not isinstance(random, np.random.RandomState):
        random = np.random.RandomState(random)
    stiffness = np.empty(n_bodies)
    damping = np.empty(n_bodies)
    for index in range(n_bodies):
        stiffness[index] = random.uniform(*stiffness_range)
        damping[index] = random.uniform(*damping_range)
    return stiffness, damping


def _check_counts(n_bodies, n_actuators) -> None:
    for name, value in (("n_bodies", n_bodies), ("n_actuators", n_actuators)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            raise ValueError(f"lqr needs {name} >= 1 (an int), got {value!r}")
    if n_actuators > n_bodies:
        raise ValueError(
            f"lqr has at most one actuator per body: n_actuators={n_actuators} > "
            f"n_bodies={n_bodies}"
        )


def _given_joint_parameters(n_bodies, random, stiffness, damping) -> tuple[np.ndarray, np.ndarray]:
    if stiffness is None or damping is None:
        raise ValueError("lqr needs both stiffness and damping arrays, or neither (to draw them)")
    if random is not None:
        raise ValueError("lqr takes either random or explicit stiffness/damping arrays, not both")
    out = []
    for name, values in (("stiffness", stiffness), ("damping", damping)):
        values = np.asarray(values, dtype=float)
        if values.shape != (n_bodies,):
            raise ValueError(
                f"lqr needs {n_bodies} {name} values (one per body), got shape {values.shape}"
            )
        out.append(values)
    return out[0], out[1]


def _set_options(s: mujoco.MjSpec) -> None:
    s.option.timestep = TIMESTEP
    s.option.disableflags |= mujoco.mjtDisableBit.mjDSBL_CONSTRAINT


def _add_scene(m: mjcf_builder.Model) -> None:
    """Light, the two fixed cameras, the floor and the translucent marker of y = 0."""
    m.add("light", name="light", pos=LIGHT_POS)
    for name, (pos, xyaxes) in CAMERAS.items():
        m.add("camera", name=name, pos=pos, xyaxes=xyaxes)
    m.add("geom", name="floor", type="plane", size=FLOOR_HALF_SIZE, material="grid")
    # Every geom of the model, this marker included, wears the "self" material.
    m.add(
        "geom",
        name="origin",
        type="box",
        pos=ORIGIN_POS,
        size=ORIGIN_HALF_SIZE,
        rgba=ORIGIN_RGBA,
        material="self",
    )


def _add_chain(m: mjcf_builder.Model, stiffness: np.ndarray, damping: np.ndarray) -> None:
    """Bodies 0..B-1, each nested in the previous one and sliding along y on its own spring."""
    parent = m.worldbody
    for index, (k, c) in enumerate(zip(stiffness, damping, strict=True)):
        height = FIRST_BODY_HEIGHT if index == 0 else 0.0
        body = m.add("body", parent=parent, name=f"body_{index}", pos=(BODY_SPACING, 0, height))
        m.add(
            "joint",
            parent=body,
            name=f"joint_{index}",
            type="slide",
            axis=JOINT_AXIS,
            stiffness=float(k),
            damping=float(c),
        )
        m.add(
            "geom",
            parent=body,
            name=f"geom_{index}",
            type="sphere",
            size=BODY_RADIUS,
            material="self",
        )
        m.add("site", parent=body, name=f"site_{index}", size=SITE_SIZE)
        parent = body


def _add_motor(m: mjcf_builder.Model, index: int) -> None:
    """``motor_<index>``: a force of gear * control on ``joint_<index>``, control unclamped."""
    motor = m.add(
        "actuator", name=f"motor_{index}", trntype="joint", target=f"joint_{index}", gear=MOTOR_GEAR
    )
    motor.set_to_motor()


def _add_tendon(m: mjcf_builder.Model, index: int) -> None:
    """``tendon_<index>``: a force-free spatial tendon from ``site_<index>`` to the next site."""
    tendon = m.add("tendon", name=f"tendon_{index}", width=TENDON_WIDTH, material="self")
    tendon.wrap_site(f"site_{index}")
    tendon.wrap_site(f"site_{index + 1}")
