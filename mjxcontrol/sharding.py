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


def replicate(tree, device_mesh: Mesh | None = None):
    """``tree`` placed whole on every device of the mesh: what a jitted function of a sharded
    batch returns for unbatched values (PRNG keys, network parameters), so passing them in
    placed so keeps its next call from compiling again."""
    whole = NamedSharding(device_mesh or mesh(), PartitionSpec())
    return jax.tree.map(lambda x: jax.device_put(x, whole), tree)


def shard(tree, device_mesh: Mesh | None = None):
    """``tree`` (arrays with a leading batch axis) placed on the mesh, split along that axis.

    Raises:
      ValueError: if the batch size is not a multiple of the number of devices.
    """
    device_mesh = device_mesh or mesh()
    devices = device_mesh.devices.size
    sizes = {np.shape(x)[0] for x in jax.tree.leaves(tree) if np.ndim(x)}
    if len(sizes) != 1:
        raise ValueError(f"every leaf needs the same leading batch axis, got sizes {sorted(sizes)}")
    (size,) = sizes
    if size % devices:
        raise ValueError(f"a batch of {size} envs does not split evenly over {devices} devices")
    sharding = batch_sharding(device_mesh)
    # An empty leaf (a model without actuator state: act is (envs, 0)) has nothing to split; it
    # goes whole to every device, where a jitted step places its output too: split, it would make
    # the second call of a chunk differ in types from the first, and compile again.
    whole = NamedSharding(device_mesh, PartitionSpec())
    return jax.tree.map(
        lambda x: jax.device_put(x, sharding if np.size(x) else whole) if np.ndim(x) else x, tree
    )
