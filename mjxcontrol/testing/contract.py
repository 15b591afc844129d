"""The environment contract as reusable checks: run them on any task, yours included.

Each ``check_*`` function takes an :class:`~mjxcontrol.env.Env` and raises ``AssertionError`` with
a message naming the broken rule. They share one set of compiled functions per env (a batch of
:func:`~mjxcontrol.testing.compiled.batch_size` envs), so checking a task costs about three
compiles.

Usage::

    from mjxcontrol.testing import contract
    contract.check_all(mjxcontrol.load("cartpole", "swingup"))
"""

from __future__ import annotations

import functools

import jax.numpy as jnp
import numpy as np

from mjxcontrol import registry
from mjxcontrol.env import Env
from mjxcontrol.testing import fingerprint
from mjxcontrol.testing.compiled import batch_keys, batch_size, compiled, reset_batch

# Steps of the random-action rollout that most checks inspect.
ROLLOUT_STEPS = 8


@functools.cache
def _rollout(env: Env, seed: int = 0) -> list:
    """States of a batch of envs over ROLLOUT_STEPS uniform random actions (reset state first)."""
    fns = compiled(env)
    spec = env.action_spec()
    lo = np.where(np.isfinite(spec.minimum), spec.minimum, -1.0)
    hi = np.where(np.isfinite(spec.maximum), spec.maximum, 1.0)
    rng = np.random.default_rng(seed)
    state = reset_batch(env, seed)
    states = [state]
    for _ in range(ROLLOUT_STEPS):
        action = rng.uniform(lo, hi, (batch_size(env), env.action_size)).astype(np.float32)
        state = fns["step"](state, jnp.asarray(action))
        states.append(state)
    return states


def check_specs(env: Env) -> None:
    """Observations of reset and step match ``observation_spec``; the action spec is ``(nu,)``."""
    spec = env.observation_spec()
    action = env.action_spec()
    assert action.shape == (env.action_size,), f"action spec shape {action.shape}"
    assert np.all(action.minimum <= action.maximum), "action spec minimum > maximum"
    for i, state in enumerate(_rollout(env)[:2]):
        assert list(state.obs) == list(spec), f"obs keys {list(state.obs)} != spec {list(spec)}"
        for k, s in spec.items():
            got = state.obs[k]
            want = (batch_size(env), *s.shape)
            assert got.shape == want, f"obs[{k!r}] shape {got.shape} (state {i})"
            assert got.dtype == s.dtype, f"obs[{k!r}] dtype {got.dtype} != {s.dtype}"


def check_finite_and_reward_range(env: Env) -> None:
    """Every observation, reward and qpos/qvel stays finite; rewards lie in the task's range."""
    lo, hi = env.task.reward_range
    for t, state in enumerate(_rollout(env)):
        for k, v in state.obs.items():
            assert np.isfinite(np.asarray(v)).all(), f"obs[{k!r}] not finite at step {t}"
        assert np.isfinite(np.asarray(state.data.qpos)).all(), f"qpos not finite at step {t}"
        reward = np.asarray(state.reward)
        assert np.isfinite(reward).all(), f"reward not finite at step {t}"
        assert ((reward >= lo) & (reward <= hi)).all(), (
            f"reward outside {env.task.reward_range} at step {t}: [{reward.min()}, {reward.max()}]"
        )
        assert not np.asarray(state.metrics["invalid_action"]).any(), "valid action flagged"


def check_trace_once(env: Env) -> None:
    """Calls of ``reset`` and ``step`` with one batch shape trace each once: a rollout (``step``
    fed both reset's and its own output) traces each at most once, and a second rollout
    neither. Counted as differences, so traces made by other tests in this process (another
    batch shape) do not count."""
    traces = compiled(env)["traces"]
    for rollout in ("first", "second"):
        before = dict(traces)
        _rollout(env)
        for name, count in traces.items():
            new = count - before[name]
            most = 1 if rollout == "first" else 0
            assert new <= most, f"{name} traced {new} times in the {rollout} rollout"


def check_determinism(env: Env) -> None:
    """A fresh process (another hash seed) reproduces this one's trajectory bit for bit, and
    different keys give different initial states. One child process per domain (and impl)
    fingerprints all of the domain's tasks, so a domain pays for one process start.

    For a task that is not registered (a child process could not load it by name), the program
    is traced and compiled a second time in this process instead, which still catches
    nondeterminism in tracing and execution, though not in hash-seed-dependent model building.
    """
    here = fingerprint.fingerprint(env)
    if _registered(env):
        domain = tuple(t.id for t in registry.list_tasks() if t.domain == env.domain)
        impls = {t: registry.make_task(t).default_impl for t in domain}
        same_impl = tuple(t for t in domain if impls[t] == env.physics.impl)
        other = fingerprint.fingerprint_of_domain_in_child(env.id, same_impl, env.physics.impl)
        source = "a new process (another PYTHONHASHSEED)"
    else:
        other = fingerprint.fingerprint(env, fresh=True)
        source = "a second trace and compile"
    assert here == other, (
        f"{env.id}: {source} computed another trajectory (sha256 {other[:12]} vs {here[:12]}): "
        "something in model building, tracing or execution is not deterministic"
    )
    a = reset_batch(env, 0)
    start = np.concatenate([np.asarray(a.data.qpos), np.asarray(a.data.qvel)], axis=1)
    distinct = len(np.unique(start.round(6), axis=0))
    n = batch_size(env)
    assert distinct == n, f"only {distinct} distinct initial states from {n} keys"


