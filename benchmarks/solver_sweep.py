"""Solver caps against one-step error (vs dm_control) and throughput, per task (not part of CI).

For each cap setting (Newton iterations, line-search iterations) the task is compiled with those
options and measured two ways:

* one-step error against dm_control 1.0.50 on ``--samples`` recorded states: dm_control's own
  resets followed by up to ``--episode-steps`` random steps (contact-rich states included), each
  state stepped once by both engines from the same qpos/qvel/act and episode (a target's place:
  :mod:`mjxcontrol.testing.task_states`); the error is the worst
  ``|ours - dm_control| / (1 + |dm_control|)`` over every observation entry and the reward, and
  ``binds`` is the fraction of samples for which C MuJoCo needs more iterations than the cap in
  some substep, or has more contacts at once than a contact cap keeps (:func:`c_needs`; MJX does
  not report its own count);
* env-steps/s at ``--num-envs`` envs with uniform random actions (mjxcontrol bench's harness).

A cap is *exact* when its worst error is within ``EXACT_SLACK`` of dm_control's own setting's
(the first row). Prints JSON lines (``--log PATH`` appends them to a file, which
``python -m mjxcontrol.benchmarks.performance_table`` renders as docs/performance.md).

    python -m mjxcontrol.benchmarks.solver_sweep walker/walk --caps 100:50,8:8,4:8 --log s.jsonl
"""

from __future__ import annotations

import argparse
import json
import sys

import jax
import mujoco
import numpy as np

from mjxcontrol import contact_guard, profiles, registry
from mjxcontrol.benchmarks import throughput
from mjxcontrol.cli import positive_int
from mjxcontrol.env import Env
from mjxcontrol.testing import parity, task_states

# A cap is exact if its worst error exceeds dm_control's own setting's by at most this (absolute,
# in the relative-error units above): float32 noise between two compiles is ~1e-6.
EXACT_SLACK = 1e-5


# The option names of a plain solver cap.
CAP_KEYS = {"iterations", "ls_iterations"}


# How the tables name MuJoCo's integrators.
INTEGRATORS = {"EULER": "Euler", "IMPLICIT": "implicit", "IMPLICITFAST": "implicitfast"}


def label(cap: tuple[int, int], options: dict) -> str:
    """``"8 (8)"``, plus any options beyond the cap: ``"1 (4), Euler, no eulerdamp"``."""
    extra = []
    if "integrator" in options:
        name = mujoco.mjtIntegrator(int(options["integrator"])).name.removeprefix("mjINT_")
        extra.append(INTEGRATORS.get(name, name))
    extra += [f"no {flag}" for flag in options.get("disable", ())]
    if "timestep" in options:
        extra.append(f"timestep {options['timestep']:g} s")
    shown = CAP_KEYS | {"integrator", "disable", "timestep"}
    extra += [f"{k} {v}" for k, v in options.items() if k not in shown]
    return ", ".join([f"{cap[0]} ({cap[1]})", *extra])


def json_options(options: dict) -> dict:
    """Profile overrides as logged in JSON (tuples become lists, keys sorted)."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in sorted(options.items())}


def is_exact(row: dict, base: dict) -> bool:
    """Whether sweep ``row``'s worst error is within the slack of ``base`` (dm_control's cap)."""
    return row["worst_rel_error"] <= base["worst_rel_error"] + base["slack"]


def env_with(task_id: str, options: dict, guard_contact_cap: bool = True) -> Env:
    """``task_id`` compiled with solver ``options`` (any mujoco.MjOption fields), its contact cap
    guarded as the exact profile's are unless ``guard_contact_cap`` is False (the fast profile:
    a flagged step keeps its previous state, so a binding exact cap shows as a large error)."""
    info = registry.get_info(task_id)
    config = registry.make_task(task_id)
    options_ = tuple(sorted(options.items()))
    physics = registry._physics(config, "jax", options_, guard_contact_cap=guard_contact_cap)
    return Env(config, physics, info.domain, info.name, profile="sweep")


def one_step_error(env: Env, batches: list) -> float:
    """The worst relative error of our step over every sample's observations and reward."""
    worst = 0.0
    for samples in batches:
        state = parity.step_ours_state(env, samples)
        obs = {k: np.asarray(v).reshape(len(samples.reward), -1) for k, v in state.obs.items()}
        reward = np.asarray(state.reward)
        for k, ref in samples.obs.items():
            worst = max(worst, float(np.max(np.abs(obs[k] - ref) / (1 + np.abs(ref)))))
        worst = max(
            worst, float(np.max(np.abs(reward - samples.reward) / (1 + np.abs(samples.reward))))
        )
    return worst


