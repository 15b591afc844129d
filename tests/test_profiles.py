"""Physics profiles: exact by default, fast only when asked, both shown by `mjxcontrol info`."""

import json

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import mjxcontrol
from mjxcontrol import profiles, registry
from mjxcontrol.benchmarks import performance_table, solver_sweep
from mjxcontrol.cli import main


def test_exact_is_the_default_and_fast_only_on_request():
    exact, fast = (
        mjxcontrol.load("pendulum/swingup"),
        mjxcontrol.load("pendulum/swingup", physics="fast"),
    )
    assert exact.profile == "exact" and fast.profile == "fast"
    assert exact.physics is not fast.physics
    options = profiles.overrides("pendulum/swingup", "fast")
    for name, value in options.items():
        assert getattr(fast.physics.mj_model.opt, name) == value
    assert exact.physics is mjxcontrol.load("pendulum/swingup", physics="exact").physics


def test_unknown_profile_is_a_clear_error():
    with pytest.raises(ValueError, match=r"unknown physics profile 'turbo'; choose one of"):
        mjxcontrol.load("pendulum/swingup", physics="turbo")


def test_info_shows_both_profiles(capsys):
    assert main(["info", "walker/walk", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)["physics_profiles"]
    assert set(shown) == set(profiles.PROFILES)
    assert shown["exact"]["iterations"] >= shown["fast"]["iterations"]
    assert shown["fast"]["timestep"] == 2 * shown["exact"]["timestep"]  # walker's fast row


def test_a_longer_fast_timestep_keeps_the_control_step_and_time_limit():
    """walker's fast profile takes 5 ms physics steps where dm_control takes 2.5 ms: the control
    step (25 ms) and the episode (1,000 control steps) stay dm_control's."""
    exact, fast = (mjxcontrol.load("walker/walk", physics=p) for p in ("exact", "fast"))
    assert fast.physics.timestep == 2 * exact.physics.timestep == 0.005
    assert (exact.physics.n_substeps, fast.physics.n_substeps) == (10, 5)
    assert fast.control_timestep == pytest.approx(exact.control_timestep) == pytest.approx(0.025)
    assert fast.step_limit == exact.step_limit == 1000


def test_every_exact_cap_is_backed_by_a_logged_sweep():
    """A cap in the exact profile must have been measured against dm_control: each logged sweep
    of its domain (or task) has a row with that cap whose worst one-step error is within the
    sweep's slack of dm_control's own cap (docs/performance.md is rendered from the same log)."""
    lines = [json.loads(x) for x in performance_table.LOG.read_text().splitlines() if x]
    sweeps = performance_table.by_task(lines)
    assert profiles.EXACT, "the exact profile sets no cap, so this test has nothing to check"
    for key, options in profiles.EXACT.items():
        tasks = [t for t in sweeps if key in (t, t.split("/")[0])]
        assert tasks, f"no logged sweep for {key!r}"
        for task in tasks:
            base, *rows = sweeps[task]
            assert base["first"], f"{task}: a sweep starts with dm_control's own cap"
            options = profiles.overrides(task, "exact")
            cap = (options["iterations"], options["ls_iterations"])
            if set(options) <= solver_sweep.CAP_KEYS:
                found = performance_table.find_cap(rows, cap)
            else:  # a contact cap too
                found = performance_table.find_options(rows, options)
            assert found, f"{task}: the exact options {options} were not swept"
            assert solver_sweep.is_exact(found, base), f"{task}: {options} is not exact"
            # C MuJoCo never needed more iterations, or had more contacts, than the caps allow.
            assert found["binds"] == 0.0, f"{task}: {options} binds on {found['binds']:.1%}"
            if "max_contact_points" in options:  # with room for states the sweep did not see
                most = found["c_contacts_max"]
                assert options["max_contact_points"] >= 2 * most, f"{task}: C had {most} at once"
            if "max_geom_pairs" in options:  # near pairs of one collision group, same rule
                most = found["c_near_pairs_max"]
                assert options["max_geom_pairs"] >= 2 * most, f"{task}: {most} pairs near at once"


def test_fast_is_never_capped_above_exact():
    for info in mjxcontrol.list_tasks():
        exact = profiles.overrides(info.id, "exact")
        fast = profiles.overrides(info.id, "fast")
        for name, cap in exact.items():
            if name in ("iterations", "ls_iterations", "max_contact_points"):
                assert fast[name] <= cap, f"{info.id}: fast {name} {fast[name]} > exact {cap}"


def test_disable_flags_add_to_the_models_own():
    model = mjxcontrol.load("pendulum/swingup").physics.mj_model  # dm_control turns contacts off
    changed = profiles.apply(model, {"disable": ("eulerdamp",)})
    assert profiles.describe(changed)["disabled"] == ["contact", "eulerdamp"]
    assert profiles.describe(model)["disabled"] == ["contact"]  # the original is untouched
    with pytest.raises(ValueError, match="unknown disable flag 'eulerdam'; choose from"):
        profiles.apply(model, {"disable": ("eulerdam",)})
    with pytest.raises(ValueError, match="'iteration' is not a mujoco.MjOption field"):
        profiles.apply(model, {"iteration": 3})


def test_every_fast_setting_beyond_a_cap_has_a_published_error():
    """A fast-profile row that changes more than the solver cap (the integrator, disable flags)
    must have been measured with exactly those options in the latest logged sweep of each task
    it covers, so docs/performance.md shows its one-step error against dm_control."""
    lines = [json.loads(x) for x in performance_table.LOG.read_text().splitlines() if x]
    sweeps = performance_table.by_task(lines)
    for key in profiles.FAST:
        tasks = [t for t in sweeps if key in (t, t.split("/")[0])]
        assert tasks, f"no logged sweep for {key!r}"
        for task in tasks:
            options = profiles.overrides(task, "fast")
            assert performance_table.find_options(sweeps[task], options), (
                f"{task}: the fast profile {options} was not swept"
            )


def test_contact_caps_go_into_the_spec_before_it_compiles():
    """MJX reads its contact caps from the model's numerics: a profile adds them to a copy of the
    task's spec, and MJX then allocates fewer contacts (walker: 10 and 4 of 14)."""
    spec = registry.make_task("walker/walk").model()
    options = {"max_geom_pairs": 4, "max_contact_points": 4, "iterations": 2}
    described = profiles.describe(profiles.apply(spec, options))
    assert (described["max_geom_pairs"], described["max_contact_points"]) == (4, 4)
    assert described["iterations"] == 2
    assert profiles.describe(spec.compile())["max_contact_points"] is None  # the spec untouched
    with pytest.raises(ValueError, match="model numerics: pass the model's MjSpec"):
        profiles.apply(spec.compile(), {"max_contact_points": 4})
    contacts = {
        p: mjxcontrol.load("walker/walk", physics=p).physics.data0._impl.contact.dist.shape[0]
        for p in profiles.PROFILES
    }
    assert contacts == {"exact": 10, "fast": 4}  # exact: twice the most C had at once


def test_a_full_exact_contact_cap_is_flagged_as_dropped_contacts():
    """The exact profile's contact caps are guarded: a state whose capped contacts all touch (so
    a shallower one may have been left out) counts as dropped contacts, a physics error, as a
    full MJX-Warp buffer does. The fast profile's caps drop contacts by design: not guarded."""
    mj_model = profiles.apply(registry.make_task("walker/walk").model(), {"max_contact_points": 6})
    qpos = {name: np.zeros(mj_model.nq, np.float32) for name in ("lying", "above")}
    rootz, rooty = (mj_model.joint(j).qposadr[0] for j in ("rootz", "rooty"))
    for name, height in (("lying", -1.3), ("above", -1.0)):  # walker on its side: 14 / 0 in C
        qpos[name][[rootz, rooty]] = height, np.pi / 2
    dropped = {}
    for guard in (True, False):
        physics = mjxcontrol.compile_physics(mj_model, guard_contact_cap=guard)
        forward = jax.jit(physics.forward)
        for name, q in qpos.items():
            data = forward(physics.model, physics.data0.replace(qpos=jnp.asarray(q)))
            dropped[guard, name] = bool(physics.contacts_dropped(data))
    assert dropped == {
        (True, "lying"): True,
        (True, "above"): False,
        (False, "lying"): False,
        (False, "above"): False,
    }
    # walker's 14 contacts are one run (all of dimension 3)
    exact_guard = mjxcontrol.compile_physics(mj_model, guard_contact_cap=True).guard
    assert exact_guard is not None and exact_guard.contact_runs == ((0, 6),)
