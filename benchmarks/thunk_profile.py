"""Where the bench's step spends its time, in XLA's own units: each thunk (one kernel or library
call of the compiled program) that XLA:CPU runs, with its self time, attributed to the JAX name
scope it came from (MJX's ``fwd_position``, ``solve``, ...).

The program is ``mjxcontrol bench``'s: ``chunk`` auto-resetting control steps of ``num_envs``
envs with uniform random actions (:func:`benchmarks.throughput.env_runner`, compiled with
:func:`mjxcontrol.compilation_cache.compiler_options`; ``MJXCONTROL_XLA_DEFAULTS=1`` for XLA's
own; ``--fuse-reset``: with ``AutoReset(fuse_reset=True)``, where XLA's copies show under
``(no name)``). ``calls`` calls run under ``jax.profiler.trace``; each thunk's name is looked
up in the compiled HLO, whose ``op_name`` metadata holds the JAX name stack. Self time is an event's
duration less its nested events' (a ``while`` thunk's body runs inside it). Times are summed
over the threads that ran thunks, per control step, and include the profiler's overhead: compare
rows of one run, not runs.

    python -m benchmarks.thunk_profile cheetah/run --physics exact --depth 4 --top 30
"""

from __future__ import annotations

import collections
import glob
import re
import sys
import tempfile

import jax

from mjxcontrol import registry
from mjxcontrol.benchmarks import throughput

# Name-stack parts that say how, not where (transformations, control flow, call wrappers).
_PLUMBING = {"vmap()", "while", "body", "cond", "closed_call", "jvp", "transpose", "call_exported"}
_PLUMBING_PREFIXES = ("jit(", "branch_")


def op_names(hlo_text: str) -> dict[str, str]:
    """``{instruction name: op_name}`` of every instruction in a compiled HLO module's text."""
    names = {}
    for line in hlo_text.splitlines():
        m = re.match(r"\s+(?:ROOT )?%?([\w.\-]+) = ", line)
        if m:
            op = re.search(r'op_name="([^"]*)"', line)
            names[m.group(1)] = op.group(1) if op else ""
    return names


def scope(op_name: str, depth: int) -> str:
    """The first ``depth`` parts of a name stack that say where, e.g. ``solve/while/mul``."""
    parts = [
        p for p in op_name.split("/") if p not in _PLUMBING and not p.startswith(_PLUMBING_PREFIXES)
    ]
    return "/".join(parts[:depth]) or "(no name)"


def self_times(xplane_path: str) -> tuple[collections.Counter, collections.Counter]:
    """``(count, self ns)`` per event name over every line of a profiler trace."""
    count: collections.Counter = collections.Counter()
    self_ns: collections.Counter = collections.Counter()
    for plane in jax.profiler.ProfileData.from_file(xplane_path).planes:
        for line in plane.lines:
            stack: list[tuple[int, int, str]] = []
            for start, duration, name in sorted(
                (ev.start_ns, ev.duration_ns, ev.name) for ev in line.events
            ):
                while stack and stack[-1][0] + stack[-1][1] <= start:
                    stack.pop()
                if stack:
                    self_ns[stack[-1][2]] -= duration
                count[name] += 1
                self_ns[name] += duration
                stack.append((start, duration, name))
    return count, self_ns


def profile(
    task: str, physics: str, num_envs: int, chunk: int, calls: int, fuse_reset: bool = False
) -> tuple:
    """Compiles and warms the bench's chunk, then traces ``calls`` calls. Returns
    ``(op names, counts, self ns, control steps traced)``."""
    env = registry.load(task, physics=physics, num_envs=num_envs)
    runner = throughput.env_runner(env, num_envs, chunk, fuse_reset=fuse_reset)
    carry = jax.block_until_ready(runner.run(runner.carry))
    with tempfile.TemporaryDirectory() as folder:
        with jax.profiler.trace(folder):
            for _ in range(calls):
                carry = runner.run(carry)
            jax.block_until_ready(carry)
        (path,) = glob.glob(f"{folder}/**/*.xplane.pb", recursive=True)
        count, self_ns = self_times(path)
    return op_names(runner.run.as_text()), count, self_ns, calls * chunk


def main(argv: list[str] | None = None) -> int:
    parser = throughput.chunk_parser(__doc__)
    parser.add_argument("--calls", type=int, default=3)
    parser.add_argument("--depth", type=int, default=3, help="name-scope parts per row")
    parser.add_argument("--top", type=int, default=25, help="rows of each table")
    parser.add_argument("--fuse-reset", action="store_true", help="AutoReset(fuse_reset=True)")
    args = parser.parse_args(argv)
    ops, count, self_ns, steps = profile(
        args.task, args.physics, args.num_envs, args.chunk, args.calls, args.fuse_reset
    )
    thunks = [name for name in count if name in ops]
    by_scope: collections.Counter = collections.Counter()
    runs: collections.Counter = collections.Counter()
    for name in thunks:
        key = scope(ops[name], args.depth)
        by_scope[key] += self_ns[name]
        runs[key] += count[name]
    total = sum(self_ns[name] for name in thunks)
    print(
        f"{args.task} {args.physics}, {args.num_envs} envs: {sum(runs.values()) / steps:,.0f} "
        f"thunks and {total / steps / 1e3:,.0f} us of thunk self time per control step"
    )
    print("\nus/step  thunks/step  name scope")
    for key, ns in by_scope.most_common(args.top):
        print(f"{ns / steps / 1e3:7.1f}  {runs[key] / steps:11.1f}  {key}")
    print("\nus/step  runs/step  instruction  name scope")
    for name in sorted(thunks, key=lambda n: -self_ns[n])[: args.top]:
        where = scope(ops[name], 8)
        print(f"{self_ns[name] / steps / 1e3:7.1f}  {count[name] / steps:9.1f}  {name}  {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
