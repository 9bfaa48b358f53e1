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
#
#   ./run.sh callgrind                      # instruction counts of the micro rows
#   ROWS='ETag/size=1KiB' ./run.sh callgrind  # rows whose name matches (awk regexp)
#   BIN=old.test ./run.sh callgrind         # a binary built earlier with go test -c
#
# Wall-clock figures on a shared VM move by 10-20% from run to run. The
# callgrind mode runs each micro row (Accept, CacheControl, ConditionalGET,
# ETag, Limit, Hash, and E2EHandler: the end-to-end handlers in process)
# under valgrind --tool=callgrind twice, with N and 2N iterations, and
# prints (Ir(2N) - Ir(N)) / N: the instructions one operation executes, with
# the start-up cost cancelled. N is sized from a short native run (about
# 0.1 s of native time per row, at least 20 and at most 200,000
# iterations), because each process adds some 10^5 instructions of its own
# (the runtime's background threads, its random map seeds) that only a long
# enough run dilutes. Then the counts repeat within about 0.5% on the same
# binary, so a change of a few percent is a regression, not noise; large
# copies vary more, with the alignment of the buffers. Results go to
# $OUT/callgrind.txt; valgrind is installed with apt-get when missing. CI
# does not run this (it runs one iteration of every benchmark).
#
#   ./run.sh async                          # asyncjob against asynq and River
#   ROUNDS=1 ASYNC_ONLY='^redisstore$' ./run.sh async  # one system
#
# The async mode needs Redis at 127.0.0.1:6379 and PostgreSQL at
# 127.0.0.1:5432 (user postgres, trust). It first checks that every system
# runs every job exactly once (TestAsyncPeersAgree), then runs
# TestAsyncPeers: the same no-op job through redisstore and asynq on the
# same Redis, pgstore and River on the same PostgreSQL, with 1 and with 8
# producers, ROUNDS times (default 3 here) in an order that reverses every
# round; REDIS_JOBS (2000) and PG_JOBS (500) jobs per row. The table of
# medians, and that of the ratios within each round of the rows issue 16
# sets targets on, go to $OUT/async.md, every run's figures to
# $OUT/async.txt.
# Then one round of the Redis rows on a private redis-server (a unix socket
# in a temporary directory) counts the server-side commands per job, those
# scripts run included, without the other clients of the shared server:
# $OUT/async-private.md.
# It uses its own Redis key prefix and asynq queue and a database of its
# own, removed at the end. About 3 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")"

rounds=${ROUNDS:-10}
microtime=${MICROTIME:-200ms}
e2etime=${E2ETIME:-2s}
out=${OUT:-results}
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bin=${BIN:-}
if [ -z "$bin" ]; then
  bin=$tmp/benchmarks.test
  go test -c -o "$bin" .
fi

if [[ ${1:-} == async ]]; then
  "$bin" -test.run '^TestAsyncPeersAgree$' -test.count 1 >/dev/null ||
    { echo "TestAsyncPeersAgree failed: run go test -run TestAsyncPeersAgree -v ." >&2; exit 1; }
  "$bin" -test.run '^TestAsyncPeers$' -test.v -test.count 1 -test.timeout 30m -asyncpeers \
    -async.rounds "${ROUNDS:-3}" -async.redisjobs "${REDIS_JOBS:-2000}" -async.pgjobs "${PG_JOBS:-500}" \
    -async.only "${ASYNC_ONLY:-}" >"$out/async.txt"
  grep -E '^(medians of|ratios of|\|)' "$out/async.txt" | tee "$out/async.md"
  # INFO commandstats of the shared Redis counts every client's commands:
  # one more round of the Redis rows on a redis-server of their own gives
  # the commands per job, scripts' included, without the others'.
  "$bin" -test.run '^TestAsyncPeers$' -test.v -test.count 1 -test.timeout 10m -asyncpeers -async.privateredis \
    -async.rounds 1 -async.redisjobs "${REDIS_JOBS:-2000}" -async.only '^(redisstore|asynq)' >"$out/async-private.txt"
  grep -E '^(medians of|ratios of|\|)' "$out/async-private.txt" | tee "$out/async-private.md"
  exit 0
fi

if [[ ${1:-} == callgrind ]]; then
  if ! command -v valgrind >/dev/null; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends valgrind
  fi
  # Ir of one run of the row matching pattern $1 for $2 iterations.
  # asyncpreemptoff: callgrind asserts on the runtime's preemption signals;
  # cpu.rdtscp=off: where the CPU has RDTSCP (AMD Zen 5 here), the
  # runtime's cputicks uses it, which valgrind 3.19 cannot decode (SIGILL
  # in sysmon, now and then); the fenced RDTSC it falls back to decodes.
  # GOGC=off and one P keep the garbage collector and the scheduler out of
  # the count.
  ir() {
    GODEBUG=asyncpreemptoff=1,cpu.rdtscp=off GOGC=off valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" \
      "$bin" -test.run '^$' -test.bench "$1" -test.benchtime "$2x" -test.cpu 1 >"$tmp/cg.log" 2>&1 ||
      { cat "$tmp/cg.log" >&2; return 1; }
    awk '/^summary:/ { print $2 }' "$tmp/cg.out"
  }
  filter=${ROWS:-.}
  # One short native run lists the rows and their rough cost.
  "$bin" -test.run '^$' -test.bench '^Benchmark(Accept|CacheControl|ConditionalGET|ETag|Limit|Hash|E2EHandler)$' \
    -test.benchtime 20ms -test.cpu 1 | awk -v re="$filter" '/^Benchmark/ && $1 ~ re { print $1, $3 }' >"$tmp/rows"
  printf '| row | instructions/op |\n|---|---|\n' | tee "$out/callgrind.txt"
  while read -r name ns; do
    # ^Benchmark$/^size=1KiB$/...: each level anchored, regexp characters escaped.
    pat=$(printf '%s' "$name" | sed -e 's/[][().*+?^$|\\]/\\&/g' -e 's|/|$/^|g')
    n=$(awk -v ns="$ns" 'BEGIN { n = int(1e8 / ns); if (n < 20) n = 20; if (n > 200000) n = 200000; print n }')
    a=$(ir "^$pat\$" "$n")
    b=$(ir "^$pat\$" "$((2 * n))")
    printf '| %s | %d |\n' "$name" "$(((b - a) / n))" | tee -a "$out/callgrind.txt"
  done <"$tmp/rows"
  exit 0
fi
: >"$out/micro.txt"
: >"$out/e2e.txt"
# The agreement tests first: a row is only worth timing if the
# implementations give the same answer on it.
"$bin" -test.run '.' -test.short >/dev/null

e2e_rows=(path=200/impl=bare path=200/impl=httpsem path=200/impl=httpsem-encoded path=200/impl=httpsem-validator
  path=304/impl=bare path=304/impl=httpsem path=304/impl=httpsem-encoded path=304/impl=httpsem-validator)
start=$SECONDS
for ((i = 1; i <= rounds; i++)); do
  echo "round $i/$rounds ($((SECONDS - start)) s)" >&2
  "$bin" -test.run '^$' -test.bench '^Benchmark(Accept|CacheControl|ConditionalGET|ETag|Limit)$' \
    -test.benchmem -test.benchtime "$microtime" -test.count 1 >>"$out/micro.txt"
  rows=("${e2e_rows[@]}")
  if ((i % 2 == 0)); then
    rows=()
    for ((j = ${#e2e_rows[@]} - 1; j >= 0; j--)); do rows+=("${e2e_rows[j]}"); done
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
