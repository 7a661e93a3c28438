#!/usr/bin/env bash
# Prints the release binaries' sizes (budget 25 MB per target) and how long `hardsail version` takes to
# start and exit (budget 20 ms), measured on the linux/amd64 binary of the last snapshot in dist/
# (`make release-check` makes one). Exits 1 when a figure is over its budget.
#
# Startup: RUNS timed runs after WARMUP untimed ones (page cache, CPU frequency); each run is timed with
# bash's $EPOCHREALTIME around the fork+exec+exit, so no timing process of its own is counted. It
# prints the mean, median and 90th percentile; the median is held to the budget, since one run on a
# shared machine can be delayed by anything else running.
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
for ((i = 0; i < warmup; i++)); do "$bin" version >/dev/null; done
times=()
for ((i = 0; i < runs; i++)); do
	t0=$EPOCHREALTIME
	"$bin" version >/dev/null
	t1=$EPOCHREALTIME
	times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", (b-a)*1000}')")
done
read -r mean median p90 < <(printf '%s\n' "${times[@]}" | sort -n | awk '
	{ v[NR] = $1; sum += $1 }
	END {
		median = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.2f %.2f %.2f\n", sum / NR, median, v[int(NR * 0.9 + 0.5)]
	}')
verdict=ok
if awk -v m="$median" -v max="$max_median_ms" 'BEGIN{exit !(m > max)}'; then verdict=OVER status=1; fi
echo "startup of '$bin version' over $runs runs (after $warmup warm-up runs), budget 20 ms median:"
echo "  mean ${mean} ms  median ${median} ms  p90 ${p90} ms  $verdict"
echo "  machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
exit "$status"
