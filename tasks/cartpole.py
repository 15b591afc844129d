"""Cart-pole: push a cart along a rail to swing up and/or balance a chain of N hinged poles.

One config class, :class:`Balance`, covers all six tasks through three fields: ``swing_up`` (start
hanging down vs. near upright), ``sparse`` (indicator vs. shaped reward) and ``num_poles``.

==============  ========  ======  =========
task            swing_up  sparse  num_poles
==============  ========  ======  =========
balance         False     False   1
balance_sparse  False     True    1
swingup         True      False   1
swingup_sparse  True      True    1
two_poles       True      False   2
three_poles     True      False   3
==============  ========  ======  =========

Observation (``OrderedDict``, float32), with N poles:
  * ``position`` (1 + 2N,): the cart's slide position (m), then for each pole ``k = 1..N`` the
    ``[zz, xz]`` entries of its world rotation, i.e. cos and sin of its absolute angle from upright.
  * ``velocity`` (1 + N,): the full ``qvel``: cart velocity (m/s), then each hinge's angular
    velocity relative to its parent (rad/s).

Action (1,) in [-1, 1]: the cart motor's control (gear 10, so +-10 N). ``data.ctrl`` keeps the raw,
unclipped action and the reward's control term reads it, as dm_control's does.

Reward, with ``x`` the cart position, ``c_k`` the cosine of pole ``k``'s absolute angle, ``w_k`` the
hinge velocities and ``u`` the raw control:
  * dense: ``upright * centered * small_control * small_velocity`` where
    ``upright = mean_k (c_k + 1) / 2``,
    ``centered = (1 + tolerance(x, margin=2)) / 2``,
    ``small_control = (4 + tolerance(u, margin=1, sigmoid="quadratic", value_at_margin=0)) / 5``,
    ``small_velocity = (1 + min_k tolerance(w_k, margin=5)) / 2``;
  * sparse: ``tolerance(x, bounds=(-0.25, 0.25)) * prod_k tolerance(c_k, bounds=(0.995, 1))``,
    both hard 0/1 indicators.

Termination: never; episodes are truncated after 10 s (1000 steps of 0.01 s, one RK4 step each).

Reset (``qvel ~ 0.01 N(0, I)`` in every task):
  * swing-up: ``slider ~ 0.01 N(0, 1)``, ``hinge_1 ~ pi + 0.01 N(0, 1)``, further hinges
    ``~ 0.1 N(0, 1)`` (pole 1 hangs down, the rest roughly continue it);
  * balance: ``slider ~ U(-0.1, 0.1)``, every hinge ``~ U(-0.034, 0.034)``.

Parity: observations and reward match dm_control 1.0.50 one step after 256 shared states per task,
and the reset distributions pass per-coordinate KS tests (tests/parity/test_cartpole.py).
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict

import jax
import jax.numpy as jnp
import numpy as np

from mjxcontrol import rewards
from mjxcontrol.observables import rotation_entries
from mjxcontrol.registry import BENCHMARKING, register
from mjxcontrol.task import Task
from mjxcontrol.tasks.models import cartpole as cartpole_model

SLIDER = "slider"
MOTOR = "slide"
TIME_LIMIT = 10.0

# Sparse reward: the cart within this band and every pole within ~5.7 degrees of upright.
CART_RANGE = (-0.25, 0.25)
ANGLE_COSINE_RANGE = (0.995, 1.0)
# Dense reward margins.
CART_MARGIN = 2.0
CONTROL_MARGIN = 1.0
ANGULAR_VELOCITY_MARGIN = 5.0

# Reset scales.
SWING_UP_SLIDER_STD = 0.01
SWING_UP_FIRST_HINGE_STD = 0.01
SWING_UP_OTHER_HINGE_STD = 0.1
BALANCE_SLIDER_RANGE = 0.1
BALANCE_HINGE_RANGE = 0.034
QVEL_STD = 0.01


def hinge_name(k: int) -> str:
    """Name of the hinge of pole ``k`` (1-based)."""
    return f"hinge_{k}"


def pole_name(k: int) -> str:
    """Name of pole ``k``'s body (1-based)."""
    return f"pole_{k}"


