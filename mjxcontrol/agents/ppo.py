"""Proximal policy optimisation: GAE, the clipped loss and one training iteration.

One iteration rolls out ``T = unroll_length`` auto-reset steps of ``N`` envs, computes GAE
advantages with the pre-update value function, then runs ``num_epochs`` passes of shuffled
minibatches. The observation normaliser is held fixed during the iteration (so behaviour and
learner log-probabilities agree) and updated with the rollout's observations at its end.
"""

from __future__ import annotations

import dataclasses
from typing import Any, cast

import jax
import jax.numpy as jnp
import optax
from flax import struct

from mjxcontrol.agents import networks
from mjxcontrol.agents.configs import PPOConfig
from mjxcontrol.agents.normalization import (
    RunningNorm,
    bootstrap_obs,
    flatten_obs,
    init_norm,
    normalize,
)
from mjxcontrol.agents.normalization import update_norm as update_running_norm
from mjxcontrol.agents.policy import PolicyParams, policy_network
from mjxcontrol.env import Env
from mjxcontrol.types import State
from mjxcontrol.wrappers import AutoReset

Params = Any


@struct.dataclass
class PPOParams:
    policy: Params
    value: Params


@struct.dataclass
class PPOTrainState:
    """The full state of a PPO run (what a checkpoint saves)."""

    params: PPOParams
    opt_state: optax.OptState
    norm: RunningNorm
    env_state: State  # batched, leading axis N
    key: jax.Array
    iteration: jax.Array  # int32, iterations done


@struct.dataclass
class Rollout:
    """Per-step data of one iteration, leaves ``[T, N, ...]`` (flattened to ``[T*N]`` for SGD).

    Attributes:
      obs: ``[D]`` raw flat observation before the step.
      raw_action: ``[A]`` pre-tanh action sample (the log-probability's argument).
      log_prob: behaviour policy's log-probability of the squashed action.
      reward: reward of the step.
      discount: the env's discount (0 on termination, 1 otherwise, truncation included), 0 where
        ``next_obs`` is not finite.
      done: the step ended the episode (terminated or truncated): GAE stops here.
      next_obs: ``[D]`` observation after the step (``final_obs`` where the episode ended).
    """

    obs: jax.Array
    raw_action: jax.Array
    log_prob: jax.Array
    reward: jax.Array
    discount: jax.Array
    done: jax.Array
    next_obs: jax.Array


@dataclasses.dataclass(frozen=True)
class PPONetworks:
    policy: networks.TanhGaussianPolicy
    value: networks.ValueNet
    tx: optax.GradientTransformation


def make_networks(config: PPOConfig, action_size: int) -> PPONetworks:
    """Policy and value networks and their (shared) clipped Adam optimiser."""
    return PPONetworks(
        policy=policy_network(config, action_size),
        value=networks.ValueNet(tuple(config.value_hidden)),
        tx=optax.chain(
            optax.clip_by_global_norm(config.max_grad_norm), optax.adam(config.learning_rate)
        ),
    )


def gae(
    rewards: jax.Array,
    values: jax.Array,
    next_values: jax.Array,
    discounts: jax.Array,
    dones: jax.Array,
    gamma: float,
    lam: float,
) -> tuple[jax.Array, jax.Array]:
    """Generalised advantage estimates and value targets over a ``[T, ...]`` rollout.

    ``delta_t = r_t + gamma * discount_t * V(next_obs_t) - V(obs_t)`` bootstraps from the
    episode's last observation at truncation (discount 1) and never at termination (discount 0);
    ``A_t = delta_t + gamma * lam * (1 - done_t) * A_{t+1}`` stops at every episode end, and
    the last step of the rollout uses ``A_T = 0``.

    Returns:
      ``(advantages, value_targets = advantages + values)``, both ``[T, ...]``.
    """
    deltas = rewards + gamma * discounts * next_values - values
    continues = 1.0 - dones.astype(values.dtype)

    def backward(next_advantage, step):
        delta, cont = step
        advantage = delta + gamma * lam * cont * next_advantage
        return advantage, advantage

    _, advantages = jax.lax.scan(
        backward, jnp.zeros_like(values[0]), (deltas, continues), reverse=True
    )
    return advantages, advantages + values


def clipped_policy_loss(log_prob, old_log_prob, advantages, clip_eps: float) -> jax.Array:
    """PPO's clipped surrogate ``-mean(min(rho * A, clip(rho, 1 - eps, 1 + eps) * A))``."""
    ratio = jnp.exp(log_prob - old_log_prob)
    clipped = jnp.clip(ratio, 1.0 - clip_eps, 1.0 + clip_eps)
    return -jnp.mean(jnp.minimum(ratio * advantages, clipped * advantages))


def loss(nets: PPONetworks, config: PPOConfig, params: PPOParams, norm, batch, key):
    """Total loss of one minibatch and its terms.

    ``batch`` is ``(rollout [M], advantages [M], targets [M])``; advantages are normalised per
    minibatch. The entropy bonus is the squashed distribution's (Gaussian entropy plus the
    expected log-Jacobian of tanh, estimated with one sample).
    """
    data, advantages, targets = batch
    obs = normalize(norm, data.obs)
    mean, log_std = networks.apply_policy(nets.policy, params.policy, obs)
    log_prob = networks.tanh_gaussian_log_prob(mean, log_std, data.raw_action)
    advantages = (advantages - jnp.mean(advantages)) / (jnp.std(advantages) + 1e-8)
    policy_loss = clipped_policy_loss(log_prob, data.log_prob, advantages, config.clip_eps)
    value_loss = jnp.mean((networks.apply_value(nets.value, params.value, obs) - targets) ** 2)
    raw_sample = mean + jnp.exp(log_std) * jax.random.normal(key, mean.shape)
    entropy = jnp.mean(networks.gaussian_entropy(log_std) + networks.tanh_log_det(raw_sample))
    total = policy_loss + config.value_coef * value_loss - config.entropy_cost * entropy
    terms = {
        "policy_loss": policy_loss,
        "value_loss": value_loss,
        "entropy": entropy,
        "approx_kl": jnp.mean(data.log_prob - log_prob),
    }
    return total, terms


