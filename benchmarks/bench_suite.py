"""``mjxcontrol bench`` as a suite: tasks x batch sizes x impl x physics profile, with anchors.

A *case* is one (task, impl, batch size). Within a case every runner is compiled first and then
timed chunk by chunk, interleaved (:func:`throughput.time_runners`), so that its numbers share
the machine's state:

* ``mjxcontrol``: the env, once per physics profile asked for (``exact``, ``fast``);
  ``mjxcontrol_fused`` instead where its :class:`mjxcontrol.AutoReset` fuses (``fuse_reset``:
  step and resets in one physics loop; by default each task's own choice,
  :func:`mjxcontrol.wrappers.default_fuse_reset`). Instead, not beside: the two would share
  their reset program through the persistent compilation cache, and the second would not pay
  its compile;
* ``raw_mjx`` (anchor ``raw``): ``n_substeps`` raw ``mjx.step`` calls per control step on the same
  model, once per profile: what the env layer costs;
* ``playground`` (anchor ``playground``): MuJoCo Playground's port of the task on the same impl,
  with Playground's own settings (:mod:`mjxcontrol.benchmarks.playground_anchor`); recorded as
  skipped, with the reason, where Playground is not installed or lacks the task.

Every runner's programs compile with the same XLA options,
:func:`mjxcontrol.compilation_cache.compiler_options` (``MJXCONTROL_XLA_DEFAULTS=1``: XLA's own),
and every runner's first reset with the task's
:func:`mjxcontrol.compilation_cache.first_reset_options`.

The report (:func:`run`) is a JSON-able dict: device, versions, those compiler options, the
arguments and one row per
(case, runner, profile) with compile seconds (reset + first chunk; ``first_step_s``: reset + first
step, :func:`throughput.first_step_s`), run seconds and env-steps/s
(control steps of all envs together), plus each profile's ratio to the anchors. :func:`plot`
draws env-steps/s against batch size, one panel per task.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Sequence
from typing import Any

import jax

from mjxcontrol import compilation_cache, profiles, program_store, registry
from mjxcontrol.benchmarks import playground_anchor, throughput
from mjxcontrol.physics import UnsupportedFeatureError
from mjxcontrol.wrappers import AutoReset

ANCHORS = ("raw", "playground")
# Runners of our env: its AutoReset plain, or fused (fuse_reset).
ENV_RUNNERS = ("mjxcontrol", "mjxcontrol_fused")


def _row(case: dict, runner: str, physics: str | None, **fields: Any) -> dict[str, Any]:
    return {**case, "runner": runner, "physics": physics, **fields}


def _measure_case(
    task: str,
    impl: str | None,
    num_envs: int,
    physics: Sequence[str],
    steps: int,
    chunk: int,
    anchors: Sequence[str],
    shard: bool,
    progress: bool,
    fuse_reset: bool | None = None,
    timing_lock: str | None = None,
) -> list[dict[str, Any]]:
    """Every runner of one case, timed side by side; returns their rows."""
    envs = {p: registry.load(task, impl=impl, physics=p, num_envs=num_envs) for p in physics}
    first = next(iter(envs.values()))
    case = {"task": first.id, "impl": first.physics.impl, "num_envs": num_envs}
    runners: dict[tuple[str, str | None], throughput.Runner] = {}
    meta: dict[tuple[str, str | None], dict[str, Any]] = {}
    for p, env in envs.items():
        settings = {
            "settings": profiles.describe(env.physics.mj_model),
            "n_substeps": env.n_substeps,
            "compiler_options": compilation_cache.compiler_options(env.id),
            "reset_compiler_options": compilation_cache.first_reset_options(env),
        }
        fused = AutoReset(env, fuse_reset).fuse_reset
        name = ENV_RUNNERS[fused]
        runners[name, p] = traced_alone(
            throughput.env_runner, env, num_envs, chunk, shard=shard, fuse_reset=fused
        )
        meta[name, p] = settings
        if "raw" in anchors:
            runners["raw_mjx", p] = traced_alone(
                throughput.raw_runner, env, num_envs, chunk, shard=shard
            )
            meta["raw_mjx", p] = settings
    rows = []
    if "playground" in anchors:
        try:
            pg_env = playground_anchor.load(case["task"], case["impl"])
            options = compilation_cache.compiler_options(case["task"])  # the task's, as ours
            reset_options = compilation_cache.first_reset_options(first)
            runners["playground", None] = traced_alone(
                playground_anchor.runner,
                pg_env,
                num_envs,
                chunk,
                options=options,
                reset_options=reset_options,
            )
            meta["playground", None] = {
                "settings": profiles.describe(pg_env.mj_model),
                "n_substeps": playground_anchor.n_substeps(pg_env),
                "compiler_options": options,
                "reset_compiler_options": reset_options,
            }
        except playground_anchor.Unavailable as e:
            rows.append(_row(case, "playground", None, skipped=str(e)))
    desc = f"{case['task']} {case['impl']} x{num_envs}"
    timed_steps, compile_s = throughput.time_runners(
        runners, steps, chunk, desc, progress, timing_lock
    )
    for key, runner in runners.items():
        rows.append(
            _row(
                case,
                *key,
                compile_s=compile_s[key],
                first_step_s=throughput.first_step_s(
                    compile_s[key], runner.seconds, timed_steps, chunk
                ),
                run_s=runner.seconds,
                steps=timed_steps,
                env_steps_per_s=num_envs * timed_steps / runner.seconds,
                **meta[key],
            )
        )
    jax.clear_caches()  # a sweep of many cases would otherwise keep every executable alive
    return rows


def traced_alone(make_runner, *args, **kwargs) -> throughput.Runner:
    """``make_runner(*args, **kwargs)`` (which traces and compiles its programs) after
    ``jax.clear_caches()``, so that no runner's program depends on which were traced before it.

    JAX keeps the batched form of a jitted helper (``jnp.einsum``, ...) from its first ``vmap``,
    batching rule included, and ours (:func:`mjxcontrol.mjx_patches.small_dot_batch_rule`)
    differs from JAX's: traced after ours in one process, Playground's cartpole/swingup chunk held
    22 ``dot_general`` ops instead of its own 49 (session 40), so the anchor ran partly on our
    rewrite, and its program changed with whether ours had been traced or loaded
    (:mod:`mjxcontrol.program_store`), which missed its persistent-cache entry."""
    jax.clear_caches()
    return make_runner(*args, **kwargs)


def ratios(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each profile's env-steps/s divided by each anchor's, within the same case."""
    timed = [r for r in rows if "env_steps_per_s" in r]
    out = []
    for r in timed:
        if r["runner"] not in ENV_RUNNERS:
            continue
        same_case = [
            a
            for a in timed
            if (a["task"], a["impl"], a["num_envs"]) == (r["task"], r["impl"], r["num_envs"])
        ]
        ratio = {"task": r["task"], "impl": r["impl"], "num_envs": r["num_envs"]}
        ratio["physics"] = r["physics"]
        if r["runner"] != "mjxcontrol":  # reports before fuse_reset have one env runner
            ratio["runner"] = r["runner"]
        for a in same_case:
            if a["runner"] == "playground" or (
                a["runner"] == "raw_mjx" and a["physics"] == r["physics"]
            ):
                ratio[f"vs_{a['runner']}"] = r["env_steps_per_s"] / a["env_steps_per_s"]
        out.append(ratio)
    return out


