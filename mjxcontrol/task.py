"""The base class every task definition derives from.

A task is a frozen (hashable) dataclass of static config: anything that changes shapes or control
flow (number of poles, sparse vs dense reward, time limit). Its methods are pure functions of
``(physics, data, task_state)`` that the :class:`~mjxcontrol.env.Env` composes into ``reset`` and
``step``. Names are resolved through ``physics.names`` at trace time, which yields static indices.
"""

from __future__ import annotations

import dataclasses
import math
from collections import OrderedDict
from typing import Any, ClassVar

import jax
import jax.numpy as jnp
import mujoco

from mjxcontrol import warp_impl
from mjxcontrol._mjx import mjx
from mjxcontrol.physics import Physics


@dataclasses.dataclass(frozen=True)
class Task:
    """Static description of one task. Subclasses override the methods below.

    Attributes:
      time_limit: episode length in seconds (dm_control's ``time_limit``); ``inf`` for none.
      control_timestep: seconds per agent step; ``None`` means one physics step.
    """

    #: Inclusive bounds of the reward (dm_control's suite rewards lie in [0, 1]).
    reward_range: ClassVar[tuple[float, float]] = (0.0, 1.0)
    #: The MJX implementation ``load`` uses when none is asked for: ``"warp"`` for models that
    #: MJX's JAX implementation cannot simulate (height fields against ellipsoids...).
    default_impl: ClassVar[str] = "jax"
    #: MJX-Warp's buffers per env: contact slots and constraint rows (``impl="jax"`` has none).
    #: A step that fills one is a physics error, so models with many contacts ask for more.
    warp_buffers: ClassVar[tuple[int, int]] = (warp_impl.CONTACTS_PER_ENV, warp_impl.NJMAX)

    #: Zero-control physics steps that the reset runs after ``initialize`` (cheetah settles for
    #: 200), before the forward pass; the episode still starts at time 0. ``initialize`` then
    #: gets ``data`` with the position/velocity stage computed at ``qpos0`` (dm_control's reset
    #: has it; its first settle step reuses it) and must leave it as it is
    #: (``Physics.settle_forward``).
    settle_steps: ClassVar[int] = 0

    time_limit: float = float("inf")
    control_timestep: float | None = None

    def model(self) -> mujoco.MjModel | mujoco.MjSpec:
        """The MuJoCo model (or spec) of this task. Called once, at build time."""
        raise NotImplementedError

    def __post_init__(self):
        _check_seconds("time_limit", self.time_limit, allow_inf=True)
        if self.control_timestep is not None:
            _check_seconds("control_timestep", self.control_timestep, allow_inf=False)

    def episode_params(self, physics: Physics, params: dict, key: jax.Array) -> dict:
        """Per-episode model overrides (dm_control writes these into the model at reset).

        Args:
          physics: the compiled physics.
          params: the user's overrides for this env (``state.params``), to build on: e.g. a
            user's randomised actuator gear keeps its magnitude under point_mass/hard's drawn
            direction.
          key: PRNG key reserved for this draw.

        Returns:
          ``mjx.Model`` array-field overrides applied over ``params`` for this episode (stored in
          ``state.episode_params``), e.g. point_mass/hard's random actuation directions as
          ``actuator_gear``. Default: none (``{}``).
        """
        del physics, params, key
        return {}

    def state_params(self, physics: Physics, params: dict, task_state: Any) -> dict:
        """Per-episode model overrides that follow from ``task_state``.

        For draws that dm_control writes into the model *inside* its rejection loop, so that they
        cannot come from :meth:`episode_params` (drawn before :meth:`initialize`): manipulator's
        target and receptacle poses. :meth:`initialize` draws them with the rest and returns them
        in ``task_state``; the env merges these overrides into ``state.episode_params`` after
        every reset and whenever ``task_state`` is replaced (``Env.set_physics_state``).

        Args:
          physics: the compiled physics.
          params: the overrides so far (the user's, then :meth:`episode_params`'), to build on.
          task_state: this episode's task state.

        Returns:
          ``mjx.Model`` array-field overrides. Default: none (``{}``).
        """
        del physics, params, task_state
        return {}

    def initialize(
        self, physics: Physics, model: mjx.Model, data: mjx.Data, key: jax.Array
    ) -> tuple[mjx.Data, Any]:
        """Samples an initial state (dm_control's ``initialize_episode``).

        Args:
          physics: the compiled physics (names, substeps).
          model: the ``mjx.Model`` with this env's parameters applied.
          data: data at ``qpos0`` with zero velocity and control.
          key: PRNG key reserved for this reset.

        Returns:
          ``(data, task_state)``; ``data`` needs only qpos/qvel (and act) set: the env runs
          ``settle_steps`` physics steps and ``mjx.forward`` afterwards, as dm_control's
          ``after_reset`` does.
        """
        del physics, model, key
        return data, ()

    def observe(self, physics: Physics, data: mjx.Data, task_state: Any) -> OrderedDict:
        """Observation in dm_control's key order: name -> array (shapes per the task docstring)."""
        raise NotImplementedError

    def reward(
        self, physics: Physics, data: mjx.Data, task_state: Any
    ) -> tuple[jax.Array, dict[str, jax.Array]]:
        """``(reward, terms)``: the scalar reward and the named terms it is made of."""
        raise NotImplementedError

    def terminated(self, physics: Physics, data: mjx.Data, task_state: Any) -> jax.Array:
        """True in a terminal (discount-0) state. Most suite tasks never terminate."""
        del physics, data, task_state
        return jnp.zeros((), bool)

    def after_step(self, physics: Physics, data: mjx.Data, task_state: Any) -> Any:
        """Updates ``task_state`` after each control step (default: unchanged)."""
        del physics, data
        return task_state


def _check_seconds(name: str, value, *, allow_inf: bool) -> None:
    """Raises ValueError unless ``value`` is a positive real number of seconds."""
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if ok and value > 0 and not math.isnan(value) and (allow_inf or math.isfinite(value)):
        return
    kind = "a positive number of seconds" + (" (or inf for no limit)" if allow_inf else "")
    raise ValueError(f"{name} must be {kind}, got {value!r} ({type(value).__name__})")