def sgd_step(
    nets: PPONetworks, config: PPOConfig, params: PPOParams, opt_state, norm, batch, key
) -> tuple[PPOParams, optax.OptState, dict[str, jax.Array]]:
    """One optimiser step on one minibatch: ``(params, opt_state, loss terms)``."""
    grads, terms = jax.grad(lambda p: loss(nets, config, p, norm, batch, key), has_aux=True)(params)
    tree: Any = params  # optax's annotations do not know flax dataclasses are pytrees
    updates, opt_state = nets.tx.update(grads, opt_state, tree)
    return cast(PPOParams, optax.apply_updates(tree, updates)), opt_state, terms


def init_state(env: Env, config: PPOConfig, key: jax.Array) -> PPOTrainState:
    """A fresh run: reset envs, initialise networks and optimiser (jit this)."""
    nets = make_networks(config, env.action_size)
    env_key, policy_key, value_key, key = jax.random.split(key, 4)
    env_state = AutoReset(env).reset_batch(jax.random.split(env_key, config.num_envs))
    obs = flatten_obs(env_state.obs, 1)[:1]
    params = PPOParams(nets.policy.init(policy_key, obs), nets.value.init(value_key, obs))
    return PPOTrainState(
        params=params,
        opt_state=nets.tx.init(params),  # pyright: ignore[reportArgumentType]
        norm=init_norm(obs.shape[-1]),
        env_state=env_state,
        key=key,
        iteration=jnp.zeros((), jnp.int32),
    )


def make_iteration(env: Env, config: PPOConfig, fuse_reset: bool | None = None):
    """``iteration(state) -> (state, metrics)``: roll out, estimate advantages, run the epochs.
    ``fuse_reset``: :class:`mjxcontrol.AutoReset`'s option."""
    nets = make_networks(config, env.action_size)
    auto = AutoReset(env, fuse_reset)
    spec = env.action_spec()
    batch_size = config.num_envs * config.unroll_length
    minibatch = batch_size // config.num_minibatches

    def env_step(carry, key):
        env_state, policy_params, norm = carry
        obs = flatten_obs(env_state.obs, 1)
        mean, log_std = networks.apply_policy(nets.policy, policy_params, normalize(norm, obs))
        raw, action, log_prob = networks.sample_tanh_gaussian(mean, log_std, key)
        next_state = auto.step(env_state, networks.scale_action(action, spec.minimum, spec.maximum))
        next_obs, discount = bootstrap_obs(next_state.final_obs, next_state.discount)
        data = Rollout(
            obs=obs,
            raw_action=raw,
            log_prob=log_prob,
            reward=next_state.reward,
            discount=discount,
            done=next_state.done | (discount != next_state.discount),
            next_obs=next_obs,
        )
        return (next_state, policy_params, norm), data

    def epoch(carry, key, batch, norm):
        perm_key, step_key = jax.random.split(key)
        perm = jax.random.permutation(perm_key, batch_size)
        shuffled = jax.tree.map(
            lambda x: x[perm].reshape(config.num_minibatches, minibatch, *x.shape[1:]), batch
        )
        keys = jax.random.split(step_key, config.num_minibatches)

        def step(carry, batch_and_key):
            (params, opt_state), (batch, step_key) = carry, batch_and_key
            params, opt_state, terms = sgd_step(
                nets, config, params, opt_state, norm, batch, step_key
            )
            return (params, opt_state), terms

        return jax.lax.scan(step, carry, (shuffled, keys))

    def iteration(state: PPOTrainState):
        key, rollout_key, sgd_key = jax.random.split(state.key, 3)
        norm, params = state.norm, state.params
        (env_state, _, _), data = jax.lax.scan(
            env_step,
            (state.env_state, params.policy, norm),
            jax.random.split(rollout_key, config.unroll_length),
        )
        values = networks.apply_value(nets.value, params.value, normalize(norm, data.obs))
        next_values = networks.apply_value(nets.value, params.value, normalize(norm, data.next_obs))
        advantages, targets = gae(
            config.reward_scale * data.reward,
            values,
            next_values,
            data.discount,
            data.done,
            config.gamma,
            config.gae_lambda,
        )
        flat = jax.tree.map(
            lambda x: x.reshape(batch_size, *x.shape[2:]), (data, advantages, targets)
        )
        (params, opt_state), terms = jax.lax.scan(
            lambda c, k: epoch(c, k, flat, norm),
            (params, state.opt_state),
            jax.random.split(sgd_key, config.num_epochs),
        )
        if config.normalize_observations:
            norm = update_running_norm(norm, flat[0].obs)
        metrics = jax.tree.map(jnp.mean, terms)
        metrics["reward"] = jnp.mean(data.reward)
        new = PPOTrainState(params, opt_state, norm, env_state, key, state.iteration + 1)
        return new, metrics

    return iteration


def steps_per_iteration(config: PPOConfig) -> int:
    """Env steps per training iteration."""
    return config.num_envs * config.unroll_length


def policy_params(state: PPOTrainState) -> PolicyParams:
    """What the deterministic policy needs: policy parameters and the observation normaliser."""
    return PolicyParams(policy=state.params.policy, norm=state.norm)
