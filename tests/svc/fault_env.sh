# fault_env.sh -- sourced by the fault suites (after tests/lib.sh and pipeline_env.sh, once
# pipe_env ran): a faultproxy, and the invariants checked after every fault.
#
#   fault_proxy UPSTREAM_PORT   start test-tool faultproxy (log $T_TMP/proxy.log); sets PP
#   rules LINE...               replace the proxy's rules (atomic rename; resets counters)
#   mark NAME / since NAME      a marker in the proxy log / the log lines after it
#   events NAME [N] [DIDS]      queue N (30) events over DIDs [0,DIDS) (20) with ids NAME-...;
#                               remembers N0 = anchors on chain so far
#   anchored FILE               how many events of the JSONL file have status "anchored"
#   invariants NAME ANCHORS     every event of NAME anchored and published exactly once,
#                               every file valid (test-tool check), ANCHORS new anchors (or
#                               "any"), every published root is roots(batchId) on chain
RCLI() { redis-cli -p "$REDIS_PORT" "$@"; }
count() { WA_RPC_URLS=$RPC_URL "$AD" batch-count 2>/dev/null; }

fault_proxy() {
    PP=$(freeport); RULES=$T_TMP/rules; : >"$RULES"
    FAULTPROXY_SEED=${FAULTPROXY_SEED:-7} t_bg "$TT" faultproxy "$PP" "$1" "$RULES" 2>>"$T_TMP/proxy.log"
    wait_port "$PP" 5
}
rules() { printf '%s\n' "$@" >"$RULES.new"; mv "$RULES.new" "$RULES"; }
mark() { echo "faultproxy: ---- $1" >>"$T_TMP/proxy.log"; }
since() { sed -n "/---- $1\$/,\$p" "$T_TMP/proxy.log"; }

events() {
    "$TT" events 0 "${3:-20}" "${2:-30}" "$1-" >"$T_TMP/$1.jsonl"
    "$AD" submit "$T_TMP/$1.jsonl" >/dev/null 2>&1
    N0=$(count)
}
anchored() {
    jq -r '.did + " " + .id' "$1" | sed 's/^did:webvh:\([^:]*\):[^ ]* /\1 /' |
        while read -r scid id; do echo "HGET wa:{s$(shard_of "$scid")}:events:$scid:$id status"; done |
        RCLI | grep -c '^anchored$'
}
# shard_of SCID: FNV-1a(SCID) mod WA_STREAM_SHARDS (as anchord/queue/queue.c), 0 with one shard.
shard_of() {
    local n=${WA_STREAM_SHARDS:-1} h=2166136261 i c
    [ "$n" -eq 1 ] && { echo 0; return; }
    for ((i = 0; i < ${#1}; i++)); do
        printf -v c '%d' "'${1:i:1}"
        h=$(( ((h ^ c) * 16777619) & 0xffffffff ))
    done
    echo $((h % n))
}
invariants() {
    local want; want=$(wc -l <"$T_TMP/$1.jsonl")
    "$TT" check >"$T_TMP/check.out" 2>"$T_TMP/check.err"
    local rc=$?
    if [ $rc -eq 0 ] && grep -q "staging=0 failures=0" "$T_TMP/check.out"; then t_ok "$1: every file valid"
    else t_fail "$1: every file valid" "$(head -c 400 "$T_TMP/check.err") $(tail -1 "$T_TMP/check.out")"; fi
    t_eq "$1: $want events anchored, each published once" \
        "$(anchored "$T_TMP/$1.jsonl") $(grep -c "^event .* $1-" "$T_TMP/check.out")" "$want $want"
    [ "$2" = any ] || t_eq "$1: $2 new anchor(s) on chain" "$(count)" $((N0 + $2))
    WA_RPC_URLS=$RPC_URL pipe_chain_roots "$T_TMP/check.out" && t_ok "$1: every published root is on the final chain" ||
        t_fail "$1: every published root is on the final chain" "see above"
}
