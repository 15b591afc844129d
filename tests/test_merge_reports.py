"""``merge_reports``: bench reports of one machine as one, ratios taken across them."""

import json

import pytest

from mjxcontrol.benchmarks import merge_reports


def _report(rows, physics, anchors, device="cuda:0", **arguments):
    return {
        "device": device,
        "devices": 1,
        "versions": {"jax": "0.11.2", "mujoco": "3.17.0"},
        "arguments": {
            "tasks": ["cheetah/run"],
            "batch_sizes": [1024],
            "impls": [None],
            "physics": physics,
            "steps": 80,
            "chunk": 20,
            "anchors": anchors,
            "shard": False,
            "fuse_reset": False,
            **arguments,
        },
        "results": rows,
        "ratios": [],
    }


def _row(runner, physics, rate):
    case = {"task": "cheetah/run", "impl": "jax", "num_envs": 1024}
    timing = {"compile_s": 9.0, "first_step_s": 8.0, "run_s": 1024 * 80 / rate, "steps": 80}
    return {**case, "runner": runner, "physics": physics, "env_steps_per_s": rate, **timing}


def test_a_profile_is_compared_with_an_anchor_timed_in_another_process(tmp_path):
    exact = _report(
        [_row("mjxcontrol", "exact", 300.0), _row("playground", None, 400.0)],
        ["exact"],
        ["playground"],
    )
    fast = _report([_row("mjxcontrol", "fast", 600.0)], ["fast"], [])
    merged = merge_reports.merge([exact, fast])
    assert len(merged["results"]) == 3
    assert merged["arguments"]["physics"] == ["exact", "fast"]
    assert merged["arguments"]["anchors"] == ["playground"]
    ratios = {r["physics"]: r["vs_playground"] for r in merged["ratios"]}
    assert ratios == {"exact": pytest.approx(0.75), "fast": pytest.approx(1.5)}

    paths = []
    for i, report in enumerate((exact, fast)):
        paths.append(tmp_path / f"{i}.json")
        paths[-1].write_text(json.dumps(report))
    assert merge_reports.main([str(tmp_path / "out"), *map(str, paths)]) == 0
    written = json.loads((tmp_path / "out" / "bench.json").read_text())
    assert written["ratios"] == merged["ratios"]
    assert "| 1.50x |" in (tmp_path / "out" / "table.md").read_text()
    assert (tmp_path / "out" / "bench.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize(
    "other, message",
    [
        (dict(device="cpu:0"), "device"),
        (dict(steps=200), "'steps'"),
    ],
)
def test_reports_of_other_machines_or_settings_are_refused(other, message):
    device = other.pop("device", "cuda:0")
    a = _report([_row("playground", None, 400.0)], ["exact"], ["playground"])
    b = _report([_row("mjxcontrol", "fast", 600.0)], ["fast"], [], device=device, **other)
    with pytest.raises(ValueError, match=message):
        merge_reports.merge([a, b])
    with pytest.raises(ValueError, match="no reports"):
        merge_reports.merge([])
