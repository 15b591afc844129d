"""MuJoCo Playground's port of a suite task as a throughput anchor (``mjxcontrol bench``).

Playground (``pip install "mjxcontrol[anchors]"``, PyPI name ``playground``) ports 25 of the 51
suite tasks with its own solver settings (1-4 Newton iterations, Euler, contacts off on
cartpole), timesteps and rewards. The anchor runs it the way Playground's own trainers do:
``wrap_for_brax_training`` (a vmapped env with an episode limit and auto-reset to a cached
first state), ``chunk`` control steps per jitted call under ``lax.scan``, uniform random actions
in ``[-1, 1]`` -- the same work per call as mjxcontrol's runner, chunk for chunk.
"""

from __future__ import annotations

import importlib.util
from typing import Any

import jax

from mjxcontrol.benchmarks.throughput import Runner, concurrent_runner

# Playground's names follow "DomainTask" in CamelCase, except these.
_NAMES = {"ball_in_cup/catch": "BallInCup", "point_mass/easy": "PointMass"}

INSTALL_HINT = 'MuJoCo Playground is not installed: pip install "mjxcontrol[anchors]"'


class Unavailable(Exception):
    """The anchor cannot run this case; the message says why (recorded, not fatal)."""


def installed() -> bool:
    """Whether MuJoCo Playground can be imported."""
    return importlib.util.find_spec("mujoco_playground") is not None


def playground_name(task_id: str) -> str:
    """Playground's environment name for ``"domain/task"``, e.g. ``"CartpoleSwingup"``."""
    if task_id in _NAMES:
        return _NAMES[task_id]
    return "".join(word.capitalize() for word in task_id.replace("/", "_").split("_"))


def load(task_id: str, impl: str) -> Any:
    """Playground's env for ``task_id`` on MJX ``impl``; raises :class:`Unavailable`."""
    if not installed():
        raise Unavailable(INSTALL_HINT)
    from mujoco_playground import registry

    name = playground_name(task_id)
    if name not in registry.dm_control_suite.ALL_ENVS:
        raise Unavailable(f"Playground does not port {task_id}")
    try:
        return registry.load(name, config_overrides={"impl": impl})
    except NotImplementedError as e:  # e.g. a collision pair MJX's JAX impl lacks
        raise Unavailable(f"Playground's {name} does not run on impl={impl!r}: {e}") from None


def runner(
    env: Any, num_envs: int, chunk: int, seed: int = 0, options=None, reset_options=None
) -> Runner:
    """``chunk`` auto-resetting control steps of ``num_envs`` copies of Playground's ``env``,
    compiled with XLA ``options``, its first reset with ``reset_options``
    (:func:`mjxcontrol.benchmarks.throughput.concurrent_runner`)."""
    programs = program(env, num_envs, chunk, seed)
    return concurrent_runner(*programs, options=options, reset_options=reset_options)


def program(env: Any, num_envs: int, chunk: int, seed: int = 0) -> tuple:
    """Playground's program for the bench, as its trainers run ``env``: ``(reset, keys, run,
    key)`` as :func:`mjxcontrol.benchmarks.throughput.env_program` gives ours."""
    from mujoco_playground import wrapper

    episode_length = int(env._config.get("episode_length", 1000))
    batched = wrapper.wrap_for_brax_training(env, episode_length=episode_length)
    # brax's wrappers read the batch shape off raw uint32 keys (shape (num_envs, 2)).
    keys = jax.random.split(jax.random.PRNGKey(seed), num_envs)
    shape = (num_envs, env.action_size)

    def run(carry):
        def control_step(state, key):
            action = jax.random.uniform(key, shape, minval=-1.0, maxval=1.0)
            return batched.step(state, action), None

        state, key = carry
        key, sub = jax.random.split(key)
        state, _ = jax.lax.scan(control_step, state, jax.random.split(sub, chunk))
        return state, key

    return batched.reset, keys, run, jax.random.PRNGKey(seed + 1)


def n_substeps(env: Any) -> int:
    """Physics steps per control step in Playground's env."""
    return round(env.dt / env.sim_dt)
