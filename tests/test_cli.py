"""The mjxcontrol command line: list, info, bench, and its errors."""

import dataclasses
import json
from collections import OrderedDict

import mujoco
import pytest

import mjxcontrol
import mjxcontrol.physics
from mjxcontrol import support
from mjxcontrol.cli import main
from mjxcontrol.task import Task


def test_list_prints_every_task_with_tags(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert f"{len(mjxcontrol.list_tasks())} tasks" in out
    assert "cartpole/swingup" in out and "reacher/easy" in out and "benchmarking, easy" in out


def test_list_by_tag(capsys):
    assert main(["list", "--tag", "extra"]) == 0
    out = capsys.readouterr().out
    assert "cartpole/three_poles" in out and "cartpole/swingup " not in out


def test_info_json(capsys):
    assert main(["info", "cartpole/swingup", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["observation_spec"] == {"position": [3], "velocity": [2]}
    assert info["step_limit"] == 1000 and info["n_substeps"] == 1
    assert info["mjx_support"]["jax"] == "supported"


def test_unknown_task_exits_2_with_one_line(capsys):
    assert main(["info", "cartpol/swingup"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "did you mean 'cartpole'" in err


def test_bench_without_cache_reports_none(capsys, keep_cache_config):
    args = ["bench", "pendulum/swingup", "--num-envs", "4", "--steps", "10", "--no-raw"]
    assert main([*args, "--json", "--no-cache"]) == 0
    assert json.loads(capsys.readouterr().out)["compilation_cache"] is None


@pytest.mark.parametrize(
    "flag, value",
    [
        ("--num-envs", "0"),
        ("--num-envs", "-5"),
        ("--steps", "0"),
        ("--steps", "-5"),
        ("--chunk", "0"),
        ("--chunk", "ten"),
    ],
)
def test_bench_counts_must_be_positive(capsys, flag, value):
    """Issue 8 case 5: a bad count is an argument error (exit 2, one line), never a crash."""
    with pytest.raises(SystemExit) as e:
        main(["bench", "pendulum/swingup", flag, value])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and flag in err and "positive integer" in err


@dataclasses.dataclass(frozen=True)
class _EggOnBox(Task):
    """A free ellipsoid above a box: a pair MJX's JAX implementation cannot collide."""

    def model(self):
        return mujoco.MjModel.from_xml_string(
            """<mujoco><worldbody><geom type="box" size="1 1 .1"/>
            <body pos="0 0 1"><freejoint/><geom type="ellipsoid" size=".1 .2 .3"/></body>
            </worldbody></mujoco>"""
        )

    def observe(self, physics, data, task_state):
        return OrderedDict(height=data.qpos[2:3])

    def reward(self, physics, data, task_state):
        return data.qpos[2] * 0.0, {}


def test_impl_support_is_found_by_tracing():
    assert support.probe("pendulum/swingup", "jax") == support.SUPPORTED
    reason = support.probe(_EggOnBox(), "jax")
    assert reason.startswith("UnsupportedFeatureError") and "ELLIPSOID" in reason
    if mjxcontrol.physics.warp_available():
        assert support.probe(_EggOnBox(), "warp") == support.SUPPORTED
        # A reset loop that carries the whole mjx.Data fails under warp (its contact buffers
        # are shared by the batch); manipulator's carries (target, qpos, qvel) only.
        assert support.probe("manipulator/bring_peg", "warp") == support.SUPPORTED
