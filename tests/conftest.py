"""Shared fixtures. Compile time dominates on CPU: every env is built once per test session."""

import os

# Halves XLA's CPU compile time; the tests run tiny batches, so the slower code does not matter.
os.environ.setdefault("XLA_FLAGS", "--xla_backend_optimization_level=0")
os.environ.setdefault("MUJOCO_GL", "egl")

import functools  # noqa: E402

import pytest  # noqa: E402

import mjxcontrol  # noqa: E402


@functools.cache
def _env(task_id: str, impl: str = "jax") -> mjxcontrol.Env:
    return mjxcontrol.load(task_id, impl=impl)


@pytest.fixture(scope="session")
def load_env():
    """``load_env("domain/task")`` -> a session-wide shared Env (so jitted functions are reused)."""
    return _env
