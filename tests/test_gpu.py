"""dm_control parity on an accelerator: the parity tests' own one-step checks, run on a GPU.

The issue's GPU tasks (cartpole/swingup, cheetah/run, walker/walk, humanoid/run) are stepped
from dm_control's recorded states on the accelerator and held to the same tolerances as their
CPU parity tests (tests/parity/), with the same recordings (their start states and action
scales). A lent GPU machine here has no package index, so dm_control cannot be installed there:
the recordings are made where it is and travel as files::

    python tests/test_gpu.py DIR             # here, with dm_control: writes DIR/<domain>-<task>.npz
    MJXCONTROL_DEVICE_SAMPLES=DIR pytest tests/test_gpu.py    # there (benchmarks/gpu_sweep.sh)

Without ``MJXCONTROL_DEVICE_SAMPLES`` the tests record with dm_control themselves. The parity
tests are skipped where JAX's default backend is the CPU (CI has no accelerator): there the
CPU parity tests are the check. The file round trip is tested everywhere.
"""

from __future__ import annotations

import importlib.util
import os
import pathlib
import sys

import jax
import numpy as np
import pytest

import mjxcontrol
from mjxcontrol.testing import parity

TASKS = ("cartpole/swingup", "cheetah/run", "walker/walk", "humanoid/run")
SAMPLES_ENV = "MJXCONTROL_DEVICE_SAMPLES"
on_accelerator = pytest.mark.skipif(
    jax.default_backend() == "cpu",
    reason="no accelerator (JAX's default backend is the CPU): tests/parity checks the CPU",
)


def _parity_module(domain: str):
    """tests/parity/test_<domain>.py, for its start states and tolerances."""
    path = pathlib.Path(__file__).parent / "parity" / f"test_{domain}.py"
    spec = importlib.util.spec_from_file_location(f"_device_parity_{domain}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def recording(task: str) -> tuple[dict, dict]:
    """``(record_dm_control's keyword arguments, compare's)`` of ``task``'s CPU parity test."""
    domain, name = task.split("/")
    m = _parity_module(domain)
    if domain == "cartpole":
        return {"start_fn": m._start, "action_scale": 1.5}, {}
    if domain == "cheetah":
        return {"start_fn": m._running, "action_scale": 1.5}, {}
    if domain == "walker":
        record = {"start_fn": m._standing_start(m.SPEEDS[name]), "action_scale": 1.5}
        return record, {"obs_atol": {"velocity": m.VELOCITY_ATOL}}
    if domain == "humanoid":
        record = {
            "start_fn": m._standing_start(m.SPEEDS[name]),
            "start_fraction": m.START_FRACTION,
            "max_episode_steps": m.MAX_EPISODE_STEPS,
            "action_scale": 1.5,
        }
        compare = {
            "obs_atol": m.OBS_ATOL,
            "reward_atol": m.REWARD_ATOL,
            "most_samples": m.MOST_SAMPLES,
        }
        return record, compare
    raise ValueError(f"no recording defined for {task}")


def record(task: str) -> parity.Samples:
    """dm_control's samples of ``task``, as its CPU parity test records them."""
    domain, name = task.split("/")
    return parity.record_dm_control(domain, name, parity.BATCH, **recording(task)[0])


def save(samples: parity.Samples, path: pathlib.Path) -> None:
    """Writes ``samples`` (of a task without task extras) to an ``.npz`` file."""
    if jax.tree.leaves(samples.task_state):
        raise ValueError("samples with task_state cannot be saved (none of TASKS has any)")
    obs = {f"obs.{k}": v for k, v in samples.obs.items()}
    arrays = {f: getattr(samples, f) for f in ("qpos", "qvel", "act", "action", "reward")}
    np.savez_compressed(path, obs_keys=np.array(list(samples.obs)), **arrays, **obs)


def load(path: pathlib.Path) -> parity.Samples:
    """The samples :func:`save` wrote, observation keys in their recorded order."""
    with np.load(path) as f:
        return parity.Samples(
            qpos=f["qpos"],
            qvel=f["qvel"],
            act=f["act"],
            task_state=(),
            action=f["action"],
            obs={str(k): f[f"obs.{k}"] for k in f["obs_keys"]},
            reward=f["reward"],
        )


def _path(directory: str | pathlib.Path, task: str) -> pathlib.Path:
    return pathlib.Path(directory) / f"{task.replace('/', '-')}.npz"


def test_samples_survive_the_trip_through_a_file(tmp_path):
    samples = record("cartpole/swingup")
    save(samples, _path(tmp_path, "cartpole/swingup"))
    loaded = load(_path(tmp_path, "cartpole/swingup"))
    assert list(loaded.obs) == list(samples.obs)
    for field in ("qpos", "qvel", "act", "action", "reward"):
        np.testing.assert_array_equal(getattr(loaded, field), getattr(samples, field))
    for k in samples.obs:
        np.testing.assert_array_equal(loaded.obs[k], samples.obs[k])


@pytest.mark.gpu
@on_accelerator
@pytest.mark.parametrize("task", TASKS)
def test_one_step_parity_on_the_accelerator(task):
    directory = os.environ.get(SAMPLES_ENV)
    samples = load(_path(directory, task)) if directory else record(task)
    env = mjxcontrol.load(task)
    problems = parity.compare(env, samples, record=False, **recording(task)[1])
    assert problems == [], f"{jax.devices()[0]}: {problems}"


if __name__ == "__main__":
    out = pathlib.Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    for task in TASKS:
        save(record(task), _path(out, task))
        print("wrote", _path(out, task))
