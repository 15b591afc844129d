"""Soft actor-critic: the learner update and one training iteration (act, store, learn).

Everything here is pure and jittable; :mod:`mjxcontrol.train` scans :func:`make_iteration` over
many iterations per jitted chunk. Shapes: ``N`` envs, ``B`` batch, ``D`` obs size, ``A`` actions.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, cast

import jax
import jax.numpy as jnp
import optax
from flax import struct

from mjxcontrol.agents import networks, replay
from mjxcontrol.agents.configs import SACConfig
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
class SACLearner:
    """Network parameters, target critics, temperature and optimiser states."""

    actor: Params
    critic: Params
    target_critic: Params
    log_alpha: jax.Array  # float32 scalar, log of the entropy temperature
    actor_opt: optax.OptState
    critic_opt: optax.OptState
    alpha_opt: optax.OptState


@struct.dataclass
class SACTrainState:
    """The full state of a SAC run (what a checkpoint saves)."""

    learner: SACLearner
    norm: RunningNorm
    buffer: replay.ReplayBuffer
    env_state: State  # batched, leading axis N
    key: jax.Array
    iteration: jax.Array  # int32, iterations done


@dataclasses.dataclass(frozen=True)
class SACNetworks:
    """The modules and optimisers (static; parameters live in :class:`SACLearner`)."""

    actor: networks.TanhGaussianPolicy
    critic: networks.TwinQ
    actor_tx: optax.GradientTransformation
    critic_tx: optax.GradientTransformation
    alpha_tx: optax.GradientTransformation


def make_networks(config: SACConfig, action_size: int) -> SACNetworks:
    """Policy, twin critics and Adam optimisers sized by ``config``."""
    return SACNetworks(
        actor=policy_network(config, action_size),
        critic=networks.TwinQ(config.critic_hidden, layer_norm=config.critic_layer_norm),
        actor_tx=optax.adam(config.actor_lr),
        critic_tx=optax.adam(config.critic_lr),
        alpha_tx=optax.adam(config.alpha_lr),
    )


def init_learner(nets: SACNetworks, config: SACConfig, key, obs_size: int, action_size: int):
    """Fresh parameters (target critics = critics) and optimiser states."""
    actor_key, critic_key = jax.random.split(key)
    obs, action = jnp.zeros((1, obs_size)), jnp.zeros((1, action_size))
    actor = nets.actor.init(actor_key, obs)
    critic = nets.critic.init(critic_key, obs, action)
    log_alpha = jnp.asarray(jnp.log(config.init_alpha), jnp.float32)
    return SACLearner(
        actor=actor,
        critic=critic,
        target_critic=critic,
        log_alpha=log_alpha,
        actor_opt=nets.actor_tx.init(actor),
        critic_opt=nets.critic_tx.init(critic),
        alpha_opt=nets.alpha_tx.init(log_alpha),
    )


def critic_target(reward, discount, next_q, next_log_prob, alpha, gamma: float) -> jax.Array:
    """Soft Bellman target ``r + gamma * discount * (min_i Q_i(s', a') - alpha * log pi(a'|s'))``.

    Args:
      reward: ``[B]`` rewards (already scaled).
      discount: ``[B]`` the env's discount (0 on termination, also 1 at truncation).
      next_q: ``[n, B]`` target critics' values at ``(s', a' ~ pi(s'))``.
      next_log_prob: ``[B]`` ``log pi(a'|s')``.
      alpha: scalar temperature.
      gamma: the agent's discount factor.
    """
    soft_value = jnp.min(next_q, axis=0) - alpha * next_log_prob
    return reward + gamma * discount * soft_value


def update(
    nets: SACNetworks, config: SACConfig, learner: SACLearner, batch: replay.Transition, key
) -> tuple[SACLearner, dict[str, jax.Array]]:
    """One gradient step of critics, actor and temperature, then the Polyak target update.

    ``batch`` holds *normalised* observations. The critics learn first; the actor then follows
    the updated critics, and the temperature the actor's new entropy (pytorch_sac's order).
    """
    critic_key, actor_key = jax.random.split(key)
    alpha = jnp.exp(learner.log_alpha)
    next_mean, next_log_std = networks.apply_policy(nets.actor, learner.actor, batch.next_obs)
    _, next_action, next_log_prob = networks.sample_tanh_gaussian(
        next_mean, next_log_std, critic_key
    )
    next_q = networks.apply_q(nets.critic, learner.target_critic, batch.next_obs, next_action)
    target = critic_target(
        config.reward_scale * batch.reward,
        batch.discount,
        next_q,
        next_log_prob,
        alpha,
        config.gamma,
    )
    target = jax.lax.stop_gradient(target)

    def critic_loss(params):
        q = networks.apply_q(nets.critic, params, batch.obs, batch.action)
        return jnp.sum(jnp.mean((q - target) ** 2, axis=-1)), q

    (c_loss, q), grads = jax.value_and_grad(critic_loss, has_aux=True)(learner.critic)
    c_updates, critic_opt = nets.critic_tx.update(grads, learner.critic_opt, learner.critic)
    critic = optax.apply_updates(learner.critic, c_updates)

    def actor_loss(params):
        mean, log_std = networks.apply_policy(nets.actor, params, batch.obs)
        _, action, log_prob = networks.sample_tanh_gaussian(mean, log_std, actor_key)
        q_pi = jnp.min(networks.apply_q(nets.critic, critic, batch.obs, action), axis=0)
        return jnp.mean(alpha * log_prob - q_pi), log_prob

    (a_loss, log_prob), grads = jax.value_and_grad(actor_loss, has_aux=True)(learner.actor)
    a_updates, actor_opt = nets.actor_tx.update(grads, learner.actor_opt, learner.actor)
    actor = optax.apply_updates(learner.actor, a_updates)

    target_entropy = config.target_entropy_per_dim * next_action.shape[-1]
    entropy_gap = jax.lax.stop_gradient(-log_prob - target_entropy)
    alpha_grad = jax.grad(lambda la: jnp.mean(jnp.exp(la) * entropy_gap))(learner.log_alpha)
    al_updates, alpha_opt = nets.alpha_tx.update(alpha_grad, learner.alpha_opt)
    log_alpha = cast(jax.Array, optax.apply_updates(learner.log_alpha, al_updates))

    target_critic = optax.incremental_update(critic, learner.target_critic, config.tau)
    metrics = {
        "critic_loss": c_loss,
        "actor_loss": a_loss,
        "alpha": alpha,
        "entropy": -jnp.mean(log_prob),
        "q": jnp.mean(q),
    }
    new = SACLearner(actor, critic, target_critic, log_alpha, actor_opt, critic_opt, alpha_opt)
    return new, metrics


def transitions(state: State, action: jax.Array, next_state: State) -> replay.Transition:
    """The batch of ``N`` transitions of one auto-reset step (raw, flat observations).

    ``next_obs`` and ``discount`` follow :func:`~mjxcontrol.agents.normalization.bootstrap_obs`:
    bootstrap from ``final_obs`` at truncation, never at termination or from a non-finite one.
    """
    next_obs, discount = bootstrap_obs(next_state.final_obs, next_state.discount)
    return replay.Transition(
        obs=flatten_obs(state.obs, 1),
        action=action,
        reward=next_state.reward,
        discount=discount,
        next_obs=next_obs,
    )


def init_state(env: Env, config: SACConfig, key: jax.Array) -> SACTrainState:
    """A fresh run: reset envs, initialise networks, an empty buffer (jit this)."""
    nets = make_networks(config, env.action_size)
    env_key, learner_key, key = jax.random.split(key, 3)
    env_state = AutoReset(env).reset_batch(jax.random.split(env_key, config.num_envs))
    obs_size = flatten_obs(env_state.obs, 1).shape[-1]
    example = replay.Transition(
        obs=jnp.zeros((obs_size,)),
        action=jnp.zeros((env.action_size,)),
        reward=jnp.zeros(()),
        discount=jnp.zeros(()),
        next_obs=jnp.zeros((obs_size,)),
    )
    return SACTrainState(
        learner=init_learner(nets, config, learner_key, obs_size, env.action_size),
        norm=init_norm(obs_size),
        buffer=replay.init_buffer(example, config.replay_size),
        env_state=env_state,
        key=key,
        iteration=jnp.zeros((), jnp.int32),
    )


def make_iteration(env: Env, config: SACConfig, fuse_reset: bool | None = None):
    """``iteration(state) -> (state, metrics)``: step all envs once, store, learn.
    ``fuse_reset``: :class:`mjxcontrol.AutoReset`'s option."""
    nets = make_networks(config, env.action_size)
    auto = AutoReset(env, fuse_reset)
    spec = env.action_spec()
    warmup_iterations = -(-config.warmup_steps // config.num_envs)

    def learn(learner, key, buffer, norm):
        sample_key, update_key = jax.random.split(key)
        batch = replay.sample_batch(buffer, sample_key, config.batch_size)
        batch = batch.replace(
            obs=normalize(norm, batch.obs), next_obs=normalize(norm, batch.next_obs)
        )
        return update(nets, config, learner, batch, update_key)

    def iteration(state: SACTrainState):
        key, act_key, learn_key = jax.random.split(state.key, 3)
        obs = flatten_obs(state.env_state.obs, 1)
        warm = state.iteration >= warmup_iterations
        mean, log_std = networks.apply_policy(
            nets.actor, state.learner.actor, normalize(state.norm, obs)
        )
        _, policy_action, _ = networks.sample_tanh_gaussian(mean, log_std, act_key)
        random_action = jax.random.uniform(act_key, policy_action.shape, minval=-1.0, maxval=1.0)
        action = jnp.where(warm, policy_action, random_action)
        env_action = networks.scale_action(action, spec.minimum, spec.maximum)
        next_env = auto.step(state.env_state, env_action)
        buffer = replay.add_batch(state.buffer, transitions(state.env_state, action, next_env))
        norm = update_running_norm(state.norm, obs) if config.normalize_observations else state.norm

        def run_updates(learner):
            keys = jax.random.split(learn_key, config.updates_per_iteration)
            body = functools.partial(learn, buffer=buffer, norm=norm)
            learner, metrics = jax.lax.scan(body, learner, keys)
            return learner, jax.tree.map(jnp.mean, metrics)

        def skip_updates(learner):
            return learner, jax.tree.map(jnp.zeros_like, jax.eval_shape(run_updates, learner)[1])

        learner, metrics = jax.lax.cond(warm, run_updates, skip_updates, state.learner)
        metrics["reward"] = jnp.mean(next_env.reward)
        new = SACTrainState(learner, norm, buffer, next_env, key, state.iteration + 1)
        return new, metrics

    return iteration


def steps_per_iteration(config: SACConfig) -> int:
    """Env steps per training iteration."""
    return config.num_envs


def policy_params(state: SACTrainState) -> PolicyParams:
    """What the deterministic policy needs: actor parameters and the observation normaliser."""
    return PolicyParams(policy=state.learner.actor, norm=state.norm)
