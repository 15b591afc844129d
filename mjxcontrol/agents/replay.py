"""A replay buffer that lives on the device: a pytree of fixed-size arrays used as a ring buffer.

Everything is pure and jittable, so adding and sampling happen inside the training scan; the
buffer is part of the training state (and of its checkpoints).
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
from flax import struct


@struct.dataclass
class Transition:
    """One transition, or a batch of them with leading axes.

    Attributes:
      obs: ``[D]`` flat observation before the step (not normalised).
      action: ``[A]`` action taken, in ``[-1, 1]`` (the policy's squashed space).
      reward: float32 scalar reward of the step.
      discount: float32 scalar multiplier of the bootstrap value: the env's discount (0 on
        termination, 1 otherwise, truncation included), 0 where ``next_obs`` was not finite.
      next_obs: ``[D]`` observation after the step: the episode's last one (``final_obs``) when
        the step ended it, so truncated episodes bootstrap from where they stopped.
    """

    obs: jax.Array
    action: jax.Array
    reward: jax.Array
    discount: jax.Array
    next_obs: jax.Array


@struct.dataclass
class ReplayBuffer:
    """A ring buffer of ``capacity`` items.

    Attributes:
      data: pytree whose leaves have a leading ``capacity`` axis.
      position: int32 scalar, index where the next item is written.
      size: int32 scalar, number of valid items (saturates at ``capacity``).
    """

    data: Any
    position: jax.Array
    size: jax.Array

    @property
    def capacity(self) -> int:
        return int(jax.tree.leaves(self.data)[0].shape[0])


def init_buffer(example: Any, capacity: int) -> ReplayBuffer:
    """An empty buffer for items shaped like ``example`` (one item, no batch axis).

    Raises:
      ValueError: if ``capacity`` is not positive.
    """
    if capacity < 1:
        raise ValueError(f"replay capacity must be a positive integer, got {capacity}")
    data = jax.tree.map(
        lambda x: jnp.zeros((capacity, *jnp.shape(x)), jnp.asarray(x).dtype), example
    )
    zero = jnp.zeros((), jnp.int32)
    return ReplayBuffer(data=data, position=zero, size=zero)


def add_batch(buffer: ReplayBuffer, batch: Any) -> ReplayBuffer:
    """Writes ``batch`` (leaves ``[N, ...]``, ``N <= capacity``) at the ring position, in order."""
    capacity = buffer.capacity
    n = jax.tree.leaves(batch)[0].shape[0]
    if n > capacity:
        raise ValueError(f"cannot add {n} items to a replay buffer of capacity {capacity}")
    index = (buffer.position + jnp.arange(n)) % capacity
    data = jax.tree.map(lambda store, x: store.at[index].set(x), buffer.data, batch)
    return ReplayBuffer(
        data=data,
        position=(buffer.position + n) % capacity,
        size=jnp.minimum(buffer.size + n, capacity),
    )


def sample_batch(buffer: ReplayBuffer, key: jax.Array, batch_size: int) -> Any:
    """``batch_size`` items drawn uniformly with replacement from the valid part of the buffer.

    The buffer must hold at least one item (callers start learning after a warm-up).
    """
    index = jax.random.randint(key, (batch_size,), 0, jnp.maximum(buffer.size, 1))
    return jax.tree.map(lambda store: store[index], buffer.data)
