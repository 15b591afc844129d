"""Where one physics substep's time goes: each stage timed alone, ``jit(vmap)`` over a batch.

The stages are the env's own (``Physics.stage``, with the solver patches the env traces under):
the position/velocity stage (kinematics and collision), the dynamics stage (actuation, smooth
dynamics and the constraint solve) and the integrator, and MJX's collision alone, each compiled
alone and called on the same batch of states
(``--steps`` random control steps after reset, so contacts have formed). ``--geom-pairs K`` also
times the collision with MJX's ``max_geom_pairs`` numeric set to K (per collision group, only the
K pairs nearest by bounding-sphere distance are collided; groups with a plane or height field
are exempt) and prints the most touching contacts per env under both, so a cull that drops a
touching contact shows.

Run: ``python -m benchmarks.stage_profile quadruped/walk [--num-envs 1024] [--geom-pairs 4]``.
Prints milliseconds per call for the whole batch (the mean of ``--calls`` calls after a
compiling one).
"""

from __future__ import annotations

import argparse
import functools
import time
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
from mujoco import mjx

import mjxcontrol
from mjxcontrol import profiles
from mjxcontrol.benchmarks.solver_sweep import env_with


def batch_of_states(env, num_envs: int, steps: int, seed: int = 0) -> mjx.Data:
    """``mjx.Data`` of ``num_envs`` envs after reset and ``steps`` uniform random actions."""
    state = jax.jit(jax.vmap(env.reset))(jax.random.split(jax.random.PRNGKey(seed), num_envs))
    step = jax.jit(jax.vmap(env.step))
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        action = rng.uniform(-1, 1, (num_envs, env.action_size)).astype(np.float32)
        state = step(state, jnp.asarray(action))
    return state.data


def time_stage(fn: Callable, model: mjx.Model, data: mjx.Data, calls: int):
    """(compile and first call, mean of ``calls`` further calls), seconds, of jit(vmap(fn)), and
    its output."""
    batched = jax.jit(jax.vmap(fn, in_axes=(None, 0)))
    start = time.perf_counter()
    out = jax.block_until_ready(batched(model, data))
    first = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(calls):
        out = batched(model, data)
    jax.block_until_ready(out)
    return first, (time.perf_counter() - start) / calls, out


def most_touching(data: mjx.Data) -> int:
    """The most contacts with negative distance in any env of a batch after MJX's collision."""
    return int((data._impl.contact.dist < 0).sum(axis=1).max())


STAGES = ("position/velocity stage", "dynamics stage (solve)", "integration")  # Physics.stage


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("task")
    parser.add_argument("--num-envs", type=int, default=1024)
    parser.add_argument("--steps", type=int, default=20, help="random control steps first")
    parser.add_argument("--calls", type=int, default=5)
    parser.add_argument("--geom-pairs", type=int, default=0, help="also time max_geom_pairs K")
    args = parser.parse_args(argv)
    env = mjxcontrol.load(args.task)
    if env.physics.impl != "jax":
        parser.error(f"{args.task} runs on impl={env.physics.impl!r}; this profiles impl='jax'")
    opt = env.physics.mj_model.opt
    print(
        f"{args.task}: exact profile, {opt.iterations} ({opt.ls_iterations}) solver caps,"
        f" {env.physics.n_substeps} substeps per control step, {args.num_envs} envs"
    )
    data = batch_of_states(env, args.num_envs, args.steps)
    model = env.physics.model
    stages = {"collision": mjx.collision}
    for index, name in enumerate(STAGES):
        stages[name] = functools.partial(env.physics.stage, index=index)
    for name, fn in stages.items():
        first, per_call, _ = time_stage(fn, model, data, args.calls)
        print(f"  {name:26s} {1e3 * per_call:9.1f} ms per call (compile + first: {first:.1f} s)")
    if args.geom_pairs:
        options = {**profiles.overrides(args.task, "exact"), "max_geom_pairs": args.geom_pairs}
        culled = env_with(args.task, options).physics.model
        for label, m in (("no pair cap", model), (f"max_geom_pairs {args.geom_pairs}", culled)):
            _, per_call, out = time_stage(mjx.collision, m, data, args.calls)
            touching = most_touching(out)
            print(f"  collision, {label:18s} {1e3 * per_call:9.1f} ms; <= {touching} touching")


if __name__ == "__main__":
    main()
