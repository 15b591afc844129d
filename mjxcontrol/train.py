"""The training driver behind ``mjxcontrol train``: jitted chunks, evaluation, logs, checkpoints.

Whole training iterations (env stepping and learning) run inside one jitted ``lax.scan`` chunk of
``eval_every`` env steps; the Python loop only calls chunks, evaluates, logs and checkpoints. A run
is a pure function of its seed on a given device, and a checkpoint holds the complete training
state, so resuming from it gives bit-for-bit the updates the uninterrupted run would have made.

Outputs in ``out`` (default ``runs/<domain>-<task>-<algo>-<seed>``): ``log.json``, ``log.csv``
(one row per evaluation), ``curve.png``, ``checkpoint.msgpack`` (periodic and final),
``policy.msgpack`` (for :func:`mjxcontrol.agents.load_policy`) and ``video.mp4``.
"""

from __future__ import annotations

import dataclasses
import math
import os
import time
from typing import Any

import jax
import jax.numpy as jnp
from tqdm.auto import tqdm

from mjxcontrol import compilation_cache, program_store, registry, sharding
from mjxcontrol.agents import configs, enable_compilation_cache, ppo, sac
from mjxcontrol.agents.networks import TanhGaussianPolicy
from mjxcontrol.agents.normalization import flatten_obs
from mjxcontrol.agents.policy import (
    PolicyParams,
    deterministic_action,
    make_policy_fn,
    policy_network,
    save_policy,
)
from mjxcontrol.checkpoint import CheckpointError, load_pytree, read_metadata, save_pytree
from mjxcontrol.env import Env
from mjxcontrol.train_log import plot_curve, read_log, write_log

ALGORITHMS = {"sac": sac, "ppo": ppo}  # modules: init_state, make_iteration, steps_per_iteration
CHECKPOINT, POLICY, VIDEO = "checkpoint.msgpack", "policy.msgpack", "video.mp4"
TRAIN_KIND = "train"
EVAL_EPISODE_STEPS = 1000  # evaluation length for tasks without a time limit
EVAL_KEY_SALT = 1  # evaluation keys are drawn from a stream apart from training's
# Training and evaluation programs run for minutes, so they are always compiled fully optimised,
# whatever XLA_FLAGS say (the test suite lowers the global level to compile faster; at level 0
# the env's solver loops run ~15x slower), with mjxcontrol's CPU options (:func:`optimized`). The
# initial state runs once: :func:`mjxcontrol.compilation_cache.first_reset_options`.
OPTIMIZED: dict[str, Any] = {"xla_backend_optimization_level": 3}


def optimized() -> dict[str, Any]:
    """The XLA options of the trainer's programs: :data:`OPTIMIZED` and, on a CPU,
    :data:`mjxcontrol.compilation_cache.CPU_OPTIONS`
    (:func:`mjxcontrol.compilation_cache.compiler_options`)."""
    return compilation_cache.compiler_options(**OPTIMIZED)


@dataclasses.dataclass(frozen=True)
class TrainResult:
    """What :func:`train` leaves behind: the output folder, log rows and the final return."""

    out: str
    rows: list[dict[str, Any]]
    final_return: float
    compile_s: float


def default_out_dir(task_id: str, algo: str, seed: int) -> str:
    """``runs/<domain>-<task>-<algo>-<seed>``."""
    return os.path.join("runs", f"{task_id.replace('/', '-')}-{algo}-{seed}")


def make_config(task_id: str, algo: str, **overrides) -> configs.Config:
    """The tuned default config with ``overrides`` (None = keep the default), validated."""
    return configs.replace(configs.default_config(task_id, algo), **overrides)


def make_chunk(
    env: Env, algo: str, config: configs.Config, iterations: int, fuse_reset: bool | None = None
):
    """``chunk(state) -> (state, metrics)``: ``iterations`` training iterations in one scan.

    ``metrics`` are the per-iteration training metrics averaged over the chunk (scalars).
    ``fuse_reset``: :class:`mjxcontrol.AutoReset`'s (default: the task's).
    """
    iteration = ALGORITHMS[algo].make_iteration(env, config, fuse_reset)

    def chunk(state):
        state, metrics = jax.lax.scan(lambda s, _: iteration(s), state, None, length=iterations)
        return state, jax.tree.map(jnp.mean, metrics)

    return chunk


