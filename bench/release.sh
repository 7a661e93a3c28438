#!/usr/bin/env bash
# Prints the release binaries' sizes (budget 25 MB per target) and how long `hardsail version` takes to
# start and exit (budget 20 ms), measured on the linux/amd64 binary of the last snapshot in dist/
# (`make release-check` makes one). Exits 1 when a figure is over its budget.
#
# Startup: RUNS timed runs after WARMUP untimed ones (page cache, CPU frequency), each timed by
# bench/startup from just before it starts the binary (clone+exec, no shell in between) to just after
# its exit is reaped; a shell's own fork of itself is not counted (timing with bash's $EPOCHREALTIME
# around each run added 2.5 ms to an empty program here). It prints the mean, median and 90th
# percentile, and the same for an empty Go program as the machine's floor; the median is held to the
# budget, since one run on a shared machine can be delayed by anything else running.
#
#   bench/release.sh            # RUNS=200 WARMUP=10
#   RUNS=1000 bench/release.sh
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${RUNS:-200}
warmup=${WARMUP:-10}
max_bytes=$((25 * 1024 * 1024))
max_median_ms=20
status=0

if [[ ! -f dist/metadata.json ]]; then
	echo "bench/release.sh: no snapshot in dist/; run 'make release-check' first" >&2
	exit 1
fi

echo "binary sizes (dist/, budget 25 MB):"
for target in linux_amd64 linux_arm64 darwin_amd64 darwin_arm64; do
	bin=$(find dist -path "dist/hardsail_${target}*/hardsail" -type f)
	size=$(stat -c %s "$bin")
	verdict=ok
	if ((size > max_bytes)); then verdict=OVER status=1; fi
	printf '  %-13s %9d bytes  %6.2f MB  %s\n' "$target" "$size" "$(awk -v s="$size" 'BEGIN{print s/1048576}')" "$verdict"
done

bin=$(find dist -path 'dist/hardsail_linux_amd64*/hardsail' -type f)
echo "startup of '$bin version' (budget ${max_median_ms} ms median), then of an empty Go program (the machine's floor):"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/startup" ./bench/startup
printf 'package main\n\nfunc main() {}\n' >"$tmp/empty.go"
(cd "$tmp" && CGO_ENABLED=0 go build -o empty empty.go)
printf '  hardsail version  '
"$tmp/startup" -n "$runs" -warmup "$warmup" -max "$max_median_ms" -- "$bin" version || status=1
printf '  empty program     '
"$tmp/startup" -n "$runs" -warmup "$warmup" -- "$tmp/empty"
echo "  machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
exit "$status"
