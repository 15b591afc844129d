"""JAX's persistent compilation cache, on by default in the ``mjxcontrol`` command and trainer;
concurrent compilation of a run's independent programs; and the XLA options those programs are
compiled with (:func:`compiler_options`).

A second ``mjxcontrol bench``/``train``/``eval``/``render`` of the same task (same shapes, impl
and profile) loads its compiled programs from disk instead of compiling them again.
"""

from __future__ import annotations

import concurrent.futures
import functools
import os
import time
from collections.abc import Callable, Mapping
from typing import Any

import jax

CACHE_ENV_VAR = "MJXCONTROL_CACHE_DIR"
DEFAULT_CACHE_DIR = os.path.join("~", ".cache", "mjxcontrol", "jax")

# XLA:CPU in jaxlib 0.10 hands dot products and reductions to the YNNPACK library ("ynn
# fusions"). In MJX's batched physics each of them is a batch of tiny products (2 x 2 to
# nv x nv per env), where one library call costs more than XLA's own loop: at 1,024 envs on 2
# cores, with the option below against without, in one process, steps of the same program
# alternating (docs/api.md): cartpole/swingup exact 1.16x, cheetah/run 1.50x, walker/walk
# 1.56x, and Playground's ports too (cartpole 1.18x, walker 1.53x); compile times within noise.
# An empty list turns the library fusions off; nothing else changes. GPU and TPU compilers
# ignore the option.
CPU_OPTIONS: dict[str, Any] = {"xla_cpu_experimental_ynn_fusion_type": ""}
# XLA:CPU options for one domain's programs, on top of CPU_OPTIONS: XLA's fusion emitters off
# (its older loop emitters instead). The bench's chunk, exact profile, 1,024 envs (256 where
# noted), compiled with and without in one process beside a control compile of the base options,
# chunks alternating (`python -m benchmarks.option_ab TASK`; option / control ratio):
# session 34: hopper/hop 2.97x / 0.98x, cartpole/swingup 1.25x / 1.04x, cheetah/run 1.11x,
# quadruped/walk 1.20x / 1.07x (256); session 35: stacker/stack_2 1.28x / 1.02x (256),
# pendulum/swingup 1.24x / 1.01x, manipulator/bring_ball 1.24x / 1.02x (256), reacher/easy
# 1.19x / 1.01x, acrobot/swingup 1.17x / 0.99x (fast profile 1.16x / 0.99x), lqr/lqr_2_1
# 1.13x / 1.00x. Left out where it lost or gained little more than the control: finger/spin
# 0.78x / 1.10x, ball_in_cup/catch 0.79x / 1.01x, point_mass/easy 0.89x / 1.00x, walker/walk
# 1.06x / 1.06x, humanoid/walk 1.08x / 1.01x (256); fish and swimmer run MJX-Warp, whose kernels
# the option does not reach (0.98x, 1.02x). Measured on physics programs only: the trainer's
# programs, whose network updates share the program, keep CPU_OPTIONS alone (cartpole/swingup
# SAC, 60,000 steps, seed 0: 996 env-steps/s with the option against 1,233 without).
DOMAIN_CPU_OPTIONS: dict[str, dict[str, Any]] = {
    domain: {"xla_cpu_use_fusion_emitters": False}
    for domain in (
        "acrobot",
        "cartpole",
        "cheetah",
        "hopper",
        "lqr",
        "manipulator",
        "pendulum",
        "quadruped",
        "reacher",
        "stacker",
    )
}
# A program that runs once at the start of a run (a batch's first reset, the trainer's initial
# state) compiles at LLVM's lowest optimisation level on a CPU, where its compile is time to the
# first step and its run is not. The batched reset at 1,024 envs, the task's options, one
# process per row (session 38): walker/walk compiles in 4.3 s instead of 9.7 and runs in 0.23 s
# instead of 0.03; cartpole/swingup 1.0 s instead of 2.0, run 7 ms instead of 2. Not where the
# reset runs physics steps (cheetah's 200 settling steps: 3.0 s -> 28.5 s; callers decide,
# :func:`first_reset_options`).
ONE_OFF_CPU_OPTIONS: dict[str, Any] = {"xla_backend_optimization_level": 0}
# Set (to anything but "" or "0") to compile with XLA's own defaults instead.
XLA_DEFAULTS_ENV_VAR = "MJXCONTROL_XLA_DEFAULTS"


