"""A/B of XLA compile options on the bench's program: which options a domain should take
(``mjxcontrol.compilation_cache.DOMAIN_CPU_OPTIONS``).

The bench's chunk (``chunk`` auto-resetting control steps of ``num_envs`` envs, uniform random
actions) is lowered once and compiled three times: with the base options
(:func:`mjxcontrol.compilation_cache.compiler_options` without a task), with the base plus the
option under test, and with the base plus a control option that should change nothing that
matters for speed. The three programs then run in alternating order from the same first state,
``rounds`` chunks each, in one process. The control's ratio shows how far two compiles of the
same program differ by chance: an option is worth a domain only where its gain clearly beats the
control's. One JSON line per run (``--log`` appends it to a file too).

``--unroll-rows N`` and ``--fuse-reset`` test a tracing choice instead of an XLA option: the
option's program is traced again with :data:`mjxcontrol.linalg.UNROLL_ROWS` at ``N`` (Cholesky
factors of more rows keep their loops) or with ``AutoReset(fuse_reset=True)``, and all three
compile with the task's options (``compiler_options(task)``).

    python -m benchmarks.option_ab acrobot/swingup --rounds 40
    python -m benchmarks.option_ab manipulator/bring_ball --num-envs 256 --rounds 8
    python -m benchmarks.option_ab walker/walk --unroll-rows 32 --rounds 8
    python -m benchmarks.option_ab hopper/hop --fuse-reset --rounds 8
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import jax

from mjxcontrol import compilation_cache, linalg, registry
from mjxcontrol.benchmarks import throughput

# The option under test by default, and a control: NaN-propagating min/max, a few more
# instructions in a handful of places, so its compile takes the same path as the base's.
DEFAULT_OPTION = "xla_cpu_use_fusion_emitters=false"
DEFAULT_CONTROL = "xla_cpu_enable_fast_min_max=false"


def parse_option(text: str) -> dict[str, Any]:
    """``"name=value"`` as an XLA option: ``true``/``false`` become bools, integers ints."""
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise ValueError(f"an option is NAME=VALUE, got {text!r}")
    lowered = value.lower()
    if lowered in ("true", "false"):
        return {name: lowered == "true"}
    try:
        return {name: int(value)}
    except ValueError:
        return {name: value}


def traced_variant(
    env, num_envs: int, chunk: int, carry, unroll_rows: int | None, fuse_reset: bool
) -> tuple[Any, dict[str, Any]]:
    """The bench's chunk traced another way, lowered at ``carry``: with ``linalg.UNROLL_ROWS``
    at ``unroll_rows`` (if given; put back afterwards) and/or ``AutoReset(fuse_reset=True)``.
    Returns ``(lowered, the variant as a dict for the row)``."""
    variant: dict[str, Any] = {"fuse_reset": True} if fuse_reset else {}
    saved = linalg.UNROLL_ROWS
    if unroll_rows is not None:
        variant["unroll_rows"] = linalg.UNROLL_ROWS = unroll_rows
    try:
        run = throughput.env_program(env, num_envs, chunk, fuse_reset=fuse_reset)[2]
        return jax.jit(run).lower(carry), variant
    finally:
        linalg.UNROLL_ROWS = saved


def measure(
    task: str,
    physics: str,
    num_envs: int,
    chunk: int,
    rounds: int,
    option: dict,
    control: dict,
    unroll_rows: int | None = None,
    fuse_reset: bool = False,
) -> dict[str, Any]:
    """Compiles the chunk with each option set and times them alternately; returns the row.
    With ``unroll_rows`` or ``fuse_reset``, the option's program is :func:`traced_variant`,
    ``option`` is ignored, and every program compiles with the task's options."""
    env = registry.load(task, physics=physics, num_envs=num_envs)
    reset, keys, run, key = throughput.env_program(env, num_envs, chunk, fuse_reset=False)
    traced = unroll_rows is not None or fuse_reset
    # An XLA option is tried on the base options; a tracing choice with the task's own.
    base = compilation_cache.compiler_options(task if traced else None)
    carry = (jax.jit(reset).lower(keys).compile(base)(keys), key)
    names = ("base", "option", "control")
    lowered: dict[str, Any] = dict.fromkeys(names, jax.jit(run).lower(carry))
    if traced:
        lowered["option"], option = traced_variant(
            env, num_envs, chunk, carry, unroll_rows, fuse_reset
        )
    extra = {"base": {}, "option": {} if traced else option, "control": control}
    sets = {name: {**base, **extra[name]} for name in names}
    compiled, compile_s = {}, {}
    for name, options in sets.items():
        t0 = time.perf_counter()
        compiled[name] = lowered[name].compile(options)
        compile_s[name] = round(time.perf_counter() - t0, 1)
    carries = {name: jax.block_until_ready(f(carry)) for name, f in compiled.items()}  # warm up
    seconds = dict.fromkeys(sets, 0.0)
    order = list(sets)
    for i in range(rounds):
        for name in order if i % 2 == 0 else order[::-1]:
            t0 = time.perf_counter()
            carries[name] = jax.block_until_ready(compiled[name](carries[name]))
            seconds[name] += time.perf_counter() - t0
    per_s = {name: rounds * chunk * num_envs / s for name, s in seconds.items()}
    return {
        "task": task,
        "physics": physics,
        "num_envs": num_envs,
        "chunk": chunk,
        "rounds": rounds,
        "option": option,
        "control": control,
        "env_steps_per_s": {name: round(v) for name, v in per_s.items()},
        "option_ratio": round(per_s["option"] / per_s["base"], 3),
        "control_ratio": round(per_s["control"] / per_s["base"], 3),
        "compile_s": compile_s,
        "device": jax.devices()[0].device_kind,
    }


def main(argv: list[str] | None = None) -> int:
    parser = throughput.chunk_parser(__doc__)
    parser.add_argument("--rounds", type=int, default=8, help="timed chunks per option set")
    parser.add_argument("--option", default=DEFAULT_OPTION, help="NAME=VALUE under test")
    parser.add_argument("--control", default=DEFAULT_CONTROL, help="NAME=VALUE, the control")
    parser.add_argument("--unroll-rows", type=int, help="test linalg.UNROLL_ROWS=N instead")
    parser.add_argument(
        "--fuse-reset", action="store_true", help="test AutoReset(fuse_reset=True) instead"
    )
    parser.add_argument("--log", help="a JSON-lines file to append the row to")
    args = parser.parse_args(argv)
    try:
        option, control = parse_option(args.option), parse_option(args.control)
    except ValueError as e:
        parser.error(str(e))
    row = measure(
        args.task,
        args.physics,
        args.num_envs,
        args.chunk,
        args.rounds,
        option,
        control,
        args.unroll_rows,
        args.fuse_reset,
    )
    line = json.dumps(row)
    print(line)
    if args.log:
        with open(args.log, "a") as f:
            f.write(line + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
