"""Trained policies: the deterministic (mean) action, saving, and ``load_policy``.

A policy file holds the policy network's parameters and the observation normaliser, with
metadata ``{kind, task, algo, config, obs_size, obs_keys, action_minimum, action_maximum}``, so
it can be loaded without building the env::

    task_id, policy_fn = load_policy("runs/cartpole-swingup-sac-0/policy.msgpack")
    action = policy_fn(obs, key)  # obs: OrderedDict of one env's observation; key is unused
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from flax import struct
from jax.typing import ArrayLike

from mjxcontrol.agents import networks
from mjxcontrol.agents.normalization import RunningNorm, flatten_obs, init_norm, normalize
from mjxcontrol.checkpoint import CheckpointError, load_pytree, read_metadata, save_pytree

POLICY_KIND = "policy"
PolicyFn = Callable[[Mapping[str, ArrayLike], jax.Array], jax.Array]  # (obs, key) -> action


@struct.dataclass
class PolicyParams:
    """Everything a deployed policy needs besides its architecture."""

    policy: Any  # flax parameters of the TanhGaussianPolicy
    norm: RunningNorm


def policy_network(config, action_size: int) -> networks.TanhGaussianPolicy:
    """The policy module of a SAC or PPO ``config`` (both use ``policy_hidden``)."""
    return networks.TanhGaussianPolicy(tuple(config.policy_hidden), action_size)


def deterministic_action(
    network: networks.TanhGaussianPolicy,
    params: PolicyParams,
    obs: jax.Array,
    minimum: np.ndarray,
    maximum: np.ndarray,
) -> jax.Array:
    """The mean action ``tanh(mean)`` scaled to the bounds; ``obs`` is flat ``[..., D]``."""
    mean, _ = networks.apply_policy(network, params.policy, normalize(params.norm, obs))
    return networks.scale_action(jnp.tanh(mean), minimum, maximum)


def make_policy_fn(
    network: networks.TanhGaussianPolicy,
    params: PolicyParams,
    minimum: np.ndarray,
    maximum: np.ndarray,
    obs_keys: Sequence[str],
) -> PolicyFn:
    """``policy_fn(obs_dict_of_one_env, key) -> action [A]``, deterministic (``key`` unused).

    Observations are flattened in ``obs_keys`` order (the env's), whatever the dict's own order,
    so dm_control's observations (converted to float32) work as well as ours. The function is
    jitted and can be used inside other jitted code or vmapped over a batch of envs.
    """
    keys = tuple(obs_keys)

    @jax.jit
    def act(flat_obs: jax.Array) -> jax.Array:
        return deterministic_action(network, params, flat_obs, minimum, maximum)

    def policy_fn(obs: Mapping[str, ArrayLike], key: jax.Array | None = None) -> jax.Array:
        del key
        return act(flatten_obs(obs, keys=keys))

    return policy_fn


def save_policy(
    path: str | os.PathLike,
    params: PolicyParams,
    *,
    task_id: str,
    algo: str,
    config: Mapping[str, Any],
    action_minimum: np.ndarray,
    action_maximum: np.ndarray,
    obs_keys: Sequence[str],
) -> None:
    """Writes a policy file readable by :func:`load_policy`."""
    metadata = {
        "kind": POLICY_KIND,
        "task": task_id,
        "algo": algo,
        "config": dict(config),
        "obs_size": int(params.norm.mean.shape[-1]),
        "action_minimum": np.asarray(action_minimum, np.float32).tolist(),
        "action_maximum": np.asarray(action_maximum, np.float32).tolist(),
        "obs_keys": list(obs_keys),
    }
    save_pytree(path, params, metadata)


def read_policy(path: str | os.PathLike):
    """``(metadata, network, params)`` of a policy file written by :func:`save_policy`.

    Raises:
      CheckpointError: if the file is not a policy file or does not match its own metadata.
    """
    meta = read_metadata(path)
    if meta.get("kind") != POLICY_KIND:
        raise CheckpointError(
            f"{path} holds a {meta.get('kind')!r}, not a policy (use policy.msgpack, not the "
            "training checkpoint)"
        )
    action_size = len(meta["action_minimum"])
    network = networks.TanhGaussianPolicy(tuple(meta["config"]["policy_hidden"]), action_size)
    obs_size = int(meta["obs_size"])
    like = PolicyParams(
        policy=jax.eval_shape(network.init, jax.random.key(0), jnp.zeros((1, obs_size))),
        norm=init_norm(obs_size),
    )
    return meta, network, load_pytree(path, like, {"kind": POLICY_KIND})


def load_policy(path: str | os.PathLike) -> tuple[str, PolicyFn]:
    """``(task_id, policy_fn)`` from a file written by :func:`save_policy` (or by training).

    ``policy_fn(obs_ordered_dict_of_one_env, key) -> action`` returns the deterministic (mean)
    action within the env's bounds.

    Raises:
      CheckpointError: if the file is not a policy file or does not match its own metadata.
    """
    meta, network, params = read_policy(path)
    minimum = np.asarray(meta["action_minimum"], np.float32)
    maximum = np.asarray(meta["action_maximum"], np.float32)
    policy_fn = make_policy_fn(network, params, minimum, maximum, meta["obs_keys"])
    return str(meta["task"]), policy_fn
