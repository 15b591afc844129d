"""benchmarks/performance_table.py renders the solver-sweep log: the profiles' caps with their
measured effect, unmeasured caps flagged, and the last sweep of a task kept."""

from mjxcontrol import profiles
from mjxcontrol.benchmarks import bench_suite, bench_table, performance_table


def _row(task, cap, error, speed, first=False):
    return {
        "task": task,
        "iterations": cap[0],
        "ls_iterations": cap[1],
        "worst_rel_error": error,
        "binds": 0.0,
        "samples": 1024,
        "env_steps_per_s": speed,
        "compile_s": 30.0,
        "first": first,
        "slack": 1e-5,
    }


def test_profile_cells_show_measured_caps_and_flag_unmeasured_ones(monkeypatch):
    monkeypatch.setattr(profiles, "EXACT", {"walker": {"iterations": 8, "ls_iterations": 8}})
    fast = {"iterations": 2, "ls_iterations": 5, "disable": ("eulerdamp",), "timestep": 0.005}
    monkeypatch.setattr(profiles, "FAST", {"walker": fast})
    stale = [_row("walker/walk", (100, 50), 9.0, 1.0, first=True)]
    walker = [
        _row("walker/walk", (100, 50), 1e-3, 100.0, first=True),
        _row("walker/walk", (8, 8), 1e-3, 400.0),
        _row("walker/walk", (4, 8), 2.0, 800.0),
        # Same cap as the fast profile, without its other options: not the fast profile's row.
        _row("walker/walk", (2, 5), 7.0, 900.0),
        {
            **_row("walker/walk", (2, 5), 3.0, 1000.0),
            "options": {
                "disable": ["eulerdamp"],
                "iterations": 2,
                "ls_iterations": 5,
                "timestep": 0.005,
            },
            "profile": "fast",
        },
    ]
    cheetah = [_row("cheetah/run", (100, 50), 1e-5, 50.0, first=True)]
    text = performance_table.render(stale + walker + cheetah)
    rows = {r.split(" | ")[0].lstrip("| "): r for r in text.splitlines() if r.startswith("| ")}
    assert rows["walker/walk"] == (
        "| walker/walk | 8 (8) | 4.00x | 2 (5), no eulerdamp, timestep 0.005 s | 3.0e+00 | 10.00x |"
    )
    assert "| fast profile: 2 (5), no eulerdamp, timestep 0.005 s | 3 | 0.0 % | no |" in text
    # cheetah's exact profile is dm_control's own cap (measured), its fast cap was never swept.
    assert rows["cheetah/run"].startswith("| cheetah/run | 100 (50) | 1.00x | 4 (8) | not measured")
    assert "| 4 (8) | 2 | 0.0 % | no |" in text and "| 8 (8) | 0.001 | 0.0 % | yes |" in text
    assert "walker/stand" in text.split("running their domain's exact cap")[1].split(".")[0]
    moot = text.split("never runs the solver")[1].split(".")[0]
    assert "pendulum/swingup" in moot and "lqr/lqr_6_2" in moot and "reacher/easy" not in moot
    assert "reacher/easy" in text.split("keeping dm_control's own caps")[1]


def test_constraint_rows_are_mjx_static_sizes():
    assert performance_table.constraint_rows("acrobot/swingup") == 0
    assert performance_table.constraint_rows("point_mass/easy") == 2  # two limited slide joints
    assert performance_table.constraint_rows("fish/swim") is None  # MJX-Warp


