"""Training hyper-parameters: one frozen config per algorithm, tuned defaults per task family.

``default_config("cartpole/swingup", "sac")`` starts from the algorithm's base config, applies the
device scale (PPO only: thousands of envs on an accelerator, a CPU-sized fallback otherwise), then
the row of :data:`TUNED` for the task's domain. Every number that differs from the base config is
in that one table, next to the reason; docs/training.md has the measured curves.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import jax

ALGOS = ("sac", "ppo")
DEFAULT_ALGO = "sac"  # sample-efficient: the right default for CPUs and small env batches


@dataclasses.dataclass(frozen=True)
class SACConfig:
    """Soft actor-critic (Haarnoja et al. 2018) with twin critics and a learned temperature.

    One training iteration steps every env once (``num_envs`` transitions into the replay
    buffer), then takes ``updates_per_iteration`` gradient steps on batches of ``batch_size``.
    """

    steps: int = 1_000_000  # env steps in the whole run (rounded up to whole eval intervals)
    num_envs: int = 16
    eval_every: int = 10_000  # env steps between evaluations (one jitted chunk each)
    eval_episodes: int = 10
    checkpoint_every: int = 10  # evaluations between periodic checkpoints
    policy_hidden: tuple[int, ...] = (256, 256)
    critic_hidden: tuple[int, ...] = (256, 256)
    critic_layer_norm: bool = False
    normalize_observations: bool = True
    gamma: float = 0.99
    reward_scale: float = 1.0
    batch_size: int = 256
    updates_per_iteration: int = 16  # update-to-data ratio = updates_per_iteration / num_envs
    replay_size: int = 1_000_000
    warmup_steps: int = 5_000  # uniform random actions, no learning, until this many env steps
    actor_lr: float = 3e-4
    critic_lr: float = 3e-4
    alpha_lr: float = 3e-4
    tau: float = 0.005  # Polyak factor of the target critics
    init_alpha: float = 1.0
    target_entropy_per_dim: float = -1.0  # target entropy = this * action size


@dataclasses.dataclass(frozen=True)
class PPOConfig:
    """Proximal policy optimisation (Schulman et al. 2017) with GAE and clipped surrogate loss.

    One training iteration rolls ``unroll_length`` steps of every env, then runs ``num_epochs``
    passes of ``num_minibatches`` minibatches over those ``unroll_length * num_envs`` steps.
    """

    steps: int = 50_000_000
    num_envs: int = 2048
    eval_every: int = 1_000_000
    eval_episodes: int = 10
    checkpoint_every: int = 10
    policy_hidden: tuple[int, ...] = (32, 32, 32, 32)
    value_hidden: tuple[int, ...] = (256, 256, 256, 256, 256)
    normalize_observations: bool = True
    gamma: float = 0.995
    reward_scale: float = 10.0
    unroll_length: int = 20
    num_minibatches: int = 32
    num_epochs: int = 4
    learning_rate: float = 1e-3
    max_grad_norm: float = 1.0
    clip_eps: float = 0.3
    gae_lambda: float = 0.95
    value_coef: float = 0.5
    entropy_cost: float = 1e-2


Config = SACConfig | PPOConfig
CONFIG_CLASSES: dict[str, type] = {"sac": SACConfig, "ppo": PPOConfig}

# PPO's device scale: the base config above suits a GPU; on a CPU the networks and epochs, not the
# simulation, dominate (docs/training.md), so a CPU run uses far fewer envs and smaller nets.
PPO_CPU_SCALE: dict[str, Any] = dict(
    steps=5_000_000,
    num_envs=128,
    eval_every=100_000,
    unroll_length=32,
    num_minibatches=8,
    num_epochs=4,
    policy_hidden=(64, 64),
    value_hidden=(64, 64),
    learning_rate=3e-4,
    entropy_cost=1e-3,
)

# SAC's CPU-sized learner: 2x128 networks and batch 128 (docs/training.md says why).
SMALL_SAC: dict[str, Any] = dict(policy_hidden=(128, 128), critic_hidden=(128, 128), batch_size=128)

# The tuned table: (domain, algo) -> overrides of the base config (after PPO's device scale).
# Only rows measured in docs/training.md are here; other tasks run the base configs.
TUNED: dict[tuple[str, str], dict[str, Any]] = {
    # 2x128 nets and batch 128 cost ~1/4 of the 2x256/256 update and learn swing-up as fast
    # (800+ after ~70k steps, ~4 min). 300k steps end the run in ~12 min on an idle 2-core CPU,
    # compilation included (docs/training.md), inside the README's 15-minute promise.
    ("cartpole", "sac"): dict(steps=300_000, **SMALL_SAC),
    # The same CPU-sized learner; evaluations are 10 full episodes of a costlier simulation, so
    # they run less often. Budgets as measured in docs/training.md (CPU-bound, not converged).
    ("walker", "sac"): dict(steps=200_000, eval_every=25_000, **SMALL_SAC),
    ("cheetah", "sac"): dict(steps=200_000, eval_every=25_000, **SMALL_SAC),
}


def default_config(task_id: str, algo: str = DEFAULT_ALGO, backend: str | None = None) -> Config:
    """The tuned config of ``algo`` for ``task_id`` ("domain/task") on ``backend``.

    Args:
      task_id: ``"domain/task"``; the domain selects the row of :data:`TUNED`.
      algo: ``"sac"`` or ``"ppo"``.
      backend: ``"cpu"``, ``"gpu"``, ``"tpu"``; default: JAX's default backend.

    Raises:
      ValueError: for an unknown algorithm or a task id without a slash.
    """
    algo = check_algo(algo)
    if task_id.count("/") != 1:
        raise ValueError(f"task id must be 'domain/task', got {task_id!r}")
    domain = task_id.split("/")[0]
    backend = backend or jax.default_backend()
    overrides: dict[str, Any] = {}
    if algo == "ppo" and backend == "cpu":
        overrides.update(PPO_CPU_SCALE)
    overrides.update(TUNED.get((domain, algo), {}))
    return CONFIG_CLASSES[algo](**overrides)


def check_algo(algo: str) -> str:
    """``algo`` if it is known, else a ValueError listing the known ones."""
    if algo not in CONFIG_CLASSES:
        raise ValueError(f"unknown algorithm {algo!r}; choose one of {ALGOS}")
    return algo


def replace(config: Config, **overrides: Any) -> Config:
    """``config`` with ``overrides`` (``None`` values ignored), checked for positive counts.

    Raises:
      ValueError: for an unknown field or a non-positive count.
    """
    overrides = {k: v for k, v in overrides.items() if v is not None}
    names = {f.name for f in dataclasses.fields(config)}
    unknown = set(overrides) - names
    if unknown:
        raise ValueError(f"unknown config fields {sorted(unknown)}; valid: {sorted(names)}")
    config = dataclasses.replace(config, **overrides)
    validate(config)
    return config


COUNT_FIELDS = (
    "steps",
    "num_envs",
    "eval_every",
    "eval_episodes",
    "checkpoint_every",
    "batch_size",
    "updates_per_iteration",
    "replay_size",
    "unroll_length",
    "num_minibatches",
    "num_epochs",
)


def validate(config: Config) -> None:
    """Raises ValueError naming the first field that makes no sense (non-positive counts...)."""
    for name in COUNT_FIELDS:
        value = getattr(config, name, 1)
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if isinstance(config, PPOConfig):
        batch = config.num_envs * config.unroll_length
        if batch % config.num_minibatches:
            raise ValueError(
                f"num_envs * unroll_length = {batch} must be divisible by num_minibatches "
                f"= {config.num_minibatches}"
            )
    if isinstance(config, SACConfig) and config.num_envs > config.replay_size:
        raise ValueError(f"replay_size {config.replay_size} < num_envs {config.num_envs}")


def to_dict(config: Config) -> dict[str, Any]:
    """A JSON- and msgpack-friendly dict of ``config`` (tuples become lists)."""
    values = dataclasses.asdict(config)
    return {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}


def from_dict(algo: str, values: Mapping[str, Any]) -> Config:
    """Rebuilds a config saved by :func:`to_dict` (lists become tuples again)."""
    cls = CONFIG_CLASSES[check_algo(algo)]
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}
    return cls(**values)
