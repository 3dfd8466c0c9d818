#!/usr/bin/env bash
# Issue 8: the throughput rows on the FFM and the JNA backend, interleaved so that
# drift on a shared machine hits both alike. Each round runs the harness once per
# backend (runs=1), alternating which goes first; prints each round's rows and
# the per-backend medians. Usage: bench/scripts/compare-backends.sh [ROUNDS] [WORKLOADS]
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-5}
only=${2:-w64k,lines,printf80,write80,lat,empty}
out=bench/target/compare-backends
mkdir -p "$out"
mvn -q -B -pl bench -am package -DskipTests
for ((i = 1; i <= rounds; i++)); do
  if ((i % 2)); then order="ffm jna"; else order="jna ffm"; fi
  for b in $order; do
    mvn -q -B -o -pl bench -am verify -Pbench -DskipTests -Dbench.backend="$b" \
      -Dbench.args="runs=1 only=$only" > "$out/round$i-$b.log" 2>&1
    cp bench/target/bench/results.md "$out/round$i-$b.md"
  done
done
python3 - "$out" "$rounds" <<'PY'
import re, statistics, sys, glob
out, rounds = sys.argv[1], int(sys.argv[2])
vals = {}
for b in ("ffm", "jna"):
    for i in range(1, rounds + 1):
        for line in open(f"{out}/round{i}-{b}.md"):
            cells = [c.strip() for c in line.split("|")]
            if len(cells) > 4 and re.match(r"^[0-9.]+", cells[3] or ""):
                vals.setdefault(cells[1], {}).setdefault(b, []).append(float(re.match(r"[0-9.]+", cells[3]).group()))
print("| workload | FFM median | JNA median | JNA / FFM |")
print("|---|---|---|---|")
for row, by in vals.items():
    if "ffm" in by and "jna" in by:
        f, j = statistics.median(by["ffm"]), statistics.median(by["jna"])
        print(f"| {row} | {f:.3g} | {j:.3g} | {j / f:.2f}x |")
PY
