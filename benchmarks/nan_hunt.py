"""Counts NaN leaks and physics errors over many random steps per task (not part of CI).

Runs ``--steps`` auto-resetting control steps in total per task (``--num-envs`` envs in parallel,
uniform random actions over the action spec, optionally scaled beyond it), and counts, inside the
jitted loop: steps whose reward, obs or final_obs hold a NaN or inf (the goal is 0), steps that
ended with ``metrics["physics_error"]``, invalid actions and finished episodes. Prints one JSON
line per task.

    python -m mjxcontrol.benchmarks.nan_hunt --steps 1000000 --num-envs 1024
    python -m mjxcontrol.benchmarks.nan_hunt cartpole/swingup walker/walk --steps 100000
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import jax
import jax.numpy as jnp

import mjxcontrol
from mjxcontrol.cli import positive_int
from mjxcontrol.rollouts import uniform_policy
from mjxcontrol.wrappers import AutoReset

COUNTS = ("nan_leaks", "physics_errors", "invalid_actions", "episodes")


def _finite(tree) -> jax.Array:
    """``[B]`` bool: every float leaf of each env's part of ``tree`` is finite."""
    leaves = [jnp.isfinite(x).reshape(x.shape[0], -1).all(1) for x in jax.tree.leaves(tree)]
    return jnp.stack(leaves).all(0)


def hunt_chunk(env, chunk: int, action_scale: float):
    """A jitted function running ``chunk`` steps of a batch and adding to the counts."""
    auto, policy = AutoReset(env), uniform_policy(env)

    def body(carry, key):
        state, counts = carry
        keys = jax.random.split(key, state.step.shape[0])
        action = action_scale * jax.vmap(policy)(state.obs, keys)
        state = auto.step(state, action)
        leak = ~(_finite(state.obs) & _finite(state.final_obs) & jnp.isfinite(state.reward))
        new = {
            "nan_leaks": leak.sum(),
            "physics_errors": state.metrics["physics_error"].sum(),
            "invalid_actions": state.metrics["invalid_action"].sum(),
            "episodes": state.done.sum(),
        }
        return (state, {k: counts[k] + new[k] for k in COUNTS}), None

    @jax.jit
    def run(state, counts, key):
        (state, counts), _ = jax.lax.scan(body, (state, counts), jax.random.split(key, chunk))
        return state, counts

    return run


def hunt(task_id: str, steps: int, num_envs: int, chunk: int, action_scale: float) -> dict:
    """Runs about ``steps`` env steps of ``task_id``; returns the counts and timings."""
    env = mjxcontrol.load(task_id)
    run = hunt_chunk(env, chunk, action_scale)
    key = jax.random.key(0)
    state = jax.jit(jax.vmap(env.reset))(jax.random.split(key, num_envs))
    counts = {k: jnp.zeros((), jnp.int32) for k in COUNTS}
    calls = max(1, -(-steps // (num_envs * chunk)))
    t0 = time.perf_counter()
    for i in range(calls):
        state, counts = run(state, counts, jax.random.fold_in(key, i))
    counts = {k: int(v) for k, v in jax.block_until_ready(counts).items()}
    return {
        "task": task_id,
        "env_steps": calls * num_envs * chunk,
        "num_envs": num_envs,
        "action_scale": action_scale,
        **counts,
        "wall_s": round(time.perf_counter() - t0, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("tasks", nargs="*", help="DOMAIN/TASK ids (default: every task)")
    parser.add_argument("--steps", type=positive_int, default=1_000_000)
    parser.add_argument("--num-envs", type=positive_int, default=1024)
    parser.add_argument("--chunk", type=positive_int, default=100)
    parser.add_argument("--action-scale", type=float, default=1.0)
    args = parser.parse_args(argv)
    tasks = args.tasks or [info.id for info in mjxcontrol.list_tasks()]
    leaks = 0
    for task_id in tasks:
        result = hunt(task_id, args.steps, args.num_envs, args.chunk, args.action_scale)
        leaks += result["nan_leaks"]
        print(json.dumps(result), flush=True)
        jax.clear_caches()  # one task's executables at a time (memory maps, see tests/conftest.py)
    return 1 if leaks else 0


if __name__ == "__main__":
    sys.exit(main())