def make_evaluate(env: Env, network: TanhGaussianPolicy, episodes: int):
    """``evaluate(policy_params, key) -> returns [episodes]`` of the deterministic policy.

    Runs ``episodes`` envs (vmapped) from ``env.reset`` with fresh keys for a full episode
    (``env.step_limit`` steps); rewards after a termination are not counted.
    """
    spec = env.action_spec()
    length = env.step_limit or EVAL_EPISODE_STEPS

    def evaluate(params: PolicyParams, key: jax.Array) -> jax.Array:
        state = jax.vmap(env.reset)(jax.random.split(key, episodes))

        def body(carry, _):
            state, ret, alive = carry
            obs = flatten_obs(state.obs, 1)
            action = deterministic_action(network, params, obs, spec.minimum, spec.maximum)
            state = jax.vmap(env.step)(state, action)
            ret = ret + jnp.where(alive, state.reward, 0.0)
            return (state, ret, alive & ~state.done), None

        init = (state, jnp.zeros((episodes,)), jnp.ones((episodes,), bool))
        (_, ret, _), _ = jax.lax.scan(body, init, None, length=length)
        return ret

    return evaluate


def schedule(config: configs.Config, algo: str) -> tuple[int, int, int]:
    """``(steps_per_iteration, iterations_per_chunk, chunks)`` covering ``config.steps``."""
    per_iteration = ALGORITHMS[algo].steps_per_iteration(config)
    per_chunk = max(1, round(config.eval_every / per_iteration))
    chunks = max(1, math.ceil(config.steps / (per_chunk * per_iteration)))
    return per_iteration, per_chunk, chunks


def state_template(env: Env, algo: str, config: configs.Config):
    """Shapes and dtypes of a training state (no computation), for restoring checkpoints."""
    return jax.eval_shape(lambda k: ALGORITHMS[algo].init_state(env, config, k), jax.random.key(0))


def save_checkpoint(path: str, state, *, task_id: str, algo: str, config, seed: int) -> None:
    """Saves the full training state with the facts needed to resume it."""
    meta = {
        "kind": TRAIN_KIND,
        "task": task_id,
        "algo": algo,
        "seed": seed,
        "config": configs.to_dict(config),
        "iteration": int(state.iteration),
    }
    save_pytree(path, state, meta)


def load_checkpoint(path: str, env: Env) -> tuple[Any, str, configs.Config, int]:
    """``(state, algo, config, seed)`` from a training checkpoint of ``env``'s task.

    Raises:
      CheckpointError: if the file is no training checkpoint of this task.
    """
    meta = read_metadata(path)
    if meta.get("kind") != TRAIN_KIND:
        raise CheckpointError(f"{path} is not a training checkpoint (kind {meta.get('kind')!r})")
    algo = str(meta["algo"])
    config = configs.from_dict(algo, meta["config"])
    like = state_template(env, algo, config)
    state = load_pytree(path, like, {"task": env.id, "kind": TRAIN_KIND})
    return state, algo, config, int(meta["seed"])


