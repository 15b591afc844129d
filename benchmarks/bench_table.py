"""The bench sections of docs/performance.md: ``mjxcontrol bench`` reports against MuJoCo
Playground (docs/bench/``name``.json, cold cache, and ``name``-warm.json, the same command again)
and the GPU sweep's merged report (docs/bench/gpu.json). Rendered by
:mod:`mjxcontrol.benchmarks.performance_table`."""

from __future__ import annotations

import json
from pathlib import Path

from mjxcontrol import profiles
from mjxcontrol.benchmarks.bench_suite import row_key, to_first_step_s, vs_playground
from mjxcontrol.benchmarks.solver_sweep import INTEGRATORS, label


def _settings(row: dict) -> str:
    opt = row["settings"]
    text = label((opt["iterations"], opt["ls_iterations"]), {})
    integrator = INTEGRATORS.get(opt["integrator"], opt["integrator"])
    extra = [integrator, *(f"no {f}" for f in opt.get("disabled", ()))]
    extra += [f"{k} {opt[k]}" for k in profiles.MJX_NUMERICS if opt.get(k) is not None]
    substeps = f"{row['n_substeps']} substeps"
    if "timestep" in opt:  # reports since the fast profile could change it
        substeps += f" of {1e3 * opt['timestep']:g} ms"
    return ", ".join([text, *extra, substeps])


PLAYGROUND_TITLE = "Against MuJoCo Playground"
FUSED_TITLE = "Against MuJoCo Playground, with `AutoReset(fuse_reset=True)`"
DEFAULTS_TITLE = "Against MuJoCo Playground, both compiled with XLA's default options"
# (report name, section title), in the order they render.
BENCH_SECTIONS = (
    ("bench", PLAYGROUND_TITLE),
    ("bench-xla-defaults", DEFAULTS_TITLE),
    ("bench-fused", FUSED_TITLE),
)


def _compiled_with(report: dict) -> tuple[str, str]:
    """``(command prefix, words)``: the XLA options every runner of ``report`` compiled with
    (reports before session 31 record none: XLA's defaults; before session 38, no reset's own)."""
    options = report.get("compiler_options")
    if not options:
        prefix = "" if options is None else "MJXCONTROL_XLA_DEFAULTS=1 "
        return prefix, "every runner compiled with XLA's default options"
    words = f"every runner compiled with the XLA options {_shown(options)}"
    per_task, resets = {}, {}  # a task's own options; its first resets' (all its runners)
    for row in report.get("results", []):
        own = row.get("compiler_options", {})
        extra = {k: v for k, v in own.items() if k not in options}
        if extra:
            per_task[row["task"]] = _shown(extra)
        reset = {k: v for k, v in row.get("reset_compiler_options", {}).items() if own.get(k) != v}
        if reset:
            resets[row["task"]] = _shown(reset)
    if per_task:
        listed = "; ".join(f"{task}: {text}" for task, text in per_task.items())
        words += f", and every runner of a task with that task's own ({listed})"
    if resets:
        listed = "; ".join(f"{task}: {text}" for task, text in resets.items())
        words += f"; every runner's first reset, run once, also with ({listed})"
    return "", words


def _shown(options: dict) -> str:
    return ", ".join(f"`{k}={v!r}`" for k, v in options.items())


def _fuse_flag(fuse_reset: bool | None) -> str:
    """The bench flag that reproduces a report's ``fuse_reset``: reports before session 36
    store ``False`` for what is now ``--no-fuse-reset`` (every env plain); ``None`` is the
    default (each task's own choice)."""
    if fuse_reset is None:
        return ""
    return " --fuse-reset" if fuse_reset else " --no-fuse-reset"


