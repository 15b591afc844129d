"""The suite's models (mjxcontrol.tasks.models) are MuJoCo-only: importing them loads no JAX."""

import subprocess
import sys


def test_suite_models_import_without_jax():
    code = (
        "import sys, mjxcontrol.tasks.models.walker as w, mjxcontrol.tasks.models.cartpole\n"
        "w.spec().compile()\n"
        "assert 'jax' not in sys.modules, sorted(m for m in sys.modules if m.startswith('jax'))\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