def train(
    task_id: str,
    *,
    algo: str | None = None,
    steps: int | None = None,
    num_envs: int | None = None,
    seed: int = 0,
    out: str | None = None,
    resume: bool = False,
    eval_every: int | None = None,
    video: bool = True,
    progress: bool = True,
    shard: bool = False,
    fuse_reset: bool | None = None,
    **overrides: Any,
) -> TrainResult:
    """Trains ``algo`` on ``task_id`` and writes the outputs listed in the module docstring.

    Args:
      task_id: ``"domain/task"``.
      algo: ``"sac"`` or ``"ppo"`` (default: :data:`configs.DEFAULT_ALGO`, or the checkpoint's).
      steps: total env steps (default: the tuned config's); rounded up to whole eval intervals.
      num_envs, eval_every, **overrides: config fields (see :mod:`mjxcontrol.agents.configs`).
      seed: the run's seed; same seed + same device = same run.
      out: output folder (default :func:`default_out_dir`).
      resume: continue from ``out/checkpoint.msgpack`` (its config; ``steps`` may be raised).
      video: render ``video.mp4`` of the final policy.
      progress: show a tqdm progress bar.
      shard: split the env batch over every local device (``num_envs`` must divide evenly);
        network updates then run as XLA partitions them.
      fuse_reset: step and reset the envs in one physics loop (:class:`mjxcontrol.AutoReset`;
        ``impl="jax"``): the training chunk compiles in less time. Default: the task's
        (:func:`mjxcontrol.wrappers.default_fuse_reset`).

    Raises:
      ValueError: unknown algorithm or config field, non-positive counts, nothing to resume.
    """
    start, start_cpu = time.perf_counter(), time.process_time()
    enable_compilation_cache()
    env = registry.load(task_id)
    task_id = env.id
    out = out or default_out_dir(task_id, algo or configs.DEFAULT_ALGO, seed)
    ckpt_path = os.path.join(out, CHECKPOINT)
    state, rows = None, []
    if resume:
        if not os.path.exists(ckpt_path):
            raise ValueError(f"--resume: no checkpoint at {ckpt_path}; train without --resume")
        state, saved_algo, config, seed = load_checkpoint(ckpt_path, env)
        if algo not in (None, saved_algo):
            raise ValueError(f"--resume: the checkpoint trains {saved_algo}, not {algo}")
        algo, config = saved_algo, configs.replace(config, steps=steps)
        rows = read_log(out)
    else:
        algo = configs.check_algo(algo or configs.DEFAULT_ALGO)
        config = make_config(
            task_id, algo, steps=steps, num_envs=num_envs, eval_every=eval_every, **overrides
        )
    env = registry.load(task_id, num_envs=max(config.num_envs, config.eval_episodes))  # warp
    per_iteration, per_chunk, chunks = schedule(config, algo)
    t = time.perf_counter()
    state, chunk, evaluate, program_s = compile_programs(
        env, algo, config, per_chunk, seed, state, shard, fuse_reset
    )
    compile_s = time.perf_counter() - t
    module = ALGORITHMS[algo]
    rows = [r for r in rows if r["env_steps"] <= int(state.iteration) * per_iteration]
    wall_offset = rows[-1]["wall_s"] if rows else 0.0
    cpu_offset = rows[-1].get("cpu_s", 0.0) if rows else 0.0
    header = {
        "task": task_id,
        "algo": algo,
        "seed": seed,
        "config": configs.to_dict(config),
        "compile_s": compile_s,
        "compile_s_per_program": program_s,
    }
    eval_key = jax.random.fold_in(jax.random.key(seed), EVAL_KEY_SALT)

    def log_eval(state, metrics, steps_per_s: float) -> float:
        env_steps = int(state.iteration) * per_iteration
        returns = evaluate(module.policy_params(state), jax.random.fold_in(eval_key, env_steps))
        row = {
            "env_steps": env_steps,
            "wall_s": 0.0,
            "eval_return": float(jnp.mean(returns)),
            "steps_per_s": steps_per_s,
            **{k: float(v) for k, v in metrics.items()},
        }
        row["wall_s"] = round(wall_offset + time.perf_counter() - start, 3)
        row["cpu_s"] = round(cpu_offset + time.process_time() - start_cpu, 3)
        rows.append(row)
        write_log(out, rows, header)
        return row["eval_return"]

    title = f"{task_id} {algo} seed {seed}"
    bar = tqdm(
        total=chunks * per_chunk * per_iteration,
        initial=int(state.iteration) * per_iteration,
        unit="step",
        unit_scale=True,
        disable=not progress,
        desc=f"{task_id} {algo}",
        dynamic_ncols=True,
    )
    if not rows:
        bar.set_postfix(eval=f"{log_eval(state, {}, 0.0):.1f}")
    evals_since_checkpoint = 0
    while int(state.iteration) < chunks * per_chunk:
        t = time.perf_counter()
        state, metrics = chunk(state)
        jax.block_until_ready(state)
        steps_per_s = per_chunk * per_iteration / (time.perf_counter() - t)
        ret = log_eval(state, metrics, steps_per_s)
        bar.update(per_chunk * per_iteration)
        bar.set_postfix(eval=f"{ret:.1f}", sps=f"{steps_per_s:,.0f}")
        evals_since_checkpoint += 1
        if evals_since_checkpoint >= config.checkpoint_every:
            save_checkpoint(ckpt_path, state, task_id=task_id, algo=algo, config=config, seed=seed)
            plot_curve(out, rows, title)
            evals_since_checkpoint = 0
    bar.close()

    save_checkpoint(ckpt_path, state, task_id=task_id, algo=algo, config=config, seed=seed)
    policy_fn = save_trained_policy(os.path.join(out, POLICY), env, algo, config, state)
    plot_curve(out, rows, title)
    if video:
        render_video(env, policy_fn, out, seed)
    return TrainResult(
        out=out, rows=rows, final_return=rows[-1]["eval_return"], compile_s=compile_s
    )


