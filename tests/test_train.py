"""The training driver and the ``train`` / ``eval`` commands on cartpole/balance with tiny configs.

Compilation dominates on CPU, so every run here uses one small SAC config (patched into the tuned
table, so the CLI picks it up too) and JAX's persistent compilation cache in a temporary folder:
runs that differ only in ``steps``, ``seed`` or output folder reuse the compiled programs.
"""

import argparse
import json
import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from mjxcontrol import cli_train, sharding, train
from mjxcontrol.agents import configs, enable_compilation_cache, ppo
from mjxcontrol.checkpoint import load_pytree

# One pytest-xdist worker runs this module: its fixtures compile the training programs once
# (~3 minutes on 2 cores), which a second worker would otherwise repeat.
pytestmark = pytest.mark.xdist_group("train")

TASK = "cartpole/balance"
TINY_SAC = dict(
    num_envs=8,
    eval_every=2_000,
    policy_hidden=(32, 32),
    critic_hidden=(32, 32),
    batch_size=64,
    updates_per_iteration=8,
    replay_size=20_000,
    warmup_steps=1_000,
    actor_lr=1e-3,
    critic_lr=1e-3,
)
TINY_PPO = dict(
    num_envs=8,
    unroll_length=16,
    num_minibatches=4,
    num_epochs=2,
    eval_every=2_000,
    policy_hidden=(16, 16),
    value_hidden=(16, 16),
)
LEARNING_STEPS = 16_000
# A random policy earns ~200-400 on balance; SAC with TINY_SAC passes 800 within LEARNING_STEPS.
LEARNED_MARGIN = 200.0


@pytest.fixture(scope="module", autouse=True)
def tiny_defaults(tmp_path_factory):
    """The tiny configs as cartpole's tuned defaults, and a compilation cache for this module."""
    patch = pytest.MonkeyPatch()
    patch.setitem(configs.TUNED, ("cartpole", "sac"), TINY_SAC)
    patch.setitem(configs.TUNED, ("cartpole", "ppo"), TINY_PPO)
    patch.setenv("MJXCONTROL_CACHE_DIR", str(tmp_path_factory.mktemp("jax_cache")))
    enable_compilation_cache()
    yield
    patch.undo()


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="mjxcontrol")
    cli_train.add_parsers(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory):
    """``mjxcontrol train cartpole/balance --steps 4000`` (two chunks) through the CLI function."""
    out = str(tmp_path_factory.mktemp("cli_run"))
    args = parse(["train", TASK, "--steps", "4000", "--seed", "3", "--out", out, "--no-video"])
    assert args.func(args) == 0
    return out


def test_cli_train_writes_outputs(cli_run):
    for name in ("curve.png", "log.json", "log.csv", "checkpoint.msgpack", "policy.msgpack"):
        assert os.path.getsize(os.path.join(cli_run, name)) > 0, name
    with open(os.path.join(cli_run, "log.json")) as f:
        log = json.load(f)
    assert log["task"] == TASK and log["algo"] == "sac" and log["seed"] == 3
    assert [r["env_steps"] for r in log["rows"]] == [0, 2000, 4000]
    assert all(np.isfinite(r["eval_return"]) for r in log["rows"])
    with open(os.path.join(cli_run, "log.csv")) as f:
        header = f.readline().strip().split(",")
    assert header[:3] == ["env_steps", "wall_s", "eval_return"] and "critic_loss" in header


def test_resume_continues_bit_identically(cli_run, tmp_path, load_env):
    """4000 steps + resume to 6000 == 6000 steps straight: params, buffer, env states, keys."""
    args = parse(["train", TASK, "--steps", "6000", "--out", cli_run, "--resume", "--no-video"])
    assert args.func(args) == 0
    straight = train.train(TASK, steps=6000, seed=3, out=str(tmp_path), video=False, progress=False)
    env = load_env(TASK)
    with open(os.path.join(cli_run, "log.json")) as f:
        resumed_log = json.load(f)
    config = configs.from_dict("sac", resumed_log["config"])
    like = train.state_template(env, "sac", config)
    resumed = load_pytree(os.path.join(cli_run, "checkpoint.msgpack"), like)
    fresh = load_pytree(os.path.join(straight.out, "checkpoint.msgpack"), like)
    assert int(resumed.iteration) == int(fresh.iteration) == 6000 // 8
    for a, b in zip(jax.tree.leaves(resumed), jax.tree.leaves(fresh), strict=True):
        if jnp.issubdtype(a.dtype, jax.dtypes.prng_key):
            a, b = jax.random.key_data(a), jax.random.key_data(b)
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert [r["env_steps"] for r in straight.rows] == [0, 2000, 4000, 6000]
    assert [r["eval_return"] for r in resumed_log["rows"]] == [
        r["eval_return"] for r in straight.rows
    ]


