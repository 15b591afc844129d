"""Gymnasium adapters: :class:`GymnasiumVectorEnv` (a batch, numpy in/out), :class:`GymnasiumEnv`.

``GymnasiumVectorEnv`` is a ``gymnasium.vector.VectorEnv`` whose batch of envs is stepped by one
jitted, vmapped function per call. Autoreset follows gymnasium 1.x's modes
(https://farama.org/Vector-Autoreset-Mode), chosen with ``autoreset_mode`` and recorded in
``metadata["autoreset_mode"]``:

* ``NEXT_STEP`` (default, gymnasium's own default, required by gymnasium's vector observation
  wrappers): the step that ends an episode returns its last observation; the *next* step ignores
  that env's action and returns the new episode's first observation with reward 0 and
  ``terminated = truncated = False``.
* ``SAME_STEP`` (mjxcontrol's ``AutoReset``): the ending step already returns the new episode's
  first observation; the last one is in ``info["final_obs"]`` (an object array, ``None`` where no
  episode ended, mask ``info["_final_obs"]``) and that step's info in ``info["final_info"]``.

Both modes give the same sequence of episodes for the same seed. ``terminated`` and ``truncated``
are the State's (time limit -> ``truncated``; a diverged simulation -> ``terminated``). ``info``
holds ``discount`` and ``state.metrics`` (``reward/<term>``, ``invalid_action``, ``physics_error``),
each with gymnasium's ``_key`` mask. Observations are the flattened float32 vector (dm_control's
key order) or, with ``flatten_obs=False``, a ``Dict`` space in dm_control's key order.

``GymnasiumEnv`` is one ``gymnasium.Env`` (no autoreset, as gymnasium's single envs), e.g. for
Stable-Baselines3, which vectorises single envs itself; it passes ``gymnasium.utils.env_checker``.
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from mjxcontrol.adapters import (
    action_bounds,
    as_env,
    check_action,
    flatten,
    host_obs,
    jitted_reset_step,
    require,
)
from mjxcontrol.env import Env
from mjxcontrol.physics import check_num_envs
from mjxcontrol.types import State
from mjxcontrol.wrappers import AutoReset, split_reset_key, step_to_reset

require("gymnasium")
import gymnasium as gym  # noqa: E402
from gymnasium.vector import AutoresetMode  # noqa: E402
from gymnasium.vector.utils import batch_space  # noqa: E402

_SEED_RANGE = 2**31 - 1  # keys are drawn from the gymnasium np_random stream


# ---------------------------------------------------------------------------- jitted functions
def _outputs(state: State, flat: bool) -> dict[str, Any]:
    """What one batched reset/step hands back to the host, in one transfer."""
    to_obs = jax.vmap(flatten) if flat else dict
    return {
        "obs": to_obs(state.obs),
        "final_obs": to_obs(state.final_obs),
        "reward": state.reward,
        "terminated": state.terminated,
        "truncated": state.truncated,
        "discount": state.discount,
        "metrics": dict(state.metrics),
    }


def _next_step(env: Env, state: State, actions: jax.Array, reset_mask: jax.Array) -> State:
    """Steps the batch; envs in ``reset_mask`` are reset instead (their action is ignored).

    The reset uses the env's key exactly as ``AutoReset`` does, so NEXT_STEP and SAME_STEP runs
    see the same episodes.
    """
    # A diverged env ends its episode: the next call resets it (reset_mask) before stepping it.
    stepped = step_to_reset(env, state, actions)

    def reset(stepped: State) -> State:
        keys, reset_keys = jax.vmap(split_reset_key)(state.key)
        fresh = jax.vmap(env.reset)(reset_keys, state.params).replace(key=keys)

        def pick(new, old):
            mask = reset_mask.reshape(reset_mask.shape + (1,) * (old.ndim - 1))
            return jnp.where(mask, new, old)

        return jax.tree.map(pick, fresh, stepped)

    return jax.lax.cond(jnp.any(reset_mask), reset, lambda s: s, stepped)


@functools.lru_cache(maxsize=32)
def _batched_functions(env: Env, flat: bool):
    """(reset, same_step, next_step), jitted once per (env, flat) and shared by instances."""
    auto = AutoReset(env)

    def reset(keys):
        state = jax.vmap(env.reset)(keys)
        return state, _outputs(state, flat)

    def same_step(state, actions):
        state = auto.step(state, actions)
        return state, _outputs(state, flat)

    def next_step(state, actions, reset_mask):
        state = _next_step(env, state, actions, reset_mask)
        return state, _outputs(state, flat)

    return jax.jit(reset), jax.jit(same_step), jax.jit(next_step)


# ---------------------------------------------------------------------------- spaces and info
def observation_space(env: Env, flat: bool = True):
    """One env's observation space: float32 Box ``(D,)``, or a Dict of Boxes (dm_control order)."""
    specs = env.observation_spec()
    if flat:
        size = sum(int(np.prod(s.shape)) for s in specs.values())
        return gym.spaces.Box(-np.inf, np.inf, (size,), np.float32)
    boxes: OrderedDict[str, gym.Space] = OrderedDict(
        (k, gym.spaces.Box(-np.inf, np.inf, s.shape, np.float32)) for k, s in specs.items()
    )
    return gym.spaces.Dict(boxes)


