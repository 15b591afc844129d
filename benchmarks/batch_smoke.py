"""Every registered task under ``jit(vmap(step))`` at a large batch: compiles, runs, stays finite.

Usage: ``python -m mjxcontrol.benchmarks.batch_smoke --num-envs 1024 --steps 5``. Prints one line
per task (compile and run seconds, finite or not, and the share of env-steps flagged as physics
errors, e.g. an MJX-Warp buffer that overflowed) and exits non-zero if any output is not finite
or any step was flagged. Not part of the test suite: at 1,024 envs it takes ~15 minutes on a
2-core CPU; ``--shard K/N`` splits the tasks between processes.
"""

from __future__ import annotations

import argparse
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np

import mjxcontrol


def check_task(
    task_id: str, num_envs: int, steps: int, impl: str | None = None
) -> tuple[str, float, float, bool, float]:
    """(impl, compile_s, run_s, all_finite, share of env-steps with a physics error) for
    ``steps`` random-action steps of ``num_envs`` envs, on ``impl`` (default: the task's own)."""
    env = mjxcontrol.load(task_id, num_envs=num_envs, impl=impl)
    reset, step = jax.jit(jax.vmap(env.reset)), jax.jit(jax.vmap(env.step))
    keys = jax.random.split(jax.random.key(0), num_envs)
    actions = jax.random.uniform(jax.random.key(1), (steps, num_envs, env.action_size), minval=-1)
    t0 = time.perf_counter()
    state = jax.block_until_ready(step(reset(keys), actions[0]))
    compile_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    finite, errors = _finite(state), int(state.metrics["physics_error"].sum())
    for action in actions[1:]:
        state = step(state, action)
        finite &= _finite(state)
        errors += int(state.metrics["physics_error"].sum())
    run_s = time.perf_counter() - t0
    return env.physics.impl, compile_s, run_s, finite, errors / (steps * num_envs)


def _finite(state) -> bool:
    leaves = [state.reward, *state.obs.values(), state.data.qpos, state.data.qvel]
    return all(bool(jnp.isfinite(x).all()) for x in leaves)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--num-envs", type=int, default=1024)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--impl", choices=("jax", "warp"), help="default: each task's own")
    parser.add_argument(
        "--shard",
        default="0/1",
        help="K/N: check every N-th task from the K-th "
        "(run N processes, e.g. one per core, to split the work)",
    )
    parser.add_argument("tasks", nargs="*", help="DOMAIN/TASK ids (default: every task)")
    args = parser.parse_args(argv)
    k, n = (int(x) for x in args.shard.split("/"))
    ok = True
    for task_id in (args.tasks or [info.id for info in mjxcontrol.list_tasks()])[k::n]:
        impl, compile_s, run_s, finite, errors = check_task(
            task_id, args.num_envs, args.steps, args.impl
        )
        ok &= finite and errors == 0
        # Each executable holds ~1,000s of memory maps; dropping them keeps a full sweep under
        # Linux's vm.max_map_count (65,530), past which LLVM crashes mid-compile.
        jax.clear_caches()
        print(
            f"{task_id:<24} impl {impl:<4} compile+first step {compile_s:6.1f} s  "
            f"{args.steps - 1} steps {run_s:6.2f} s  finite={finite}  physics errors {errors:.2%}",
            flush=True,
        )
    print("all finite, no physics errors" if ok else "NOT FINITE OR PHYSICS ERRORS", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    np.set_printoptions(precision=3)
    sys.exit(main())
