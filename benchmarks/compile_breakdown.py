"""Where a task's compile time goes, program by program: the bench's programs lowered and
compiled one at a time (no overlap, so each time is its own), with the task's XLA options (the
batched resets, ours and Playground's: the task's ``first_reset_options``, as the bench).

Rows: the batched reset; the bench's chunk (``chunk`` control steps of ``num_envs`` envs with
``AutoReset``); the same chunk of plain ``vmap(env.step)`` (no resets: what the resets add);
the chunk with ``AutoReset(fuse_reset=True)``; and, where MuJoCo Playground is installed and
ports the task, Playground's batched reset and chunk as the bench runs them. Each row gives
lowering (tracing, Python) and compile (XLA) seconds. Nothing is cached between rows, but
JAX's persistent cache is used if it is on: run with a fresh ``$MJXCONTROL_CACHE_DIR`` or none.

    python -m benchmarks.compile_breakdown cheetah/run
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from typing import Any

import jax

from mjxcontrol import compilation_cache, registry
from mjxcontrol.benchmarks import playground_anchor, throughput
from mjxcontrol.env import Env
from mjxcontrol.rollouts import uniform_policy


def scan_chunk(step: Callable, action: Callable, chunk: int) -> Callable:
    """``run((state, key)) -> (state, key)``: ``chunk`` calls of ``step(state, action(state,
    key))``, shaped as the bench's programs (here: plain ``vmap(env.step)``, no resets)."""

    def run(carry):
        state, key = carry
        key, sub = jax.random.split(key)
        body = lambda s, k: (step(s, action(s, k)), None)  # noqa: E731
        state, _ = jax.lax.scan(body, state, jax.random.split(sub, chunk))
        return state, key

    return run


def timed(fn: Callable, args: tuple, options: dict[str, Any]) -> tuple[float, float]:
    """``(lower s, compile s)`` of ``jax.jit(fn)`` at ``args`` (arrays or shape structs)."""
    t0 = time.perf_counter()
    lowered = jax.jit(fn).lower(*args)
    t1 = time.perf_counter()
    lowered.compile(options)
    return round(t1 - t0, 2), round(time.perf_counter() - t1, 2)


def ours(env: Env, num_envs: int, chunk: int) -> dict[str, tuple[float, float]]:
    """The rows of mjxcontrol's programs."""
    options = compilation_cache.compiler_options(env.id)
    reset, keys, run, key = throughput.env_program(env, num_envs, chunk, fuse_reset=False)
    carry = (jax.eval_shape(reset, keys), key)
    fused = throughput.env_program(env, num_envs, chunk, fuse_reset=True)[2]
    policy = uniform_policy(env)

    def action(state, key):
        return jax.vmap(policy)(state.obs, jax.random.split(key, num_envs))

    return {
        "reset": timed(reset, (keys,), compilation_cache.first_reset_options(env)),
        "chunk": timed(run, (carry,), options),
        "chunk_without_resets": timed(
            scan_chunk(jax.vmap(env.step), action, chunk), (carry,), options
        ),
        "chunk_fuse_reset": timed(fused, (carry,), options),
    }


def playground(
    task: str, num_envs: int, chunk: int, reset_options: dict[str, Any]
) -> dict[str, tuple[float, float]]:
    """Playground's reset (compiled with ``reset_options``) and chunk as the bench runs them;
    ``{}`` if unavailable."""
    try:
        env = playground_anchor.load(task, "jax")
    except playground_anchor.Unavailable:
        return {}
    options = compilation_cache.compiler_options(task)
    jax.clear_caches()  # traced as alone, not on JAX's batching of ours (bench_suite.traced_alone)
    reset, keys, run, key = playground_anchor.program(env, num_envs, chunk)
    carry = (jax.eval_shape(reset, keys), key)
    return {
        "playground_reset": timed(reset, (keys,), reset_options),
        "playground_chunk": timed(run, (carry,), options),
    }


def main(argv: list[str] | None = None) -> int:
    parser = throughput.chunk_parser(__doc__)
    parser.add_argument("--no-playground", action="store_true", help="our programs only")
    args = parser.parse_args(argv)
    env = registry.load(args.task, physics=args.physics, num_envs=args.num_envs)
    rows = ours(env, args.num_envs, args.chunk)
    if not args.no_playground:
        reset_options = compilation_cache.first_reset_options(env)
        rows.update(playground(args.task, args.num_envs, args.chunk, reset_options))
    print(f"{args.task} {args.physics}, {args.num_envs} envs, {args.chunk}-step chunk")
    print("   lower s  compile s  program")
    for name, (lower_s, compile_s) in rows.items():
        print(f"{lower_s:9.1f}  {compile_s:9.1f}  {name}")
    print(json.dumps({"task": args.task, "physics": args.physics, **rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
