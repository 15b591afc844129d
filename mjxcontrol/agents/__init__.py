"""Reference agents (SAC, PPO) for mjxcontrol envs, in pure JAX with flax networks and optax.

Train with ``mjxcontrol train DOMAIN/TASK`` (see :mod:`mjxcontrol.train` and docs/training.md);
load a trained policy with :func:`load_policy`.
"""

from __future__ import annotations

from mjxcontrol.agents.configs import ALGOS, DEFAULT_ALGO, default_config
from mjxcontrol.agents.policy import load_policy, save_policy
from mjxcontrol.compilation_cache import enable_compilation_cache

__all__ = [
    "ALGOS",
    "DEFAULT_ALGO",
    "default_config",
    "enable_compilation_cache",
    "load_policy",
    "save_policy",
]
