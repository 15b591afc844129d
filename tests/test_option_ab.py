"""benchmarks/option_ab.py: one lowering compiled with and without an XLA option, timed alike."""

import json

import pytest

from mjxcontrol import linalg
from mjxcontrol.benchmarks import option_ab


def test_options_are_parsed_as_xla_values():
    assert option_ab.parse_option("xla_cpu_use_fusion_emitters=false") == {
        "xla_cpu_use_fusion_emitters": False
    }
    assert option_ab.parse_option("xla_cpu_parallel_codegen_split_count=8") == {
        "xla_cpu_parallel_codegen_split_count": 8
    }
    assert option_ab.parse_option("xla_cpu_experimental_ynn_fusion_type=") == {
        "xla_cpu_experimental_ynn_fusion_type": ""
    }


def test_a_malformed_option_is_refused_before_compiling(capsys):
    with pytest.raises(SystemExit) as exit_info:
        option_ab.main(["pendulum/swingup", "--option", "xla_cpu_use_fusion_emitters"])
    assert exit_info.value.code == 2
    assert "an option is NAME=VALUE" in capsys.readouterr().err


def test_ab_of_a_small_task(capsys, tmp_path):
    log = tmp_path / "ab.jsonl"
    args = ["pendulum/swingup", "--num-envs", "2", "--chunk", "2", "--rounds", "1"]
    assert option_ab.main([*args, "--log", str(log)]) == 0
    row = json.loads(capsys.readouterr().out)
    assert row == json.loads(log.read_text())
    assert row["option"] == {"xla_cpu_use_fusion_emitters": False}
    assert set(row["env_steps_per_s"]) == set(row["compile_s"]) == {"base", "option", "control"}
    assert all(v > 0 for v in row["env_steps_per_s"].values())
    assert row["option_ratio"] > 0 and row["control_ratio"] > 0


def test_ab_of_the_cholesky_unrolling(capsys):
    """``--unroll-rows`` traces the option's program with that setting, then puts it back."""
    saved = linalg.UNROLL_ROWS
    args = ["pendulum/swingup", "--num-envs", "2", "--chunk", "2", "--rounds", "1"]
    assert option_ab.main([*args, "--unroll-rows", str(saved + 1)]) == 0
    row = json.loads(capsys.readouterr().out)
    assert row["option"] == {"unroll_rows": saved + 1}
    assert all(v > 0 for v in row["env_steps_per_s"].values())
    assert saved == linalg.UNROLL_ROWS


def test_ab_of_the_fused_reset(capsys):
    """``--fuse-reset``: the option's program is the chunk with ``AutoReset(fuse_reset=True)``."""
    args = ["pendulum/swingup", "--num-envs", "2", "--chunk", "2", "--rounds", "1"]
    assert option_ab.main([*args, "--fuse-reset"]) == 0
    row = json.loads(capsys.readouterr().out)
    assert row["option"] == {"fuse_reset": True}
    assert all(v > 0 for v in row["env_steps_per_s"].values())
