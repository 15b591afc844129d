"""Solver caps against one-step error (vs dm_control) and throughput, per task (not part of CI).

For each cap setting (Newton iterations, line-search iterations) the task is compiled with those
options and measured two ways:

* one-step error against dm_control 1.0.50 on ``--samples`` recorded states: dm_control's own
  resets followed by up to ``--episode-steps`` random steps (contact-rich states included), each
  state stepped once by both engines from the same qpos/qvel/act; the error is the worst
  ``|ours - dm_control| / (1 + |dm_control|)`` over every observation entry and the reward, and
  ``binds`` is the fraction of samples whose last substep used every allowed iteration;
* env-steps/s at ``--num-envs`` envs with uniform random actions (mjxcontrol bench's harness).

A cap is *exact* when its worst error is within ``EXACT_SLACK`` of dm_control's own setting's
(the first row). Prints JSON lines; ``--markdown PATH`` appends the task's table.

    python -m mjxcontrol.benchmarks.solver_sweep walker/walk --caps 100:50,8:8,4:8,2:5
"""

from __future__ import annotations

import argparse
import json
import sys

import jax
import numpy as np

from mjxcontrol import registry
from mjxcontrol.benchmarks import throughput
from mjxcontrol.cli import positive_int
from mjxcontrol.env import Env
from mjxcontrol.testing import parity

# A cap is exact if its worst error exceeds dm_control's own setting's by at most this (absolute,
# in the relative-error units above): float32 noise between two compiles is ~1e-6.
EXACT_SLACK = 1e-5


def env_with(task_id: str, options: dict) -> Env:
    """``task_id`` compiled with solver ``options`` (any mujoco.MjOption fields)."""
    info = registry.get_info(task_id)
    config = registry.make_task(task_id)
    physics = registry._physics(config, "jax", tuple(sorted(options.items())))
    return Env(config, physics, info.domain, info.name, profile="sweep")


def one_step_error(env: Env, batches: list) -> tuple[float, float]:
    """``(worst relative error, fraction of samples whose solver used every iteration)``."""
    worst, binds, total = 0.0, 0, 0
    cap = int(env.physics.mj_model.opt.iterations)
    for samples in batches:
        state = parity.step_ours_state(env, samples)
        obs = {k: np.asarray(v).reshape(parity.BATCH, -1) for k, v in state.obs.items()}
        reward = np.asarray(state.reward)
        for k, ref in samples.obs.items():
            worst = max(worst, float(np.max(np.abs(obs[k] - ref) / (1 + np.abs(ref)))))
        worst = max(
            worst, float(np.max(np.abs(reward - samples.reward) / (1 + np.abs(samples.reward))))
        )
        niter = np.asarray(state.data._impl.solver_niter)
        binds += int((niter.reshape(len(niter), -1).max(1) >= cap).sum())
        total += len(niter)
    return worst, binds / total


def sweep(task_id: str, caps, samples: int, episode_steps: int, num_envs: int, steps: int):
    """One row per cap: options, error, binds, env-steps/s, compile s."""
    domain, task = registry.split_id(task_id, None)
    batches = [
        parity.record_dm_control(
            domain,
            task,
            parity.BATCH,
            seed=seed,
            max_episode_steps=episode_steps,
            record_rate=0.05,
        )
        for seed in range(-(-samples // parity.BATCH))
    ]
    rows = []
    for iterations, ls_iterations in caps:
        options = {"iterations": iterations, "ls_iterations": ls_iterations}
        env = env_with(task_id, options)
        error, binds = one_step_error(env, batches)
        speed = throughput.measure(
            env, num_envs, steps, chunk=min(steps, 20), raw=False, progress=False
        )
        rows.append(
            {
                "task": task_id,
                **options,
                "worst_rel_error": error,
                "binds": binds,
                "samples": len(batches) * parity.BATCH,
                "env_steps_per_s": speed.env_steps_per_s,
                "compile_s": speed.compile_s,
            }
        )
        print(json.dumps(rows[-1]), flush=True)
        jax.clear_caches()
    base = rows[0]["worst_rel_error"]
    for row in rows:
        row["exact"] = row["worst_rel_error"] <= base + EXACT_SLACK
    return rows


def markdown(rows) -> str:
    """The task's rows as a markdown table."""
    lines = [
        f"#### {rows[0]['task']} ({rows[0]['samples']} states)",
        "",
        "| iterations (ls) | worst one-step rel. error | cap binds | exact | env-steps/s "
        "| compile s |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['iterations']} ({r['ls_iterations']}) | {r['worst_rel_error']:.2g} | "
            f"{100 * r['binds']:.1f} % | {'yes' if r['exact'] else 'no'} | "
            f"{r['env_steps_per_s']:,.0f} | {r['compile_s']:.0f} |"
        )
    return "\n".join(lines) + "\n"


def _caps(text: str):
    try:
        return [tuple(int(x) for x in item.split(":")) for item in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"caps look like 100:50,8:8, got {text!r}") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("tasks", nargs="+", help="DOMAIN/TASK ids")
    parser.add_argument(
        "--caps",
        type=_caps,
        default=_caps("100:50,16:16,8:8,4:8,2:5"),
        help="iterations:ls_iterations pairs, dm_control's first",
    )
    parser.add_argument("--samples", type=positive_int, default=2048)
    parser.add_argument("--episode-steps", type=positive_int, default=500)
    parser.add_argument("--num-envs", type=positive_int, default=1024)
    parser.add_argument("--steps", type=positive_int, default=60)
    parser.add_argument("--markdown", help="append the tables to this file")
    args = parser.parse_args(argv)
    for task_id in args.tasks:
        rows = sweep(
            task_id, args.caps, args.samples, args.episode_steps, args.num_envs, args.steps
        )
        if args.markdown:
            with open(args.markdown, "a") as f:
                f.write(markdown(rows) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
