"""Core pytrees of the environment contract: `State` and the array specs.

All of these are frozen flax dataclasses, so they are JAX pytrees that support ``.replace(...)`` and
pass through ``jit``, ``vmap`` and ``lax.scan`` unchanged.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import jax
import numpy as np
from flax import struct

from mjxcontrol._mjx import mjx

# The dtype of every float the env contract returns (observations, rewards, discounts, actions).
FLOAT = np.float32

Observation = OrderedDict  # name -> jax.Array, in dm_control's key order


@struct.dataclass
class State:
    """The complete state of one environment (add a leading axis for a batch).

    Attributes:
      data: MJX physics data after the last control step.
      obs: observation, an ``OrderedDict`` with dm_control's keys in dm_control's order.
      reward: float32 scalar; 0 on the state returned by ``reset``.
      discount: float32 scalar; 0 after a terminal failure, else 1 (also 1 at truncation).
      terminated: bool scalar; the task reached a terminal state (dm_control's discount-0 LAST).
      truncated: bool scalar; the time limit was reached (dm_control's discount-1 LAST).
      step: int32 scalar; control steps taken since reset.
      key: this environment's own PRNG key (used by resets and stochastic tasks).
      params: the user's physical parameters of this env (``mjx.Model`` field overrides, e.g. for
        domain randomisation), passed to ``reset`` and kept across automatic resets.
      episode_params: model overrides the task drew at reset for this episode (e.g.
        point_mass/hard's actuation directions); applied over ``params``; ``{}`` for most tasks.
      task_state: typed per-task extras (e.g. the target position), a pytree or ``()``.
      metrics: reward terms of the last step, ``invalid_action`` and ``physics_error``, built
        fresh every step.
      final_obs: the last observation of the episode that the last step ended; equal to ``obs``
        except after an automatic reset (:class:`mjxcontrol.wrappers.AutoReset`).
    """

    data: mjx.Data
    obs: Observation
    reward: jax.Array
    discount: jax.Array
    terminated: jax.Array
    truncated: jax.Array
    step: jax.Array
    key: jax.Array
    params: Mapping[str, jax.Array]
    episode_params: Mapping[str, jax.Array]
    task_state: Any
    metrics: Mapping[str, jax.Array]
    final_obs: Observation

    @property
    def done(self) -> jax.Array:
        """True when the episode has ended, by termination or by truncation."""
        return self.terminated | self.truncated


@struct.dataclass
class ArraySpec:
    """Shape and dtype of one array (dm_env's ``Array``)."""

    shape: tuple[int, ...] = struct.field(pytree_node=False)
    dtype: Any = struct.field(pytree_node=False)
    name: str = struct.field(pytree_node=False, default="")

    def validate(self, value) -> None:
        """Raises ValueError if ``value`` has the wrong shape or dtype."""
        shape, dtype = np.shape(value), getattr(value, "dtype", np.asarray(value).dtype)
        if tuple(shape) != tuple(self.shape):
            raise ValueError(f"{self.name or 'array'}: expected shape {self.shape}, got {shape}")
        if not np.can_cast(dtype, self.dtype, casting="same_kind"):
            raise ValueError(f"{self.name or 'array'}: expected dtype {self.dtype}, got {dtype}")

    def zeros(self) -> np.ndarray:
        """An all-zero value of this spec."""
        return np.zeros(self.shape, self.dtype)


@struct.dataclass
class BoundedArraySpec(ArraySpec):
    """An `ArraySpec` with elementwise inclusive bounds (dm_env's ``BoundedArray``)."""

    minimum: np.ndarray = struct.field(pytree_node=False, default=None)
    maximum: np.ndarray = struct.field(pytree_node=False, default=None)
