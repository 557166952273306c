# lib.sh -- shared helpers for tests/integration/*.sh (source it).
#
# t_ok NAME / t_fail NAME WHY / t_check NAME CMD... record results; t_skip NAME WHY
# records a check that could not run (a service that cannot start, no root): never a
# pass, and a failure under WA_TEST_NO_SKIP=1 (CI). t_done prints the
# "# passed N failed M skipped K" line tests/run.sh sums. Services are started on
# 127.0.0.1 on free ports and stopped by PID (svc_redis, svc_anvil here, svc_need NAME
# to skip the suite with the reason when one cannot start; tests/svc/ for the others).
set -u
WA_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$WA_ROOT"
BUILD=${BUILD:-build}; BIN=${BIN:-bin}
VEC=$WA_ROOT/tests/vectors
NODE_BIN=$WA_ROOT/tests/node/node_modules/.bin
T_PASS=0; T_FAIL=0; T_SKIP=0
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/wa-test.XXXXXX")
T_PIDS=()

t_ok()   { T_PASS=$((T_PASS + 1)); echo "ok $1"; }
t_fail() { T_FAIL=$((T_FAIL + 1)); T_SC_FAIL=$((T_SC_FAIL + 1)); echo "FAIL $1: ${2:-}"; }
# t_skip NAME REASON: NAME could not be checked here (prints "SKIP NAME: REASON", which
# tests/run.sh shows). With WA_TEST_NO_SKIP=1 (set by .ci/run) a skip is a failure.
t_skip() {
    if [ -n "${WA_TEST_NO_SKIP:-}" ] && [ "$WA_TEST_NO_SKIP" != 0 ]; then
        t_fail "$1" "skipped ($2), and WA_TEST_NO_SKIP=1 makes every skip a failure"
    else T_SKIP=$((T_SKIP + 1)); echo "SKIP $1: $2"; fi
}
# t_skip_rest NAME REASON: skip NAME and end the suite here (the services it needs
# cannot start); exits with the suite's verdict.
t_skip_rest() { t_skip "$1" "$2"; t_done; exit; }

# scenario KIND NAME ATTACK EXPECTED: opens a named red-team or fault scenario
# (KIND: attack, fault, load). The checks that follow, up to the next scenario or
# t_done, decide its verdict; each closes with a line
#   SCENARIO|KIND|NAME|ATTACK|EXPECTED|pass or fail|checks
# that scripts/scenarios.sh collects into docs/scenarios.md.
# A scenario whose only checks were skipped closes as "skip".
T_SC=; T_SC_FAIL=0; T_SC_START=0; T_SC_SKIP=0
scenario() {
    scenario_close
    T_SC="$1|$2|$3|$4"; T_SC_FAIL=0; T_SC_START=$((T_PASS + T_FAIL)); T_SC_SKIP=$T_SKIP
    echo "== $1: $2"
}
scenario_close() {
    [ -n "$T_SC" ] || return 0
    local n=$((T_PASS + T_FAIL - T_SC_START)) v=pass
    { [ "$T_SC_FAIL" -gt 0 ] || [ "$n" -eq 0 ]; } && v=fail
    if [ "$n" -eq 0 ] && [ "$T_SKIP" -gt "$T_SC_SKIP" ]; then v=skip
    elif [ "$n" -eq 0 ]; then t_fail "scenario ${T_SC%%|*}" "no check ran"; fi
    echo "SCENARIO|$T_SC|$v|$n"
    T_SC=
}
# t_check NAME CMD...: passes when CMD exits 0.
t_check() { local n=$1; shift; if "$@" >>"$T_TMP/check.log" 2>&1; then t_ok "$n"; else t_fail "$n" "command failed: $*"; fi; }
# t_expect_rc NAME RC CMD...: passes when CMD exits with RC.
t_expect_rc() {
    local n=$1 want=$2; shift 2
    "$@" >"$T_TMP/last.out" 2>"$T_TMP/last.err"; local rc=$?
    if [ "$rc" -eq "$want" ]; then t_ok "$n"; else t_fail "$n" "exit $rc, want $want: $(head -c 300 "$T_TMP/last.err")"; fi
}
# t_eq NAME GOT WANT
t_eq() { if [ "$2" == "$3" ]; then t_ok "$1"; else t_fail "$1" "got [$2] want [$3]"; fi; }

