"""One-step parity checks against the installed dm_control (imported lazily: a test extra).

Procedure: run dm_control's own task with its own resets and uniformly random actions; at sampled
steps record the state *before* the step (qpos, qvel, act and any task extras such as a target the
reset wrote into the model), the action, and dm_control's observation and reward *after* it. Copy
each recorded state into our env (``Env.set_physics_state``), apply the same action, and compare.
Many one-step comparisons, not long rollouts: float32 rounding makes trajectories diverge.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable, Mapping, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from mjxcontrol.env import Env
from mjxcontrol.testing.compiled import BATCH, batch_size, compiled, reset_batch

__all__ = [
    "BATCH",
    "batch_size",
    "NUM_RESETS",
    "Samples",
    "compare",
    "compiled",
    "our_resets",
    "reset_batch",
    "record_dm_control",
    "record_dm_control_resets",
    "reset_distribution_pvalues",
    "step_ours",
    "raw_warp_qvel",
    "assert_reset_distribution",
    "MIN_PVALUE",
]

# Default one-step tolerances: |ours - dm_control| <= ATOL + RTOL * |dm_control|. MJX in float32
# agrees with C MuJoCo to ~2e-5 relative on contact-light states (shared/reference/mjx_facts.md).
OBS_ATOL = 1e-4
OBS_RTOL = 1e-4
REWARD_ATOL = 1e-4
# KS p-value below which a reset coordinate's distribution is called different. Seeds are fixed, so
# the outcome is deterministic; 1e-3 leaves room for the many coordinates tested per task.
MIN_PVALUE = 1e-3

# Resets compared per task (KS test): our batches 0 and 1 (batch 0 is shared with the other checks).
NUM_RESETS = 2 * BATCH

# When this environment variable names a file, every compare() appends one JSON line to it: the
# task, its impl and, per observation key and for the reward, the worst |ours - dm_control| and the
# tolerance it was held to. benchmarks/parity_table.py turns those lines into docs/parity.md.
LOG_ENV = "MJXCONTROL_PARITY_LOG"

TaskStateFn = Callable[[object], object]  # dm_control env -> our task_state for its current state


@dataclasses.dataclass
class Samples:
    """Recorded dm_control transitions, each array with a leading sample axis ``[N, ...]``."""

    qpos: np.ndarray
    qvel: np.ndarray
    act: np.ndarray
    task_state: object  # pytree of [N, ...] arrays, or ()
    action: np.ndarray
    obs: dict[str, np.ndarray]
    reward: np.ndarray


StartFn = Callable[[object, np.random.Generator], None]  # moves a freshly reset dm_control env


def record_dm_control(
    domain: str,
    task: str,
    num_samples: int,
    *,
    seed: int = 0,
    max_episode_steps: int = 200,
    record_rate: float = 0.1,
    task_state_fn: TaskStateFn | None = None,
    start_fn: StartFn | None = None,
    start_fraction: float = 0.5,
    action_scale: float = 1.0,
) -> Samples:
    """Samples ``num_samples`` transitions from dm_control's ``domain/task`` under random actions.

    Each episode starts from dm_control's own reset; in ``start_fraction`` of them ``start_fn``
    then moves the physics (inside ``physics.reset_context()``), e.g. close to the goal so that
    sparse rewards are exercised. Episodes run up to ``max_episode_steps`` uniform actions over
    ``action_scale`` times the action range (above 1 exercises actuator clamping), recording each
    step with probability ``record_rate``.
    """
    from dm_control import suite

    rng = np.random.default_rng(seed)
    env = suite.load(domain, task, task_kwargs={"random": seed})
    spec = env.action_spec()
    mid, half = (spec.maximum + spec.minimum) / 2, (spec.maximum - spec.minimum) / 2
    rows: list[tuple] = []
    while len(rows) < num_samples:
        env.reset()
        if start_fn is not None and rng.uniform() < start_fraction:
            with env.physics.reset_context():
                start_fn(env, rng)
        for _ in range(int(rng.integers(1, max_episode_steps + 1))):
            action = mid + half * action_scale * rng.uniform(-1, 1, spec.shape)
            p = env.physics
            before = (
                p.data.qpos.copy(),
                p.data.qvel.copy(),
                p.data.act.copy(),
                task_state_fn(env) if task_state_fn else (),
            )
            ts = env.step(action)
            if rng.uniform() < record_rate:
                rows.append((*before, action, dict(ts.observation), float(ts.reward)))
            if ts.last() or len(rows) == num_samples:
                break
    qpos, qvel, act, task_states, actions, obs, reward = zip(*rows, strict=True)
    return Samples(
        qpos=np.stack(qpos),
        qvel=np.stack(qvel),
        act=np.stack(act),
        task_state=jax.tree.map(lambda *x: np.stack(x), *task_states),
        action=np.stack(actions),
        obs={k: np.stack([np.asarray(o[k]).reshape(-1) for o in obs]) for k in obs[0]},
        reward=np.asarray(reward),
    )


def put_at_site(env, joints: Sequence[str], site: str) -> None:
    """Moves a planar object of a dm_control env onto ``site``, at rest.

    ``joints`` are the object's x slide, z slide and y hinge; the hinge turns the object to the
    site's x axis. A start for recordings that must include contacts with whatever carries the
    site (e.g. an object between a gripper's fingers). Call inside ``physics.reset_context()``.
    """
    named = env.physics.named
    axis = named.data.site_xmat[site][[0, 3, 6]]
    x, _, z = named.data.site_xpos[site]
    named.data.qpos[list(joints)] = x, z, np.pi + np.arctan2(axis[2], axis[0])
    named.data.qvel[list(joints)] = 0.0


def step_ours(env: Env, samples: Samples, episode_params: Mapping[str, np.ndarray] | None = None):
    """Our observation and reward one step after each recorded state (:func:`batch_size` of them).

    ``episode_params``: per-sample ``mjx.Model`` overrides (``[N, ...]`` arrays) replacing our
    episode draws, for tasks whose dm_control reset writes into the model, translated by the
    caller (e.g. point_mass/hard's directions).
    """
    state = step_ours_state(env, samples, episode_params)
    obs = {k: np.asarray(v).reshape(len(samples.qpos), -1) for k, v in state.obs.items()}
    return obs, np.asarray(state.reward)


def step_ours_state(
    env: Env, samples: Samples, episode_params: Mapping[str, np.ndarray] | None = None
):
    """The batched :class:`~mjxcontrol.types.State` one step after the recorded states."""
    n = samples.qpos.shape[0]
    if n != batch_size(env):
        raise ValueError(
            f"record exactly batch_size({env.id!r})={batch_size(env)} samples (one compile per "
            f"task), got {n}"
        )
    fns = compiled(env)
    state = reset_batch(env, 0)  # any valid states: every physics field is overwritten below
    if episode_params:
        overrides = jax.tree.map(jnp.asarray, episode_params)
        state = state.replace(episode_params={**state.episode_params, **overrides})
    task_state = samples.task_state if jax.tree.leaves(samples.task_state) else None
    state = fns["set_state"](state, samples.qpos, samples.qvel, samples.act, task_state)
    return fns["step"](state, jnp.asarray(samples.action, jnp.float32))


def raw_warp_qvel(env: Env, samples: Samples, geom_pos: np.ndarray | None = None) -> np.ndarray:
    """``[N, nv]`` qvel one control step after each recorded state, with raw MJX-Warp
    ``mjx.step`` on our compiled model: for tasks whose departures from dm_control are MJX-Warp's
    own, to show that ours adds none. ``geom_pos`` (``[N, ngeom, 3]``) places each sample's geoms
    (quadruped/escape's terrain)."""
    from mujoco import mjx

    m, model = env.physics.mj_model, env.physics.model  # the env's own MJX-Warp model
    n = len(samples.qpos)
    start = env.physics.make_data()  # buffers for the env's batch
    if geom_pos is None:
        geom_pos = np.broadcast_to(m.geom_pos, (n, *m.geom_pos.shape))

    def one(pos, qpos, qvel, act, ctrl):
        placed = model.replace(geom_pos=pos)
        data = start.replace(qpos=qpos, qvel=qvel, act=act, ctrl=ctrl)
        return jax.lax.fori_loop(0, env.n_substeps, lambda _, d: mjx.step(placed, d), data).qvel

    args = (geom_pos, samples.qpos, samples.qvel, samples.act, samples.action)
    return np.asarray(jax.jit(jax.vmap(one))(*(jnp.asarray(a, jnp.float32) for a in args)))


def compare(
    env: Env,
    samples: Samples,
    *,
    obs_atol: float | Mapping[str, float] = OBS_ATOL,
    obs_rtol: float = OBS_RTOL,
    reward_atol: float = REWARD_ATOL,
    episode_params: Mapping[str, np.ndarray] | None = None,
    record: bool = True,
    most_samples: float | None = None,
) -> list[str]:
    """Steps ours from every recorded state; returns a description of each mismatch found.

    ``obs_atol`` may be a mapping from observation key to tolerance (others keep ``OBS_ATOL``);
    ``episode_params`` is passed to :func:`step_ours`. ``record=False`` keeps a deliberate
    mismatch (a negative control) out of the :data:`LOG_ENV` log. ``most_samples`` (a fraction)
    keeps loose per-key tolerances sharp: that share of the samples must also meet the default
    :data:`OBS_ATOL` / :data:`OBS_RTOL` in every observation entry (for tasks where MJX itself
    departs from C MuJoCo in a few samples, which the loose tolerances are for).
    """
    obs, reward = step_ours(env, samples, episode_params)
    problems, worst = [], {}
    if most_samples is not None:
        close = np.ones(len(samples.reward), bool)
        for k, ref in samples.obs.items():
            if k in obs and obs[k].shape == ref.shape:
                close &= (np.abs(obs[k] - ref) - OBS_RTOL * np.abs(ref) <= OBS_ATOL).all(axis=1)
        if close.mean() < most_samples:
            problems.append(
                f"only {close.mean():.0%} of samples within the default tolerance "
                f"(at least {most_samples:.0%} required)"
            )
    if list(obs) != list(samples.obs):
        problems.append(f"observation keys: ours {list(obs)} vs dm_control {list(samples.obs)}")
    for k, ref in samples.obs.items():
        if k not in obs:
            continue
        if obs[k].shape != ref.shape:
            problems.append(f"obs[{k!r}] shape: ours {obs[k].shape} vs {ref.shape}")
            continue
        atol = obs_atol.get(k, OBS_ATOL) if isinstance(obs_atol, Mapping) else obs_atol
        worst[k] = _worst(obs[k], ref, atol, obs_rtol)
        err = np.abs(obs[k] - ref) - obs_rtol * np.abs(ref)
        if (err > atol).any():
            i, j = np.unravel_index(np.argmax(err), err.shape)
            problems.append(
                f"obs[{k!r}]: {int((err > atol).any(1).sum())}/{len(ref)} samples differ; "
                f"worst sample {i} entry {j}: ours {obs[k][i, j]:.6g} vs dm_control {ref[i, j]:.6g}"
            )
    err = np.abs(reward - samples.reward)
    worst["reward"] = _worst(reward, samples.reward, reward_atol, 0.0)
    if record:
        _log(env, len(err), worst)
    if (err > reward_atol).any():
        i = int(np.argmax(err))
        problems.append(
            f"reward: {int((err > reward_atol).sum())}/{len(err)} samples differ; worst sample "
            f"{i}: ours {reward[i]:.6g} vs dm_control {samples.reward[i]:.6g}"
        )
    return problems


def _worst(ours: np.ndarray, ref: np.ndarray, atol: float, rtol: float) -> dict:
    """The largest |ours - ref| and how close it came to its tolerance ``atol + rtol * |ref|``."""
    err = np.abs(np.asarray(ours, np.float64) - ref)
    used = err / (atol + rtol * np.abs(ref))
    return {"error": float(err.max()), "used": float(used.max()), "atol": atol, "rtol": rtol}


def _log(env: Env, num_samples: int, worst: dict) -> None:
    path = os.environ.get(LOG_ENV)
    if path:
        line = {"task": env.id, "impl": env.physics.impl, "samples": num_samples, "worst": worst}
        with open(path, "a") as log:
            log.write(json.dumps(line) + "\n")


def record_dm_control_resets(
    domain: str, task: str, num: int, *, seed: int = 0, task_state_fn: TaskStateFn | None = None
) -> dict[str, np.ndarray]:
    """qpos, qvel, act (and task extras) right after ``num`` dm_control resets: ``[num, ...]``
    arrays."""
    from dm_control import suite

    env = suite.load(domain, task, task_kwargs={"random": seed})
    out: dict[str, list] = {"qpos": [], "qvel": [], "act": [], "task_state": []}
    for _ in range(num):
        env.reset()
        out["qpos"].append(env.physics.data.qpos.copy())
        out["qvel"].append(env.physics.data.qvel.copy())
        out["act"].append(env.physics.data.act.copy())
        out["task_state"].append(task_state_fn(env) if task_state_fn else ())
    return {
        "qpos": np.stack(out["qpos"]),
        "qvel": np.stack(out["qvel"]),
        "act": np.stack(out["act"]),
        "task_state": jax.tree.map(lambda *x: np.stack(x), *out["task_state"]),
    }


def our_resets(env: Env, num: int = NUM_RESETS) -> dict[str, np.ndarray]:
    """qpos, qvel, act, task_state and episode_params after ``num`` of our resets (batches 0, 1,
    ...)."""
    size = batch_size(env)
    if num % size:
        raise ValueError(f"num must be a multiple of batch_size({env.id!r})={size}, got {num}")
    states = [reset_batch(env, seed) for seed in range(num // size)]
    cat = lambda *x: np.concatenate([np.asarray(v) for v in x])  # noqa: E731
    return {
        "qpos": cat(*[s.data.qpos for s in states]),
        "qvel": cat(*[s.data.qvel for s in states]),
        "act": cat(*[s.data.act for s in states]),
        "task_state": jax.tree.map(cat, *[s.task_state for s in states]),
        "episode_params": jax.tree.map(cat, *[s.episode_params for s in states]),
    }


def reset_distribution_pvalues(
    ours: dict[str, np.ndarray], reference: dict[str, np.ndarray]
) -> dict[str, float]:
    """Two-sample Kolmogorov-Smirnov p-value per coordinate (``"qpos[3]"`` -> p) of qpos, qvel and
    act (actuator states: dog draws them at reset) and the task state.

    Coordinates that are constant in both samples are reported as 1.0 when the constants agree
    (to float32 rounding) and 0.0 when they do not.
    """
    from scipy import stats

    out = {}
    for name in ("qpos", "qvel", "act"):
        if name not in ours or name not in reference:  # callers may compare a subset
            continue
        a, b = np.asarray(ours[name], np.float64), np.asarray(reference[name], np.float64)
        for j in range(a.shape[1]):
            out[f"{name}[{j}]"] = _pvalue(stats, a[:, j], b[:, j])
    leaves_a = jax.tree.leaves(ours.get("task_state", ()))
    leaves_b = jax.tree.leaves(reference.get("task_state", ()))
    for i, (a, b) in enumerate(zip(leaves_a, leaves_b, strict=True)):
        a = np.asarray(a, np.float64).reshape(len(a), -1)
        b = np.asarray(b, np.float64).reshape(len(b), -1)
        for j in range(a.shape[1]):
            out[f"task_state{i}[{j}]"] = _pvalue(stats, a[:, j], b[:, j])
    return out


def _pvalue(stats, a: np.ndarray, b: np.ndarray) -> float:
    if np.ptp(a) < 1e-6 and np.ptp(b) < 1e-6:
        return 1.0 if abs(a.mean() - b.mean()) <= 1e-5 * (1 + abs(b.mean())) else 0.0
    return float(stats.ks_2samp(a, b).pvalue)


def assert_reset_distribution(
    env: Env,
    *,
    task_state_fn: TaskStateFn | None = None,
    min_pvalue: float = MIN_PVALUE,
) -> dict[str, float]:
    """KS-tests every qpos/qvel (and task_state) coordinate of our resets against dm_control's.

    ``task_state_fn`` extracts from a freshly reset dm_control env the counterpart of our
    ``task_state`` (same pytree structure). Returns the p-values; raises AssertionError naming the
    coordinates whose p-value is below ``min_pvalue``.
    """
    ours = our_resets(env)
    ref = record_dm_control_resets(env.domain, env.name, NUM_RESETS, task_state_fn=task_state_fn)
    pvalues = reset_distribution_pvalues(ours, ref)
    bad = {k: p for k, p in pvalues.items() if not p > min_pvalue}
    assert not bad, f"{env.id} reset distribution differs from dm_control's: {bad}"
    return pvalues
