"""Counts NaN leaks and physics errors over many random steps per task (not part of CI).

Runs ``--steps`` auto-resetting control steps in total per task (``--num-envs`` envs in parallel,
uniform random actions over the action spec, optionally scaled beyond it), and counts, inside the
jitted loop: steps whose reward, obs or final_obs hold a NaN or inf (the goal is 0), steps that
ended with ``metrics["physics_error"]``, invalid actions and finished episodes. Prints one JSON
line per task.

    python -m mjxcontrol.benchmarks.nan_hunt --steps 1000000 --num-envs 1024
    python -m mjxcontrol.benchmarks.nan_hunt cartpole/swingup walker/walk --steps 100000

Tasks that differ only in their reward (``walker/stand``, ``walk`` and ``run``: one model, one
reset, one time limit) can be hunted on one trajectory: ``walker/stand+walker/walk+walker/run``
steps the first task's envs and also runs every other task's own ``finish_step`` (reward,
observation, flags) on each stepped state, as its ``env.step`` would (``step`` is ``advance``
then ``finish_step``; uniform random actions do not read the observation). The script checks
that the tasks share their compiled physics, that their reset batches are bit-identical, and
counts the steps where a task's episode flags differ from the first's (``diverged``: must be 0,
or the shared trajectory would not be that task's).
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


def _counts(state) -> dict:
    leak = ~(_finite(state.obs) & _finite(state.final_obs) & jnp.isfinite(state.reward))
    return {
        "nan_leaks": leak.sum(),
        "physics_errors": state.metrics["physics_error"].sum(),
        "invalid_actions": state.metrics["invalid_action"].sum(),
        "episodes": state.done.sum(),
    }


def hunt_chunk(envs: list, chunk: int, action_scale: float):
    """A jitted function running ``chunk`` steps of a batch of ``envs[0]`` and adding to each
    env's counts (the others share the trajectory, see the module docstring)."""
    env, siblings = envs[0], envs[1:]
    auto, policy = AutoReset(env), uniform_policy(env)

    def body(carry, key):
        state, counts = carry
        keys = jax.random.split(key, state.step.shape[0])
        action = action_scale * jax.vmap(policy)(state.obs, keys)
        data, action_ok = jax.vmap(env.advance)(state, action)
        stepped = [jax.vmap(e.finish_step)(state, data, action_ok) for e in envs]
        state = auto.after_step(stepped[0])
        new = [_counts(state)]
        for sib, sib_state in zip(siblings, stepped[1:], strict=True):
            reset_obs = jax.vmap(sib.with_data)(state, state.data).obs  # a new episode's obs
            sib_state = sib_state.replace(obs=reset_obs, final_obs=sib_state.obs)
            new.append(
                {**_counts(sib_state), "diverged": (sib_state.done != stepped[0].done).sum()}
            )
        counts = [{k: c[k] + n[k] for k in c} for c, n in zip(counts, new, strict=True)]
        return (state, counts), None

    @jax.jit
    def run(state, counts, key):
        (state, counts), _ = jax.lax.scan(body, (state, counts), jax.random.split(key, chunk))
        return state, counts

    return run


def hunt(task_ids: list[str], steps: int, num_envs: int, chunk: int, action_scale: float):
    """Runs about ``steps`` env steps of ``task_ids[0]`` (shared by the others); returns one dict
    of counts and timings per task."""
    envs = [mjxcontrol.load(t) for t in task_ids]
    key = jax.random.key(0)
    reset_keys = jax.random.split(key, num_envs)
    state = jax.jit(jax.vmap(envs[0].reset))(reset_keys)
    for other in envs[1:]:
        if other.physics is not envs[0].physics:
            raise ValueError(f"{other.id} and {envs[0].id} do not share their compiled physics")
        theirs = jax.jit(jax.vmap(other.reset))(reset_keys).data
        ours = state.data
        same = bool((theirs.qpos == ours.qpos).all() & (theirs.qvel == ours.qvel).all())
        if not same:
            raise ValueError(f"{other.id} resets differently from {envs[0].id}")
    run = hunt_chunk(envs, chunk, action_scale)
    zero = jnp.zeros((), jnp.int32)
    counts = [{k: zero for k in COUNTS}] + [
        {**{k: zero for k in COUNTS}, "diverged": zero} for _ in envs[1:]
    ]
    calls = max(1, -(-steps // (num_envs * chunk)))
    t0 = time.perf_counter()
    for i in range(calls):
        state, counts = run(state, counts, jax.random.fold_in(key, i))
    counts = jax.block_until_ready(counts)
    wall = round(time.perf_counter() - t0, 1)
    return [
        {
            "task": task_id,
            **({"trajectory_of": task_ids[0]} if i else {}),
            "env_steps": calls * num_envs * chunk,
            "num_envs": num_envs,
            "action_scale": action_scale,
            **{k: int(v) for k, v in c.items()},
            "wall_s": wall,
        }
        for i, (task_id, c) in enumerate(zip(task_ids, counts, strict=True))
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "tasks", nargs="*", help="DOMAIN/TASK ids, or A+B+C to share A's trajectory (default: all)"
    )
    parser.add_argument("--steps", type=positive_int, default=1_000_000)
    parser.add_argument("--num-envs", type=positive_int, default=1024)
    parser.add_argument("--chunk", type=positive_int, default=100)
    parser.add_argument("--action-scale", type=float, default=1.0)
    args = parser.parse_args(argv)
    groups = args.tasks or [info.id for info in mjxcontrol.list_tasks()]
    bad = 0
    for group in groups:
        for result in hunt(
            group.split("+"), args.steps, args.num_envs, args.chunk, args.action_scale
        ):
            bad += result["nan_leaks"] + result.get("diverged", 0)
            print(json.dumps(result), flush=True)
        jax.clear_caches()  # one task's executables at a time (memory maps, see tests/conftest.py)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