def run(
    tasks: Sequence[str],
    batch_sizes: Sequence[int],
    impls: Sequence[str | None] = (None,),
    physics: Sequence[str] = (profiles.DEFAULT_PROFILE,),
    *,
    steps: int = 1000,
    chunk: int = throughput.CHUNK,
    anchors: Sequence[str] = ("raw",),
    shard: bool = False,
    progress: bool = True,
    fuse_reset: bool | None = None,
    timing_lock: str | None = None,
) -> dict[str, Any]:
    """Measures every case; returns the report (see the module docstring).

    ``impls`` may hold ``None``: each task's own default impl. Every (task, impl, profile) is
    loaded before anything compiles, so an impl that cannot run a task (or ``fuse_reset``), an
    unknown task, an unknown anchor or a ``timing_lock`` (:func:`throughput.time_runners`) in a
    missing folder fails at once with one clear error.
    """
    unknown = sorted(set(anchors) - set(ANCHORS))
    if unknown:
        raise ValueError(f"unknown anchors {unknown}; choose from {ANCHORS}")
    if timing_lock is not None and not os.path.isdir(os.path.dirname(timing_lock) or "."):
        raise ValueError(f"timing lock {timing_lock!r}: its folder does not exist")
    for p in physics:
        profiles.check_profile(p)
    for task, impl, p in itertools.product(tasks, impls, physics):
        try:
            env = registry.load(task, impl=impl, physics=p, num_envs=max(batch_sizes))
            AutoReset(env, fuse_reset)  # fuse_reset's impl check
        except (ValueError, UnsupportedFeatureError) as e:
            raise type(e)(f"{task}: {e}") from None
    chunk = min(chunk, steps)
    store = program_store.store_dir()
    rows = []
    for task, impl, num_envs in itertools.product(tasks, impls, batch_sizes):
        rows += _measure_case(
            task,
            impl,
            num_envs,
            physics,
            steps,
            chunk,
            anchors,
            shard,
            progress,
            fuse_reset,
            timing_lock,
        )
    return {
        "device": str(jax.devices()[0]),
        "devices": jax.local_device_count() if shard else 1,
        "versions": throughput.versions(),
        "compiler_options": compilation_cache.compiler_options(),
        "arguments": {
            "tasks": list(tasks),
            "batch_sizes": list(batch_sizes),
            "impls": list(impls),
            "physics": list(physics),
            "steps": steps,
            "chunk": chunk,
            "anchors": list(anchors),
            "shard": shard,
            "fuse_reset": fuse_reset,
            "timing_lock": timing_lock is not None,
        },
        # how this bench traced (session 40 on): each runner alone; unsharded env runners
        # through the program store where it is on (then a warm run traces none of ours)
        "runners_traced_alone": True,
        "program_store": None if shard or store is None else str(store),
        "results": rows,
        "ratios": ratios(rows),
    }