def test_resume_needs_a_checkpoint(tmp_path):
    with pytest.raises(ValueError, match="no checkpoint"):
        train.train(TASK, out=str(tmp_path), resume=True, video=False, progress=False)


def test_bad_inputs_are_value_errors(tmp_path):
    with pytest.raises(ValueError, match="unknown algorithm"):
        train.train(TASK, algo="dqn", out=str(tmp_path), video=False, progress=False)
    with pytest.raises(SystemExit):
        parse(["train", TASK, "--steps", "0"])
    # A batch that cannot split over the devices (here: 8 envs on 3 devices) is refused up front.
    with pytest.raises(ValueError, match="does not split evenly over 3 devices"):
        sharding.check_divisible(8, sharding.mesh(jax.devices()[:1] * 3))


def test_train_shard_flag():
    # The sharded run itself is tested on 8 devices in tests/test_sharding.py.
    assert parse(["train", TASK, "--shard"]).shard and not parse(["train", TASK]).shard


@pytest.fixture(scope="module")
def learned_run(tmp_path_factory):
    """A short SAC run on cartpole/balance that learns (the slow part of this module)."""
    out = str(tmp_path_factory.mktemp("learned"))
    return train.train(TASK, steps=LEARNING_STEPS, seed=0, out=out, video=False, progress=False)


@pytest.mark.slow
def test_sac_improves_return_on_cartpole_balance(learned_run):
    rows = learned_run.rows
    first, best = rows[0]["eval_return"], max(r["eval_return"] for r in rows)
    assert best > first + LEARNED_MARGIN, [round(r["eval_return"]) for r in rows]


@pytest.mark.slow
def test_cli_eval_matches_dm_control(learned_run, capsys):
    """The trained policy's mean return in mjxcontrol is within 5% of dm_control's."""
    pytest.importorskip("dm_control")
    args = parse(["eval", TASK, "--checkpoint", learned_run.out])
    assert args.func(args) == 0
    lines = capsys.readouterr().out.splitlines()
    ours = float(next(line for line in lines if line.startswith("mjxcontrol")).split()[3])
    theirs = float(next(line for line in lines if line.startswith("dm_control")).split()[3])
    assert abs(ours - theirs) <= 0.05 * abs(theirs), lines


def test_ppo_chunk_runs_and_resumes_identically(load_env):
    """PPO: two chunks straight == one chunk, a checkpoint round trip, then another chunk."""
    env = load_env(TASK)
    config = train.make_config(TASK, "ppo")
    assert isinstance(config, configs.PPOConfig)
    chunk = jax.jit(train.make_chunk(env, "ppo", config, iterations=2))
    state = jax.jit(lambda k: ppo.init_state(env, config, k))(jax.random.key(0))
    state, metrics = chunk(state)
    assert all(np.isfinite(float(v)) for v in metrics.values())
    straight, _ = chunk(state)
    like = train.state_template(env, "ppo", config)
    path = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"ppo-{os.getpid()}.msgpack")
    train.save_checkpoint(path, state, task_id=TASK, algo="ppo", config=config, seed=0)
    restored, algo, saved_config, _ = train.load_checkpoint(path, env)
    assert algo == "ppo" and saved_config == config
    resumed, _ = chunk(restored)
    os.remove(path)
    for a, b in zip(jax.tree.leaves(like), jax.tree.leaves(resumed), strict=True):
        assert a.shape == b.shape
    for a, b in zip(jax.tree.leaves(straight), jax.tree.leaves(resumed), strict=True):
        if jnp.issubdtype(a.dtype, jax.dtypes.prng_key):
            a, b = jax.random.key_data(a), jax.random.key_data(b)
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
