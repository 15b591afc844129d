"""``mjxcontrol bench`` as a suite: the report, its ratios, table and plot, and the anchors."""

import fcntl
import json

import jax
import jax.numpy as jnp
import pytest

import mjxcontrol
from mjxcontrol import compilation_cache
from mjxcontrol.benchmarks import bench_suite, playground_anchor, throughput
from mjxcontrol.cli import main


def test_bench_suite_measures_profiles_and_anchors_side_by_side(
    capsys, tmp_path, keep_cache_config
):
    out, cache = tmp_path / "out", tmp_path / "cache"
    args = ["bench", "pendulum/swingup", "--num-envs", "3", "--steps", "4", "--chunk", "2"]
    args += ["--physics", "exact,fast", "--anchors", "raw,playground", "--json"]
    assert main([*args, "--out", str(out), "--cache-dir", str(cache)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report == json.loads((out / "bench.json").read_text())
    assert (out / "bench.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert report["compilation_cache"] == str(cache)
    assert report["program_store"] == str(cache / "programs") and report["runners_traced_alone"]
    assert len(list((cache / "programs").glob("*.bin"))) == 4  # both profiles' reset and chunk
    assert jax.config.jax_compilation_cache_dir == str(cache)
    assert report["device"] and report["versions"]["mujoco"] == "3.17.0"
    cpu = jax.default_backend() == "cpu"
    assert report["compiler_options"] == (compilation_cache.CPU_OPTIONS if cpu else {})
    rows = {(r["runner"], r["physics"]): r for r in report["results"]}
    assert set(rows) == {
        ("mjxcontrol", "exact"),
        ("mjxcontrol", "fast"),
        ("raw_mjx", "exact"),
        ("raw_mjx", "fast"),
        ("playground", None),
    }
    for row in rows.values():
        assert (row["task"], row["impl"], row["num_envs"]) == ("pendulum/swingup", "jax", 3)
        assert row["steps"] == 4 and row["compile_s"] > 0 and row["env_steps_per_s"] > 0
        assert row["env_steps_per_s"] == pytest.approx(3 * 4 / row["run_s"])
        # Reset + first step: the first chunk (2 steps) less its second step at the timed rate.
        first_step = row["compile_s"] - row["run_s"] / 4
        assert 0 < row["first_step_s"] == pytest.approx(first_step)
    # Each runner reports the solver settings it ran with: dm_control's caps for pendulum's exact
    # profile, the fast profile's, and Playground 0.2's own (pendulum: 4 iterations, two 0.01 s
    # substeps per control step where dm_control takes one of 0.02 s).
    assert rows["mjxcontrol", "exact"]["settings"]["iterations"] == 100
    assert rows["mjxcontrol", "fast"]["settings"]["iterations"] == 4
    assert rows["mjxcontrol", "exact"]["n_substeps"] == 1
    assert rows["playground", None]["n_substeps"] == 2
    ratios = {r["physics"]: r for r in report["ratios"]}
    for physics in ("exact", "fast"):
        env = rows["mjxcontrol", physics]["env_steps_per_s"]
        assert ratios[physics]["vs_playground"] == pytest.approx(
            env / rows["playground", None]["env_steps_per_s"]
        )
        assert ratios[physics]["vs_raw_mjx"] == pytest.approx(
            env / rows["raw_mjx", physics]["env_steps_per_s"]
        )


def _row(task, num_envs, runner, physics, speed):
    return {
        "task": task,
        "impl": "jax",
        "num_envs": num_envs,
        "runner": runner,
        "physics": physics,
        "compile_s": 1.0,
        "run_s": 1.0,
        "steps": 10,
        "env_steps_per_s": speed,
    }


def test_ratios_table_and_plot_of_a_report(tmp_path):
    rows = [
        _row("cartpole/swingup", 8, "mjxcontrol", "exact", 100.0),
        _row("cartpole/swingup", 8, "mjxcontrol_fused", "exact", 80.0),
        _row("cartpole/swingup", 8, "raw_mjx", "exact", 400.0),
        _row("cartpole/swingup", 8, "playground", None, 50.0),
        _row("cartpole/swingup", 16, "mjxcontrol", "exact", 300.0),
        _row("cartpole/swingup", 16, "playground", None, 100.0),
        _row("lqr/lqr_2_1", 8, "mjxcontrol", "exact", 70.0),
        {**_row("lqr/lqr_2_1", 8, "playground", None, 0.0), "skipped": "not ported"},
    ]
    del rows[-1]["env_steps_per_s"]
    ratios = bench_suite.ratios(rows)
    assert [(r.get("runner"), r["task"], r["num_envs"], r["physics"]) for r in ratios] == [
        (None, "cartpole/swingup", 8, "exact"),
        ("mjxcontrol_fused", "cartpole/swingup", 8, "exact"),
        (None, "cartpole/swingup", 16, "exact"),
        (None, "lqr/lqr_2_1", 8, "exact"),
    ]
    assert [r.get("vs_playground") for r in ratios] == [2.0, 1.6, 3.0, None]
    assert [r.get("vs_raw_mjx") for r in ratios] == [0.25, 0.2, None, None]
    arguments = {"steps": 10, "chunk": 5}
    report = {"device": "cpu:0", "arguments": arguments, "results": rows, "ratios": ratios}
    table = bench_suite.table(report).splitlines()
    assert len(table) == 2 + len(rows)
    # 1 s to the end of the first 5-step chunk, less 4 steps at 0.1 s each: 0.6 s to the first step.
    assert "| cartpole/swingup | jax | 16 | mjxcontrol | exact | 0.6 | 300 | 3.00x |" in table
    assert "| lqr/lqr_2_1 | jax | 8 | playground | - | - | skipped: not ported | - |" in table
    # each env runner its own ratio; anchors none
    assert "| cartpole/swingup | jax | 8 | mjxcontrol_fused | exact | 0.6 | 80 | 1.60x |" in table
    assert "| cartpole/swingup | jax | 8 | raw_mjx | exact | 0.6 | 400 | - |" in table
    bench_suite.plot(report, str(tmp_path / "plot.png"))
    assert (tmp_path / "plot.png").stat().st_size > 1000


def test_playground_names_cover_its_suite_ports():
    """Every environment Playground ports from the suite is found from one of our task ids."""
    from mujoco_playground import registry

    ours = {playground_anchor.playground_name(t.id) for t in mjxcontrol.list_tasks()}
    ported = set(registry.dm_control_suite.ALL_ENVS)
    assert len(ported) == 25 and ported <= ours


def test_playground_anchor_says_why_it_cannot_run(monkeypatch):
    with pytest.raises(playground_anchor.Unavailable, match="does not port humanoid_CMU/run"):
        playground_anchor.load("humanoid_CMU/run", "jax")
    monkeypatch.setattr(playground_anchor, "installed", lambda: False)
    with pytest.raises(playground_anchor.Unavailable, match=r"mjxcontrol\[anchors\]"):
        playground_anchor.load("cartpole/swingup", "jax")


@pytest.mark.parametrize(
    "flag, value, message",
    [
        ("--num-envs", "4,x", "positive integer"),
        ("--num-envs", "4,0", "positive integer"),
        ("--impl", "jax,wrap", "jax, warp"),
        ("--physics", "exact,quick", "exact, fast"),
        ("--anchors", "raw,brax", "raw, playground"),
    ],
)
def test_bench_lists_are_checked(capsys, flag, value, message):
    with pytest.raises(SystemExit) as e:
        main(["bench", "pendulum/swingup", flag, value])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and flag in err and message in err


def test_bench_times_the_env_with_fuse_reset(capsys, tmp_path):
    args = ["bench", "pendulum/swingup", "--num-envs", "3", "--steps", "2", "--chunk", "2"]
    lock = tmp_path / "lock"
    assert main([*args, "--fuse-reset", "--json", "--timing-lock", str(lock)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["arguments"]["fuse_reset"] is True
    assert report["arguments"]["timing_lock"] is True and lock.exists()
    assert [r["runner"] for r in report["results"]] == ["mjxcontrol_fused", "raw_mjx"]
    assert all(r["env_steps_per_s"] > 0 for r in report["results"])
    assert report["ratios"][0]["runner"] == "mjxcontrol_fused"


def test_bench_refuses_fuse_reset_on_mjx_warp_before_compiling(capsys):
    assert main(["bench", "pendulum/swingup", "--impl", "warp", "--fuse-reset"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "fuse_reset needs impl='jax'" in err


def test_bench_refuses_a_timing_lock_in_a_missing_folder_before_compiling(capsys, tmp_path):
    lock = tmp_path / "no-such-folder" / "lock"
    assert main(["bench", "pendulum/swingup", "--timing-lock", str(lock)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "its folder does not exist" in err


def test_bench_refuses_an_impl_that_cannot_run_a_task_before_compiling(capsys):
    assert main(["bench", "pendulum/swingup", "fish/swim", "--impl", "jax"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "fish" in err and "ELLIPSOID" in err.upper()


def test_timed_chunks_that_compile_are_refused():
    """A chunk function retraced inside the timed chunks (its carry changed types) would time a
    compile as running: the harness refuses it, and passes a runner whose types are stable."""
    retyping = jax.jit(lambda carry: (carry + 1).astype(jnp.float32))  # int32 in, float32 out
    with pytest.raises(RuntimeError, match="'retyping' compiled a program inside a timed chunk"):
        throughput.time_runners({"retyping": throughput.Runner(retyping, jnp.int32(0))}, 2, 1)
    stable = throughput.Runner(jax.jit(lambda carry: carry + 1), jnp.int32(0))
    steps, compile_s = throughput.time_runners({"stable": stable}, 2, 1, progress=False)
    assert steps == 2 and compile_s["stable"] > 0 and int(stable.carry) == 3


def test_timed_chunks_run_under_the_timing_lock_and_compiles_outside_it(tmp_path):
    """Bench processes sharing a device (``--timing-lock``) compile side by side but time their
    chunks one at a time: while a runner's chunk is timed, no other holder can take the lock."""
    lock = tmp_path / "lock"

    def lock_free() -> bool:
        with open(lock, "a") as f:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            fcntl.flock(f, fcntl.LOCK_UN)
            return True

    seen = {"compile": [], "timed": []}

    class Probe(throughput.Runner):
        def compile(self) -> float:
            seen["compile"].append(lock_free())
            return super().compile()

        def timed_chunk(self) -> None:
            seen["timed"].append(lock_free())
            super().timed_chunk()

    runners = {"a": Probe(jax.jit(lambda c: c + 1), jnp.int32(0))}
    runners["b"] = Probe(jax.jit(lambda c: c * 2), jnp.int32(1))
    throughput.time_runners(runners, 4, 2, progress=False, timing_lock=str(lock))
    assert seen == {"compile": [True, True], "timed": [False] * 4}
    assert lock_free()  # released afterwards


def test_each_runner_is_traced_as_if_alone():
    """Traced right after our env, Playground's chunk picks up our batching of small products
    through JAX's caches (22 dot_general ops instead of 49 on cartpole); ``traced_alone`` gives
    it the program it has in a process of its own."""

    def playground_chunk() -> str:
        pg_env = playground_anchor.load("cartpole/swingup", "jax")
        reset, keys, run, key = playground_anchor.program(pg_env, 4, 2)
        return jax.jit(run).lower((jax.eval_shape(reset, keys), key)).as_text()

    def ours_then(trace_playground) -> str:
        jax.clear_caches()
        env = mjxcontrol.load("cartpole/swingup")
        reset, keys, run, key = throughput.env_program(env, 4, 2)
        jax.jit(run).lower((jax.eval_shape(reset, keys), key))
        return trace_playground()

    jax.clear_caches()
    alone = playground_chunk()
    assert ours_then(lambda: bench_suite.traced_alone(playground_chunk)) == alone
