"""`Env`: a task plus its compiled physics, exposing pure ``reset`` / ``step`` functions.

See docs/api.md for the contract (key splitting, truncation vs termination, discount, NaN actions).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Mapping
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from mjxcontrol._mjx import mjx
from mjxcontrol.input_checks import check_action, check_unbatched
from mjxcontrol.params import validate as validate_params
from mjxcontrol.physics import Physics, model_with
from mjxcontrol.task import Task
from mjxcontrol.types import FLOAT, ArraySpec, BoundedArraySpec, State


class ResetBegin(NamedTuple):
    """:meth:`Env.reset_begin`'s result: the new episode's env ``key`` and its ``reset_key``
    (for the task's ``initialize``), the user's ``params`` and the ``episode_params`` drawn."""

    key: jax.Array
    reset_key: jax.Array
    params: dict
    episode_params: dict


class Env:
    """A batched-ready environment. ``reset`` and ``step`` are pure; wrap them in jit/vmap freely.

    Attributes:
      task: the frozen task config.
      physics: the compiled physics (``mjx.Model``, names, substeps).
      domain, name: dm_control's domain and task names.
    """

    def __init__(
        self, task: Task, physics: Physics, domain: str = "", name: str = "", profile: str = "exact"
    ):
        self.task = task
        self.physics = physics
        self.domain = domain
        self.name = name
        self.profile = profile  # the physics profile (mjxcontrol.profiles)
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
            f"Env({self.id}, impl={self.physics.impl}, physics={self.profile}, nu={self._nu}, "
            f"control_timestep={self.control_timestep:g}, step_limit={self._step_limit})"
        )

    # ---------------------------------------------------------------- params
    def default_params(self) -> dict[str, jax.Array]:
        """The randomisable parameters at their compiled values: none overridden (an empty dict)."""
        return {}

    def params(self, **fields) -> dict[str, jax.Array]:
        """Validated ``mjx.Model`` field overrides, e.g. ``env.params(body_mass=masses)``.

        Each value must have the same shape as the model field (add a leading axis and ``vmap`` to
        give each env its own values). Only the ``jax.Array`` fields of ``mjx.Model`` qualify;
        concrete values must be finite and, for physical quantities such as masses, sizes and
        damping, non-negative (see :mod:`mjxcontrol.params`).

        Raises:
          ValueError: naming the field and the problem (unknown, static in MJX, wrong shape,
            non-finite or unphysical value).
        """
        return validate_params(self.physics.model, fields, self.id)

    def model(
        self,
        params: Mapping[str, jax.Array] | None = None,
        episode_params: Mapping[str, jax.Array] | None = None,
    ) -> mjx.Model:
        """The ``mjx.Model`` with the user's ``params``, then the task's ``episode_params``."""
        return model_with(self.physics.model, {**(params or {}), **(episode_params or {})})

    def state_model(self, state: State) -> mjx.Model:
        """The ``mjx.Model`` that ``state``'s episode runs on."""
        return model_with(self.physics.model, episode_overrides(state))

    # ---------------------------------------------------------------- reset / step
    def reset(self, key: jax.Array, params: Mapping[str, jax.Array] | None = None) -> State:
        """Samples an initial state.

        Args:
          key: one PRNG key (shape ``()`` typed key or legacy ``uint32[2]``); for a batch of keys
            use ``jax.vmap(env.reset)``.
          params: optional parameter overrides from :meth:`params` (default: none). They stay in
            ``state.params`` for every later episode of this env under ``AutoReset``.

        Returns:
          A :class:`State` with ``reward=0``, ``discount=1``, ``step=0``. Its observation is
          finite: a non-finite one (only possible with unphysical traced ``params``) is zeroed
          and flagged in ``metrics["physics_error"]``; the first step then ends the episode.
        """
        start = self.reset_start(key, params)
        return self.reset_finish(start, self.reset_physics(start))

    def reset_start(self, key: jax.Array, params: Mapping[str, jax.Array] | None = None) -> State:
        """:meth:`reset` up to the physics: a State whose ``data`` still needs
        :meth:`reset_physics`.

        ``reset = reset_finish(start, reset_physics(start))`` and ``reset_start =
        reset_initialize(reset_begin(key, params), data at qpos0)``: the split lets tests compile
        the physics once for all tasks that share a model (mjxcontrol.testing.compiled), and
        :class:`mjxcontrol.AutoReset` run a reset's physics and a step's in one loop. A task that
        settles (``Task.settle_steps``) gets ``data`` with the position/velocity stage computed
        at ``qpos0``, as dm_control's reset has it.
        """
        check_unbatched(self.id, key=key)
        begun = self.reset_begin(key, params)
        data = self.physics.make_data()
        if self.task.settle_steps:
            model = self.model(begun.params, begun.episode_params)
            data = self.physics.position_velocity(model, data)
        return self.reset_initialize(begun, data)

    def reset_begin(
        self, key: jax.Array, params: Mapping[str, jax.Array] | None = None
    ) -> ResetBegin:
        """The first, physics-free part of :meth:`reset_start`: keys and the episode's
        parameters."""
        params = dict(params) if params is not None else self.default_params()
        key, params_key, reset_key = jax.random.split(key, 3)
        episode_params = self.task.episode_params(self.physics, params, params_key)
        return ResetBegin(key, reset_key, params, episode_params)

    def reset_initialize(self, begun: ResetBegin, data: mjx.Data) -> State:
        """The rest of :meth:`reset_start`: the task's ``initialize`` from ``data`` (at
        ``qpos0``)."""
        key, reset_key, params, episode_params = begun
        model = self.model(params, episode_params)
        data, task_state = self.task.initialize(self.physics, model, data, reset_key)
        episode_params = self._with_state_params(params, episode_params, task_state)
        zero = jnp.zeros((), FLOAT)
        return State(
            data=data.replace(ctrl=jnp.zeros_like(data.ctrl)),
            obs=OrderedDict(),
            reward=zero,
            discount=jnp.ones((), FLOAT),
            terminated=jnp.zeros((), bool),
            truncated=jnp.zeros((), bool),
            step=jnp.zeros((), jnp.int32),
            key=key,
            params=params,
            episode_params=episode_params,
            task_state=task_state,
            metrics={},
            final_obs=OrderedDict(),
        )

    def reset_physics(self, start: State) -> mjx.Data:
        """The physics of :meth:`reset`: the task's ``settle_steps`` zero-control physics steps,
        then the forward pass (:meth:`Physics.settle_forward`)."""
        model = self.state_model(start)
        return self.physics.settle_forward(model, start.data, self.task.settle_steps)

    def reset_finish(self, start: State, data: mjx.Data) -> State:
        """:meth:`reset` after the physics: observation and metrics of the forwarded ``data``,
        whose clock is set to 0 (after a settle, as dm_control does)."""
        data = data.replace(time=jnp.zeros_like(data.time))
        obs = self._observe(data, start.task_state)
        _, terms = self.task.reward(self.physics, data, start.task_state)
        finite = _all_finite(obs) & _all_finite((data.qpos, data.qvel, data.act))
        finite &= ~self.physics.contacts_dropped(data)
        obs = jax.tree.map(lambda x: jnp.where(finite, x, 0.0), obs)
        return start.replace(
            data=data,
            obs=obs,
            metrics=self._metrics(terms, jnp.ones((), bool), finite),
            final_obs=obs,
        )

    def step(self, state: State, action: jax.Array) -> State:
        """Advances one control step (``n_substeps`` physics steps) with ``action`` held.

        Out-of-range actions are clamped by the actuators (``data.ctrl`` keeps the raw action, as
        in dm_control, so control-cost rewards see it). A non-finite action zeroes the control
        (MuJoCo's own rule), ends the episode with ``truncated=True`` and sets
        ``metrics["invalid_action"]``. A step whose physics, observation or reward is not finite
        (a diverged simulation), or that MJX-Warp simulated without some contacts because its
        buffer was full (:meth:`Physics.contacts_dropped`), keeps the previous ``data``, ``obs``
        and ``task_state``, gives reward 0, ends the episode with ``terminated=True`` and
        discount 0 (never bootstrap from it) and sets ``metrics["physics_error"]``; see
        docs/api.md.

        ``step = finish_step(state, *advance(state, action))``: the physics, then the task.

        Raises:
          ValueError: at trace time, if ``state`` is batched (use ``jax.vmap``), or ``action``
            does not have shape ``(nu,)`` or is not float.
        """
        return self.finish_step(state, *self.advance(state, action))

    def advance(self, state: State, action: jax.Array) -> tuple[mjx.Data, jax.Array]:
        """The physics of :meth:`step`: ``(data after n_substeps, action_is_finite)``."""
        check_unbatched(self.id, state=state)
        action = check_action(self.id, self._nu, action)
        return self.physics.advance(episode_overrides(state), state.data, action)

    def finish_step(self, state: State, data: mjx.Data, action_ok: jax.Array) -> State:
        """The task's part of :meth:`step`, given the stepped ``data``: reward, observation,
        episode flags and the divergence rule."""
        stepped, physics_ok = self.finish_step_unkept(state, data, action_ok)
        # mjx.Data.where, not jnp.where on every leaf: MJX-Warp keeps some buffers shared by the
        # whole batch (contacts...), which must stay as stepped.
        return stepped.replace(data=stepped.data.where(~physics_ok, state.data))

    def finish_step_unkept(
        self, state: State, data: mjx.Data, action_ok: jax.Array
    ) -> tuple[State, jax.Array]:
        """:meth:`finish_step` less its last rule, keeping the previous ``data`` after a
        diverged step: ``(state with the stepped data, physics_ok)``. Batched
        :class:`mjxcontrol.AutoReset` uses it, since it replaces a diverged env's data anyway."""
        task_state = self.task.after_step(self.physics, data, state.task_state)
        reward, terms = self.task.reward(self.physics, data, task_state)
        reward = jnp.asarray(reward, FLOAT)
        obs = self._observe(data, task_state)
        step = state.step + 1
        time_up = jnp.zeros((), bool) if self._step_limit is None else step >= self._step_limit
        physics_ok = _all_finite((data.qpos, data.qvel, data.act, obs, reward))
        physics_ok &= ~self.physics.contacts_dropped(data)
        keep = lambda new, old: jax.tree.map(  # noqa: E731
            lambda n, o: jnp.where(physics_ok, n, o), new, old
        )
        # The time limit wins over the task's termination on the same step, as in dm_control; a
        # diverged step is a discount-0 end whatever else happened (dm_control's composer ends
        # an episode after a physics error with discount 0 too).
        terminated = (self.task.terminated(self.physics, data, task_state) & ~time_up) | ~physics_ok
        truncated = (time_up | ~action_ok) & physics_ok
        stepped = state.replace(
            data=data,
            obs=keep(obs, state.obs),
            reward=jnp.where(physics_ok, reward, 0.0),
            discount=jnp.where(terminated, 0.0, 1.0).astype(FLOAT),
            terminated=terminated,
            truncated=truncated,
            step=step,
            task_state=keep(task_state, state.task_state),
            metrics=self._metrics(
                {k: jnp.where(physics_ok, v, 0.0) for k, v in terms.items()}, action_ok, physics_ok
            ),
            final_obs=keep(obs, state.obs),
        )
        return stepped, physics_ok

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
        state = self.with_task_state(state, task_state)
        data = state.data.replace(qpos=jnp.asarray(qpos, FLOAT), qvel=jnp.asarray(qvel, FLOAT))
        if act is not None:
            data = data.replace(act=jnp.asarray(act, FLOAT))
        data = self.physics.forward(self.state_model(state), data)
        return self.with_data(state, data)

    def with_task_state(self, state: State, task_state=None) -> State:
        """``state`` with ``task_state`` (if given) and the model overrides that follow from it
        (``Task.state_params``) in ``state.episode_params``; ``data`` is not recomputed."""
        if task_state is None:
            return state
        episode_params = self._with_state_params(state.params, state.episode_params, task_state)
        return state.replace(task_state=task_state, episode_params=episode_params)

    def _with_state_params(self, params, episode_params, task_state) -> dict:
        merged = {**params, **episode_params}
        return {**episode_params, **self.task.state_params(self.physics, merged, task_state)}

    def with_data(self, state: State, data: mjx.Data, task_state=None) -> State:
        """``state`` with forwarded ``data`` (and ``task_state`` if given) and its observation."""
        task_state = state.task_state if task_state is None else task_state
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

    def _metrics(self, terms, action_ok, physics_ok) -> dict[str, jax.Array]:
        metrics = {f"reward/{k}": jnp.asarray(v, FLOAT) for k, v in terms.items()}
        metrics["invalid_action"] = ~action_ok
        metrics["physics_error"] = ~physics_ok
        return metrics


def episode_overrides(state: State) -> dict:
    """The ``mjx.Model`` fields ``state``'s episode runs with: the user's ``params``, then the
    episode's ``episode_params`` (batched alike if ``state`` is)."""
    return {**state.params, **state.episode_params}


def _all_finite(tree) -> jax.Array:
    """True when every float leaf of ``tree`` is finite (a scalar bool)."""
    leaves = [
        jnp.all(jnp.isfinite(x))
        for x in jax.tree.leaves(tree)
        if jnp.issubdtype(jnp.asarray(x).dtype, jnp.inexact)
    ]
    return jnp.all(jnp.stack(leaves)) if leaves else jnp.ones((), bool)


def _step_limit(time_limit: float, physics: Physics) -> int | None:
    """dm_control's rule: the episode ends once ``steps >= time_limit / (dt * n_substeps)``."""
    if math.isinf(time_limit):
        return None
    return math.ceil(time_limit / (physics.timestep * physics.n_substeps))
