#!/usr/bin/env bash
# run.sh reproduces the tables of README.md: every comparison of this module,
# ROUNDS times, then the benchstat summary and the Markdown tables.
#
#   ./run.sh                 # about 5 minutes on 2 cores
#   ROUNDS=4 ./run.sh        # a quicker, noisier look
#
# `go test -count N` would repeat each row N times in a row, so a slow minute
# of the machine would sink one implementation. Instead each round runs every
# row once (-test.count 1) from one test binary, and the end-to-end rows,
# which are the noisiest, run one at a time in an order that reverses every
# round. Results go to $OUT (default results/): micro.txt, e2e.txt, all.txt,
# benchstat.txt, tables.md. Close other work first: the end-to-end rows load
# both cores, and the client shares them with the server.
set -euo pipefail
cd "$(dirname "$0")"

rounds=${ROUNDS:-10}
microtime=${MICROTIME:-200ms}
e2etime=${E2ETIME:-2s}
out=${OUT:-results}
mkdir -p "$out"
: >"$out/micro.txt"
: >"$out/e2e.txt"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bin=$tmp/benchmarks.test
go test -c -o "$bin" .
# The agreement tests first: a row is only worth timing if the
# implementations give the same answer on it.
"$bin" -test.run '.' -test.short >/dev/null

e2e_rows=(path=200/impl=bare path=200/impl=httpsem path=304/impl=bare path=304/impl=httpsem)
start=$SECONDS
for ((i = 1; i <= rounds; i++)); do
  echo "round $i/$rounds ($((SECONDS - start)) s)" >&2
  "$bin" -test.run '^$' -test.bench '^Benchmark(Accept|CacheControl|ConditionalGET|ETag|Limit)$' \
    -test.benchmem -test.benchtime "$microtime" -test.count 1 >>"$out/micro.txt"
  rows=("${e2e_rows[@]}")
  if ((i % 2 == 0)); then
    rows=("${rows[3]}" "${rows[2]}" "${rows[1]}" "${rows[0]}")
  fi
  for row in "${rows[@]}"; do
    path=${row%%/*} impl=${row##*/}
    # Only the benchmark lines: every run repeats the goos/pkg header.
    "$bin" -test.run '^$' -test.bench "^BenchmarkEndToEnd\$/^${path}\$/^${impl}\$" \
      -test.benchtime "$e2etime" -test.count 1 | grep '^Benchmark' >>"$out/e2e.txt"
  done
done

cat "$out/micro.txt" "$out/e2e.txt" >"$out/all.txt"
go tool benchstat -table .name -col /impl "$out/all.txt" >"$out/benchstat.txt"
go run ./cmd/benchtable "$out/micro.txt" "$out/e2e.txt" >"$out/tables.md"
echo "done in $((SECONDS - start)) s: $out/tables.md, $out/benchstat.txt" >&2