@dataclasses.dataclass(frozen=True)
class Balance(Task):
    """Cart-pole with ``num_poles`` chained poles (all six dm_control ``cartpole`` tasks).

    Attributes:
      swing_up: start with the chain hanging down (True) or near upright (False).
      sparse: hard-indicator reward (True) or the shaped product reward (False).
      num_poles: length of the pole chain (1, 2, 3 in dm_control's tasks; any N >= 1 works).
    """

    time_limit: float = TIME_LIMIT
    swing_up: bool = False
    sparse: bool = False
    num_poles: int = 1

    @property
    def hinges(self) -> tuple[str, ...]:
        return tuple(hinge_name(k) for k in range(1, self.num_poles + 1))

    @property
    def poles(self) -> tuple[str, ...]:
        return tuple(pole_name(k) for k in range(1, self.num_poles + 1))

    def model(self):
        return cartpole_model.spec(self.num_poles)

    def initialize(self, physics, model, data, key):
        names = physics.names
        slider, hinges = names.qpos(SLIDER), names.qpos(*self.hinges)
        key_slider, key_hinges, key_vel = jax.random.split(key, 3)
        if self.swing_up:
            cart = SWING_UP_SLIDER_STD * jax.random.normal(key_slider)
            std = np.full(self.num_poles, SWING_UP_OTHER_HINGE_STD)
            std[0] = SWING_UP_FIRST_HINGE_STD
            angles = std * jax.random.normal(key_hinges, (self.num_poles,))
            angles = angles.at[0].add(np.pi)
        else:
            cart = jax.random.uniform(
                key_slider, minval=-BALANCE_SLIDER_RANGE, maxval=BALANCE_SLIDER_RANGE
            )
            angles = jax.random.uniform(
                key_hinges,
                (self.num_poles,),
                minval=-BALANCE_HINGE_RANGE,
                maxval=BALANCE_HINGE_RANGE,
            )
        qpos = data.qpos.at[slider].set(cart).at[hinges].set(angles)
        qvel = QVEL_STD * jax.random.normal(key_vel, data.qvel.shape)
        return data.replace(qpos=qpos, qvel=qvel), ()

    def observe(self, physics, data, task_state):
        cart_x = _cart_position(physics, data)
        poles = rotation_entries(physics, data, self.poles, ("zz", "xz"))
        return OrderedDict(
            position=jnp.concatenate([cart_x[None], poles.ravel()]),
            velocity=data.qvel[physics.names.qvel(SLIDER, *self.hinges)],
        )

    def reward(self, physics, data, task_state):
        cart_x = _cart_position(physics, data)
        cosines = rotation_entries(physics, data, self.poles, ("zz", "xz"))[:, 0]
        if self.sparse:
            cart_in_bounds = rewards.tolerance(cart_x, bounds=CART_RANGE)
            angle_in_bounds = jnp.prod(rewards.tolerance(cosines, bounds=ANGLE_COSINE_RANGE))
            terms = {"cart_in_bounds": cart_in_bounds, "angle_in_bounds": angle_in_bounds}
            return cart_in_bounds * angle_in_bounds, terms
        upright = jnp.mean((cosines + 1.0) / 2.0)
        centered = (1.0 + rewards.tolerance(cart_x, margin=CART_MARGIN)) / 2.0
        control = data.ctrl[physics.names.id("actuator", MOTOR)]
        small_control = rewards.tolerance(
            control, margin=CONTROL_MARGIN, sigmoid="quadratic", value_at_margin=0.0
        )
        small_control = (4.0 + small_control) / 5.0
        angular_vel = data.qvel[physics.names.qvel(*self.hinges)]
        small_velocity = jnp.min(rewards.tolerance(angular_vel, margin=ANGULAR_VELOCITY_MARGIN))
        small_velocity = (1.0 + small_velocity) / 2.0
        terms = {
            "upright": upright,
            "centered": centered,
            "small_control": small_control,
            "small_velocity": small_velocity,
        }
        return upright * centered * small_control * small_velocity, terms


def _cart_position(physics, data) -> jax.Array:
    return data.qpos[physics.names.qpos(SLIDER)[0]]


@register("balance", tags=(BENCHMARKING,))
def balance(**overrides) -> Balance:
    return Balance(**overrides)


@register("balance_sparse", tags=(BENCHMARKING,))
def balance_sparse(**overrides) -> Balance:
    return Balance(**{"sparse": True, **overrides})


@register("swingup", tags=(BENCHMARKING,))
def swingup(**overrides) -> Balance:
    return Balance(**{"swing_up": True, **overrides})


@register("swingup_sparse", tags=(BENCHMARKING,))
def swingup_sparse(**overrides) -> Balance:
    return Balance(**{"swing_up": True, "sparse": True, **overrides})


@register("two_poles")
def two_poles(**overrides) -> Balance:
    return Balance(**{"swing_up": True, "num_poles": 2, **overrides})


@register("three_poles")
def three_poles(**overrides) -> Balance:
    return Balance(**{"swing_up": True, "num_poles": 3, **overrides})