def _registered(env: Env) -> bool:
    try:
        return registry.get_info(env.id).id == env.id
    except ValueError:
        return False


# Batch independence holds to float32 rounding, not bit for bit. XLA:CPU vectorises a batched
# program over flat SIMD vectors that can hold entries of neighbouring envs, and some of its vector
# code rounds a lane differently depending on the other lanes. Measured on quadruped/walk's forward
# pass from identical states: one env's body positions change by 6e-8 when it moves to another
# place in the batch (it stays identical when it moves within its 8-env block), and one contact-
# rich step of quadruped/run grows that to 2.5e-6 in the joint velocities. An env that read
# another env's data would differ at the scale of the data.
PERMUTED_RTOL = 1e-3
PERMUTED_ATOL = 1e-3


def check_batch_independence(env: Env) -> None:
    """Each env of a ``vmap`` batch evolves on its own: permuting the batch's keys and actions
    permutes reset and step outputs, to float32 rounding (:data:`PERMUTED_RTOL`,
    :data:`PERMUTED_ATOL`): no env reads another's data.

    This reuses the batch's compiled functions. (An unbatched ``jit(env.step)`` is a different XLA
    program whose float32 rounding may differ by ~1e-6; tests/test_env_api.py compares it with
    the batch on one task.)
    """
    fns = compiled(env)
    n = batch_size(env)
    perm = np.random.default_rng(3).permutation(n)
    action = jnp.asarray(np.random.default_rng(2).uniform(-1, 1, (n, env.action_size)), jnp.float32)
    batched = fns["step"](reset_batch(env, 0), action)
    permuted = fns["step"](fns["reset"](batch_keys(0, n)[perm]), action[perm])
    for name, a, b in (
        ("reward", batched.reward, permuted.reward),
        *((f"obs[{k!r}]", batched.obs[k], permuted.obs[k]) for k in batched.obs),
        ("qpos", batched.data.qpos, permuted.data.qpos),
    ):
        np.testing.assert_allclose(
            np.asarray(a)[perm],
            np.asarray(b),
            rtol=PERMUTED_RTOL,
            atol=PERMUTED_ATOL,
            err_msg=f"{env.id} {name}: batch members interact",
        )


def check_time_limit(env: Env) -> None:
    """The step reaching the limit is truncated with discount 1, never terminated."""
    if env.step_limit is None:
        return
    fns = compiled(env)
    state = _rollout(env)[0]
    n = batch_size(env)
    action = jnp.zeros((n, env.action_size), jnp.float32)
    before = fns["step"](state.replace(step=jnp.full(n, env.step_limit - 2, jnp.int32)), action)
    assert not np.asarray(before.truncated).any(), "truncated before the time limit"
    at = fns["step"](before, action)
    assert np.asarray(at.truncated).all(), "not truncated at the time limit"
    assert not np.asarray(at.terminated).any(), "time limit reported as termination"
    assert (np.asarray(at.discount) == 1).all(), "discount must stay 1 at truncation"
    assert (np.asarray(at.step) == env.step_limit).all()


def assert_step_invariants(env: Env, state, where: str = "") -> None:
    """The rules every stepped state obeys, batched or not (docs/api.md, "When things go wrong").

    No NaN or inf in reward, obs or final_obs; rewards within the task's range; discount is 0 or
    1 and is 0 exactly when the episode terminated; an episode is never both terminated and
    truncated; a physics error terminates; an invalid action ends the episode.
    """
    at = f"{env.id} {where}".strip()
    for name in ("obs", "final_obs"):
        for k, v in getattr(state, name).items():
            assert np.isfinite(np.asarray(v)).all(), f"{at}: {name}[{k!r}] not finite"
    reward = np.asarray(state.reward)
    assert np.isfinite(reward).all(), f"{at}: reward not finite"
    lo, hi = env.task.reward_range
    assert ((reward >= lo) & (reward <= hi)).all(), (
        f"{at}: reward outside {env.task.reward_range}: [{reward.min()}, {reward.max()}]"
    )
    discount = np.asarray(state.discount)
    terminated, truncated = np.asarray(state.terminated), np.asarray(state.truncated)
    assert np.isin(discount, (0.0, 1.0)).all(), f"{at}: discount not in {{0, 1}}"
    assert ((discount == 0) == terminated).all(), f"{at}: discount 0 without termination"
    assert not (terminated & truncated).any(), f"{at}: terminated and truncated at once"
    physics_error = np.asarray(state.metrics["physics_error"])
    assert (terminated | ~physics_error).all(), f"{at}: physics error did not terminate"
    invalid = np.asarray(state.metrics["invalid_action"])
    assert (terminated | truncated | ~invalid).all(), f"{at}: invalid action did not end"


CHECKS = (
    check_specs,
    check_finite_and_reward_range,
    check_trace_once,
    check_determinism,
    check_batch_independence,
    check_time_limit,
)


def check_all(env: Env) -> None:
    """Runs every contract check on ``env``."""
    for check in CHECKS:
        check(env)
