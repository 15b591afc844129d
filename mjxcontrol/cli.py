"""The ``mjxcontrol`` command: ``list``, ``info``, ``bench``, ``train``, ``eval`` and ``render``."""

from __future__ import annotations

import argparse
import dataclasses
import json
import pathlib
import sys
from collections.abc import Callable
from typing import Any

from mjxcontrol import profiles, registry, support
from mjxcontrol.compilation_cache import CACHE_ENV_VAR, DEFAULT_CACHE_DIR, enable_compilation_cache
from mjxcontrol.physics import IMPLS, UnsupportedFeatureError


def _list(args) -> int:
    tasks = registry.list_tasks(args.tag)
    width = max(len(t.id) for t in tasks)
    for t in tasks:
        print(f"{t.id:<{width}}  {', '.join(t.tags)}")
    print(f"{len(tasks)} tasks")
    return 0


def _info(args) -> int:
    env = registry.load(args.task, impl=args.impl)
    m = env.physics.mj_model
    info = {
        "task": env.id,
        "tags": list(registry.get_info(args.task).tags),
        "observation_spec": {k: list(s.shape) for k, s in env.observation_spec().items()},
        "action_spec": {
            "shape": list(env.action_spec().shape),
            "minimum": env.action_spec().minimum.tolist(),
            "maximum": env.action_spec().maximum.tolist(),
        },
        "physics_timestep": env.physics.timestep,
        "n_substeps": env.n_substeps,
        "control_timestep": env.control_timestep,
        "time_limit": env.task.time_limit,
        "step_limit": env.step_limit,
        "model": {"nq": m.nq, "nv": m.nv, "nu": m.nu, "nbody": m.nbody, "ngeom": m.ngeom},
        "mjx_support": support.impl_support(env.id),  # by tracing on each impl
        "physics_profiles": {
            name: profiles.describe(
                registry.load(args.task, impl=args.impl, physics=name).physics.mj_model
            )
            for name in profiles.PROFILES
        },
        "options": {f.name: getattr(env.task, f.name) for f in dataclasses.fields(env.task)},
    }
    if args.json:
        print(json.dumps(info, indent=2, default=str))
    else:
        for k, v in info.items():
            print(f"{k:>17}: {v}")
    return 0


def _bench(args) -> int:
    # Imported lazily: the suite pulls in tqdm, matplotlib and, as an anchor, Playground.
    from mjxcontrol.benchmarks import bench_suite

    cache = cache_from_args(args)
    anchors = [a for a in args.anchors if not (args.no_raw and a == "raw")]
    report = bench_suite.run(
        args.tasks,
        args.num_envs,
        args.impl or [None],
        args.physics,
        steps=args.steps,
        chunk=args.chunk,
        anchors=anchors,
        shard=args.shard,
        progress=not args.json,
        fuse_reset=args.fuse_reset,
        timing_lock=args.timing_lock,
    )
    report["compilation_cache"] = cache
    if args.out:
        out = pathlib.Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "bench.json").write_text(json.dumps(report, indent=2) + "\n")
        bench_suite.plot(report, str(out / "bench.png"))
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(
        f"device={report['device']} devices={report['devices']} steps={args.steps} "
        f"compilation cache={cache}"
    )
    print(bench_suite.table(report))
    if args.out:
        print(f"wrote {args.out}/bench.json and {args.out}/bench.png")
    return 0


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line (``mjxcontrol CMD: error: ...``), exit 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message}\n")


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return value


def comma_list(item_type: Callable[[str], Any] = str, choices: tuple[str, ...] | None = None):
    """argparse type: a comma-separated list (``1024,4096``) of ``item_type``, from ``choices``."""

    def parse(text: str) -> list:
        items = [item_type(item) for item in text.split(",") if item]
        bad = [item for item in items if choices is not None and item not in choices]
        if not items or bad:
            raise argparse.ArgumentTypeError(
                f"expected a comma-separated list of {', '.join(choices or ('values',))}, "
                f"got {text!r}"
            )
        return items

    return parse


def add_cache_arguments(p: argparse.ArgumentParser) -> None:
    """``--cache-dir`` / ``--no-cache``: JAX's persistent compilation cache (on by default)."""
    p.add_argument(
        "--cache-dir",
        help=f"persistent compilation cache (default: ${CACHE_ENV_VAR} or {DEFAULT_CACHE_DIR})",
    )
    p.add_argument(
        "--no-cache", action="store_true", help="compile from scratch (a cold-compile timing)"
    )


def cache_from_args(args: argparse.Namespace) -> str | None:
    """Turns on the persistent compilation cache as ``add_cache_arguments``' flags ask; returns
    its directory, or None with ``--no-cache``."""
    return None if args.no_cache else enable_compilation_cache(args.cache_dir)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``mjxcontrol`` command."""
    parser = _Parser(prog="mjxcontrol", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("list", help="list the registered tasks with dm_control's tags")
    p.add_argument("--tag", choices=[*registry.KNOWN_TAGS, registry.EXTRA])
    p.set_defaults(func=_list)

    p = sub.add_parser("info", help="specs, timesteps, tags and MJX support of one task")
    p.add_argument("task", help="DOMAIN/TASK, e.g. cartpole/swingup")
    p.add_argument("--impl", choices=IMPLS, help="MJX implementation (default: the task's)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_info)

    from mjxcontrol.benchmarks.bench_suite import ANCHORS

    p = sub.add_parser(
        "bench", help="batched env-steps/s: tasks x batch sizes x impls x physics profiles"
    )
    p.add_argument("tasks", nargs="+", metavar="task", help="DOMAIN/TASK, e.g. cartpole/swingup")
    p.add_argument(
        "--num-envs", type=comma_list(positive_int), default=[1024], help="e.g. 1024,4096"
    )
    p.add_argument("--steps", type=positive_int, default=1000, help="control steps per env (timed)")
    p.add_argument("--chunk", type=positive_int, default=100, help="control steps per jitted call")
    p.add_argument(
        "--impl", type=comma_list(choices=IMPLS), help="MJX implementations (default: the task's)"
    )
    p.add_argument(
        "--physics",
        type=comma_list(choices=profiles.PROFILES),
        default=[profiles.DEFAULT_PROFILE],
        help="physics profiles, e.g. exact,fast",
    )
    p.add_argument(
        "--anchors",
        type=comma_list(choices=ANCHORS),
        default=["raw"],
        help="measured side by side: raw (mjx.step), playground (MuJoCo Playground's port)",
    )
    p.add_argument("--no-raw", action="store_true", help="skip the raw mjx.step anchor")
    p.add_argument("--shard", action="store_true", help="spread the batch over every local device")
    p.add_argument(
        "--fuse-reset",
        action=argparse.BooleanOptionalAction,
        help="AutoReset(fuse_reset=...) for every task (default: each task's own); a fused env "
        "is runner mjxcontrol_fused",
    )
    p.add_argument(
        "--timing-lock",
        metavar="PATH",
        help="several bench processes sharing one device: compile side by side, but time steps "
        "only while holding an exclusive lock on this file",
    )
    p.add_argument("--out", help="write bench.json and bench.png (env-steps/s vs batch) here")
    p.add_argument("--json", action="store_true", help="print the JSON report")
    add_cache_arguments(p)
    p.set_defaults(func=_bench)

    # Imported here: they import this module (for positive_int) and their heavier dependencies
    # only when their commands run.
    from mjxcontrol import cli_render, cli_train

    cli_train.add_parsers(sub)
    cli_render.add_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status (2 with a one-line message on bad input)."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, UnsupportedFeatureError) as e:
        print(f"mjxcontrol: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
