#!/bin/bash
# Issue 11's GPU sweep in one call, for a machine held for minutes:
#
#   benchmarks/gpu_sweep.sh OUT_DIR [SECONDS]
#
# cartpole/swingup, cheetah/run, walker/walk and humanoid/run at 1,024, 16,384 and 4,096 envs
# (in that order), physics exact and fast, against MuJoCo Playground. Seven bench processes (one
# per task and profile; Playground's anchor beside each exact profile) compile side by side on
# the host's cores and time their chunks one at a time (--timing-lock), so no two timings share
# the device. Each batch size is its own bench run: one cut off at the deadline (SECONDS after
# the start, default 530) loses only itself. Every 15 s and at the end the finished reports are
# merged (python -m mjxcontrol.benchmarks.merge_reports) into OUT_DIR: bench.json, bench.png,
# table.md; also gpu.txt (device, versions), driver.log and logs.txt (each run's log tail).
#
# Beside the preflight, tests/test_gpu.py runs the CPU parity tests' one-step checks of the four
# tasks on the device (pytest -m gpu; its log in logs.txt), from dm_control recordings in
# .whl/device_samples (benchmarks/gpu_wheels.sh), or recorded on the spot where dm_control is
# installed.
#
# Where mjxcontrol is not importable but .whl/ holds wheels (a machine with no package index;
# benchmarks/gpu_wheels.sh fills .whl/ here: mujoco, mujoco-mjx, playground, brax and their
# small needs, mjxcontrol's own wheel, the parity recordings), they go into /tmp/site first.
set -u
OUT=${1:?usage: benchmarks/gpu_sweep.sh OUT_DIR [SECONDS]}
T0=$(date +%s)
DEADLINE=$((T0 + ${2:-530}))
mkdir -p "$OUT"
W=$(mktemp -d)
# PYTHONSAFEPATH: run from the repo root, `python3 -m` would import the source folder mjxcontrol/
# (which lacks mjxcontrol.tasks outside an install) instead of the installed package.
export PYTHONSAFEPATH=1 PYTHONUNBUFFERED=1 XLA_PYTHON_CLIENT_PREALLOCATE=false MUJOCO_GL=disable
log() { echo "[$(($(date +%s) - T0))s] $*" | tee -a "$OUT/driver.log"; }
if ! python3 -c "import mjxcontrol.tasks" 2>/dev/null && [ -d .whl ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/site .whl/*.whl >"$W/install.log" 2>&1 || { tail -20 "$W/install.log"; exit 1; }
  export PYTHONPATH=/tmp/site${PYTHONPATH:+:$PYTHONPATH}
fi
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv >"$OUT/gpu.txt" 2>&1
echo "cpus $(nproc)" >>"$OUT/gpu.txt"
python3 -c "import jax, mujoco, numpy; print('jax', jax.__version__, jax.devices(), \
'mujoco', mujoco.__version__, 'numpy', numpy.__version__)" 2>&1 | tee -a "$OUT/gpu.txt"
BENCH="python3 -m mjxcontrol.cli bench"
collect() {
  local reports=("$W"/*/bench.json)
  [ -e "${reports[0]}" ] && python3 -m mjxcontrol.benchmarks.merge_reports "$OUT" "${reports[@]}"
  tail -n 40 "$W"/*.log "$W"/*/log >"$OUT/logs.txt" 2>/dev/null
}

# A few seconds on tiny batches: the env, and Playground's anchor (left out below if it fails).
log preflight
[ -d .whl/device_samples ] && export MJXCONTROL_DEVICE_SAMPLES=.whl/device_samples
# The device parity test holds the timing lock (where flock(1) exists): no bench times beside it.
LOCKED=""
command -v flock >/dev/null && LOCKED="flock $W/lock"
timeout 240 $LOCKED python3 -m pytest -q -p no:cacheprovider -m gpu tests/test_gpu.py \
  >"$W/gpu_parity.log" 2>&1 &
timeout 150 $BENCH cartpole/swingup --num-envs 64 --physics exact,fast --no-raw --steps 4 \
  --chunk 2 --no-cache >"$W/preflight_env.log" 2>&1 &
P1=$!
timeout 150 $BENCH cartpole/swingup --num-envs 64 --physics fast --anchors playground --no-raw \
  --steps 4 --chunk 2 --no-cache >"$W/preflight_playground.log" 2>&1 &
P2=$!
wait $P1
R1=$?
wait $P2
R2=$?
log "preflight: env rc=$R1, playground rc=$R2 (dm_control parity on the device: see logs.txt)"
if [ $R1 != 0 ]; then
  collect
  tail -30 "$W/preflight_env.log"
  exit 3
fi
PLAYGROUND="--anchors playground"
[ $R2 = 0 ] || PLAYGROUND=""

job() { # NAME TASK PHYSICS ANCHORS
  for n in 1024 16384 4096; do
    local left=$((DEADLINE - $(date +%s)))
    [ $left -gt 20 ] || break
    mkdir -p "$W/$1_$n"
    log "start $1 x$n (${left}s left)"
    # shellcheck disable=SC2086  # ANCHORS is empty or two words
    timeout $left $BENCH "$2" --num-envs $n --physics "$3" $4 --no-raw --steps 80 --chunk 20 \
      --no-cache --timing-lock "$W/lock" --out "$W/$1_$n" >"$W/$1_$n/log" 2>&1
    log "end $1 x$n rc=$?"
  done
}
job cartpole cartpole/swingup exact,fast "$PLAYGROUND" &
job cheetah_exact cheetah/run exact "$PLAYGROUND" &
job cheetah_fast cheetah/run fast "" &
job walker_exact walker/walk exact "$PLAYGROUND" &
job walker_fast walker/walk fast "" &
job humanoid_exact humanoid/run exact "$PLAYGROUND" &
job humanoid_fast humanoid/run fast "" &
JOBS=$(jobs -p)
(while sleep 15; do collect >/dev/null 2>&1; done) &
COLLECTOR=$!
# shellcheck disable=SC2086
wait $JOBS
kill $COLLECTOR
collect
log done
