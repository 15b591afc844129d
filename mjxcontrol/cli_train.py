"""``mjxcontrol train`` and ``mjxcontrol eval``: the reference trainer on the command line.

``add_parsers(subparsers)`` adds both subcommands to the ``mjxcontrol`` parser::

    mjxcontrol train cartpole/swingup                     # SAC, tuned defaults, runs/... outputs
    mjxcontrol train cartpole/swingup --algo ppo --steps 2000000 --num-envs 256
    mjxcontrol eval cartpole/swingup --checkpoint runs/cartpole-swingup-sac-0/policy.msgpack
"""

from __future__ import annotations

import argparse
import os

import jax
import numpy as np

from mjxcontrol import registry
from mjxcontrol.agents import configs, enable_compilation_cache
from mjxcontrol.agents.policy import PolicyFn, load_policy, read_policy
from mjxcontrol.cli import positive_int

DEFAULT_EVAL_EPISODES = 10
POLICY_FILE = "policy.msgpack"


def add_parsers(subparsers) -> None:
    """Adds ``train`` and ``eval`` to an ``argparse`` subparsers object."""
    p = subparsers.add_parser("train", help="train SAC or PPO on a task (curve, log, checkpoint)")
    p.add_argument("task", help="DOMAIN/TASK, e.g. cartpole/swingup")
    p.add_argument(
        "--algo",
        choices=configs.ALGOS,
        default=None,
        help=f"default {configs.DEFAULT_ALGO} (or the checkpoint's with --resume)",
    )
    p.add_argument("--steps", type=positive_int, help="total env steps (default: tuned per task)")
    p.add_argument("--num-envs", type=positive_int, help="parallel envs (default: tuned)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", help="output folder (default runs/<domain>-<task>-<algo>-<seed>)")
    p.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.msgpack")
    p.add_argument("--eval-every", type=positive_int, help="env steps between evaluations")
    p.add_argument("--no-video", action="store_true", help="skip video.mp4")
    p.add_argument("--shard", action="store_true", help="spread the envs over every local device")
    p.add_argument(
        "--fuse-reset",
        action=argparse.BooleanOptionalAction,
        help="step and reset envs in one physics loop, less to compile (default: the task's)",
    )
    p.set_defaults(func=run_train)

    p = subparsers.add_parser(
        "eval", help="a trained policy's return in mjxcontrol and in dm_control"
    )
    p.add_argument("task", help="DOMAIN/TASK, e.g. cartpole/swingup")
    p.add_argument(
        "--checkpoint",
        required=True,
        help="policy.msgpack (or a training output folder holding one)",
    )
    p.add_argument("--episodes", type=positive_int, default=DEFAULT_EVAL_EPISODES)
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=run_eval)


def run_train(args: argparse.Namespace) -> int:
    """``mjxcontrol train``: see :func:`mjxcontrol.train.train`."""
    from mjxcontrol.train import train  # lazily: pulls in matplotlib, optax, flax

    result = train(
        args.task,
        algo=args.algo,
        steps=args.steps,
        num_envs=args.num_envs,
        seed=args.seed,
        out=args.out,
        resume=args.resume,
        eval_every=args.eval_every,
        video=not args.no_video,
        shard=args.shard,
        fuse_reset=args.fuse_reset,
    )
    best = max(r["eval_return"] for r in result.rows)
    print(
        f"final eval return {result.final_return:.1f} (best {best:.1f}); "
        f"compile {result.compile_s:.0f} s; outputs in {result.out}"
    )
    return 0


def run_eval(args: argparse.Namespace) -> int:
    """``mjxcontrol eval``: mean return over ``--episodes`` episodes, ours and dm_control's."""
    enable_compilation_cache()
    path = args.checkpoint
    if os.path.isdir(path):
        path = os.path.join(path, POLICY_FILE)
    meta, network, params = read_policy(path)
    env = registry.load(args.task)
    if meta["task"] != env.id:
        raise ValueError(f"{path} holds a policy for {meta['task']}, not {env.id}")
    ours = mjx_returns(env, network, params, args.episodes, args.seed)
    print(
        f"mjxcontrol: mean return {np.mean(ours):.1f} over {args.episodes} episodes "
        f"(std {np.std(ours):.1f})"
    )
    try:
        from dm_control import suite  # noqa: F401  (a test extra)
    except ImportError:
        print(
            "dm_control is not installed (pip install 'mjxcontrol[test]'): "
            "reporting mjxcontrol only"
        )
        return 0
    _, policy_fn = load_policy(path)
    theirs = dm_control_returns(env.domain, env.name, policy_fn, args.episodes, args.seed)
    diff = relative_difference(float(np.mean(ours)), float(np.mean(theirs)))
    print(
        f"dm_control: mean return {np.mean(theirs):.1f} over {args.episodes} episodes "
        f"(std {np.std(theirs):.1f})"
    )
    print(f"relative difference: {100 * diff:.2f} %")
    return 0


def mjx_returns(env, network, params, episodes: int, seed: int) -> np.ndarray:
    """Returns ``[episodes]`` of the deterministic policy in mjxcontrol (the trainer's eval)."""
    from mjxcontrol.train import make_evaluate, optimized

    key = jax.random.key(seed)
    evaluate = (
        jax.jit(make_evaluate(env, network, episodes)).lower(params, key).compile(optimized())
    )
    return np.asarray(evaluate(params, key))


def dm_control_returns(domain: str, task: str, policy_fn: PolicyFn, episodes: int, seed: int):
    """Returns ``[episodes]`` of ``policy_fn`` in dm_control's own ``suite`` task."""
    from dm_control import suite

    env = suite.load(domain, task, task_kwargs={"random": seed})
    key = jax.random.key(seed)
    returns = []
    for _ in range(episodes):
        step = env.reset()
        total = 0.0
        while not step.last():
            obs = {k: np.asarray(v, np.float32) for k, v in step.observation.items()}
            step = env.step(np.asarray(policy_fn(obs, key)))
            total += float(step.reward or 0.0)
        returns.append(total)
    return np.asarray(returns)


def relative_difference(ours: float, theirs: float) -> float:
    """``|ours - theirs| / |theirs|`` (absolute difference when ``theirs`` is 0)."""
    return abs(ours - theirs) / (abs(theirs) or 1.0)
