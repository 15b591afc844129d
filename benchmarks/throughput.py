"""Batched throughput of one task: compile time apart from steady-state env-steps/s.

The anchor, measured in the same run on the same model and batch, is raw MJX: ``n_substeps``
calls of ``mjx.step`` per control step, with actions drawn by the same policy code (one key per
env) and no observation, reward, time limit or auto-reset. The ratio ``env / raw`` is the cost of
the env layer.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import functools
import platform
import time
from collections.abc import Callable
from importlib import metadata

import jax
from tqdm import tqdm

from mjxcontrol import compilation_cache, program_store, sharding
from mjxcontrol._mjx import mjx
from mjxcontrol.env import Env
from mjxcontrol.rollouts import rollout, uniform_policy
from mjxcontrol.types import Observation

# Default control steps per jitted call; the progress bar advances once per chunk.
CHUNK = 100
# The jax.monitoring event JAX records each time it lowers a program to MLIR (jax._src.dispatch).
LOWERING_EVENT = "/jax/core/compile/jaxpr_to_mlir_module_duration"


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
    first_step_s: float = 0.0  # reset + first step (see first_step_s())
    raw_compile_s: float | None = None
    raw_steps_per_s: float | None = None
    env_layer_overhead: float | None = None  # raw_steps_per_s / env_steps_per_s - 1
    device: str = ""
    devices: int = 1
    versions: dict = dataclasses.field(default_factory=dict)


class Runner:
    """One chunk function (jitted, or already compiled) and its carry: run once untimed, then
    timed.

    ``setup_s``: the wall time of making the first carry (compiling and running the batched
    reset; the env runner compiles its chunk alongside), which :meth:`compile` adds to the first
    chunk's.
    """

    def __init__(self, run, carry, setup_s: float = 0.0):
        self.run, self.carry, self.seconds, self.setup_s = run, carry, 0.0, setup_s

    def compile(self) -> float:
        """Runs the first (untimed) chunk, compiling it unless that was done in the setup;
        returns its wall time plus ``setup_s`` (s): the time to the first step, reset included."""
        t0 = time.perf_counter()
        self.carry = jax.block_until_ready(self.run(self.carry))
        return self.setup_s + time.perf_counter() - t0

    def timed_chunk(self) -> None:
        t0 = time.perf_counter()
        self.carry = jax.block_until_ready(self.run(self.carry))
        self.seconds += time.perf_counter() - t0


def env_program(
    env: Env, num_envs: int, chunk: int, seed: int = 0, fuse_reset: bool | None = None
) -> tuple[Callable, jax.Array, Callable, jax.Array]:
    """The bench's program of ``env``: ``(reset, keys, run, key)``, where ``reset(keys)`` is the
    first batch of ``num_envs`` states and ``run((state, key)) -> (state, key)`` runs ``chunk``
    auto-resetting control steps with uniform actions (``fuse_reset``:
    :class:`mjxcontrol.AutoReset`'s option)."""
    policy = uniform_policy(env)
    keys = jax.random.split(jax.random.key(seed), num_envs)

    def run(carry):
        state, key = carry
        key, sub = jax.random.split(key)
        state, _ = rollout(
            env, state, sub, chunk, policy=policy, record=False, fuse_reset=fuse_reset
        )
        return state, key

    return jax.vmap(env.reset), keys, run, jax.random.key(seed + 1)


def env_runner(
    env: Env,
    num_envs: int,
    chunk: int,
    seed: int = 0,
    shard: bool = False,
    fuse_reset: bool | None = None,
) -> Runner:
    """A :class:`Runner` of :func:`env_program`, compiled with the task's options (the reset:
    :func:`mjxcontrol.compilation_cache.first_reset_options`)."""
    program = env_program(env, num_envs, chunk, seed, fuse_reset)
    options = compilation_cache.compiler_options(env.id)
    reset_options = compilation_cache.first_reset_options(env)
    description = {
        "program": "bench",
        **program_store.env_description(env),
        "num_envs": num_envs,
        "chunk": chunk,
        "seed": seed,
        "fuse_reset": fuse_reset,
    }
    return concurrent_runner(*program, shard, options, reset_options, description)


def concurrent_runner(
    reset, keys, run, key, shard: bool = False, options=None, reset_options=None, store=None
) -> Runner:
    """A :class:`Runner` of ``run((state, key)) -> (state, key)`` from ``state = reset(keys)``.

    ``run`` compiles while ``reset`` compiles and runs, as the trainer's programs do
    (:func:`mjxcontrol.compilation_cache.concurrently`): env and anchors are timed alike.
    ``shard`` places the batch over every local device (:func:`mjxcontrol.sharding.shard`) and
    its key whole on each (:func:`mjxcontrol.sharding.replicate`, where ``run`` returns it);
    ``run`` then compiles at its first call, for the placement the batch was given. ``run``
    compiles with ``options``, by default :func:`mjxcontrol.compilation_cache.compiler_options`,
    and ``reset`` with ``reset_options`` (default: ``options``); the bench gives a task's
    runners, env's and anchors' alike, that task's options, and their resets that task's
    :func:`mjxcontrol.compilation_cache.first_reset_options`.

    ``store`` (a description of the programs, for
    :func:`mjxcontrol.program_store.compile_stored`; unsharded runs only) keeps both programs
    for a later run, which then loads them instead of tracing them.
    """
    t0 = time.perf_counter()
    options = compilation_cache.compiler_options() if options is None else options
    reset_options = options if reset_options is None else reset_options

    def compiled(name, fn, args: Callable[[], tuple], opts):
        make = lambda: (fn, args())  # noqa: E731
        if store is None or shard:
            return program_store.compile_plain(make, opts)
        return program_store.compile_stored({**store, "part": name}, make, opts)

    def first_state():
        state = compiled("reset", reset, lambda: (keys,), reset_options)(keys)
        return jax.block_until_ready(sharding.shard(state) if shard else state)

    if shard:
        run_compiled = jax.jit(run, compiler_options=options)
        state, key = first_state(), sharding.replicate(key)
    else:
        template = lambda: ((jax.eval_shape(reset, keys), key),)  # noqa: E731  (a miss only)
        done, _ = compilation_cache.concurrently(
            {"state": first_state, "run": lambda: compiled("chunk", run, template, options)}
        )
        state, run_compiled = done["state"], done["run"]
    return Runner(run_compiled, (state, key), setup_s=time.perf_counter() - t0)


def raw_runner(env: Env, num_envs: int, chunk: int, seed: int = 0, shard: bool = False) -> Runner:
    """The anchor: ``chunk`` x ``n_substeps`` raw ``mjx.step`` calls per call, same actions."""
    model, n_sub = env.physics.model, env.n_substeps
    policy = uniform_policy(env)
    # Start from reset states: make_data's template differs in weak types from mjx.step's output,
    # which would make the second call retrace and recompile inside the timed region.
    options = compilation_cache.compiler_options(env.id)
    reset_options = compilation_cache.first_reset_options(env)
    reset = jax.jit(jax.vmap(env.reset), compiler_options=reset_options)
    first = reset(jax.random.split(jax.random.key(seed), num_envs))
    data = jax.block_until_ready(sharding.shard(first.data) if shard else first.data)

    @functools.partial(jax.jit, compiler_options=options)
    def run(carry):
        def control_step(data, key):
            ctrl = jax.vmap(policy)(Observation(), jax.random.split(key, num_envs))
            data = jax.vmap(
                lambda d: jax.lax.fori_loop(0, n_sub, lambda _, d: mjx.step(model, d), d)
            )(data.replace(ctrl=ctrl))
            return data, None

        data, key = carry
        key, sub = jax.random.split(key)
        data, _ = jax.lax.scan(control_step, data, jax.random.split(sub, chunk))
        return data, key

    key = jax.random.key(seed + 1)
    carry = (data, sharding.replicate(key) if shard else key)
    t0 = time.perf_counter()  # traced and compiled now, not at its first chunk (bench_suite)
    return Runner(run.lower(carry).compile(), carry, setup_s=time.perf_counter() - t0)


def chunk_parser(doc: str | None) -> argparse.ArgumentParser:
    """The argument parser that the bench's single-task scripts share (``thunk_profile``,
    ``option_ab``, ``compile_breakdown``): ``task``, ``--physics``, ``--num-envs`` and
    ``--chunk``, with the bench's defaults; ``doc``'s first line describes the script."""
    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    parser.add_argument("task")
    parser.add_argument("--physics", default="exact")
    parser.add_argument("--num-envs", type=int, default=1024)
    parser.add_argument("--chunk", type=int, default=20)
    return parser


def versions() -> dict[str, str]:
    """The versions that a throughput number depends on."""
    found = {"python": platform.python_version(), "platform": platform.platform()}
    for package in ("jax", "jaxlib", "mujoco", "mujoco-mjx", "warp-lang", "playground"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            found[package] = metadata.version(package)
    return found


def first_step_s(compile_s: float, run_s: float, steps: int, chunk: int) -> float:
    """Seconds to the first control step, reset included: ``compile_s`` (reset plus the first,
    untimed chunk of ``chunk`` steps) less the other ``chunk - 1`` steps of that chunk at the
    timed rate (``run_s`` for ``steps`` steps). A slow runner's first chunk would otherwise
    count its own run time as compile time (walker/walk exact: 8 of 41 s at 1,024 envs)."""
    return compile_s - run_s * (chunk - 1) / steps


def time_runners(
    runners: dict[str, Runner],
    steps: int,
    chunk: int,
    desc: str = "",
    progress: bool = True,
    timing_lock: str | None = None,
) -> tuple[int, dict[str, float]]:
    """Compiles every runner (one untimed chunk each, its wall time in ``.compile_s``), then runs
    ``steps // chunk`` timed chunks of each, interleaved (a, b, c, a, b, c, ...), so that drift
    in the machine's speed during the run affects every runner alike.

    ``timing_lock``: a file path that bench processes sharing one accelerator agree on. The timed
    chunks run only while this process holds an exclusive lock on it (``fcntl.flock``, waited
    for), so processes compile side by side but never time their steps at the same moment.

    Returns the number of timed control steps and each runner's compile seconds.

    Raises:
      RuntimeError: if a timed chunk lowered a program (a jitted ``run`` whose carry came back
        with other types retraces and compiles again; its time would count that compile, which
        once cost Playground's cheetah two thirds of its measured speed).
    """
    num_chunks = max(steps // chunk, 1)
    compile_s = {name: runner.compile() for name, runner in runners.items()}
    with _exclusive(timing_lock), _lowerings() as lowered:
        for _ in tqdm(
            range(num_chunks), desc=desc, unit="chunk", disable=not progress, leave=False
        ):
            for name, runner in runners.items():
                before = len(lowered)
                runner.timed_chunk()
                if len(lowered) > before:
                    raise RuntimeError(
                        f"runner {name!r} compiled a program inside a timed chunk: its chunk "
                        "function was traced again (the carry it returns differs in types from "
                        "the one it was compiled for), so its time would include compiling"
                    )
    return num_chunks * chunk, compile_s


@contextlib.contextmanager
def _exclusive(path: str | None):
    """Holds an exclusive ``flock`` on ``path`` (created if missing) while open; nothing if None."""
    if path is None:
        yield
        return
    import fcntl  # POSIX only, and only needed here

    with open(path, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


@contextlib.contextmanager
def _lowerings():
    """A list that grows by one for each program JAX lowers while the context is open."""
    lowered: list[float] = []

    def listener(event: str, duration_secs: float, **kwargs: str | int) -> None:
        if event == LOWERING_EVENT:
            lowered.append(duration_secs)

    jax.monitoring.register_event_duration_secs_listener(listener)
    try:
        yield lowered
    finally:
        jax.monitoring.unregister_event_duration_listener(listener)


def measure(
    env: Env,
    num_envs: int,
    steps: int,
    *,
    chunk: int = CHUNK,
    raw: bool = True,
    progress: bool = True,
    shard: bool = False,
) -> Result:
    """Measures ``env`` (and, with ``raw``, the raw-MJX anchor) at one batch size.

    ``shard`` spreads the batch over every local device (:mod:`mjxcontrol.sharding`).

    Runs one untimed chunk of each (compile + first run), then ``steps // chunk`` timed chunks of
    each, alternating. ``compile_s`` includes that first chunk's run time; ``first_step_s``
    leaves out all but its first step's (:func:`first_step_s`).
    """
    chunk = min(chunk, steps)
    runners = {"env": env_runner(env, num_envs, chunk, shard=shard)}
    if raw:
        runners["raw"] = raw_runner(env, num_envs, chunk, shard=shard)
    timed_steps, compile_s = time_runners(runners, steps, chunk, f"{env.id} x{num_envs}", progress)
    run_s = runners["env"].seconds
    result = Result(
        task=env.id,
        impl=env.physics.impl,
        num_envs=num_envs,
        steps=timed_steps,
        n_substeps=env.n_substeps,
        compile_s=compile_s["env"],
        run_s=run_s,
        env_steps_per_s=num_envs * timed_steps / run_s,
        first_step_s=first_step_s(compile_s["env"], run_s, timed_steps, chunk),
        device=str(jax.devices()[0]),
        devices=jax.local_device_count() if shard else 1,
        versions=versions(),
    )
    if raw:
        result.raw_compile_s = compile_s["raw"]
        result.raw_steps_per_s = num_envs * timed_steps / runners["raw"].seconds
        result.env_layer_overhead = result.raw_steps_per_s / result.env_steps_per_s - 1
    return result
