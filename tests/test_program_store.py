"""mjxcontrol.program_store: programs a later run loads instead of tracing them again."""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from mjxcontrol import program_store, registry, train
from mjxcontrol.agents import ppo
from mjxcontrol.benchmarks import throughput


@jax.tree_util.register_dataclass
@dataclasses.dataclass
class Pair:
    """A pytree of a type ``jax.export`` cannot serialise (the store pickles its trees)."""

    x: jax.Array
    key: jax.Array


PAIR = Pair(jnp.arange(6.0).reshape(2, 3), jax.random.key(7))


def step(pair: Pair, scale):
    first, second = jax.random.split(pair.key)
    return Pair(pair.x * scale + jax.random.normal(first, pair.x.shape), second), pair.x.sum()


def leaves(tree) -> list[np.ndarray]:
    def data(x):
        return jax.random.key_data(x) if jnp.issubdtype(x.dtype, jax.dtypes.prng_key) else x

    return [np.asarray(data(x)) for x in jax.tree.leaves(tree)]


def assert_same(a, b) -> None:
    assert jax.tree.structure(a) == jax.tree.structure(b)
    for x, y in zip(leaves(a), leaves(b), strict=True):
        np.testing.assert_array_equal(x, y)


@pytest.fixture
def store(tmp_path, keep_cache_config):
    jax.config.update("jax_compilation_cache_dir", str(tmp_path))
    return tmp_path / program_store.PROGRAMS_SUBDIR


def counted(calls: list, fn=step, args=(PAIR, 2.0)):
    """A ``make`` for compile_stored that records each call (each trace of ``fn``)."""

    def make():
        calls.append(fn)
        return fn, args

    return make


def test_a_stored_program_loads_without_tracing_and_equals_jit(store):
    calls = []
    first = program_store.compile_stored({"program": "test"}, counted(calls), {})
    again = program_store.compile_stored({"program": "test"}, counted(calls), {})
    assert len(calls) == 1  # the second came from the store: make (the trace) was not called
    assert len(list(store.glob("*.bin"))) == 1
    expected = jax.jit(step)(PAIR, 2.0)
    assert_same(first(PAIR, 2.0), expected)
    assert_same(again(PAIR, 2.0), expected)


def test_the_name_covers_the_description_and_the_installed_code(store, monkeypatch):
    calls = []
    program_store.compile_stored({"program": "test"}, counted(calls), {})
    program_store.compile_stored({"program": "test", "num_envs": 2}, counted(calls), {})
    assert len(calls) == 2
    edited = {**program_store._environment(), "sources": "an edited checkout"}
    monkeypatch.setattr(program_store, "_environment", lambda: edited)
    program_store.compile_stored({"program": "test"}, counted(calls), {})
    assert len(calls) == 3


def test_an_unreadable_file_is_compiled_again(store):
    calls = []
    program_store.compile_stored({"program": "test"}, counted(calls), {})
    (path,) = store.glob("*.bin")
    path.write_bytes(b"not a program")
    program = program_store.compile_stored({"program": "test"}, counted(calls), {})
    assert len(calls) == 2
    assert_same(program(PAIR, 2.0), jax.jit(step)(PAIR, 2.0))
    program_store.compile_stored({"program": "test"}, counted(calls), {})
    assert len(calls) == 2  # written again, readable


def test_nothing_is_stored_without_the_persistent_cache(tmp_path, keep_cache_config):
    jax.config.update("jax_compilation_cache_dir", None)
    calls = []
    for _ in range(2):
        program = program_store.compile_stored({"program": "test"}, counted(calls), {})
    assert len(calls) == 2 and not any(tmp_path.iterdir())
    assert_same(program(PAIR, 2.0), jax.jit(step)(PAIR, 2.0))


def test_arguments_of_another_structure_are_refused(store):
    program = program_store.compile_stored({"program": "test"}, counted([]), {})
    with pytest.raises(ValueError, match="stored program .*test"):
        program((PAIR.x, PAIR.key), 2.0)


def test_donated_arguments_stay_donated(store):
    for _ in range(2):  # stored, then loaded
        pair = Pair(jnp.ones((2, 3)), jax.random.key(1))
        program = program_store.compile_stored(
            {"program": "donating"}, counted([], args=(pair, 2.0)), {}, donate_argnums=(0,)
        )
        program(pair, 2.0)
        assert pair.x.is_deleted()


def test_a_program_that_cannot_be_exported_compiles_as_it_is(store):
    def with_callback(pair, scale):
        host = jax.pure_callback(np.sin, jax.ShapeDtypeStruct(pair.x.shape, pair.x.dtype), pair.x)
        return host * scale

    calls = []
    for _ in range(2):
        program = program_store.compile_stored(
            {"program": "callback"}, counted(calls, with_callback), {}
        )
        np.testing.assert_allclose(program(PAIR, 2.0), np.sin(np.asarray(PAIR.x)) * 2.0)
    assert len(calls) == 2 and not list(store.glob("*.bin"))
    assert len(list(store.glob("*.unexportable"))) == 1  # the second run did not try again


def test_the_bench_loads_its_programs_and_runs_them_alike(store, monkeypatch):
    """A second bench run of a task loads its reset and chunk (no tracing) and its first chunk
    equals the first run's, to the bit."""
    env = registry.load("point_mass/easy")
    first = throughput.env_runner(env, 4, 2)
    first.compile()
    assert len(list(store.glob("*.bin"))) == 2
    traced = []
    rollout = throughput.rollout
    monkeypatch.setattr(throughput, "rollout", lambda *a, **k: traced.append(1) or rollout(*a, **k))
    again = throughput.env_runner(env, 4, 2)
    again.compile()
    assert not traced
    assert_same(again.carry, first.carry)


def test_the_trainer_loads_its_programs(store, monkeypatch):
    """A second run of the same training loads its three programs (no state template is
    traced) and they compute what the first run's do."""
    task = "point_mass/easy"
    config = train.make_config(
        task, "ppo", num_envs=8, eval_episodes=2, unroll_length=4, num_minibatches=2
    )
    env = registry.load(task)
    per_chunk = 1
    first = train.compile_programs(env, "ppo", config, per_chunk, seed=0)
    assert len(list(store.glob("*.bin"))) == 3
    templates = []
    state_template = train.state_template
    monkeypatch.setattr(
        train, "state_template", lambda *a: templates.append(1) or state_template(*a)
    )
    again = train.compile_programs(env, "ppo", config, per_chunk, seed=0)
    assert not templates
    assert_same(again[0], first[0])  # the initial state
    key = jax.random.key(5)
    policy = ppo.policy_params(first[0])
    assert_same(again[2](policy, key), first[2](policy, key))  # evaluation
    assert_same(again[1](again[0]), first[1](first[0]))  # a chunk (it donates its input)