def playground_section(
    cold: dict, warm: dict | None = None, title: str = PLAYGROUND_TITLE, name: str = "bench"
) -> str:
    """The "against MuJoCo Playground" section from a ``mjxcontrol bench --out`` report run
    with a cold compilation cache (``cold``) and the same command run again (``warm``), kept
    as docs/bench/``name``.json and ``name``-warm.json."""
    args = cold["arguments"]
    chunk = args["chunk"]
    prefix, compiled_with = _compiled_with(cold)
    command = (
        f"{prefix}mjxcontrol bench {' '.join(args['tasks'])} --num-envs "
        f"{','.join(map(str, args['batch_sizes']))} --physics {','.join(args['physics'])} "
        f"--anchors {','.join(args['anchors'])} --steps {args['steps']} --chunk {args['chunk']}"
        + _fuse_flag(args.get("fuse_reset"))
    )
    versions = cold["versions"]
    warm_rows = {row_key(r): r for r in (warm or {}).get("results", [])}
    vs_pg, vs_pg2 = vs_playground(cold), vs_playground(warm or {})
    alone = ""
    if cold.get("runners_traced_alone"):
        alone = "; each runner traced as if alone, after `jax.clear_caches()`"
    stored = ""
    if (warm or {}).get("program_store"):
        stored = (
            " In the second run mjxcontrol loads its programs from its program store (no "
            "tracing; docs/api.md), Playground traces its own and loads their compiled form from "
            "JAX's persistent cache."
        )
    lines = [
        f"## {title}",
        "",
        f"`{command} --out DIR --cache-dir NEW_DIR` (docs/bench/{name}.json), then the same "
        f"command again (the second run: warm compile; docs/bench/{name}-warm.json) "
        f"({cold['device']}, {versions.get('platform', '')}, jax "
        f"{versions.get('jax')}, mujoco {versions.get('mujoco')}, playground "
        f"{versions.get('playground')}; {compiled_with}). Every runner of a task is timed in "
        "the same process, "
        "chunks interleaved; compile is the time to the first step, reset included (the first "
        "chunk's time less its other steps at the timed rate; each library's chunk compiles "
        f"while its reset compiles and runs{alone}).{stored} The plot is "
        f"[docs/bench/{name}.png](bench/{name}.png).",
        "",
        "| task | runner | settings | env-steps/s | x Playground | compile s cold | second run: "
        "compile s warm | env-steps/s | x Playground |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in cold["results"]:
        if "skipped" in r:
            continue
        runner = r["runner"] if r["physics"] is None else f"{r['runner']} {r['physics']}"
        ratio = vs_pg.get(row_key(r))
        second = warm_rows.get(row_key(r))
        again = ["-", "-", "-"]
        if second is not None and "env_steps_per_s" in second:
            ratio2 = vs_pg2.get(row_key(r))
            again = [
                f"{to_first_step_s(second, chunk):.1f}",
                f"{second['env_steps_per_s']:,.0f}",
                "-" if ratio2 is None else f"{ratio2:.2f}x",
            ]
        lines.append(
            f"| {r['task']} | {runner} | {_settings(r)} | {r['env_steps_per_s']:,.0f} | "
            f"{'-' if ratio is None else f'{ratio:.2f}x'} | {to_first_step_s(r, chunk):.1f} | "
            + " | ".join(again)
            + " |"
        )
    return "\n".join(lines) + "\n"


GPU_SWEEP = "benchmarks/gpu_sweep.sh"


def gpu_section(report: dict | None) -> str:
    """The "On a GPU" section: ``benchmarks/gpu_sweep.sh``'s merged report (docs/bench/gpu.json),
    one row per task, batch size and runner; or, with no report, what would produce it."""
    lines = ["## On a GPU", ""]
    if report is None:
        lines.append(
            "Not measured yet: no session has had a GPU to run on (docs/status.md says why). "
            f"`{GPU_SWEEP} OUT` "
            "runs the issue's sweep in one call (cartpole/swingup, cheetah/run, walker/walk and "
            "humanoid/run at 1,024, 4,096 and 16,384 envs, both profiles, against Playground) "
            "after tests/test_gpu.py's dm_control parity checks on the device; its "
            "`OUT/bench.json` goes to docs/bench/gpu.json and renders here."
        )
        return "\n".join(lines) + "\n"
    args, chunk = report["arguments"], report["arguments"]["chunk"]
    lines += [
        f"`{GPU_SWEEP}` ({report['device']}, jax {report['versions'].get('jax')}, mujoco "
        f"{report['versions'].get('mujoco')}, playground {report['versions'].get('playground')}; "
        f"{args['steps']} random-action steps in chunks of {chunk}; cold compiles, with the "
        "sweep's processes compiling side by side on the host while one at a time is timed). "
        "Plot: [docs/bench/gpu.png](bench/gpu.png).",
        "",
        "| task | envs | runner | env-steps/s | x Playground | s to first step, cold |",
        "|---|---|---|---|---|---|",
    ]
    vs_pg = vs_playground(report)
    timed = [r for r in report["results"] if "env_steps_per_s" in r]
    for r in sorted(
        timed, key=lambda r: (r["task"], r["num_envs"], r["runner"], r["physics"] or "")
    ):
        runner = r["runner"] if r["physics"] is None else f"{r['runner']} {r['physics']}"
        ratio = vs_pg.get(row_key(r))
        lines.append(
            f"| {r['task']} | {r['num_envs']:,} | {runner} | {r['env_steps_per_s']:,.0f} | "
            f"{'-' if ratio is None else f'{ratio:.2f}x'} | {to_first_step_s(r, chunk):.1f} |"
        )
    return "\n".join(lines) + "\n"


def sections(folder: Path) -> str:
    """Every bench section whose report is in ``folder``, in :data:`BENCH_SECTIONS`' order, then
    the GPU section (which says what would produce it where no report is there)."""
    text = ""
    for name, title in BENCH_SECTIONS:
        if (folder / f"{name}.json").exists():
            cold = json.loads((folder / f"{name}.json").read_text())
            warm_path = folder / f"{name}-warm.json"
            warm = json.loads(warm_path.read_text()) if warm_path.exists() else None
            text += "\n" + playground_section(cold, warm, title, name)
    gpu = folder / "gpu.json"
    return text + "\n" + gpu_section(json.loads(gpu.read_text()) if gpu.exists() else None)
