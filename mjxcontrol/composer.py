"""The bridge from an assembled :mod:`mjcf_builder` entity to a runnable, batched task.

``ComposedTask(build=..., reward=...)`` is an ordinary :class:`~mjxcontrol.task.Task`:

* ``build()`` returns the assembled :class:`mjcf_builder.Arena` (or any ``Entity``); it is called
  once, on the host, when the task is compiled;
* its :class:`~mjcf_builder.entity.Observable` declarations become the observation (in
  declaration order), computed inside the jitted step; noise is drawn from a PRNG key carried in
  ``task_state`` and delays are ring buffers in ``task_state``;
* its initializers run, in declaration order, inside the jitted ``reset``;
* ``reward(physics, data) -> (reward, terms)`` and ``terminated(physics, data) -> bool`` are
  written in JAX by the user, looking elements up by name through ``physics.names``.

Observation timing: an observable with delay ``d`` shows at step ``t`` the (noisy) value measured
after step ``t - d``; at reset the buffer is filled with the first measurement.
"""

from __future__ import annotations

import dataclasses
import functools
from collections import OrderedDict
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
from flax import struct

from mjcf_builder.entity import Entity, FreeBodyInitializer, JointInitializer, Observable
from mjxcontrol._mjx import mjx
from mjxcontrol.physics import Physics
from mjxcontrol.task import Task

RewardFn = Callable[[Physics, mjx.Data], tuple[jax.Array, dict[str, jax.Array]]]
TerminatedFn = Callable[[Physics, mjx.Data], jax.Array]


@struct.dataclass
class ComposerState:
    """``task_state`` of a composed task.

    Attributes:
      key: PRNG key for observation noise (split every step).
      buffers: observable name -> ``[delay + 1, *shape]`` measurements, oldest first.
    """

    key: jax.Array
    buffers: dict[str, jax.Array]


@dataclasses.dataclass(frozen=True)
class ComposedTask(Task):
    """A task whose model, observables and initializers come from an :class:`Entity`.

    Attributes:
      build: zero-argument function returning the assembled entity (called once per instance).
      reward_fn: ``(physics, data) -> (reward, terms)``.
      terminated_fn: ``(physics, data) -> bool``; ``None`` for never.
      reward_range: inclusive bounds the contract tests check rewards against.
    """

    build: Callable[[], Entity] | None = None
    reward_fn: RewardFn | None = None
    terminated_fn: TerminatedFn | None = None
    bounds: tuple[float, float] = (0.0, 1.0)

    def __post_init__(self):
        super().__post_init__()
        if self.build is None or self.reward_fn is None:
            raise ValueError("ComposedTask needs build= (-> Entity) and reward_fn=")

    @functools.cached_property
    def entity(self) -> Entity:
        build = self.build
        assert build is not None  # checked in __post_init__
        entity = build()
        if not isinstance(entity, Entity):
            raise TypeError(f"build() must return an mjcf_builder Entity, got {type(entity)}")
        if not entity.observables:
            raise ValueError(f"entity {entity.name!r} declares no observables")
        return entity

    @property
    def reward_range(self) -> tuple[float, float]:  # type: ignore[override]
        return self.bounds

    def model(self):
        return self.entity.model.spec

    def initialize(self, physics, model, data, key):
        init_key, noise_key = jax.random.split(key)
        keys = jax.random.split(init_key, max(len(self.entity.initializers), 1))
        qpos = data.qpos
        for initializer, k in zip(self.entity.initializers, keys, strict=False):
            qpos = _initialize(physics, initializer, qpos, k)
        data = physics.forward(model, data.replace(qpos=qpos))
        noise_key, key = jax.random.split(noise_key)
        measured = self._measure(physics, data, key)
        buffers = {
            o.name: jnp.repeat(measured[o.name][None], o.delay + 1, axis=0)
            for o in self.entity.observables
        }
        return data, ComposerState(noise_key, buffers)

    def after_step(self, physics, data, task_state: ComposerState):
        noise_key, key = jax.random.split(task_state.key)
        measured = self._measure(physics, data, key)
        buffers = {
            name: jnp.concatenate([buffer[1:], measured[name][None]], axis=0)
            for name, buffer in task_state.buffers.items()
        }
        return ComposerState(noise_key, buffers)

    def observe(self, physics, data, task_state: ComposerState):
        return OrderedDict((o.name, task_state.buffers[o.name][0]) for o in self.entity.observables)

    def reward(self, physics, data, task_state):
        reward_fn = self.reward_fn
        assert reward_fn is not None  # checked in __post_init__
        return reward_fn(physics, data)

    def terminated(self, physics, data, task_state):
        if self.terminated_fn is None:
            return jnp.zeros((), bool)
        return jnp.asarray(self.terminated_fn(physics, data), bool)

    def _measure(self, physics: Physics, data: mjx.Data, key: jax.Array) -> dict[str, jax.Array]:
        observables = self.entity.observables
        keys = jax.random.split(key, len(observables))
        out = {}
        for observable, k in zip(observables, keys, strict=True):
            value = jnp.asarray(_read(physics, data, observable), jnp.float32)
            if observable.noise_std:
                value = value + observable.noise_std * jax.random.normal(k, value.shape)
            out[observable.name] = value
        return out