# TT: the test helper binary (tests/helper/test-tool.h): "$TT" SUBCOMMAND ARGS...
TT=$WA_ROOT/$BUILD/helper/test-tool
freeport() { "$TT" freeport; }

# t_bg CMD...: start a background process that t_cleanup stops by PID.
t_bg() { "$@" & T_PIDS+=($!); }

t_cleanup() {
    local p
    for p in "${T_PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null; done
    for p in "${T_PIDS[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null; done
    [ -n "${WA_KEEP_TMP:-}" ] || rm -rf "$T_TMP"
}
trap t_cleanup EXIT

t_done() { scenario_close; echo "# passed $T_PASS failed $T_FAIL skipped $T_SKIP"; [ "$T_FAIL" -eq 0 ]; }

# wait_port PORT [SECONDS]: until something accepts on 127.0.0.1:PORT.
wait_port() {
    local i
    for ((i = 0; i < ${2:-20} * 10; i++)); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# Services. Each svc_* starts one on 127.0.0.1 on a free port, stopped by PID on exit;
# on failure it returns 1 with the reason in SVC_WHY ("not installed", or the last lines
# of its log). svc_need NAME [ARGS] starts svc_NAME and, when it cannot start, ends the
# suite with a SKIP naming that reason (tests/run.sh lists it; CI fails on it).
SVC_WHY=
svc_need() {
    local n=$1; shift
    "svc_$n" "$@" || t_skip_rest "$n" "${SVC_WHY:-svc_$n failed}"
}

# svc_missing CMD: SVC_WHY = "CMD is not installed (scripts/deps.sh)" and 1 when CMD is
# not on PATH (or not an executable path).
svc_missing() {
    command -v "$1" >/dev/null 2>&1 && return 1
    SVC_WHY="$(basename "$1") is not installed (scripts/deps.sh installs it)"
}

# svc_redis: start redis-server on a free port; sets REDIS_PORT, REDIS_PID.
svc_redis() {
    svc_missing redis-server && return 1
    REDIS_PORT=$(freeport)
    mkdir -p "$T_TMP/redis"
    : >"$T_TMP/redis/log"
    redis_restart ||
        { SVC_WHY="redis-server did not start: $(tail -3 "$T_TMP/redis/log" | tr '\n' ' ')"; return 1; }
}

# redis_restart: (re)start redis-server on $REDIS_PORT over $T_TMP/redis (its AOF kept),
# sets REDIS_PID, and returns once it answers PING with PONG: a port that accepts is not
# enough, a Redis still loading its AOF answers -LOADING (under load that takes seconds).
redis_restart() {
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$T_TMP/redis" \
        --save '' --appendonly yes --daemonize no --loglevel warning >>"$T_TMP/redis/log" 2>&1 &
    REDIS_PID=$!; T_PIDS+=($REDIS_PID)
    wait_port "$REDIS_PORT" 10 || return 1
    local i
    for ((i = 0; i < 200; i++)); do
        [ "$(redis-cli -p "$REDIS_PORT" PING 2>/dev/null)" = PONG ] && return 0
        sleep 0.1
    done
    return 1
}

# svc_anvil [ARGS...]: start anvil on a free port; sets ANVIL_PORT, ANVIL_PID, RPC_URL.
svc_anvil() {
    svc_missing "$NODE_BIN/anvil" && return 1
    ANVIL_PORT=$(freeport)
    "$NODE_BIN/anvil" --host 127.0.0.1 --port "$ANVIL_PORT" "$@" >"$T_TMP/anvil.log" 2>&1 &
    ANVIL_PID=$!; T_PIDS+=($ANVIL_PID)
    RPC_URL=http://127.0.0.1:$ANVIL_PORT
    wait_port "$ANVIL_PORT" 20 ||
        { SVC_WHY="anvil did not start: $(tail -3 "$T_TMP/anvil.log" | tr '\n' ' ')"; return 1; }
}
