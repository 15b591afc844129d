"""``mjxcontrol render DOMAIN/TASK``: an MP4 of one episode and a PNG contact sheet of it.

Without ``--checkpoint`` the actions are uniform random; with it, the trained policy is loaded with
``mjxcontrol.agents.policy.load_policy`` (imported only then).
"""

from __future__ import annotations

import argparse
import pathlib
import sys

from mjxcontrol import registry, video
from mjxcontrol.cli import add_cache_arguments, cache_from_args, positive_int
from mjxcontrol.render import DEFAULT_HEIGHT, DEFAULT_WIDTH


def _camera(text: str) -> int | str:
    """argparse type: a camera id (integer, -1 = free camera) or a camera name."""
    try:
        return int(text)
    except ValueError:
        return text


def add_parsers(subparsers) -> None:
    """Adds the ``render`` command to ``subparsers`` (from ``parser.add_subparsers()``)."""
    p = subparsers.add_parser(
        "render", help="render one episode to OUT/DOMAIN-TASK.mp4 and a PNG contact sheet"
    )
    p.add_argument("task", help="DOMAIN/TASK, e.g. cartpole/swingup")
    p.add_argument(
        "--checkpoint", type=pathlib.Path, help="trained policy (default: uniform random actions)"
    )
    p.add_argument("--out", type=pathlib.Path, default=pathlib.Path("videos"), help="output folder")
    p.add_argument(
        "--steps", type=positive_int, help="control steps (default: the episode's step limit)"
    )
    p.add_argument("--seed", type=int, default=0, help="seeds the reset and the policy")
    p.add_argument("--width", type=positive_int, default=DEFAULT_WIDTH, help="pixels")
    p.add_argument("--height", type=positive_int, default=DEFAULT_HEIGHT, help="pixels")
    p.add_argument(
        "--camera", type=_camera, help="camera name or id (default: camera 0, as dm_control)"
    )
    add_cache_arguments(p)
    p.set_defaults(func=run)


def load_checkpoint_policy(path: pathlib.Path, task_id: str):
    """``policy_fn`` from a checkpoint trained on ``task_id``.

    Raises:
      ValueError: the training package is missing, or the checkpoint is for another task.
    """
    try:
        from mjxcontrol.agents.policy import load_policy
    except ImportError as e:
        raise ValueError(
            f"--checkpoint needs mjxcontrol.agents.policy (the training package), which cannot be "
            f"imported here ({e}); render without --checkpoint for random actions"
        ) from e
    if not path.exists():
        raise ValueError(f"checkpoint {path} does not exist")
    checkpoint_task, policy_fn = load_policy(path)
    if checkpoint_task != task_id:
        raise ValueError(
            f"checkpoint {path} was trained on {checkpoint_task}, not {task_id}; run "
            f"`mjxcontrol render {checkpoint_task} --checkpoint {path}`"
        )
    return policy_fn


def run(args: argparse.Namespace) -> int:
    """Renders ``args.task`` and prints the two paths written; returns the exit status."""
    from mjxcontrol import render  # the GL context is only needed here

    cache_from_args(args)
    env = registry.load(args.task)
    policy_fn = None
    if args.checkpoint is not None:
        policy_fn = load_checkpoint_policy(args.checkpoint, env.id)
    try:
        frames = render.rollout_frames(
            env,
            policy_fn,
            seed=args.seed,
            num_steps=args.steps,
            width=args.width,
            height=args.height,
            camera=args.camera,
            progress=True,
        )
    except render.RenderError as e:
        print(f"mjxcontrol render: error: {e}", file=sys.stderr)
        return 1
    stem = args.out / f"{env.domain}-{env.name}"
    movie = video.save_video(stem.with_suffix(".mp4"), frames, render.video_fps(env))
    sheet = video.save_contact_sheet(stem.with_suffix(".png"), frames)
    print(f"{movie}  ({len(frames)} frames at {render.video_fps(env)} fps)")
    print(sheet)
    return 0