def compiler_options(
    task_id: str | None = None, /, one_off: bool = False, **options: Any
) -> dict[str, Any]:
    """XLA options for the programs that ``mjxcontrol`` compiles for long runs (the trainer's,
    the benchmark's): ``options`` plus, on a CPU backend, :data:`CPU_OPTIONS` and, for a
    program of physics alone, the options of ``task_id``'s domain (``"domain/task"``;
    :data:`DOMAIN_CPU_OPTIONS`); ``one_off`` (a program run once, cheap to run) adds
    :data:`ONE_OFF_CPU_OPTIONS`.

    The CPU options are left out when ``$MJXCONTROL_XLA_DEFAULTS`` is set, and when the
    installed jaxlib does not know them (a jaxlib without YNNPACK fusions), so the result is
    always a valid argument of ``Lowered.compile`` / ``jax.jit(compiler_options=...)``.
    """
    if os.environ.get(XLA_DEFAULTS_ENV_VAR, "") not in ("", "0"):
        return dict(options)
    if jax.default_backend() != "cpu":
        return dict(options)
    domain = task_id.split("/")[0] if task_id else ""
    found: dict[str, Any] = {}
    for extra in (
        CPU_OPTIONS,
        DOMAIN_CPU_OPTIONS.get(domain, {}),
        ONE_OFF_CPU_OPTIONS if one_off else {},
    ):
        if extra and _cpu_options_known(tuple(extra.items())):
            found.update(extra)
    return {**found, **options}


def first_reset_options(env: Any) -> dict[str, Any]:
    """:func:`compiler_options` of a program that holds ``env``'s (an :class:`mjxcontrol.Env`)
    batched reset and runs once per run: ``one_off`` unless the task's reset settles (runs
    physics steps, whose speed then counts)."""
    return compiler_options(env.id, one_off=not env.task.settle_steps)


@functools.cache
def _cpu_options_known(items: tuple) -> bool:
    """Whether this jaxlib's XLA accepts the options ``items`` (compiles a one-op program)."""
    try:
        jax.jit(lambda x: x + 1).lower(jax.numpy.zeros(())).compile(dict(items))
    except jax.errors.JaxRuntimeError:  # INVALID_ARGUMENT: No such compile option
        return False
    return True


def enable_compilation_cache(path: str | None = None) -> str:
    """Turns on JAX's persistent compilation cache; returns the directory used.

    The directory is ``path``, else ``$MJXCONTROL_CACHE_DIR``, else ``~/.cache/mjxcontrol/jax``.
    """
    path = os.path.expanduser(path or os.environ.get(CACHE_ENV_VAR) or DEFAULT_CACHE_DIR)
    os.makedirs(path, exist_ok=True)
    jax.config.update("jax_compilation_cache_dir", path)
    # Cache everything that took noticeable time to compile (JAX's default skips < 1 s).
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.5)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    return path


def concurrently(jobs: Mapping[str, Callable[[], Any]]) -> tuple[dict[str, Any], dict[str, float]]:
    """Runs each job (typically ``jax.jit(f).lower(...).compile()``) in its own thread.

    XLA compiles one program on one core and releases the GIL while it does, so a run's
    independent programs (the trainer's chunk, evaluation and initial state; the benchmark's
    batched reset and chunk) compile side by side on a multi-core CPU; tracing still takes turns.
    Returns ``(results, seconds)``: each job's result and its own (overlapping) wall time (s, to
    0.1). A job's exception is raised here.
    """

    def timed(job):
        t = time.perf_counter()
        return job(), round(time.perf_counter() - t, 1)

    with concurrent.futures.ThreadPoolExecutor(max(len(jobs), 1)) as pool:
        futures = {name: pool.submit(timed, job) for name, job in jobs.items()}
        done = {name: future.result() for name, future in futures.items()}
    return {name: r for name, (r, _) in done.items()}, {name: s for name, (_, s) in done.items()}