def compile_programs(
    env: Env,
    algo: str,
    config: configs.Config,
    per_chunk: int,
    seed: int,
    state=None,
    shard: bool = False,
    fuse_reset: bool | None = None,
):
    """``(state, chunk, evaluate, seconds)``: compiled concurrently; a fresh state if none given.

    XLA compiles one program on one core; the chunk, the evaluation and the initial state are
    three independent programs, so compiling them in threads overlaps them on a multi-core CPU.
    ``seconds`` maps each program to its own (overlapping) trace + compile time. Unsharded,
    a later run with the same arguments loads them instead of tracing them
    (:func:`mjxcontrol.program_store.compile_stored`). ``shard``:
    the env batch split over every local device (:func:`mjxcontrol.sharding.train_shardings`).
    ``fuse_reset``: the chunk's :class:`mjxcontrol.AutoReset` option.
    """
    module = ALGORITHMS[algo]
    template = program_store.once(lambda: state_template(env, algo, config))  # on a miss only
    network = policy_network(config, env.action_size)
    description = {"algo": algo, **program_store.env_description(env), "per_chunk": per_chunk}
    description.update(config=configs.to_dict(config), fuse_reset=fuse_reset)
    on_chunk: dict[str, Any] = {}  # jax.jit's placement arguments, when sharded
    on_eval: dict[str, Any] = {}
    on_init: dict[str, Any] = {}
    split = None
    if shard:
        sharding.check_divisible(config.num_envs)
        split, whole = sharding.train_shardings(template()), sharding.whole_sharding()
        on_chunk = {"in_shardings": (split,), "out_shardings": (split, whole)}
        on_eval, on_init = {"in_shardings": whole}, {"out_shardings": split}

    def compiled(name, make, options, donate_argnums=(), **placement):
        named = {**description, "program": f"train-{name}"}
        return program_store.compile_stored(named, make, options, donate_argnums, **placement)

    def compile_chunk():
        def make():
            return make_chunk(env, algo, config, per_chunk, fuse_reset), (template(),)

        return compiled("chunk", make, optimized(), (0,), **on_chunk)

    def compile_evaluate():
        def make():
            evaluate = make_evaluate(env, network, config.eval_episodes)
            return evaluate, (module.policy_params(template()), jax.random.key(0))

        return compiled("evaluate", make, optimized(), **on_eval)

    def initial_state():
        if state is not None:
            return state if split is None else jax.device_put(state, split)
        init, key = (lambda k: module.init_state(env, config, k)), jax.random.key(seed)
        options = compilation_cache.first_reset_options(env)
        program = compiled("init", lambda: (init, (key,)), options, **on_init)
        return jax.block_until_ready(program(key))

    done, seconds = compilation_cache.concurrently(
        {"init": initial_state, "chunk": compile_chunk, "evaluate": compile_evaluate}
    )
    return done["init"], done["chunk"], done["evaluate"], seconds


def save_trained_policy(path: str, env: Env, algo: str, config: configs.Config, state):
    """Writes ``policy.msgpack`` for ``state``'s policy; returns its ``policy_fn``."""
    spec = env.action_spec()
    params = ALGORITHMS[algo].policy_params(state)
    obs_keys = list(env.observation_spec())
    save_policy(
        path,
        params,
        task_id=env.id,
        algo=algo,
        config=configs.to_dict(config),
        action_minimum=spec.minimum,
        action_maximum=spec.maximum,
        obs_keys=obs_keys,
    )
    network = policy_network(config, env.action_size)
    return make_policy_fn(network, params, spec.minimum, spec.maximum, obs_keys)


def render_video(env: Env, policy_fn, out: str, seed: int) -> str | os.PathLike | None:
    """Writes ``out/video.mp4`` with :mod:`mjxcontrol.render`; a failure is reported, not raised."""
    from mjxcontrol import render

    try:
        return render.render_policy_video(env, policy_fn, os.path.join(out, VIDEO), seed=seed)
    except Exception as e:  # noqa: BLE001 -- a failed video must not lose a finished run
        print(f"video skipped: rendering failed: {type(e).__name__}: {e}")
        return None
