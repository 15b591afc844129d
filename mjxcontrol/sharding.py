"""One batch of envs spread over every local device (``jax.sharding``), and multi-host runs.

Envs of a batch never interact, so a batch splits along its leading axis with no communication
in the physics: put the batched state on a 1-D device mesh with :func:`shard` and every jitted
function of it (``rollout``, ``jit(vmap(env.step))``, the trainer's chunks) runs partitioned by
XLA's SPMD partitioner, each device stepping its own envs. The only cross-device operations are
batch-wide reductions such as ``AutoReset``'s "did any env finish" test. Results equal the
unsharded run's bit for bit when each device's share fills whole SIMD vectors (16 envs per
device; tests/test_sharding.py checks this on 8 simulated CPU devices), and to float32 rounding
otherwise (docs/api.md).

Several hosts: start every process with ``jax.distributed.initialize()`` (JAX's own engine; see
docs/api.md), then ``mesh(jax.devices())`` spans all hosts' devices and each host feeds its own
part of the batch (``jax.make_array_from_process_local_data``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

AXIS = "envs"


def mesh(devices: Sequence[Any] | None = None) -> Mesh:
    """A 1-D mesh named ``"envs"`` over ``devices`` (default: every local device)."""
    devices = list(devices) if devices is not None else jax.local_devices()
    return Mesh(np.asarray(devices), (AXIS,))


def batch_sharding(device_mesh: Mesh | None = None) -> NamedSharding:
    """Leading axis split over the mesh, the other axes whole."""
    return NamedSharding(device_mesh or mesh(), PartitionSpec(AXIS))


def whole_sharding(device_mesh: Mesh | None = None) -> NamedSharding:
    """Every axis whole, on every device of the mesh (a replicated value)."""
    return NamedSharding(device_mesh or mesh(), PartitionSpec())


def replicate(tree, device_mesh: Mesh | None = None):
    """``tree`` placed whole on every device of the mesh: what a jitted function of a sharded
    batch returns for unbatched values (PRNG keys, network parameters), so passing them in
    placed so keeps its next call from compiling again."""
    whole = whole_sharding(device_mesh)
    return jax.tree.map(lambda x: jax.device_put(x, whole), tree)


def train_shardings(template, device_mesh: Mesh | None = None):
    """Where a sharded training run keeps its state, for a template of it (``jax.eval_shape``
    of a PPO or SAC train state): its ``env_state``, the env batch, split over the mesh like
    :func:`shard` splits it; every other leaf (network parameters, optimiser and replay state,
    keys, counters) whole on every device, where XLA keeps what the envs' devices all read."""
    env_state = jax.tree.map(lambda x: _batched_leaf(x, device_mesh), template.env_state)
    whole = whole_sharding(device_mesh)
    return jax.tree.map(lambda _: whole, template).replace(env_state=env_state)


def _batched_leaf(x, device_mesh: Mesh | None) -> NamedSharding:
    """Where a leaf with the env axis goes: split along it, unless it is empty (a model without
    actuator state: ``act`` is ``(envs, 0)``), which has nothing to split and goes whole to every
    device, where a jitted function places its output too; split, it would make a chunk's second
    call differ in placement from its first and compile again."""
    if math.prod(x.shape):
        return batch_sharding(device_mesh)
    return whole_sharding(device_mesh)


def check_divisible(num_envs: int, device_mesh: Mesh | None = None) -> None:
    """Raises ValueError unless ``num_envs`` splits evenly over the mesh's devices."""
    devices = (device_mesh or mesh()).devices.size
    if num_envs % devices:
        raise ValueError(f"a batch of {num_envs} envs does not split evenly over {devices} devices")


def shard(tree, device_mesh: Mesh | None = None):
    """``tree`` (arrays with a leading batch axis) placed on the mesh, split along that axis.

    Raises:
      ValueError: if the batch size is not a multiple of the number of devices.
    """
    device_mesh = device_mesh or mesh()
    sizes = {np.shape(x)[0] for x in jax.tree.leaves(tree) if np.ndim(x)}
    if len(sizes) != 1:
        raise ValueError(f"every leaf needs the same leading batch axis, got sizes {sorted(sizes)}")
    check_divisible(sizes.pop(), device_mesh)
    return jax.tree.map(
        lambda x: jax.device_put(x, _batched_leaf(x, device_mesh)) if np.ndim(x) else x, tree
    )
