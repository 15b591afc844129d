"""The checks' shared physics kernels (mjxcontrol.testing.compiled): sharing one compiled program
between models that differ only in the kernel's input fields is exact, proven by tracing."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from mjxcontrol.testing.compiled import batched_kernel, dynamics_key, kernel_inputs

pytestmark = pytest.mark.xdist_group("quadruped")  # quadruped's models, already built there


def _traced(leader, physics):
    """The jaxpr of ``leader``'s kernel body run with ``physics``' inputs on 2 envs."""
    body = batched_kernel(leader)
    data = jax.tree.map(lambda x: jnp.broadcast_to(x, (2, *jnp.shape(x))), physics.data0)
    action = jnp.zeros((2, physics.mj_model.nu), jnp.float32)
    return jax.make_jaxpr(body)(kernel_inputs(physics), {}, data, action, True, 0)


def test_models_that_differ_in_kernel_inputs_share_one_exact_kernel(load_env):
    walk, run, fetch = (load_env(f"quadruped/{t}").physics for t in ("walk", "run", "fetch"))
    assert walk is not run, "walk and run compile different models (their floors differ)"
    assert not np.array_equal(walk.mj_model.geom_size, run.mj_model.geom_size)
    assert dynamics_key(walk) == dynamics_key(run)
    assert dynamics_key(walk) != dynamics_key(fetch), "fetch has a ball and walls: other dynamics"
    # run's states stepped by walk's kernel with run's inputs: the very program run's own kernel
    # would be (same equations, same constants), so the results are run's, bit for bit.
    shared, own = _traced(walk, run), _traced(run, run)
    assert str(shared.jaxpr) == str(own.jaxpr)
    assert len(shared.consts) == len(own.consts)
    for a, b in zip(shared.consts, own.consts, strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