def test_playground_section_pairs_cold_and_warm_compiles():
    settings = {"iterations": 8, "ls_iterations": 8, "integrator": "EULER", "disabled": []}
    ours = {
        "task": "walker/walk",
        "impl": "jax",
        "num_envs": 1024,
        "runner": "mjxcontrol",
        "physics": "exact",
        # Playground's row below has no timestep, as reports before session 27
        "settings": {**settings, "timestep": 0.0025},
        "n_substeps": 10,
        "env_steps_per_s": 1500.0,
        "compile_s": 40.0,
        "run_s": 20.0,
        "steps": 190,
    }
    theirs = {
        **ours,
        "runner": "playground",
        "physics": None,
        "settings": {**settings, "iterations": 2, "ls_iterations": 5, "disabled": ["eulerdamp"]},
        "env_steps_per_s": 6000.0,
        "compile_s": 15.0,
    }
    arguments = {"tasks": ["walker/walk"], "batch_sizes": [1024], "physics": ["exact"]}
    arguments |= {"anchors": ["playground"], "steps": 200, "chunk": 20}
    cold = {
        "device": "cpu:0",
        "versions": {},
        "arguments": arguments,
        "results": [ours, theirs],
        "ratios": [{**{k: ours[k] for k in ("task", "impl", "num_envs", "physics")}}],
    }
    cold["ratios"][0]["vs_playground"] = 0.25
    warm = {
        "results": [{**ours, "compile_s": 9.0}, {**theirs, "compile_s": 3.0}],
        "ratios": [{**cold["ratios"][0], "vs_playground": 0.5}],
    }
    # Compile is shown to the first step: less 19 of the first chunk's 20 steps at 20 s / 190 steps.
    text = bench_table.playground_section(cold, warm)
    assert "`mjxcontrol bench walker/walk --num-envs 1024 --physics exact" in text
    assert (
        "| walker/walk | mjxcontrol exact | 8 (8), Euler, 10 substeps of 2.5 ms | 1,500 | 0.25x "
        "| 38.0 "
        "| 7.0 | 1,500 | 0.50x |" in text
    )
    assert (
        "| walker/walk | playground | 2 (5), Euler, no eulerdamp, 10 substeps | 6,000 | - | 13.0 "
        "| 1.0 | 6,000 | - |" in text
    )


def test_gpu_section_lists_every_batch_size_or_says_it_was_not_measured():
    assert "Not measured yet" in bench_table.gpu_section(None)
    case = {"task": "cheetah/run", "impl": "jax", "compile_s": 30.0, "run_s": 1.0, "steps": 80}
    rows = [
        {**case, "num_envs": n, "runner": runner, "physics": physics, "env_steps_per_s": rate}
        for n in (16384, 1024)
        for runner, physics, rate in (("mjxcontrol", "fast", 2e6), ("playground", None, 1e6))
    ]
    report = {
        "device": "cuda:0",
        "versions": {"jax": "0.11.2"},
        "arguments": {"steps": 80, "chunk": 20},
        "results": rows,
        "ratios": bench_suite.ratios(rows),
    }
    text = bench_table.gpu_section(report)
    assert "| cheetah/run | 1,024 | mjxcontrol fast | 2,000,000 | 2.00x | 29.8 |" in text
    assert "| cheetah/run | 16,384 | playground | 1,000,000 | - | 29.8 |" in text
    assert text.index("| 1,024 |") < text.index("| 16,384 |")


def test_playground_section_says_which_xla_options_both_compiled_with():
    arguments = {"tasks": ["cartpole/swingup"], "batch_sizes": [1024], "physics": ["exact"]}
    arguments |= {"anchors": ["playground"], "steps": 200, "chunk": 20}
    report = {"device": "cpu:0", "versions": {}, "arguments": arguments, "results": []}
    old = bench_table.playground_section(report)  # before session 31: none recorded
    assert "`mjxcontrol bench cartpole/swingup" in old
    assert "every runner compiled with XLA's default options" in old
    defaults = bench_table.playground_section({**report, "compiler_options": {}})
    assert "`MJXCONTROL_XLA_DEFAULTS=1 mjxcontrol bench cartpole/swingup" in defaults
    assert "every runner compiled with XLA's default options" in defaults
    options = {"xla_cpu_experimental_ynn_fusion_type": ""}
    tuned = bench_table.playground_section({**report, "compiler_options": options})
    assert "`mjxcontrol bench cartpole/swingup" in tuned
    assert "with the XLA options `xla_cpu_experimental_ynn_fusion_type=''`" in tuned
    assert "first reset" not in tuned
    row = {"task": "cartpole/swingup", "compiler_options": options, "skipped": "-"}
    one_off = {**options, "xla_backend_optimization_level": 0}
    rows = [row, {**row, "task": "cheetah/run"}, {**row, "reset_compiler_options": one_off}]
    since_38 = bench_table.playground_section(
        {**report, "compiler_options": options} | {"results": rows}
    )
    assert (
        "first reset, run once, also with (cartpole/swingup: `xla_backend_optimization_level=0`)"
        in since_38
    )


def test_the_command_reproduces_the_reports_fuse_reset():
    """A report's ``fuse_reset`` renders as the flag that runs the same envs today: ``False``
    (every env plain, the default before session 36) as ``--no-fuse-reset``."""
    assert bench_table._fuse_flag(True) == " --fuse-reset"
    assert bench_table._fuse_flag(False) == " --no-fuse-reset"
    assert bench_table._fuse_flag(None) == ""
