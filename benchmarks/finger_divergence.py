"""Why raw MJX seemed to disagree with dm_control on finger/spin, and that it does not.

The measurement in shared/reference/mjx_facts.md ("finger/spin: worst relative error 0.41, median
6e-8, 2-3 of 30 states, no contacts") stepped MJX on the model compiled from ``finger.xml`` and
compared it with dm_control. But dm_control's ``Spin.initialize_episode`` writes into the model:
it lowers the spinner hinge's ``dof_damping`` from 0.5 (the XML's) to 0.03 N*m*s/rad. States in
which the spinner is at rest (most of them: dry friction holds it) do not feel damping, hence the
tiny median; states in which the finger has set it spinning lose ~40 % of their hinge velocity
over one control step (2 substeps) under the XML's damping, hence the 0.41 outliers. Contacts,
friction cones, frictionloss rows and float32 have nothing to do with it.

This script shows it by stepping the same dm_control states with

* C MuJoCo on the XML model and on dm_control's reset model (C vs C: a pure model difference),
* MJX (``impl="jax"``, one jitted ``vmap`` of ``n_substeps`` x ``mjx.step``) on both models
  (``dof_damping`` is a traced ``mjx.Model`` field, so both share one compiled function),

and reporting, for each, the worst and median relative error ``|x - ref| / (1 + |ref|)`` of
``qpos`` and ``qvel`` against dm_control, with the hinge velocity of the worst states. With
``--x64`` MJX runs in float64.

Run: ``python -m benchmarks.finger_divergence [--states 30] [--seed 0] [--x64]``.
"""

from __future__ import annotations

import argparse

import numpy as np

# Episode length (control steps) before a state is recorded: 1..MAX_WARMUP random steps.
MAX_WARMUP = 100


def record(num_states: int, seed: int):
    """dm_control finger/spin states (before), actions and the state one control step later."""
    from dm_control import suite

    env = suite.load("finger", "spin", task_kwargs={"random": seed})
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(num_states):
        env.reset()
        for _ in range(int(rng.integers(1, MAX_WARMUP + 1))):
            env.step(rng.uniform(-1, 1, 2))
        p = env.physics
        before = (p.data.qpos.copy(), p.data.qvel.copy())
        action = rng.uniform(-1, 1, 2)
        env.step(action)
        after = np.concatenate([p.data.qpos, p.data.qvel])
        rows.append((*before, action, after, int(p.data.ncon)))
    qpos, qvel, action, after, ncon = (np.stack(x) for x in zip(*rows, strict=True))
    n_substeps = int(round(env.control_timestep() / env.physics.timestep()))
    return env.physics.model.ptr, qpos, qvel, action, after, ncon, n_substeps


def xml_model():
    """The model compiled from dm_control's finger.xml, untouched by any task."""
    import mujoco
    from dm_control.suite import finger

    return mujoco.MjModel.from_xml_string(*finger.get_model_and_assets())


def step_c(model, qpos, qvel, action, n_substeps):
    """C MuJoCo: ``n_substeps`` x ``mj_step`` from each state."""
    import mujoco

    out = []
    data = mujoco.MjData(model)
    for q, v, a in zip(qpos, qvel, action, strict=True):
        mujoco.mj_resetData(model, data)
        data.qpos[:], data.qvel[:], data.ctrl[:] = q, v, a
        for _ in range(n_substeps):
            mujoco.mj_step(model, data)
        out.append(np.concatenate([data.qpos, data.qvel]))
    return np.stack(out)


def make_step_mjx(model, n_substeps):
    """A jitted, vmapped MJX control step taking the (traced) ``dof_damping`` as an argument."""
    import jax
    from mujoco import mjx

    mjx_model = mjx.put_model(model)
    data0 = mjx.make_data(mjx_model)

    @jax.jit
    def step(damping, qpos, qvel, action):
        m = mjx_model.replace(dof_damping=damping)

        def one(q, v, a):
            d = data0.replace(qpos=q, qvel=v, ctrl=a)
            d = jax.lax.fori_loop(0, n_substeps, lambda _, d: mjx.step(m, d), d)
            return jax.numpy.concatenate([d.qpos, d.qvel])

        return jax.vmap(one)(qpos, qvel, action)

    return step


def report(name, ours, ref, hinge_velocity):
    rel = (np.abs(ours - ref) / (1 + np.abs(ref))).max(axis=1)
    worst = np.argsort(rel)[-3:][::-1]
    tail = ", ".join(f"{rel[i]:.2g} (hinge vel {hinge_velocity[i]:+.3g})" for i in worst)
    print(f"{name:44s} worst {rel.max():9.3g}  median {np.median(rel):9.3g}  worst states: {tail}")
    return rel


def main(argv=None):
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--states", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--x64", action="store_true", help="run MJX in float64")
    args = parser.parse_args(argv)

    import jax

    if args.x64:
        jax.config.update("jax_enable_x64", True)
    reset_model, qpos, qvel, action, ref, ncon, n = record(args.states, args.seed)
    raw = xml_model()
    hinge = raw.joint("hinge").dofadr[0]
    print(
        f"{args.states} dm_control finger/spin states, {n} substeps per control step, "
        f"contacts after the step in {int((ncon > 0).sum())} of them"
    )
    print(
        f"spinner hinge dof_damping: finger.xml {raw.dof_damping[hinge]:g}, "
        f"dm_control after Spin's reset {reset_model.dof_damping[hinge]:g}"
    )
    hv = qvel[:, hinge]
    report("C MuJoCo, finger.xml model", step_c(raw, qpos, qvel, action, n), ref, hv)
    report(
        "C MuJoCo, dm_control's reset model", step_c(reset_model, qpos, qvel, action, n), ref, hv
    )

    dtype = np.float64 if args.x64 else np.float32
    step = make_step_mjx(raw, n)
    cast = lambda x: np.asarray(x, dtype)  # noqa: E731
    for label, damping in (("finger.xml", raw.dof_damping), ("reset", reset_model.dof_damping)):
        ours = np.asarray(step(cast(damping), cast(qpos), cast(qvel), cast(action)))
        report(f"MJX {dtype.__name__}, {label} damping", ours, ref, hv)


if __name__ == "__main__":
    main()