def row_key(row: dict[str, Any]) -> tuple:
    """``(runner, task, impl, num_envs, physics)``: a result row's (or ratio row's) identity."""
    runner = row.get("runner", "mjxcontrol")  # ratio rows name only runners other than this
    return runner, row["task"], row["impl"], row["num_envs"], row["physics"]


def vs_playground(report: dict[str, Any]) -> dict[tuple, float | None]:
    """:func:`row_key` of each env runner's row -> its env-steps/s over Playground's."""
    return {row_key(r): r.get("vs_playground") for r in report.get("ratios", [])}


def to_first_step_s(row: dict[str, Any], chunk: int) -> float:
    """A timed row's seconds to the first step (reset included); computed from its compile and
    run times for reports written before rows recorded it."""
    if "first_step_s" in row:
        return row["first_step_s"]
    return throughput.first_step_s(row["compile_s"], row["run_s"], row["steps"], chunk)


def table(report: dict[str, Any]) -> str:
    """The report as a Markdown table, one row per measured or skipped runner."""
    lines = [
        "| task | impl | envs | runner | physics | compile s (reset + first step) | env-steps/s "
        "| x Playground |",
        "|---|---|---|---|---|---|---|---|",
    ]
    vs_pg = vs_playground(report)
    for r in report["results"]:
        ratio = vs_pg.get(row_key(r))
        cells = [r["task"], r["impl"], str(r["num_envs"]), r["runner"], r["physics"] or "-"]
        if "skipped" in r:
            cells += ["-", f"skipped: {r['skipped']}", "-"]
        else:
            cells += [
                f"{to_first_step_s(r, report['arguments']['chunk']):.1f}",
                f"{r['env_steps_per_s']:,.0f}",
                "-" if ratio is None else f"{ratio:.2f}x",
            ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot(report: dict[str, Any], path: str) -> None:
    """Writes a PNG of env-steps/s against batch size (log-log), one panel per task."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import ticker

    timed = [r for r in report["results"] if "env_steps_per_s" in r]
    tasks = list(dict.fromkeys(r["task"] for r in timed))
    fig, axes = plt.subplots(
        1, max(len(tasks), 1), figsize=(4.5 * max(len(tasks), 1), 4), squeeze=False
    )
    styles = {"mjxcontrol": "-", "mjxcontrol_fused": "-.", "raw_mjx": ":", "playground": "--"}
    for ax, task in zip(axes[0], tasks, strict=False):
        series: dict[tuple, list[tuple[int, float]]] = {}
        for r in timed:
            if r["task"] == task:
                key = (r["runner"], r["physics"], r["impl"])
                series.setdefault(key, []).append((r["num_envs"], r["env_steps_per_s"]))
        for (runner, physics, impl), points in series.items():
            xs, ys = zip(*sorted(points), strict=True)
            label = f"{runner} {physics} ({impl})" if physics else f"{runner} ({impl})"
            ax.plot(xs, ys, styles[runner], marker="o", label=label)
        ax.set(xscale="log", yscale="log", title=task, xlabel="envs in the batch")
        sizes = sorted({r["num_envs"] for r in timed if r["task"] == task})
        ax.set_xticks(sizes, [str(n) for n in sizes])
        ax.minorticks_off()
        # Labels at 1, 2 and 5 per decade: a task's rates often lie within one decade.
        ax.yaxis.set_major_locator(ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize="small")
    axes[0][0].set_ylabel("env-steps/s (all envs)")
    fig.suptitle(f"{report['device']}, {report['arguments']['steps']} random-action steps")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
