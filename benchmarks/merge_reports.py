"""Several ``mjxcontrol bench --out`` reports from one machine as one report.

``benchmarks/gpu_sweep.sh`` runs one bench process per (task, profile) and batch size on one
accelerator, side by side, each with ``--timing-lock``: they compile at the same time but time
their chunks one at a time. A profile and Playground's anchor timed in different processes are
compared here, across reports (each timed alone on the device, in the same run)::

    python -m mjxcontrol.benchmarks.merge_reports OUT_DIR DIR1/bench.json DIR2/bench.json ...

writes ``OUT_DIR/bench.json`` (every row; ratios recomputed over all rows), ``bench.png`` and
``table.md``. Reports of other devices or package versions are refused: their ratios would
compare machines, not code.
"""

from __future__ import annotations

import argparse
import json
import pathlib
from collections.abc import Sequence
from typing import Any

from mjxcontrol.benchmarks import bench_suite

# Arguments that must agree: rows measured otherwise are not comparable.
_SAME = ("steps", "chunk", "shard", "fuse_reset")


def merge(reports: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One report of all ``reports``' rows, with :func:`bench_suite.ratios` over all of them.

    Raises:
      ValueError: no reports, or reports from different devices, package versions, or bench
        arguments in ``_SAME``.
    """
    if not reports:
        raise ValueError("no reports to merge")
    first = reports[0]
    for r in reports[1:]:
        for key in ("device", "devices", "versions"):
            if r[key] != first[key]:
                raise ValueError(f"reports differ in {key}: {first[key]!r} vs {r[key]!r}")
        for key in _SAME:
            if r["arguments"].get(key) != first["arguments"].get(key):
                raise ValueError(f"reports differ in the bench argument {key!r}")

    def union(key: str) -> list:
        return list(dict.fromkeys(v for r in reports for v in r["arguments"][key]))

    rows = [row for r in reports for row in r["results"]]
    arguments = {**first["arguments"]}
    for key in ("tasks", "batch_sizes", "impls", "physics", "anchors"):
        arguments[key] = union(key)
    arguments["merged_reports"] = len(reports)
    return {
        "device": first["device"],
        "devices": first["devices"],
        "versions": first["versions"],
        "arguments": arguments,
        "compilation_cache": first.get("compilation_cache"),
        "results": rows,
        "ratios": bench_suite.ratios(rows),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Several bench reports of one machine as one.")
    parser.add_argument("out", help="folder for bench.json, bench.png and table.md")
    parser.add_argument("reports", nargs="+", help="bench.json files")
    args = parser.parse_args(argv)
    report = merge([json.loads(pathlib.Path(p).read_text()) for p in args.reports])
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench.json").write_text(json.dumps(report, indent=1) + "\n")
    bench_suite.plot(report, str(out / "bench.png"))
    table = bench_suite.table(report)
    (out / "table.md").write_text(f"device={report['device']}\n\n{table}\n")
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
