"""A ``dm_env.Environment`` for one mjxcontrol env: dm_control's own interface, run on MJX.

Time steps follow dm_control: ``reset()`` returns ``FIRST`` with ``reward=None`` and
``discount=None``; ``step`` returns ``MID``, or ``LAST`` when the episode ends, with the State's
discount (1.0 at the time limit, 0.0 after a terminal failure or a diverged simulation). ``step``
after ``LAST`` (or before the first ``reset``) starts a new episode and ignores the action, as
dm_env specifies. Observations are ``OrderedDict``s of float32 numpy arrays in dm_control's key
order (dm_control's own are float64); rewards and discounts are Python floats (dm_env's default
float64 reward and discount specs). ``self.state`` is the current mjxcontrol State.
"""

from __future__ import annotations

from collections import OrderedDict

import jax
import numpy as np

from mjxcontrol.adapters import as_env, check_action, host_obs, jitted_reset_step, require
from mjxcontrol.env import Env
from mjxcontrol.types import State

require("dm_env")
import dm_env  # noqa: E402
from dm_env import specs  # noqa: E402


class DmEnv(dm_env.Environment):
    """One mjxcontrol env as a ``dm_env.Environment``.

    Args:
      env: an ``mjxcontrol.Env`` or a ``"domain/task"`` id (``overrides`` go to ``load``).
      seed: seeds the sequence of episodes (each reset splits a key from it).
    """

    def __init__(self, env: Env | str, *, seed: int = 0, **overrides):
        self.env = as_env(env, **overrides)
        self._key = jax.random.key(seed)
        self._reset_fn, self._step_fn = jitted_reset_step(self.env)
        self.state: State | None = None
        self._needs_reset = True

    def reset(self) -> dm_env.TimeStep:
        """Starts a new episode: ``TimeStep(FIRST, reward=None, discount=None, observation)``."""
        self._key, key = jax.random.split(self._key)
        state = self.state = self._reset_fn(key)
        self._needs_reset = False
        return dm_env.restart(_observation(state))

    def step(self, action) -> dm_env.TimeStep:
        """One control step; ``action`` is a float array of shape ``(nu,)``."""
        if self._needs_reset:
            return self.reset()
        action = check_action(action, (self.env.action_size,))
        state = self.state = self._step_fn(self.state, action)
        reward, discount, done = jax.device_get((state.reward, state.discount, state.done))
        observation = _observation(state)
        if not done:
            return dm_env.transition(float(reward), observation, float(discount))
        self._needs_reset = True
        return dm_env.TimeStep(dm_env.StepType.LAST, float(reward), float(discount), observation)

    def observation_spec(self) -> OrderedDict:
        """``OrderedDict`` name -> ``specs.Array`` (float32), in dm_control's order."""
        return OrderedDict(
            (k, specs.Array(s.shape, np.float32, name=k))
            for k, s in self.env.observation_spec().items()
        )

    def action_spec(self) -> specs.BoundedArray:
        """float32 ``(nu,)`` bounded by the actuators' ctrlrange (±inf where unlimited)."""
        spec = self.env.action_spec()
        return specs.BoundedArray(spec.shape, np.float32, spec.minimum, spec.maximum, name="action")

    def close(self) -> None:
        self.state = None
        self._needs_reset = True


def _observation(state: State) -> OrderedDict:
    return OrderedDict(host_obs(state.obs, flat=False))
