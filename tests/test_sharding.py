"""One batch sharded over 8 (simulated) CPU devices gives the unsharded results: a rollout bit for
bit (with the plain and the fused reset), the bench without compiling inside its timed chunks, a
training run to float32 rounding."""

import os
import subprocess
import sys

# Runs in a child process: the device count is fixed when JAX's CPU backend starts.
CHILD = """
import jax, jax.numpy as jnp, numpy as np
import mjxcontrol
from mjxcontrol import sharding
from mjxcontrol.rollouts import uniform_policy

assert jax.device_count() == 8, jax.devices()
env = mjxcontrol.load("pendulum/swingup", time_limit=0.2)  # 10 steps: auto-resets happen
state = jax.jit(jax.vmap(env.reset))(jax.random.split(jax.random.key(0), 128))
policy = uniform_policy(env)
# Both AutoReset forms: the plain reset and the fused one (the default of cheetah, walker...).
for fuse_reset in (False, True):
    plain = mjxcontrol.rollout(env, state, jax.random.key(1), 25, policy, fuse_reset=fuse_reset)
    spread = mjxcontrol.rollout(
        env, sharding.shard(state), jax.random.key(1), 25, policy, fuse_reset=fuse_reset
    )
    assert len(spread[0].data.qpos.sharding.device_set) == 8
    for a, b in zip(jax.tree.leaves(plain), jax.tree.leaves(spread), strict=True):
        if jnp.issubdtype(a.dtype, jax.dtypes.prng_key):
            a, b = jax.random.key_data(a), jax.random.key_data(b)
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
# The sharded bench: its timed chunks must not compile again (the carry comes back placed as
# it went in; throughput.time_runners raises otherwise).
from mjxcontrol.benchmarks import throughput
result = throughput.measure(env, 128, 4, chunk=2, progress=False, shard=True)
assert result.devices == 8 and result.env_steps_per_s > 0 and result.raw_steps_per_s > 0
try:
    sharding.shard(jax.tree.map(lambda x: x[:12], state))
except ValueError as e:
    assert "does not split evenly over 8 devices" in str(e)
else:
    raise AssertionError("a batch of 12 over 8 devices must be refused")
"""


# A tiny PPO run on pendulum (2 iterations of 16 envs x 8 steps), sharded and not.
TRAIN_CHILD = """
import os, tempfile
import jax, numpy as np
from mjxcontrol import train
from mjxcontrol.agents import configs
from mjxcontrol.agents.policy import read_policy

assert jax.device_count() == 8, jax.devices()
configs.TUNED[("pendulum", "ppo")] = dict(
    num_envs=16, unroll_length=8, num_minibatches=2, num_epochs=1, eval_every=128,
    policy_hidden=(8, 8), value_hidden=(8, 8), eval_episodes=8,
)
placed = {}
compile_programs = train.compile_programs

def spy(*args):  # train() passes shard as the 7th argument
    state, *rest = compile_programs(*args)
    placed[args[6]] = len(state.env_state.data.qpos.sharding.device_set)
    return (state, *rest)

train.compile_programs = spy
runs = {}
for shard in (False, True):
    out = tempfile.mkdtemp()
    result = train.train("pendulum/swingup", algo="ppo", steps=256, seed=0, out=out,
                         video=False, progress=False, shard=shard)
    runs[shard] = (result.rows, read_policy(os.path.join(out, "policy.msgpack"))[2])
assert placed == {False: 1, True: 8}, placed
returns = {shard: [row["eval_return"] for row in rows] for shard, (rows, _) in runs.items()}
assert len(returns[True]) == 3, returns
np.testing.assert_allclose(returns[True], returns[False], rtol=1e-4)
for a, b in zip(jax.tree.leaves(runs[True][1]), jax.tree.leaves(runs[False][1]), strict=True):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-4, atol=1e-5)
"""


def _run_on_8_devices(code: str, tmp_path) -> None:
    env = {
        **os.environ,
        "XLA_FLAGS": "--xla_force_host_platform_device_count=8",
        "MJXCONTROL_CACHE_DIR": str(tmp_path),
    }
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=900)


def test_sharded_training_equals_unsharded(tmp_path):
    _run_on_8_devices(TRAIN_CHILD, tmp_path)


def test_sharded_rollout_equals_unsharded(tmp_path):
    # 128 envs, 16 per device: shares of 2 envs run XLA:CPU's scalar code where the batch of 16
    # ran vector code, and on some CPUs (an AMD EPYC) that rounded a few xmat entries 1 ulp apart.
    # XLA's default CPU options, as users run it, not the test suite's compile-time options
    # (tests/conftest.py): with XLA:CPU's fusion emitters off, a batch of 16 and 8 shards of 2
    # round differently (1 ulp in 4 of 16 pendulum velocities), as vectorised and scalar code do.
    _run_on_8_devices(CHILD, tmp_path)
