"""The reference agents' pieces against hand computations (no env is compiled here).

Networks are tiny and evaluated again with numpy (``np_mlp``), so each loss is checked against an
independent computation; one Adam step is checked against its closed form: on the first step
Adam moves every parameter by ``-lr * g / (|g| + eps)``.
"""

from collections import OrderedDict

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from mjxcontrol.agents import configs, networks, ppo, replay, sac
from mjxcontrol.agents.normalization import (
    bootstrap_obs,
    flatten_obs,
    init_norm,
    normalize,
    update_norm,
)
from mjxcontrol.agents.policy import PolicyParams, load_policy, save_policy

ADAM_EPS = 1e-8  # optax.adam's default
LOG_2PI = np.log(2 * np.pi)


# ------------------------------------------------------------------ numpy reference networks
def np_mlp(params: dict, x: np.ndarray) -> np.ndarray:
    """A linen MLP (Dense_0 ... Dense_k, relu between) evaluated with numpy."""
    layers = sorted(params, key=lambda name: int(name.split("_")[1]))
    for i, name in enumerate(layers):
        x = x @ np.asarray(params[name]["kernel"]) + np.asarray(params[name]["bias"])
        if i < len(layers) - 1:
            x = np.maximum(x, 0.0)
    return x


def np_policy(params, obs):
    out = np_mlp(params["params"]["MLP_0"], obs)
    mean, pre = np.split(out, 2, axis=-1)
    lo, hi = networks.LOG_STD_MIN, networks.LOG_STD_MAX
    return mean, lo + 0.5 * (hi - lo) * (np.tanh(pre) + 1.0)


def np_twin_q(params, obs, action):
    layers = params["params"]["VmapMLP_0"]
    x = np.concatenate([obs, action], axis=-1)
    return np.stack(
        [np_mlp(jax.tree.map(lambda a, i=i: np.asarray(a)[i], layers), x)[:, 0] for i in range(2)]
    )


def np_tanh_gaussian_log_prob(mean, log_std, raw):
    z = (raw - mean) / np.exp(log_std)
    gauss = np.sum(-0.5 * z**2 - log_std - 0.5 * LOG_2PI, axis=-1)
    return gauss - np.sum(np.log(1.0 - np.tanh(raw) ** 2), axis=-1)


