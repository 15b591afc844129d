"""benchmarks/parity_table.py renders the parity log: one row per task, failures and gaps shown."""

from mjxcontrol.benchmarks import parity_table


def _line(task, velocity_error, atol=1e-4):
    worst = {
        "velocity": {
            "error": velocity_error,
            "used": velocity_error / atol,
            "atol": atol,
            "rtol": 1e-4,
        },
        "reward": {"error": 0.0, "used": 0.0, "atol": 1e-4, "rtol": 0.0},
    }
    return {"task": task, "impl": "jax", "samples": 256, "worst": worst}


def test_rows_show_worst_comparison_failures_and_unmeasured_tasks():
    lines = [
        _line("cartpole/balance", 1e-6),
        _line("cartpole/balance", 3e-6),  # the worse of two logged comparisons is kept
        _line("walker/walk", 5e-3, atol=1e-2),
        _line("pendulum/swingup", 2e-4),  # beyond its tolerance
    ]
    text = parity_table.render(lines, ["cartpole", "walker", "pendulum"])
    rows = {r.split(" | ")[0].lstrip("| "): r for r in text.splitlines() if r.startswith("| ")}
    assert "3.0e-06 (`velocity`)" in rows["cartpole/balance"]
    assert "**FAILS**" in rows["pendulum/swingup"]
    assert "**FAILS**" not in rows["walker/walk"] and "`velocity` 0.01" in rows["walker/walk"]
    assert "not measured" in rows["cartpole/swingup"]
    assert "tasks measured" in text
