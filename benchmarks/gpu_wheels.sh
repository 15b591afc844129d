#!/bin/bash
# Fills .whl/ for benchmarks/gpu_sweep.sh on a GPU machine that has no package index (this
# workplace's: Python 3.12, x86-64, jax 0.11 with CUDA, flax, chex, optax preinstalled):
#
#   benchmarks/gpu_wheels.sh        # here, from the repo root, in the dev venv (dm_control)
#
# the packages the sweep needs beyond that image (45 MB of wheels; a device call carries at
# most 64 MiB), mjxcontrol's own wheel of the current tree, and dm_control's recordings for
# tests/test_gpu.py (.whl/device_samples). Then: run `bash benchmarks/gpu_sweep.sh $OUT` there
# with .whl carried.
set -euo pipefail
mkdir -p .whl
rm -f .whl/*.whl
python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
  --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
  --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 -d .whl \
  mujoco==3.17.0 mujoco-mjx==3.17.0 playground==0.2.0 brax==0.14.2 ml_collections==1.1.0 \
  jaxopt==0.8.5 trimesh==5.2.0 PyOpenGL==3.1.10 flatbuffers==25.12.19
python3 -m pip wheel -q --no-deps -w .whl .
rm -rf build
python3 tests/test_gpu.py .whl/device_samples
du -sh .whl
