"""Cart-pole: a cart sliding on a rail, carrying a chain of one or more hinged poles.

Facts of the model (SI units):

* The cart is a 0.4 x 0.3 x 0.2 m box of mass 1 kg whose centre rides 1 m above the world origin.
  Its slide joint ``slider`` runs along x, limited to [-1.8, 1.8] m with a soft limit (solref
  time constant 0.08 s, damping ratio 1), and carries viscous damping 5e-4 N*s/m.
* Two decorative rails (capsules of radius 0.02, 4 m long along x) sit at y = +-0.07, z = 1.
* Pole ``k`` (``pole_1`` ... ``pole_N``) is a capsule of radius 0.045 and length 1 m with mass
  0.1 kg, hinged (``hinge_k``) about the y axis with tiny damping 2e-6 N*m*s/rad and no limits.
  Pole 1 hinges at the cart centre; each further pole hinges at the free end of the previous one,
  1 m up its axis, giving a chain of N hinges (nq = nv = N + 1).
* One motor, ``slide``, pushes the cart with gear 10 and control clamped to [-1, 1] (so +-10 N).
* Timestep 0.01 s with RK4; contacts are disabled; energy is computed.
* The 8 m x 8 m floor plane sits 5 cm below the lowest point the hanging chain can reach
  (z = 1 - N - 0.05), and the cameras back off as the chain grows, as in dm_control's
  ``two_poles``/``three_poles`` variants.
"""

from __future__ import annotations

import mujoco

from mjcf_builder.model import Model
from mjxcontrol.tasks.models import _common

MODEL_NAME = "cart-pole"
TIMESTEP = 0.01

CART_HEIGHT = 1.0
CART_HALF_SIZE = (0.2, 0.15, 0.1)
CART_MASS = 1.0
SLIDER_RANGE = (-1.8, 1.8)
SLIDER_SOLREF_LIMIT = (0.08, 1.0)
SLIDER_DAMPING = 5e-4

RAIL_Y = 0.07
RAIL_RADIUS = 0.02
RAIL_HALF_LENGTH = 2.0

POLE_LENGTH = 1.0
POLE_RADIUS = 0.045
POLE_MASS = 0.1
POLE_DAMPING = 2e-6
POLE_AXIS = (0, 1, 0)

FLOOR_HALF_EXTENT = 4.0
FLOOR_GRID_SPACING = 0.2
FLOOR_CLEARANCE = 0.05
LIGHT_HEIGHT = 6.0

# The single-pole model's fixed camera stands 4 m back; longer chains use 1 + 2 N metres.
SINGLE_POLE_FIXED_CAMERA_Y = -4.0

MOTOR_GEAR = 10.0
CTRL_RANGE = (-1.0, 1.0)


def model(num_poles: int = 1) -> Model:
    """Returns the cart-pole model with a chain of ``num_poles`` poles.

    Args:
      num_poles: how many poles are chained on the cart; 1, 2 and 3 reproduce dm_control's
        ``swingup``/``balance``, ``two_poles`` and ``three_poles`` models.

    Raises:
      ValueError: if ``num_poles`` is not a positive integer.
    """
    if isinstance(num_poles, bool) or not isinstance(num_poles, int) or num_poles < 1:
        raise ValueError(f"cartpole needs num_poles >= 1 (an int), got {num_poles!r}")
    m = _common.new_model(MODEL_NAME)
    _set_options(m.spec)
    _add_scene(m, num_poles)
    cart = _add_cart(m)
    _add_pole_chain(m, cart, num_poles)
    m.add(
        "actuator",
        name="slide",
        target="slider",
        trntype="joint",
        gear=MOTOR_GEAR,
        ctrllimited=True,
        ctrlrange=CTRL_RANGE,
    )
    return m


def spec(num_poles: int = 1) -> mujoco.MjSpec:
    """:func:`model`'s uncompiled ``mujoco.MjSpec``."""
    return model(num_poles).spec


def floor_height(num_poles: int) -> float:
    """Height of the floor plane: just below the tip of the fully hanging chain."""
    return CART_HEIGHT - num_poles * POLE_LENGTH - FLOOR_CLEARANCE


def _set_options(s: mujoco.MjSpec) -> None:
    s.option.timestep = TIMESTEP
    s.option.integrator = mujoco.mjtIntegrator.mjINT_RK4
    s.option.disableflags |= mujoco.mjtDisableBit.mjDSBL_CONTACT
    s.option.enableflags |= mujoco.mjtEnableBit.mjENBL_ENERGY


def _add_scene(m: Model, num_poles: int) -> None:
    """Light, cameras, floor and the two rails."""
    m.add("light", name="light", pos=(0, 0, LIGHT_HEIGHT))
    # A fixed side view and a view tracking the cart, both backing off for longer chains.
    fixed_y = SINGLE_POLE_FIXED_CAMERA_Y if num_poles == 1 else -1.0 - 2.0 * num_poles
    m.add("camera", name="fixed", pos=(0, fixed_y, 1), zaxis=(0, -1, 0))
    m.add(
        "camera",
        name="lookatcart",
        mode="targetbody",
        targetbody="cart",
        pos=(0, -2.0 * num_poles, 2),
    )
    m.add(
        "geom",
        name="floor",
        type="plane",
        pos=(0, 0, floor_height(num_poles)),
        size=(FLOOR_HALF_EXTENT, FLOOR_HALF_EXTENT, FLOOR_GRID_SPACING),
        material="grid",
    )
    for name, y in (("rail1", RAIL_Y), ("rail2", -RAIL_Y)):
        m.add(
            "geom",
            name=name,
            type="capsule",
            pos=(0, y, CART_HEIGHT),
            size=(RAIL_RADIUS, RAIL_HALF_LENGTH),
            material="decoration",
            zaxis=(1, 0, 0),
        )


def _add_cart(m: Model) -> mujoco.MjsBody:
    """The cart body with its limited, damped slide joint."""
    cart = m.add("body", name="cart", pos=(0, 0, CART_HEIGHT))
    m.add(
        "joint",
        parent=cart,
        name="slider",
        type="slide",
        axis=(1, 0, 0),
        limited=True,
        range=SLIDER_RANGE,
        solref_limit=SLIDER_SOLREF_LIMIT,
        damping=SLIDER_DAMPING,
    )
    m.add(
        "geom",
        parent=cart,
        name="cart",
        type="box",
        size=CART_HALF_SIZE,
        material="self",
        mass=CART_MASS,
    )
    return cart


def _add_pole_chain(m: Model, cart: mujoco.MjsBody, num_poles: int) -> None:
    """Poles 1..N, each hinged at the previous pole's free end (pole 1 at the cart centre)."""
    parent = cart
    for index in range(1, num_poles + 1):
        offset = 0.0 if index == 1 else POLE_LENGTH
        parent = m.add("body", parent=parent, name=f"pole_{index}", pos=(0, 0, offset))
        m.add(
            "joint",
            parent=parent,
            name=f"hinge_{index}",
            type="hinge",
            axis=POLE_AXIS,
            damping=POLE_DAMPING,
        )
        m.add(
            "geom",
            parent=parent,
            name=f"pole_{index}",
            type="capsule",
            material="self",
            fromto=(0, 0, 0, 0, 0, POLE_LENGTH),
            size=POLE_RADIUS,
            mass=POLE_MASS,
        )
