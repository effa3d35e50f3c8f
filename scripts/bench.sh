#!/usr/bin/env bash
# Full-build benchmark: kiji vs Hugo vs the comrak floor on generated corpora.
#
#   scripts/bench.sh [SIZE...]        default sizes: 1000 10000 100000
#
# Environment: RUNS (runs per tool and size, default 3; sizes over 10,000 run once),
# WORK (corpora and outputs, default target/bench; never commit it), TERMS (500),
# HUGO_MAX (largest size built with Hugo, default 10000: Hugo needs ~2.5 GB per
# 10,000 articles, so 100,000 would not fit beside other work on a 24 GiB machine).
#
# Runs alternate kiji → Hugo → floor within each round, so load spikes hit all
# three alike; the table reports medians, and each ratio is the median of the
# rounds' own ratios (kiji's run over Hugo's run of the same round), not a ratio of
# medians that may come from rounds minutes apart on a shared machine.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=("$@")
[ ${#SIZES[@]} -eq 0 ] && SIZES=(1000 10000 100000)
RUNS=${RUNS:-3}
WORK=${WORK:-target/bench}
TERMS=${TERMS:-500}
HUGO_MAX=${HUGO_MAX:-10000}
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "bench.sh needs GNU time (apt-get install time)" >&2; exit 1; }
HUGO=$(command -v hugo || true)

cargo build --release --quiet --bin kiji --example gen_corpus --example comrak_floor
KIJI=$PWD/target/release/kiji
GEN=$PWD/target/release/examples/gen_corpus
FLOOR=$PWD/target/release/examples/comrak_floor
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)

# Runs a command under GNU time; appends "wall cpu peak_kib" to $1.
measure() {
  local log=$1; shift
  "$TIME" -f "%e %U %S %M" -o "$log.tmp" "$@" >/dev/null 2>"$log.err" || { cat "$log.err" >&2; exit 1; }
  awk '{printf "%s %.2f %s\n", $1, $2 + $3, $4}' "$log.tmp" >> "$log"
}

# Median of column $2 of file $1.
median() { awk -v c="$2" '{print $c}' "$1" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# Median over rounds of (column $3 of file $1) / (column $3 of file $2), line by line.
ratio() { paste -d' ' "$1" "$2" | awk -v c="$3" '{print $c / $(c + 3)}' | sort -g | awk '{a[NR]=$1} END {printf "%.2f", (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), $(uname -r)"
echo "kiji $(git rev-parse --short HEAD), $(rustc --version)${HUGO:+, $($HUGO version | cut -d' ' -f1-2)}"
echo
echo "| articles | tool | wall s (median) | CPU s | peak MiB | wall ms/article | kiji/Hugo wall | kiji/floor wall | kiji/Hugo peak |"
echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|"
for n in "${SIZES[@]}"; do
  corpus=$WORK/corpus-$n hugo_site=$WORK/hugo-$n
  with_hugo=""
  [ -n "$HUGO" ] && [ "$n" -le "$HUGO_MAX" ] && with_hugo=1
  if [ ! -f "$corpus/site.toml" ] || { [ -n "$with_hugo" ] && [ ! -d "$hugo_site" ]; }; then
    "$GEN" --articles "$n" --terms "$TERMS" --seed 1 --out "$corpus" ${with_hugo:+--hugo "$hugo_site"} 2>/dev/null
  fi
  runs=$RUNS; [ "$n" -gt 10000 ] && runs=1
  rm -f "$WORK"/log-$n-*
  for _ in $(seq "$runs"); do
    measure "$WORK/log-$n-kiji" "$KIJI" --root "$corpus" build -o "$WORK/out-kiji-$n"
    [ -n "$with_hugo" ] && measure "$WORK/log-$n-hugo" "$HUGO" --quiet -s "$hugo_site" -d "$WORK/out-hugo-$n"
    measure "$WORK/log-$n-floor" "$FLOOR" "$corpus" "$WORK/out-floor-$n"
  done
  for tool in kiji hugo floor; do
    [ -f "$WORK/log-$n-$tool" ] || continue
    w=$(median "$WORK/log-$n-$tool" 1) c=$(median "$WORK/log-$n-$tool" 2) m=$(median "$WORK/log-$n-$tool" 3)
    ratios="| | |"
    if [ $tool = kiji ]; then
      rh="–" rm_="–"
      if [ -n "$with_hugo" ]; then
        rh=$(ratio "$WORK/log-$n-kiji" "$WORK/log-$n-hugo" 1)
        rm_=$(ratio "$WORK/log-$n-kiji" "$WORK/log-$n-hugo" 3)
      fi
      rf=$(ratio "$WORK/log-$n-kiji" "$WORK/log-$n-floor" 1)
      ratios="| $rh | $rf | $rm_ |"
    fi
    awk -v n="$n" -v t="$tool" -v w="$w" -v c="$c" -v m="$m" -v r="$ratios" -v k="$runs" \
      'BEGIN {printf "| %d | %s (%d runs) | %.2f | %.2f | %.0f | %.3f %s\n", n, t, k, w, c, m/1024, w*1000/n, r}'
  done
done
