"""How far raw MJX is from C MuJoCo on dm_control's own model: the floor under a parity tolerance.

Records dm_control states (``mjxcontrol.testing.parity.record_dm_control``, optionally with a
parity test's start function), then steps each one control step with C MuJoCo (``mj_step``) and
with raw ``mjx.step`` on the *same* compiled model (dm_control's, after its reset), and reports the
worst ``|qvel_mjx - qvel_C|``, how many samples exceed 1e-4, and the constraint kinds (``efc_type``)
active in the worst ones; ``--sensors`` adds, per sensor, the worst difference of its reading in
the state after the step (``mj_forward`` / ``mjx.forward``: what a task observes). Run with
``JAX_ENABLE_X64=1`` to take float32 out of the comparison: what remains is the engines'
difference, which no port can remove (e.g. finger, ball_in_cup). Without it, MJX runs in float32
as the envs do: the floor under a float32 tolerance.

    JAX_ENABLE_X64=1 python -m mjxcontrol.benchmarks.mjx_vs_c finger spin \\
        --start tests/parity/test_finger.py:_spin_start --max-episode-steps 30 --action-scale 1.5
"""

from __future__ import annotations

import argparse
import importlib.util
import sys

import jax
import jax.numpy as jnp
import mujoco
import numpy as np

from mjxcontrol._mjx import mjx
from mjxcontrol.testing import parity

# Samples above this |qvel| difference are counted.
THRESHOLD = 1e-4


def load_start(spec: str | None):
    """``path/to/test_x.py:function`` -> that function (a parity test's start_fn), or None."""
    if not spec:
        return None
    path, name = spec.split(":")
    module_spec = importlib.util.spec_from_file_location("parity_test_module", path)
    if module_spec is None or module_spec.loader is None:
        raise ValueError(f"cannot import {path}")
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return getattr(module, name)


def step_c(model, samples, n_substeps, sensors_too: bool = False):
    """``([N, nv] qvel, [N, nsensordata] sensors after one control step (empty unless
    ``sensors_too``), [N] sets of efc types met)`` with C MuJoCo."""
    data, out, sensors, kinds = mujoco.MjData(model), [], [], []
    for qpos, qvel, act, ctrl in zip(
        samples.qpos, samples.qvel, samples.act, samples.action, strict=True
    ):
        mujoco.mj_resetData(model, data)
        data.qpos[:], data.qvel[:], data.act[:], data.ctrl[:] = qpos, qvel, act, ctrl
        met = set()
        for _ in range(n_substeps):
            mujoco.mj_step(model, data)
            met |= {int(t) for t in data.efc_type[: data.nefc]}
        out.append(data.qvel.copy())
        if sensors_too:
            mujoco.mj_forward(model, data)
        sensors.append(data.sensordata.copy() if sensors_too else np.zeros(0))
        kinds.append(sorted(met))
    return np.stack(out), np.stack(sensors), kinds


def step_mjx(model, samples, n_substeps, sensors_too: bool = False):
    """``([N, nv] qvel, [N, nsensordata] sensors or None)`` after one control step with raw
    ``mjx.step`` (impl="jax"); the sensors (an extra ``mjx.forward``) only if ``sensors_too``."""
    mx = mjx.put_model(model)

    def one(qpos, qvel, act, ctrl):
        data = mjx.make_data(mx).replace(qpos=qpos, qvel=qvel, act=act, ctrl=ctrl)
        # The first step outside the loop: it fixes the integer fields' dtypes (int32 from
        # make_data, int64 after a step under JAX_ENABLE_X64), which a loop carry must keep.
        data = mjx.step(mx, data)
        data = jax.lax.fori_loop(1, n_substeps, lambda _, d: mjx.step(mx, d), data)
        return data.qvel, mjx.forward(mx, data).sensordata if sensors_too else None

    args = (samples.qpos, samples.qvel, samples.act, samples.action)
    qvel, sensors = jax.jit(jax.vmap(one))(*(jnp.asarray(a) for a in args))
    return np.asarray(qvel), None if sensors is None else np.asarray(sensors)


def report_sensors(model, ours: np.ndarray, ref: np.ndarray) -> None:
    """Prints, per sensor, the worst |difference| of its entries and how many samples exceed
    :data:`THRESHOLD` (absolute) + :data:`THRESHOLD` x |C's reading| (relative)."""
    for i in range(model.nsensor):
        adr, dim = model.sensor_adr[i], model.sensor_dim[i]
        a, b = ours[:, adr : adr + dim], ref[:, adr : adr + dim]
        err = np.abs(a - b).max(axis=1)
        above = (np.abs(a - b) > THRESHOLD * (1 + np.abs(b))).any(axis=1).sum()
        name = mujoco.mj_id2name(model, mujoco.mjtObj.mjOBJ_SENSOR, i) or str(i)
        print(f"  sensor {name}: worst {err.max():.3g} (sample {err.argmax()}), {above} above")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("domain")
    parser.add_argument("task")
    parser.add_argument("--samples", type=int, default=256)
    parser.add_argument("--start", help="a parity test's start function, FILE.py:NAME")
    parser.add_argument("--start-fraction", type=float, default=0.5)
    parser.add_argument("--max-episode-steps", type=int, default=200)
    parser.add_argument("--action-scale", type=float, default=1.0)
    parser.add_argument("--sensors", action="store_true", help="also compare sensor readings")
    args = parser.parse_args(argv)
    from dm_control import suite

    samples = parity.record_dm_control(
        args.domain,
        args.task,
        args.samples,
        start_fn=load_start(args.start),
        start_fraction=args.start_fraction,
        max_episode_steps=args.max_episode_steps,
        action_scale=args.action_scale,
    )
    env = suite.load(args.domain, args.task, task_kwargs={"random": 0})
    env.reset()  # some tasks write into the model at reset (finger/spin's damping)
    model = env.physics.model.ptr
    n_substeps = int(round(env.control_timestep() / model.opt.timestep))
    c, c_sensors, kinds = step_c(model, samples, n_substeps, args.sensors)
    qvel, sensors = step_mjx(model, samples, n_substeps, args.sensors)
    err = np.abs(qvel - c).max(axis=1)
    precision = "float64" if jax.config.jax_enable_x64 else "float32"
    print(
        f"{args.domain}/{args.task} ({precision}, {len(err)} samples, {n_substeps} substeps): "
        f"worst |qvel_mjx - qvel_C| {err.max():.3g}, {(err > THRESHOLD).sum()} above {THRESHOLD}"
    )
    names = {int(v): k for k, v in mujoco.mjtConstraint.__members__.items()}
    for i in np.argsort(-err)[:5]:
        print(f"  sample {i}: {err[i]:.3g}  constraints {[names.get(k, k) for k in kinds[i]]}")
    if sensors is not None:
        report_sensors(model, sensors, c_sensors)
    return 0


if __name__ == "__main__":
    sys.exit(main())