def c_needs(domain: str, task: str, batches: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``([N], [N], [N])``: per sample, the most Newton iterations C MuJoCo needs in any substep
    of its control step, the most contacts of one contact dimension it has at once, and the most
    geom pairs of one MJX collision group whose bounding spheres are within the group's margin
    at once (:func:`mjxcontrol.contact_guard.near_pairs`, at the start of each substep) (float64,
    dm_control's options, started cold: ``qacc_warmstart`` zero, as our one-step comparison
    starts). MJX does not report its own iteration count (its solver's counter never reaches
    ``mjx.Data``), so a cap *binds* where C needs more than it: a proxy, since float32 MJX may
    need a few iterations more or fewer than float64 C. MJX's ``max_contact_points`` keeps the
    deepest contacts of each contact dimension; it binds where C has more contacts of one
    dimension than that (conservative: C's capsule pairs may give two contacts where MJX's
    give one). A geom-pair cap (``max_geom_pairs``) binds where more pairs of a group than it
    keeps come that near: its guard's condition."""
    import mujoco
    from dm_control import suite

    env = suite.load(domain, task)
    env.reset()
    m, d = env.physics.model.ptr, env.physics.data.ptr
    n_substeps = round(env.control_timestep() / m.opt.timestep)
    groups = contact_guard.pair_groups(m)
    most, contacts, near = [], [], []
    for samples in batches:
        for qpos, qvel, act, action in zip(
            samples.qpos, samples.qvel, samples.act, samples.action, strict=True
        ):
            mujoco.mj_resetData(m, d)
            d.qpos[:], d.qvel[:], d.act[:], d.ctrl[:] = qpos, qvel, act, action
            niter = ncon = npair = 0
            for _ in range(n_substeps):
                mujoco.mj_step(m, d)  # d.geom_xpos: the state this substep started from
                niter = max(niter, int(d.solver_niter[0]))
                dims = np.asarray(d.contact.dim[: d.ncon])
                ncon = max(ncon, int(np.bincount(dims).max()) if dims.size else 0)
                for group in groups:
                    npair = max(
                        npair, int(contact_guard.near_pairs(group, d.geom_xpos, m.geom_rbound))
                    )
            most.append(niter)
            contacts.append(ncon)
            near.append(npair)
    return np.asarray(most), np.asarray(contacts), np.asarray(near)


def settings(task_id: str, caps, fast: bool = False) -> list[dict]:
    """The option sets a sweep measures: one per ``(iterations, ls_iterations[, contacts[,
    pairs]])`` cap (the third, MJX's ``max_contact_points``, -1 for none; the fourth, its
    ``max_geom_pairs``), then, with ``fast``, the task's fast profile (which may also change the
    integrator or disable flags)."""
    out = []
    for cap in caps:
        options = {"iterations": cap[0], "ls_iterations": cap[1]}
        if len(cap) > 2 and cap[2] >= 0:
            options["max_contact_points"] = cap[2]
        if len(cap) > 3:
            options["max_geom_pairs"] = cap[3]
        out.append(options)
    if fast:
        out.append(profiles.overrides(task_id, "fast"))
    return out


def sweep(
    task_id: str,
    caps,
    samples: int,
    episode_steps: int,
    num_envs: int,
    steps: int,
    fast: bool = False,
):
    """One row per cap (and, with ``fast``, one for the fast profile): options, error, binds,
    env-steps/s, compile s."""
    domain, task = registry.split_id(task_id, None)
    batch = parity.batch_size(task_id)
    batches = [
        parity.record_dm_control(
            domain,
            task,
            batch,
            seed=seed,
            max_episode_steps=episode_steps,
            record_rate=0.05,
            task_state_fn=task_states.for_task(task_id),
        )
        for seed in range(-(-samples // batch))
    ]
    needed, needed_contacts, needed_pairs = c_needs(domain, task, batches)
    rows = []
    for i, options in enumerate(settings(task_id, caps, fast)):
        is_fast = fast and i == len(caps)
        env = env_with(task_id, options, guard_contact_cap=not is_fast)
        opt = env.physics.mj_model.opt
        iterations = int(opt.iterations)
        error = one_step_error(env, batches)
        contact_cap = options.get("max_contact_points", -1)
        contact_binds = needed_contacts > contact_cap if contact_cap >= 0 else False
        pair_cap = options.get("max_geom_pairs", -1)
        pair_binds = needed_pairs > pair_cap if pair_cap >= 0 else False
        binds = float(np.mean((needed > iterations) | contact_binds | pair_binds))
        speed = throughput.measure(
            env, num_envs, steps, chunk=min(steps, 20), raw=False, progress=False
        )
        rows.append(
            {
                "task": task_id,
                "iterations": iterations,
                "ls_iterations": int(opt.ls_iterations),
                # Rows for more than a cap (the fast profile) also log every option they set.
                **({} if set(options) <= CAP_KEYS else {"options": json_options(options)}),
                **({"profile": "fast"} if is_fast else {}),
                "worst_rel_error": error,
                "binds": binds,
                "c_iterations_max": int(needed.max()),
                "c_iterations_median": float(np.median(needed)),
                "c_contacts_max": int(needed_contacts.max()),
                "c_near_pairs_max": int(needed_pairs.max()),
                "samples": len(batches) * batch,
                "env_steps_per_s": speed.env_steps_per_s,
                "compile_s": speed.compile_s,
                "first": i == 0,
                "episode_steps": episode_steps,
                "num_envs": num_envs,
                "slack": EXACT_SLACK,
                "device": speed.device,
                "versions": speed.versions,
            }
        )
        print(json.dumps(rows[-1]), flush=True)
        jax.clear_caches()
    for row in rows:
        row["exact"] = is_exact(row, rows[0])
    return rows


def _caps(text: str):
    try:
        caps = [tuple(int(x) for x in item.split(":")) for item in text.split(",")]
    except ValueError:
        caps = []
    if not caps or any(len(cap) not in (2, 3, 4) for cap in caps):
        raise argparse.ArgumentTypeError(f"caps look like 100:50,8:8,8:8:6,8:8:6:4, got {text!r}")
    return caps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("tasks", nargs="+", help="DOMAIN/TASK ids")
    parser.add_argument(
        "--caps",
        type=_caps,
        default=_caps("100:50,16:16,8:8,4:8,2:5"),
        help="iterations:ls_iterations pairs, dm_control's first; a third number caps MJX's "
        "contacts per contact dimension (max_contact_points, -1: none), a fourth the geom pairs "
        "it collides per collision group (max_geom_pairs)",
    )
    parser.add_argument("--samples", type=positive_int, default=2048)
    parser.add_argument("--episode-steps", type=positive_int, default=500)
    parser.add_argument("--num-envs", type=positive_int, default=1024)
    parser.add_argument("--steps", type=positive_int, default=60)
    parser.add_argument(
        "--fast", action="store_true", help="also measure the task's fast profile (last row)"
    )
    parser.add_argument("--log", help="append the JSON lines to this file")
    args = parser.parse_args(argv)
    for task_id in args.tasks:
        rows = sweep(
            task_id,
            args.caps,
            args.samples,
            args.episode_steps,
            args.num_envs,
            args.steps,
            fast=args.fast,
        )
        if args.log:
            with open(args.log, "a") as f:
                f.writelines(json.dumps(row) + "\n" for row in rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
