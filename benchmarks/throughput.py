"""Batched throughput of one task: compile time apart from steady-state env-steps/s.

The anchor, measured in the same run on the same model and batch, is raw MJX: ``n_substeps``
calls of ``mjx.step`` per control step, with actions drawn by the same policy code (one key per
env) and no observation, reward, time limit or auto-reset. The ratio ``env / raw`` is the cost of
the env layer.
"""

from __future__ import annotations

import dataclasses
import platform
import time

import jax
import mujoco
from mujoco import mjx
from tqdm import tqdm

from mjxcontrol.env import Env
from mjxcontrol.rollout import rollout, uniform_policy

# Default control steps per jitted call; the progress bar advances once per chunk.
CHUNK = 100


@dataclasses.dataclass
class Result:
    """One measurement; ``*_steps_per_s`` count control steps of all envs together."""

    task: str
    impl: str
    num_envs: int
    steps: int
    n_substeps: int
    compile_s: float
    run_s: float
    env_steps_per_s: float
    raw_compile_s: float | None = None
    raw_steps_per_s: float | None = None
    env_layer_overhead: float | None = None  # raw_steps_per_s / env_steps_per_s - 1
    device: str = ""
    versions: dict = dataclasses.field(default_factory=dict)


def _time_chunks(run, carry, num_chunks: int, desc: str, progress: bool):
    """Compiles ``run`` (first call) and times the remaining ``num_chunks`` calls."""
    t0 = time.perf_counter()
    carry = jax.block_until_ready(run(carry))
    compile_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for _ in tqdm(range(num_chunks), desc=desc, unit="chunk", disable=not progress, leave=False):
        carry = run(carry)
    jax.block_until_ready(carry)
    return compile_s, time.perf_counter() - t0


def bench_env(
    env: Env, num_envs: int, steps: int, *, chunk: int = CHUNK, progress: bool = True, seed: int = 0
):
    """(compile_s, run_s) of ``steps`` auto-resetting control steps of ``num_envs`` envs.

    ``compile_s`` includes the first chunk's run time (< 1 chunk of steady-state time).
    """
    policy = uniform_policy(env)
    keys = jax.random.split(jax.random.key(seed), num_envs)
    state = jax.jit(jax.vmap(env.reset))(keys)

    def run(carry):
        state, key = carry
        key, sub = jax.random.split(key)
        state, _ = rollout(env, state, sub, chunk, policy=policy, record=False)
        return state, key

    return _time_chunks(run, (state, jax.random.key(seed + 1)), max(steps // chunk, 1),
                        f"{env.id} x{num_envs}", progress)


def bench_raw_mjx(
    env: Env, num_envs: int, steps: int, *, chunk: int = CHUNK, progress: bool = True, seed: int = 0
):
    """(compile_s, run_s) of raw ``mjx.step`` x n_substeps with uniform random controls."""
    model, n_sub = env.physics.model, env.n_substeps
    policy = uniform_policy(env)
    # Start from reset states: make_data's template differs in weak types from mjx.step's output,
    # which would make the second call retrace and recompile inside the timed region.
    data = jax.jit(jax.vmap(env.reset))(jax.random.split(jax.random.key(seed), num_envs)).data

    @jax.jit
    def run(carry):
        def control_step(carry, key):
            data = carry
            ctrl = jax.vmap(policy)(None, jax.random.split(key, num_envs))
            data = data.replace(ctrl=ctrl)
            data = jax.vmap(
                lambda d: jax.lax.fori_loop(0, n_sub, lambda _, d: mjx.step(model, d), d)
            )(data)
            return data, None

        data, key = carry
        key, sub = jax.random.split(key)
        data, _ = jax.lax.scan(control_step, data, jax.random.split(sub, chunk))
        return data, key

    return _time_chunks(run, (data, jax.random.key(seed + 1)), max(steps // chunk, 1),
                        f"raw mjx.step x{n_sub}", progress)


def measure(
    env: Env,
    num_envs: int,
    steps: int,
    *,
    chunk: int = CHUNK,
    raw: bool = True,
    progress: bool = True,
) -> Result:
    """Measures ``env`` (and, with ``raw``, the raw-MJX anchor) at one batch size.

    Runs one untimed chunk (compile + first run), then ``steps // chunk`` timed chunks.
    """
    chunk = min(chunk, steps)
    timed_steps = max(steps // chunk, 1) * chunk
    compile_s, run_s = bench_env(env, num_envs, steps, chunk=chunk, progress=progress)
    result = Result(
        task=env.id,
        impl=env.physics.impl,
        num_envs=num_envs,
        steps=timed_steps,
        n_substeps=env.n_substeps,
        compile_s=compile_s,
        run_s=run_s,
        env_steps_per_s=num_envs * timed_steps / run_s,
        device=str(jax.devices()[0]),
        versions={
            "python": platform.python_version(),
            "jax": jax.__version__,
            "mujoco": mujoco.__version__,
            "platform": platform.platform(),
        },
    )
    if raw:
        raw_compile_s, raw_run_s = bench_raw_mjx(
            env, num_envs, steps, chunk=chunk, progress=progress
        )
        result.raw_compile_s = raw_compile_s
        result.raw_steps_per_s = num_envs * timed_steps / raw_run_s
        result.env_layer_overhead = result.raw_steps_per_s / result.env_steps_per_s - 1
    return result
