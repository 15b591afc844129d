"""The command that used to hang on a 2-core CPU, run with a time limit (not part of CI).

``mjxcontrol bench cheetah/run --num-envs 1024`` deadlocked in jaxlib 0.10's batched LAPACK
Cholesky (see mjxcontrol/linalg.py). This script runs that command in a child process with a
timeout and reports whether it finished and how long it took; ``--lapack`` runs it the old way
(``MJXCONTROL_LAPACK_CHOLESKY=1``) to show the hang.

    python -m mjxcontrol.benchmarks.lapack_hang            # finishes
    python -m mjxcontrol.benchmarks.lapack_hang --lapack   # hangs until the timeout
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

from mjxcontrol.cli import positive_int
from mjxcontrol.linalg import LAPACK_ENV

COMMAND = ["bench", "cheetah/run", "--num-envs", "1024", "--steps", "300", "--chunk", "100"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--timeout", type=positive_int, default=1800, help="seconds")
    parser.add_argument("--lapack", action="store_true", help="use JAX's LAPACK Cholesky")
    args = parser.parse_args(argv)
    env = {**os.environ, LAPACK_ENV: "1" if args.lapack else "0"}
    cmd = [sys.executable, "-m", "mjxcontrol.cli", *COMMAND, "--no-raw", "--json"]
    t0 = time.perf_counter()
    try:
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=args.timeout)
    except subprocess.TimeoutExpired:
        print(
            json.dumps(
                {
                    "command": " ".join(COMMAND),
                    "lapack": args.lapack,
                    "finished": False,
                    "timeout_s": args.timeout,
                }
            )
        )
        return 1
    wall = time.perf_counter() - t0
    result = json.loads(done.stdout) if done.returncode == 0 else {"stderr": done.stderr[-500:]}
    print(
        json.dumps(
            {
                "command": " ".join(COMMAND),
                "lapack": args.lapack,
                "finished": done.returncode == 0,
                "wall_s": round(wall, 1),
                **result,
            }
        )
    )
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