def action_space(env: Env):
    """One env's action space: a float32 Box ``(nu,)`` with the actuators' ctrlrange."""
    low, high = action_bounds(env)
    return gym.spaces.Box(low, high, low.shape, np.float32)


def _vector_info(out: dict[str, Any], mask: np.ndarray) -> dict[str, Any]:
    """Gymnasium's vector info layout: each key an array over envs plus a ``_key`` bool mask."""
    info: dict[str, Any] = {}
    for key, value in [("discount", out["discount"]), *out["metrics"].items()]:
        info[key], info[f"_{key}"] = np.asarray(value), mask.copy()
    return info


def _row(obs, i: int):
    return (
        {k: np.array(v[i]) for k, v in obs.items()} if isinstance(obs, dict) else np.array(obs[i])
    )


def _np_obs(obs):
    """Writable numpy copies (arrays fetched from JAX are read-only views)."""
    return {k: np.array(v) for k, v in obs.items()} if isinstance(obs, dict) else np.array(obs)


class GymnasiumVectorEnv(gym.vector.VectorEnv):
    """``num_envs`` copies of one task as a gymnasium vector env (see the module docstring).

    Args:
      env: an ``mjxcontrol.Env`` or a ``"domain/task"`` id (``overrides`` are passed to ``load``).
      num_envs: batch size.
      autoreset_mode: ``AutoresetMode.NEXT_STEP`` (default) or ``AutoresetMode.SAME_STEP`` (or
        their string values).
      flatten_obs: a float32 vector observation (default) or a Dict of arrays.
      render_mode: None or ``"rgb_array"`` (``render()`` returns one frame per env).
    """

    def __init__(
        self,
        env: Env | str,
        num_envs: int,
        *,
        autoreset_mode: AutoresetMode | str = AutoresetMode.NEXT_STEP,
        flatten_obs: bool = True,
        render_mode: str | None = None,
        **overrides,
    ):
        check_num_envs(num_envs)
        # a task id is loaded for this batch (MJX-Warp sizes its shared contact buffer by it)
        batch = {"num_envs": num_envs} if isinstance(env, str) else {}
        self.env = as_env(env, **batch, **overrides)
        mode = AutoresetMode(autoreset_mode)
        if mode not in (AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP):
            raise ValueError(f"autoreset_mode must be NEXT_STEP or SAME_STEP, got {mode}")
        if render_mode not in (None, "rgb_array"):
            raise ValueError(f"render_mode must be None or 'rgb_array', got {render_mode!r}")
        self.num_envs, self.autoreset_mode, self.render_mode = num_envs, mode, render_mode
        self._flat = flatten_obs
        self.metadata = _metadata(self.env, mode)
        self.single_observation_space = observation_space(self.env, flatten_obs)
        self.single_action_space = action_space(self.env)
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self.action_space = batch_space(self.single_action_space, num_envs)
        self._reset_fn, self._same_fn, self._next_fn = _batched_functions(self.env, flatten_obs)
        self.state: State | None = None  # the batched mjxcontrol State
        self._autoreset = np.zeros(num_envs, bool)
        self._renderer = None

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        """Resets every env; ``seed`` seeds the whole batch (env i gets the i-th split key)."""
        super().reset(seed=seed)
        _check_options(options)
        key = jax.random.key(int(self.np_random.integers(_SEED_RANGE)))
        self.state, out = self._reset_fn(jax.random.split(key, self.num_envs))
        out = jax.device_get(out)
        self._autoreset = np.zeros(self.num_envs, bool)
        return _np_obs(out["obs"]), _vector_info(out, np.ones(self.num_envs, bool))

    def step(self, actions):
        """Steps every env with ``actions`` ``[num_envs, nu]``; returns gymnasium's 5-tuple."""
        if self.state is None:
            raise ValueError("call reset() before step()")
        actions = check_action(actions, (self.num_envs, self.env.action_size))
        if self.autoreset_mode == AutoresetMode.NEXT_STEP:
            self.state, out = self._next_fn(self.state, actions, self._autoreset)
        else:
            self.state, out = self._same_fn(self.state, actions)
        out = jax.device_get(out)
        terminated, truncated = np.asarray(out["terminated"]), np.asarray(out["truncated"])
        done = terminated | truncated
        info = _vector_info(out, np.ones(self.num_envs, bool))
        if self.autoreset_mode == AutoresetMode.NEXT_STEP:
            self._autoreset = done
        elif done.any():
            final_obs = np.full(self.num_envs, None, dtype=object)
            for i in np.flatnonzero(done):
                final_obs[i] = _row(out["final_obs"], int(i))
            info.update(final_obs=final_obs, _final_obs=done.copy())
            info.update(final_info=_vector_info(out, done), _final_info=done.copy())
        reward = np.asarray(out["reward"], np.float32)
        return _np_obs(out["obs"]), reward, terminated, truncated, info

    def render(self):
        """One ``[H, W, 3]`` uint8 frame per env (``render_mode="rgb_array"``), else None."""
        if self.render_mode is None or self.state is None:
            return None
        return tuple(_render(self, self.state, i) for i in range(self.num_envs))

    def close_extras(self, **kwargs):
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None