def _read(physics: Physics, data: mjx.Data, observable: Observable) -> jax.Array:
    """The current value of one observable (no noise, no delay)."""
    if observable.sensor is not None:
        return data.sensordata[physics.names.sensor(observable.sensor)]
    if observable.fn is not None:
        return observable.fn(physics, data, observable.scope)
    field, kind, element = str(observable.field), str(observable.kind), str(observable.element)
    if field in ("qpos", "qvel"):
        return getattr(data, field)[getattr(physics.names, field)(element)]
    return getattr(data, field)[physics.names.id(kind, element)]


def _initialize(physics: Physics, initializer, qpos: jax.Array, key: jax.Array) -> jax.Array:
    m = physics.mj_model
    if isinstance(initializer, JointInitializer):
        joints = initializer.joints
        ids = physics.names.ids("joint", joints)
        if initializer.low is None:
            if not np.all(m.jnt_limited[ids]):
                raise ValueError(f"JointInitializer without bounds needs limited joints: {joints}")
            low, high = m.jnt_range[ids, 0], m.jnt_range[ids, 1]
        else:
            low = np.broadcast_to(np.asarray(initializer.low, np.float32), (len(joints),))
            high = np.broadcast_to(np.asarray(initializer.high, np.float32), (len(joints),))
        value = jax.random.uniform(key, (len(joints),), minval=low, maxval=high)
        return qpos.at[physics.names.qpos(*joints)].set(value)
    if isinstance(initializer, FreeBodyInitializer):
        k_pos, k_yaw = jax.random.split(key)
        adr = physics.names.qpos(initializer.joint)
        pos = jax.random.uniform(
            k_pos, (3,), minval=jnp.asarray(initializer.low), maxval=jnp.asarray(initializer.high)
        )
        quat = qpos[adr[3:]]
        if initializer.random_yaw:
            yaw = jax.random.uniform(k_yaw, minval=-jnp.pi, maxval=jnp.pi)
            quat = jnp.array([jnp.cos(yaw / 2), 0.0, 0.0, jnp.sin(yaw / 2)])
        return qpos.at[adr].set(jnp.concatenate([pos, quat]))
    raise TypeError(f"unknown initializer {initializer!r}")


def make_env(task: ComposedTask, *, impl: str = "jax", domain: str = "composed"):
    """Compiles ``task`` into an :class:`~mjxcontrol.env.Env` outside the registry."""
    from mjxcontrol.registry import env_from_task  # the registry imports env, env imports task

    return env_from_task(task, impl=impl, domain=domain, name=task.entity.name)


__all__ = ["ComposedTask", "ComposerState", "make_env"]
