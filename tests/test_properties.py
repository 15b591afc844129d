"""Registry-wide properties, found by hypothesis: whatever the action or the physical parameters,
a step never exposes NaN or inf in reward, obs or final_obs, and its episode flags agree.

Actions range from 1e-3 to 1e30 in magnitude with NaN/inf patterns; params (mass, damping,
friction, gear) are scaled per env inside and far outside their physical ranges, NaN and inf
included (traced params cannot be checked when they are set). Each example is a whole batch of
envs stepped twice by the task's shared compiled step (mjxcontrol.testing.compiled), so the
search costs no extra compile. Examples are derandomised: a CI failure reproduces locally.

Stepping a batch with degenerate parameters is the expensive part (MJX's solver runs to its
iteration cap for the whole batch if one env needs it), so each batch mixes every kind of
degeneracy: a recipe picks the fields and the fraction of envs they touch, and each touched env
draws its own scale from :data:`SCALES`. One explicit worst case (every field, every kind of bad
action) and hypothesis's own first example (physical parameters, unit actions) then cover what
many examples did. Tasks whose compiled physics and per-episode model draws are identical
(walker stand/walk/run, humanoid's four) are judged on one stepped batch: the first task's step
runs the physics, and every task's own code (observation, reward, flags) runs on the result, as
``benchmarks/nan_hunt.py`` does for its shared trajectories.
"""

import chex
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import mjxcontrol
from mjxcontrol.testing import contract
from mjxcontrol.testing.compiled import (
    CHECKED_PARAMS,
    batch_size,
    compiled,
    physics_functions,
    reset_batch,
)

DOMAINS = sorted({info.domain for info in mjxcontrol.list_tasks()})
# Generated batches per stepped trajectory, besides the explicit WORST_CASE. Each is 256 envs
# stepped twice; degenerate parameters drive MJX's solver to its iteration cap, so such an example
# costs up to ~15 s on 2 cores (quadruped), and hypothesis's first example is its simplest one
# (physical parameters, actions of magnitude 1: the normal case, cheap).
EXAMPLES = 1
SPECIALS = ("none", "nan", "inf", "-inf", "mixed")
# Per-env parameter scales: physical, degenerate, unphysical and non-finite.
SCALES = (1.0, 0.5, 3.0, 0.0, 1e-6, 1e6, -1.0, float("nan"), float("inf"))

Recipe = tuple  # (exponent, special, fraction, seed)


@st.composite
def action_recipes(draw) -> Recipe:
    """How to build a batch of actions (drawn small, so hypothesis can shrink it)."""
    return (
        draw(st.integers(-3, 30)),
        draw(st.sampled_from(SPECIALS)),
        draw(st.floats(0.0, 1.0)),
        draw(st.integers(0, 2**31 - 1)),
    )


@st.composite
def param_recipes(draw) -> dict:
    """field -> fraction of envs whose value of it is scaled (each by its own draw of SCALES)."""
    fields = draw(st.sets(st.sampled_from(CHECKED_PARAMS), max_size=len(CHECKED_PARAMS)))
    return {f: draw(st.floats(0.0, 1.0)) for f in fields}


# Every field scaled in 60 % of the envs (so ~13 % keep physical values throughout) and every
# kind of bad action (NaN, inf, -inf) in 30 % of the entries, at magnitudes up to 1e30.
WORST_CASE = {
    "actions": (30, "mixed", 0.3, 7),
    "params": dict.fromkeys(CHECKED_PARAMS, 0.6),
}


def make_actions(recipe: Recipe, n: int, nu: int) -> np.ndarray:
    """``[n, nu]`` float32 actions of magnitude up to ``10**exponent`` with specials."""
    exponent, special, fraction, seed = recipe
    rng = np.random.default_rng(seed)
    actions = rng.uniform(-1.0, 1.0, (n, nu)) * 10.0**exponent
    mask = rng.uniform(size=(n, nu)) < fraction
    values = {"nan": np.nan, "inf": np.inf, "-inf": -np.inf}
    if special == "mixed":
        actions[mask] = rng.choice([np.nan, np.inf, -np.inf], size=int(mask.sum()))
    elif special != "none":
        actions[mask] = values[special]
    return actions.astype(np.float32)


def scale_params(params: dict, recipe: dict, seed: int) -> dict:
    """``params`` with each listed field scaled in a random ``fraction`` of the envs, each of them
    by a scale drawn from :data:`SCALES`."""
    rng = np.random.default_rng(seed)
    out = dict(params)
    for field, fraction in recipe.items():
        value = np.asarray(params[field]).copy()
        n = len(value)
        envs = rng.uniform(size=n) < fraction
        scales = rng.choice(np.asarray(SCALES), size=n)
        scales = scales.reshape(n, *([1] * (value.ndim - 1)))
        with np.errstate(invalid="ignore", over="ignore"):
            value[envs] = value[envs] * scales[envs]
        out[field] = jnp.asarray(value)
    return out


def _shared_trajectories(envs) -> list[list]:
    """``envs`` in groups that can share one stepped batch: the same compiled physics, the same
    reset states and the same per-episode model fields (batch 0)."""
    groups: list[list] = []
    for env in envs:
        for group in groups:
            if group[0].physics is env.physics and _same_start(group[0], env):
                group.append(env)
                break
        else:
            groups.append([env])
    return groups


def _same_start(a, b) -> bool:
    sa, sb = reset_batch(a, 0), reset_batch(b, 0)
    parts = lambda s: (s.data.qpos, s.data.qvel, s.episode_params)  # noqa: E731
    try:
        chex.assert_trees_all_equal(parts(sa), parts(sb))
    except AssertionError:
        return False
    return True


@pytest.mark.parametrize("domain", DOMAINS)
def test_steps_never_leak_nan_and_flags_agree(domain, load_env):
    envs = [load_env(info.id) for info in mjxcontrol.list_tasks() if info.domain == domain]
    for group in _shared_trajectories(envs):
        _check_shared_trajectory(group)


def _check_shared_trajectory(envs) -> None:
    """Hypothesis examples on ``envs[0]``'s step; every env's task code judges the states."""
    leader = envs[0]
    physics = physics_functions(leader.physics, leader.domain)
    starts = [reset_batch(env, 0) for env in envs]
    finish = [compiled(env)["finish_step"] for env in envs]

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(actions=action_recipes(), params=param_recipes())
    @example(**WORST_CASE)
    def check(actions, params):
        scaled = scale_params(starts[0].params, params, actions[3])
        states = [start.replace(params=scaled) for start in starts]
        for t in range(2):
            action = jnp.asarray(make_actions(actions, batch_size(leader), leader.action_size))
            lead = states[0]
            overrides = {**lead.params, **lead.episode_params}
            data, action_ok = physics["advance"](overrides, lead.data, action)
            states = [f(s, data, action_ok) for f, s in zip(finish, states, strict=True)]
            for env, state in zip(envs, states, strict=True):
                contract.assert_step_invariants(env, state, f"step {t + 1}")

    check()