class GymnasiumEnv(gym.Env):
    """One mjxcontrol env as a ``gymnasium.Env`` (numpy in/out, no autoreset).

    Args: as :class:`GymnasiumVectorEnv`, without ``num_envs`` and ``autoreset_mode``.
    """

    def __init__(
        self,
        env: Env | str,
        *,
        flatten_obs: bool = True,
        render_mode: str | None = None,
        **overrides,
    ):
        self.env = as_env(env, **overrides)
        if render_mode not in (None, "rgb_array"):
            raise ValueError(f"render_mode must be None or 'rgb_array', got {render_mode!r}")
        self.render_mode = render_mode
        self.metadata = _metadata(self.env, None)
        self.observation_space = observation_space(self.env, flatten_obs)
        self.action_space = action_space(self.env)
        self._flat = flatten_obs
        self._reset_fn, self._step_fn = jitted_reset_step(self.env)
        self.state: State | None = None
        self._renderer = None

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        _check_options(options)
        state = self._reset_fn(jax.random.key(int(self.np_random.integers(_SEED_RANGE))))
        self.state = state
        return host_obs(state.obs, self._flat), _single_info(state)

    def step(self, action):
        if self.state is None:
            raise ValueError("call reset() before step()")
        action = check_action(action, (self.env.action_size,))
        state = self.state = self._step_fn(self.state, action)
        reward, terminated, truncated = jax.device_get(
            (state.reward, state.terminated, state.truncated)
        )
        obs = host_obs(state.obs, self._flat)
        return obs, float(reward), bool(terminated), bool(truncated), _single_info(state)

    def render(self):
        """The current frame, ``[H, W, 3]`` uint8 (``render_mode="rgb_array"``), else None."""
        if self.render_mode is None or self.state is None:
            return None
        return _render(self, self.state, 0)

    def close(self):
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None
        super().close()


def _single_info(state: State) -> dict[str, Any]:
    """``discount`` and the metrics of one env as Python scalars."""
    host = jax.device_get({"discount": state.discount, **state.metrics})
    return {k: np.asarray(v).item() for k, v in host.items()}


def _metadata(env: Env, mode: AutoresetMode | None) -> dict[str, Any]:
    from mjxcontrol.render import video_fps

    metadata: dict[str, Any] = {"render_modes": ["rgb_array"], "render_fps": video_fps(env)}
    if mode is not None:
        metadata["autoreset_mode"] = mode
    return metadata


def _check_options(options) -> None:
    if options:
        raise ValueError(f"reset options are not supported, got {sorted(options)}")


def _render(adapter, state: State, i: int) -> np.ndarray:
    """Env ``i`` of ``state`` (one env, or a batch) with the adapter's lazily opened renderer."""
    from mjxcontrol import render

    if adapter._renderer is None:
        adapter._renderer = render.FrameRenderer(adapter.env)
    return adapter._renderer.render(render.frame_track(state), i)
