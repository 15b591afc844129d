"""`Env`: a task plus its compiled physics, exposing pure ``reset`` / ``step`` functions.

See docs/api.md for the contract (key splitting, truncation vs termination, discount, NaN actions).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Mapping

import jax
import jax.numpy as jnp
import numpy as np
from mujoco import mjx

from mjxcontrol.physics import Physics, model_with
from mjxcontrol.task import Task
from mjxcontrol.types import ArraySpec, BoundedArraySpec, State

FLOAT = jnp.float32


class Env:
    """A batched-ready environment. ``reset`` and ``step`` are pure; wrap them in jit/vmap freely.

    Attributes:
      task: the frozen task config.
      physics: the compiled physics (``mjx.Model``, names, substeps).
      domain, name: dm_control's domain and task names.
    """

    def __init__(self, task: Task, physics: Physics, domain: str = "", name: str = ""):
        self.task = task
        self.physics = physics
        self.domain = domain
        self.name = name
        self._nu = int(physics.mj_model.nu)
        self._step_limit = _step_limit(task.time_limit, physics)

    # ---------------------------------------------------------------- properties
    @property
    def id(self) -> str:
        """``"domain/task"``."""
        return f"{self.domain}/{self.name}"

    @property
    def n_substeps(self) -> int:
        """Physics steps per control step."""
        return self.physics.n_substeps

    @property
    def control_timestep(self) -> float:
        """Seconds per control step."""
        return self.physics.control_timestep

    @property
    def step_limit(self) -> int | None:
        """Control steps per episode, or None for no time limit."""
        return self._step_limit

    @property
    def action_size(self) -> int:
        """Length of the action vector (number of actuators)."""
        return self._nu

    def __repr__(self) -> str:
        return (
            f"Env({self.id}, impl={self.physics.impl}, nu={self._nu}, "
            f"control_timestep={self.control_timestep:g}, step_limit={self._step_limit})"
        )

    # ---------------------------------------------------------------- params
    def default_params(self) -> dict[str, jax.Array]:
        """The randomisable parameters at their compiled values: none overridden (an empty dict)."""
        return {}

    def params(self, **fields) -> dict[str, jax.Array]:
        """Validated ``mjx.Model`` field overrides, e.g. ``env.params(body_mass=masses)``.

        Each value must have the same shape as the model field (add a leading axis and ``vmap`` to
        give each env its own values). Only array fields of ``mjx.Model`` can be overridden.
        """
        out = {}
        model = self.physics.model
        for name, value in fields.items():
            current = getattr(model, name, None)
            if not isinstance(current, jax.Array | np.ndarray) or name.startswith("_"):
                arrays = sorted(
                    k for k, v in vars(model).items()
                    if isinstance(v, jax.Array | np.ndarray) and not k.startswith("_")
                )
                raise ValueError(
                    f"{self.id}: {name!r} is not a randomisable mjx.Model array field; "
                    f"choose from {arrays}"
                )
            value = jnp.asarray(value, dtype=current.dtype)
            if value.shape != current.shape:
                raise ValueError(
                    f"{self.id}: param {name!r} must have shape {current.shape}, got {value.shape}"
                )
            out[name] = value
        return out

    def model(self, params: Mapping[str, jax.Array] | None = None) -> mjx.Model:
        """The ``mjx.Model`` with ``params`` applied."""
        return model_with(self.physics.model, params)

    # ---------------------------------------------------------------- reset / step
    def reset(self, key: jax.Array, params: Mapping[str, jax.Array] | None = None) -> State:
        """Samples an initial state.

        Args:
          key: a PRNG key (shape ``()`` typed key or legacy ``uint32[2]``).
          params: optional parameter overrides from :meth:`params` (default: none).

        Returns:
          A :class:`State` with ``reward=0``, ``discount=1``, ``step=0``.
        """
        params = dict(params) if params is not None else self.default_params()
        key, params_key, reset_key = jax.random.split(key, 3)
        params = self.task.reset_params(self.physics, params, params_key)
        model = self.model(params)
        data = self.physics.make_data()
        data, task_state = self.task.initialize(self.physics, model, data, reset_key)
        data = self.physics.forward(model, data.replace(ctrl=jnp.zeros_like(data.ctrl)))
        obs = self._observe(data, task_state)
        _, terms = self.task.reward(self.physics, data, task_state)
        zero = jnp.zeros((), FLOAT)
        return State(
            data=data,
            obs=obs,
            reward=zero,
            discount=jnp.ones((), FLOAT),
            terminated=jnp.zeros((), bool),
            truncated=jnp.zeros((), bool),
            step=jnp.zeros((), jnp.int32),
            key=key,
            params=params,
            task_state=task_state,
            metrics=self._metrics(terms, jnp.ones((), bool)),
            final_obs=obs,
        )

    def step(self, state: State, action: jax.Array) -> State:
        """Advances one control step (``n_substeps`` physics steps) with ``action`` held.

        Out-of-range actions are clamped by the actuators (``data.ctrl`` keeps the raw action, as
        in dm_control, so control-cost rewards see it). A non-finite action zeroes the control
        (MuJoCo's own rule), ends the episode with ``truncated=True`` and sets
        ``metrics["invalid_action"]``.

        Raises:
          ValueError: at trace time, if ``action`` does not have shape ``(nu,)`` or is not float.
        """
        action = self._check_action(action)
        action_ok = jnp.all(jnp.isfinite(action))
        model = self.model(state.params)
        data = state.data.replace(ctrl=jnp.where(action_ok, action, 0.0))
        data = self.physics.control_step(model, data)
        task_state = self.task.after_step(self.physics, data, state.task_state)
        reward, terms = self.task.reward(self.physics, data, task_state)
        obs = self._observe(data, task_state)
        step = state.step + 1
        time_up = (
            jnp.zeros((), bool) if self._step_limit is None else step >= self._step_limit
        )
        physics_ok = jnp.all(jnp.isfinite(data.qpos)) & jnp.all(jnp.isfinite(data.qvel))
        # The time limit wins over termination on the same step, as in dm_control.
        terminated = self.task.terminated(self.physics, data, task_state) & ~time_up
        truncated = time_up | ~action_ok | ~physics_ok
        return state.replace(
            data=data,
            obs=obs,
            reward=jnp.asarray(reward, FLOAT),
            discount=jnp.where(terminated, 0.0, 1.0).astype(FLOAT),
            terminated=terminated,
            truncated=truncated,
            step=step,
            task_state=task_state,
            metrics=self._metrics(terms, action_ok, physics_ok),
            final_obs=obs,
        )

    def set_physics_state(
        self,
        state: State,
        qpos: jax.Array,
        qvel: jax.Array,
        act: jax.Array | None = None,
        task_state=None,
    ) -> State:
        """``state`` moved to the given physics state (dm_control's ``physics.set_state``).

        Runs ``mjx.forward`` so positions and everything derived from them are current, then
        recomputes the observation. ``task_state`` (e.g. a target) replaces the old one if given.
        """
        data = state.data.replace(qpos=jnp.asarray(qpos, FLOAT), qvel=jnp.asarray(qvel, FLOAT))
        if act is not None:
            data = data.replace(act=jnp.asarray(act, FLOAT))
        task_state = state.task_state if task_state is None else task_state
        data = self.physics.forward(self.model(state.params), data)
        obs = self._observe(data, task_state)
        return state.replace(data=data, obs=obs, final_obs=obs, task_state=task_state)

    # ---------------------------------------------------------------- specs
    def observation_spec(self) -> OrderedDict:
        """``OrderedDict`` name -> :class:`ArraySpec`, computed with ``jax.eval_shape``."""
        state = jax.eval_shape(self.reset, jax.random.key(0))
        return OrderedDict(
            (k, ArraySpec(tuple(v.shape), np.dtype(v.dtype), k)) for k, v in state.obs.items()
        )

    def action_spec(self) -> BoundedArraySpec:
        """Float32 box of shape ``(nu,)`` with the actuators' ctrlrange (±inf where unlimited)."""
        m = self.physics.mj_model
        limited = np.asarray(m.actuator_ctrllimited, bool)
        lo = np.where(limited, m.actuator_ctrlrange[:, 0], -np.inf).astype(np.float32)
        hi = np.where(limited, m.actuator_ctrlrange[:, 1], np.inf).astype(np.float32)
        return BoundedArraySpec((self._nu,), np.dtype(np.float32), "action", lo, hi)

    # ---------------------------------------------------------------- helpers
    def _observe(self, data: mjx.Data, task_state) -> OrderedDict:
        obs = self.task.observe(self.physics, data, task_state)
        return OrderedDict((k, jnp.asarray(v, FLOAT)) for k, v in obs.items())

    def _metrics(self, terms, action_ok, physics_ok=None) -> dict[str, jax.Array]:
        metrics = {f"reward/{k}": jnp.asarray(v, FLOAT) for k, v in terms.items()}
        metrics["invalid_action"] = ~action_ok
        metrics["physics_error"] = (
            jnp.zeros((), bool) if physics_ok is None else ~physics_ok
        )
        return metrics

    def _check_action(self, action) -> jax.Array:
        action = jnp.asarray(action)
        if action.shape != (self._nu,):
            raise ValueError(
                f"{self.id}: action must have shape ({self._nu},), got {action.shape}. "
                "Batch with jax.vmap(env.step) rather than passing a batched action."
            )
        if not jnp.issubdtype(action.dtype, jnp.floating):
            raise ValueError(f"{self.id}: action must be a float array, got dtype {action.dtype}")
        return action.astype(FLOAT)


def _step_limit(time_limit: float, physics: Physics) -> int | None:
    """dm_control's rule: the episode ends once ``steps >= time_limit / (dt * n_substeps)``."""
    if math.isinf(time_limit):
        return None
    return math.ceil(time_limit / (physics.timestep * physics.n_substeps))
