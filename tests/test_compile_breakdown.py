"""benchmarks/compile_breakdown.py: the bench's programs lowered and compiled one at a time."""

import json

from mjxcontrol.benchmarks import compile_breakdown


def test_breakdown_of_a_small_task(capsys):
    args = ["pendulum/swingup", "--num-envs", "2", "--chunk", "2", "--no-playground"]
    assert compile_breakdown.main(args) == 0
    out = capsys.readouterr().out
    row = json.loads(out.splitlines()[-1])
    programs = ["reset", "chunk", "chunk_without_resets", "chunk_fuse_reset"]
    assert [k for k in row if k not in ("task", "physics")] == programs
    assert all(lower > 0 and compile_ > 0 for lower, compile_ in (row[p] for p in programs))
    assert out.startswith("pendulum/swingup exact, 2 envs, 2-step chunk")
