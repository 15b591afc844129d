"""The XLA options of mjxcontrol's long-running programs (compilation_cache.compiler_options)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import mjxcontrol
from mjxcontrol import compilation_cache, mjx_patches
from mjxcontrol.compilation_cache import (
    CPU_OPTIONS,
    DOMAIN_CPU_OPTIONS,
    ONE_OFF_CPU_OPTIONS,
    XLA_DEFAULTS_ENV_VAR,
    compiler_options,
    first_reset_options,
)

pytestmark = pytest.mark.skipif(jax.default_backend() != "cpu", reason="CPU-only XLA options")


def _batched_products():
    """A batch of 2 x 2 matrix products and a reduction: what MJX's physics is made of."""
    fn = jax.vmap(lambda a, b: (a @ b).sum(axis=0) + a.sum(axis=1))
    x = jnp.arange(4096, dtype=jnp.float32).reshape(1024, 2, 2) / 4096
    return jax.jit(fn).lower(x, x)


def test_cpu_programs_get_the_cpu_options_and_keep_their_own(monkeypatch):
    monkeypatch.delenv(XLA_DEFAULTS_ENV_VAR, raising=False)
    assert compiler_options(xla_backend_optimization_level=3) == {
        **CPU_OPTIONS,
        "xla_backend_optimization_level": 3,
    }
    monkeypatch.setenv(XLA_DEFAULTS_ENV_VAR, "1")
    assert compiler_options(xla_backend_optimization_level=3) == {
        "xla_backend_optimization_level": 3
    }
    monkeypatch.setenv(XLA_DEFAULTS_ENV_VAR, "0")
    assert compiler_options() == CPU_OPTIONS


def test_a_task_gets_its_domains_options(monkeypatch):
    monkeypatch.delenv(XLA_DEFAULTS_ENV_VAR, raising=False)
    assert DOMAIN_CPU_OPTIONS["hopper"]
    assert compiler_options("hopper/hop") == {**CPU_OPTIONS, **DOMAIN_CPU_OPTIONS["hopper"]}
    assert compiler_options("finger/spin") == CPU_OPTIONS  # a domain with none
    mine = compiler_options("cartpole/swingup", xla_cpu_use_fusion_emitters=True)
    assert mine["xla_cpu_use_fusion_emitters"] is True  # the caller's options win
    _batched_products().compile(compiler_options("cheetah/run"))  # a valid argument
    monkeypatch.setenv(XLA_DEFAULTS_ENV_VAR, "1")
    assert compiler_options("hopper/hop") == {}


def test_a_first_reset_compiles_one_off_unless_it_settles(monkeypatch):
    monkeypatch.delenv(XLA_DEFAULTS_ENV_VAR, raising=False)
    walker, cheetah = mjxcontrol.load("walker/walk"), mjxcontrol.load("cheetah/run")
    assert cheetah.task.settle_steps and not walker.task.settle_steps
    assert first_reset_options(walker) == compiler_options("walker/walk", **ONE_OFF_CPU_OPTIONS)
    assert first_reset_options(cheetah) == compiler_options("cheetah/run")
    assert ONE_OFF_CPU_OPTIONS.items() - compiler_options("cheetah/run").items()
    monkeypatch.setenv(XLA_DEFAULTS_ENV_VAR, "1")
    assert first_reset_options(walker) == {}


def test_a_one_off_reset_gives_the_same_states(monkeypatch):
    monkeypatch.delenv(XLA_DEFAULTS_ENV_VAR, raising=False)
    env = mjxcontrol.load("point_mass/easy")
    keys = jax.random.split(jax.random.key(0), 8)
    lowered = jax.jit(jax.vmap(env.reset)).lower(keys)
    one_off = lowered.compile(first_reset_options(env))(keys)
    plain = lowered.compile()(keys)
    for a, b in ((one_off.data.qpos, plain.data.qpos), (one_off.obs, plain.obs)):
        jax.tree.map(lambda x, y: np.testing.assert_allclose(x, y, rtol=1e-6, atol=1e-7), a, b)


def test_the_option_still_changes_the_program():
    """If a jaxlib stops making library fusions by default, the option is moot: this fails, so
    that CPU_OPTIONS (and its measured reason) get revisited."""
    lowered = _batched_products()
    assert "ynn_fusion" in lowered.compile().as_text()
    assert "ynn_fusion" not in lowered.compile(CPU_OPTIONS).as_text()


def test_an_option_this_jaxlib_lacks_is_left_out(monkeypatch):
    monkeypatch.delenv(XLA_DEFAULTS_ENV_VAR, raising=False)
    monkeypatch.setattr(compilation_cache, "CPU_OPTIONS", {"xla_cpu_no_such_option": ""})
    options = compilation_cache.compiler_options(xla_backend_optimization_level=1)
    assert options == {"xla_backend_optimization_level": 1}
    _batched_products().compile(options)  # a valid argument: compiles


def test_an_env_step_is_the_same_with_and_without_the_options(monkeypatch):
    # MJX's small products stay dots (mjx_patches writes them as multiply + sum), so that the
    # program without the options has library fusions at 64 envs
    monkeypatch.setattr(mjx_patches, "SMALL_DOT_MAX", 0)
    env = mjxcontrol.load("point_mass/easy")
    keys = jax.random.split(jax.random.key(0), 64)
    state = jax.jit(jax.vmap(env.reset))(keys)
    action = jax.random.uniform(jax.random.key(1), (64, env.action_size), minval=-1, maxval=1)

    def steps(state, action):
        return jax.lax.fori_loop(0, 10, lambda _, s: jax.vmap(env.step)(s, action), state)

    lowered = jax.jit(steps).lower(state, action)
    tuned = lowered.compile(CPU_OPTIONS)(state, action)
    plain = lowered.compile()(state, action)
    assert "ynn_fusion" in lowered.compile().as_text()  # the two programs differ
    for a, b in ((tuned.data.qpos, plain.data.qpos), (tuned.obs, plain.obs)):
        jax.tree.map(lambda x, y: np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6), a, b)
    assert not np.array_equal(np.asarray(state.data.qpos), np.asarray(tuned.data.qpos))