def assert_first_adam_step(old, new, grads, lr):
    """``new == old - lr * g / (|g| + eps)`` leaf by leaf (Adam's bias-corrected first step)."""
    for o, n, g in zip(
        jax.tree.leaves(old), jax.tree.leaves(new), jax.tree.leaves(grads), strict=True
    ):
        g = np.asarray(g, np.float64)
        expected = np.asarray(o) - lr * g / (np.abs(g) + ADAM_EPS)
        np.testing.assert_allclose(np.asarray(n), expected, rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------------ observation handling
def test_flatten_obs_uses_dm_control_key_order():
    obs = OrderedDict(position=jnp.arange(3.0), velocity=jnp.array([[7.0, 8.0]]))
    np.testing.assert_array_equal(flatten_obs(obs), [0, 1, 2, 7, 8])
    shuffled = {"velocity": obs["velocity"], "position": obs["position"]}
    np.testing.assert_array_equal(
        flatten_obs(shuffled, keys=["position", "velocity"]), [0, 1, 2, 7, 8]
    )
    batched = jax.tree.map(lambda x: jnp.stack([x, x + 1]), obs)
    assert flatten_obs(batched, batch_dims=1).shape == (2, 5)
    with pytest.raises(ValueError, match="lacks"):
        flatten_obs(obs, keys=["position", "height"])


def test_running_norm_matches_numpy_and_skips_non_finite_rows():
    rng = np.random.default_rng(0)
    a, b = rng.normal(2.0, 3.0, (50, 4)), rng.normal(-1.0, 0.5, (30, 4))
    bad = np.full((1, 4), np.nan)
    norm = update_norm(update_norm(init_norm(4), jnp.asarray(a)), jnp.asarray(np.vstack([b, bad])))
    both = np.vstack([a, b])
    assert float(norm.count) == 80
    np.testing.assert_allclose(norm.mean, both.mean(0), rtol=1e-5)
    np.testing.assert_allclose(norm.var, both.var(0), rtol=1e-4)
    z = normalize(norm, jnp.asarray(both))
    np.testing.assert_allclose(z.mean(0), 0.0, atol=1e-4)


def test_bootstrap_obs_guards_non_finite_final_obs():
    final_obs = OrderedDict(x=jnp.array([[1.0, 2.0], [3.0, 4.0], [np.nan, 0.0]]))
    next_obs, discount = bootstrap_obs(final_obs, jnp.array([1.0, 0.0, 1.0]))
    np.testing.assert_array_equal(next_obs, [[1, 2], [3, 4], [0, 0]])
    np.testing.assert_array_equal(discount, [1, 0, 0])


# ------------------------------------------------------------------ replay buffer
def test_replay_buffer_is_a_ring_and_samples_valid_items():
    buffer = replay.init_buffer({"x": jnp.zeros(()), "y": jnp.zeros((2,))}, capacity=5)
    add = lambda b, lo, hi: replay.add_batch(  # noqa: E731
        b, {"x": jnp.arange(lo, hi, dtype=jnp.float32), "y": jnp.ones((hi - lo, 2))}
    )
    buffer = add(buffer, 0, 3)
    assert (int(buffer.size), int(buffer.position)) == (3, 3)
    batch = replay.sample_batch(buffer, jax.random.key(0), 64)
    assert set(np.asarray(batch["x"]).tolist()) <= {0.0, 1.0, 2.0}
    buffer = add(buffer, 3, 7)  # wraps: items 5 and 6 overwrite 0 and 1
    assert (int(buffer.size), int(buffer.position)) == (5, 2)
    np.testing.assert_array_equal(buffer.data["x"], [5, 6, 2, 3, 4])
    with pytest.raises(ValueError, match="capacity"):
        replay.init_buffer({"x": jnp.zeros(())}, 0)


# ------------------------------------------------------------------ PPO
def test_gae_hand_computed_with_truncation_and_termination():
    # t=1 is truncated (discount 1: bootstrap from its final_obs, value 10, then stop);
    # t=3 terminates (discount 0: its final_obs value 7 must not be used).
    rewards = jnp.array([1.0, 2.0, 3.0, 4.0])
    values = jnp.array([0.5, 1.0, 1.5, 2.0])
    next_values = jnp.array([1.0, 10.0, 2.0, 7.0])
    discounts = jnp.array([1.0, 1.0, 1.0, 0.0])
    dones = jnp.array([False, True, False, True])
    adv, targets = ppo.gae(rewards, values, next_values, discounts, dones, gamma=0.9, lam=0.8)
    # deltas: 1 + .9 - .5 = 1.4; 2 + 9 - 1 = 10; 3 + 1.8 - 1.5 = 3.3; 4 - 2 = 2
    # A3 = 2; A2 = 3.3 + .72 * 2 = 4.74; A1 = 10 (episode ended); A0 = 1.4 + .72 * 10 = 8.6
    np.testing.assert_allclose(adv, [8.6, 10.0, 4.74, 2.0], rtol=1e-6)
    np.testing.assert_allclose(targets, [9.1, 11.0, 6.24, 4.0], rtol=1e-6)


def test_clipped_policy_loss_hand_computed():
    log_prob = jnp.log(jnp.array([1.5, 0.5]))
    loss = ppo.clipped_policy_loss(log_prob, jnp.zeros(2), jnp.array([1.0, -1.0]), clip_eps=0.2)
    # ratio 1.5 with A=1 clips to 1.2; ratio 0.5 with A=-1: min(-0.5, -0.8) = -0.8
    np.testing.assert_allclose(loss, -(1.2 - 0.8) / 2, rtol=1e-6)


@pytest.fixture(scope="module")
def tiny_ppo():
    config = configs.PPOConfig(
        policy_hidden=(4,), value_hidden=(4,), max_grad_norm=1e6, learning_rate=1e-2
    )
    nets = ppo.make_networks(config, action_size=1)
    obs = jnp.zeros((1, 3))
    pkey, vkey = jax.random.split(jax.random.key(1))
    params = ppo.PPOParams(nets.policy.init(pkey, obs), nets.value.init(vkey, obs))
    rng = np.random.default_rng(2)
    batch = (
        ppo.Rollout(
            obs=jnp.asarray(rng.normal(size=(3, 3)), jnp.float32),
            raw_action=jnp.asarray(rng.normal(size=(3, 1)), jnp.float32),
            log_prob=jnp.asarray([-0.5, -1.0, -2.0]),
            reward=jnp.zeros(3),
            discount=jnp.ones(3),
            done=jnp.zeros(3, bool),
            next_obs=jnp.zeros((3, 3)),
        ),
        jnp.asarray([1.0, -2.0, 0.5]),  # advantages
        jnp.asarray([0.3, -0.1, 2.0]),  # value targets
    )
    return config, nets, params, batch


def test_ppo_loss_matches_numpy(tiny_ppo):
    config, nets, params, batch = tiny_ppo
    data, adv, targets = batch
    norm = init_norm(3)
    key = jax.random.key(3)
    total, terms = jax.jit(lambda p, b, k: ppo.loss(nets, config, p, norm, b, k))(
        params, batch, key
    )

    obs = np.asarray(normalize(norm, data.obs))
    mean, log_std = np_policy(params.policy, obs)
    log_prob = np_tanh_gaussian_log_prob(mean, log_std, np.asarray(data.raw_action))
    ratio = np.exp(log_prob - np.asarray(data.log_prob))
    a = (np.asarray(adv) - np.mean(adv)) / (np.std(adv) + 1e-8)
    eps = config.clip_eps
    policy_loss = -np.mean(np.minimum(ratio * a, np.clip(ratio, 1 - eps, 1 + eps) * a))
    value = np_mlp(params.value["params"]["MLP_0"], obs)[:, 0]
    value_loss = np.mean((value - np.asarray(targets)) ** 2)
    raw = mean + np.exp(log_std) * np.asarray(jax.random.normal(key, mean.shape))
    gauss_entropy = np.sum(log_std + 0.5 * (1 + LOG_2PI), axis=-1)
    entropy = np.mean(gauss_entropy + np.sum(np.log(1 - np.tanh(raw) ** 2), axis=-1))
    expected = policy_loss + config.value_coef * value_loss - config.entropy_cost * entropy
    np.testing.assert_allclose(terms["policy_loss"], policy_loss, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(terms["value_loss"], value_loss, rtol=1e-4)
    np.testing.assert_allclose(terms["entropy"], entropy, rtol=1e-4)
    np.testing.assert_allclose(total, expected, rtol=1e-4)


def test_ppo_sgd_step_is_one_adam_step(tiny_ppo):
    config, nets, params, batch = tiny_ppo
    norm, key = init_norm(3), jax.random.key(4)
    opt_state = nets.tx.init(params)
    step = jax.jit(lambda p, o, b, k: ppo.sgd_step(nets, config, p, o, norm, b, k))
    new, _, _ = step(params, opt_state, batch, key)
    grads = jax.jit(jax.grad(lambda p: ppo.loss(nets, config, p, norm, batch, key)[0]))(params)
    assert_first_adam_step(params, new, grads, config.learning_rate)


# ------------------------------------------------------------------ SAC
def test_sac_critic_target_hand_computed():
    target = sac.critic_target(
        reward=jnp.array([1.0, 2.0]),
        discount=jnp.array([1.0, 0.0]),  # the second transition terminated
        next_q=jnp.array([[3.0, 4.0], [5.0, 1.0]]),  # [critic, batch]: min = [3, 1]
        next_log_prob=jnp.array([0.5, -1.0]),
        alpha=0.2,
        gamma=0.9,
    )
    np.testing.assert_allclose(target, [1 + 0.9 * (3 - 0.1), 2.0], rtol=1e-6)


def test_sac_update_matches_hand_computed_loss_and_adam_step():
    config = configs.SACConfig(policy_hidden=(4,), critic_hidden=(4,), init_alpha=0.5)
    nets = sac.make_networks(config, action_size=1)
    init = jax.jit(lambda k: sac.init_learner(nets, config, k, obs_size=3, action_size=1))
    learner = init(jax.random.key(0))
    rng = np.random.default_rng(1)
    batch = replay.Transition(
        obs=jnp.asarray(rng.normal(size=(5, 3)), jnp.float32),
        action=jnp.asarray(rng.uniform(-1, 1, (5, 1)), jnp.float32),
        reward=jnp.asarray(rng.uniform(0, 1, 5), jnp.float32),
        discount=jnp.asarray([1.0, 1.0, 0.0, 1.0, 0.0]),
        next_obs=jnp.asarray(rng.normal(size=(5, 3)), jnp.float32),
    )
    key = jax.random.key(7)
    new, metrics = jax.jit(lambda lr, b, k: sac.update(nets, config, lr, b, k))(learner, batch, key)

    critic_key, _ = jax.random.split(key)
    mean, log_std = np_policy(learner.actor, np.asarray(batch.next_obs))
    raw = mean + np.exp(log_std) * np.asarray(jax.random.normal(critic_key, mean.shape))
    next_log_prob = np_tanh_gaussian_log_prob(mean, log_std, raw)
    next_q = np_twin_q(learner.target_critic, np.asarray(batch.next_obs), np.tanh(raw))
    soft_value = next_q.min(0) - config.init_alpha * next_log_prob
    target = np.asarray(batch.reward) + config.gamma * np.asarray(batch.discount) * soft_value
    q = np_twin_q(learner.critic, np.asarray(batch.obs), np.asarray(batch.action))
    np.testing.assert_allclose(
        metrics["critic_loss"], np.sum(np.mean((q - target) ** 2, axis=1)), rtol=1e-5
    )

    def critic_loss(params):
        q = networks.apply_q(nets.critic, params, batch.obs, batch.action)
        return jnp.sum(jnp.mean((q - jnp.asarray(target, jnp.float32)) ** 2, axis=1))

    assert_first_adam_step(
        learner.critic, new.critic, jax.grad(critic_loss)(learner.critic), config.critic_lr
    )
    polyak = jax.tree.map(
        lambda old, c: (1 - config.tau) * old + config.tau * c, learner.target_critic, new.critic
    )
    for a, b in zip(jax.tree.leaves(polyak), jax.tree.leaves(new.target_critic), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert abs(abs(float(new.log_alpha - learner.log_alpha)) - config.alpha_lr) < 1e-6


# ------------------------------------------------------------------ configs and policy files
def test_configs_validate_and_round_trip():
    config = configs.default_config("cartpole/swingup", "sac")
    assert configs.from_dict("sac", configs.to_dict(config)) == config
    assert configs.default_config("cartpole/swingup", "ppo", backend="gpu").num_envs >= 1024
    assert configs.default_config("cartpole/swingup", "ppo", backend="cpu").num_envs <= 256
    with pytest.raises(ValueError, match="unknown algorithm"):
        configs.default_config("cartpole/swingup", "dqn")
    with pytest.raises(ValueError, match="num_envs must be a positive integer"):
        configs.replace(config, num_envs=0)
    with pytest.raises(ValueError, match="unknown config fields"):
        configs.replace(config, learning_rate_typo=1.0)
    with pytest.raises(ValueError, match="divisible"):
        configs.replace(configs.PPOConfig(), num_envs=3, unroll_length=3, num_minibatches=2)


def test_policy_file_round_trip(tmp_path):
    config = configs.SACConfig(policy_hidden=(8,))
    network = networks.TanhGaussianPolicy((8,), 2)
    norm = update_norm(init_norm(3), jnp.asarray(np.random.default_rng(0).normal(size=(10, 3))))
    params = PolicyParams(network.init(jax.random.key(0), jnp.zeros((1, 3))), norm)
    path = tmp_path / "policy.msgpack"
    lo, hi = np.array([-1.0, 0.0], np.float32), np.array([1.0, 2.0], np.float32)
    save_policy(
        path,
        params,
        task_id="toy/task",
        algo="sac",
        config=configs.to_dict(config),
        action_minimum=lo,
        action_maximum=hi,
        obs_keys=["a", "b"],
    )
    task_id, policy_fn = load_policy(path)
    assert task_id == "toy/task"
    obs = {"b": np.array([0.5, -0.5], np.float32), "a": np.array([2.0], np.float32)}
    action = np.asarray(policy_fn(obs, jax.random.key(0)))
    mean, _ = networks.apply_policy(
        network, params.policy, normalize(norm, jnp.array([2.0, 0.5, -0.5]))
    )
    np.testing.assert_allclose(action, lo + 0.5 * (np.tanh(mean) + 1) * (hi - lo), rtol=1e-6)
    np.testing.assert_array_equal(action, policy_fn(obs, jax.random.key(1)))  # deterministic
