# pipeline_env.sh -- sourced by the pipeline tests and bench (after tests/lib.sh):
# redis-server + anvil + the registry contract + keys + a store, all on 127.0.0.1.
#
#   pipe_env STORE_URL      start redis and anvil, deploy, write keys, export WA_* for
#                           `anchord run` and test-tool ($TT); on failure PIPE_ENV_ERR
#                           says why and PIPE_ENV_SKIP=1 when a service could not start
#   pipe_env_failed         end the suite after a failed pipe_env: a SKIP when a service could
#                           not start, else a failure (deploy or keygen is our code)
#   pipe_env_s3 BUCKET      the same on a fresh radosgw (tests/svc/radosgw.sh) bucket, stopped
#                           on exit; a radosgw that cannot start is a SKIP
#   pipe_env_azure CONTAINER  the same on a fresh Azurite (tests/svc/azurite.sh), in a
#                           public-read container; an Azurite that cannot start is a SKIP
#   pipe_env_cluster SHARDS  pipe_env on the file store $T_TMP/fs, then a Redis Cluster (3
#                           masters with 1 replica each, tests/svc/rcluster.sh, in $T_TMP/rcl,
#                           stopped on exit): WA_REDIS_URL = its seeds, WA_STREAM_SHARDS=SHARDS;
#                           a cluster that cannot start is a SKIP
#   pipe_run [ARGS...]      bin/anchord run, stderr to $T_TMP/run.N.log; sets RUN_RC, RUN_LOG
#   pipe_statuses PREFIX    "status count" lines of the events whose id starts with PREFIX
#   pipe_chain_roots FILE   check every "batch ID ROOT" line of test-tool check against roots(ID)
AD=$WA_ROOT/$BIN/anchord
# anvil's first well-known development key (public; never used on a real chain).
PIPE_RELAYER_KEY=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80
PIPE_RUNS=0

pipe_env() {
    PIPE_ENV_SKIP=1
    svc_redis || { PIPE_ENV_ERR=$SVC_WHY; return 1; }
    svc_anvil || { PIPE_ENV_ERR=$SVC_WHY; return 1; }
    PIPE_ENV_SKIP=0; PIPE_ENV_ERR="didlog keygen failed"
    printf '%s\n' "$PIPE_RELAYER_KEY" >"$T_TMP/relayer.key"; chmod 600 "$T_TMP/relayer.key"
    "$WA_ROOT/$BIN/didlog" keygen --out "$T_TMP/publisher.key" >/dev/null || return 1
    unset WA_RELAYER_KEY WA_PUBLISHER_KEY WA_WITNESS_KEY WA_WITNESS_KEY_FILE WA_CONFIG WA_CRASH_AT
    export WA_REDIS_URL=redis://127.0.0.1:$REDIS_PORT WA_RPC_URLS=$RPC_URL WA_CHAIN_ID=31337 \
        WA_RELAYER_KEY_FILE=$T_TMP/relayer.key WA_PUBLISHER_KEY_FILE=$T_TMP/publisher.key \
        WA_STORE=$1 WA_DOMAIN=localhost%3A8080 WA_PREFIX=.well-known/did WA_BATCH_MAX_WAIT=0 \
        WA_POLL_MS=50 WA_RPC_BACKOFF_MS=50 WA_RPC_ATTEMPTS=2 WA_RECLAIM_IDLE=1s WA_LOG_LEVEL=info \
        WA_RATE_LIMIT=0 WA_LEASE_TTL_MS=10000
    PIPE_ENV_ERR="anchord deploy failed"
    WA_CONTRACT=$("$AD" deploy 2>"$T_TMP/deploy.log") || { cat "$T_TMP/deploy.log" >&2; PIPE_ENV_ERR+=": $(tail -1 "$T_TMP/deploy.log")"; return 1; }
    export WA_CONTRACT
}

pipe_env_failed() {
    [ "${PIPE_ENV_SKIP:-0}" = 1 ] && t_skip_rest services "$PIPE_ENV_ERR"
    t_fail "services start" "$PIPE_ENV_ERR"; t_done; exit 1
}

pipe_env_s3() {
    source "$WA_ROOT/tests/svc/radosgw.sh"
    RGW=$T_TMP/rgw
    trap 'rgw_stop "$RGW"; t_cleanup' EXIT
    rgw_start "$RGW" >/dev/null 2>"$T_TMP/rgw.err" || t_skip_rest radosgw "radosgw did not start: $(tail -3 "$T_TMP/rgw.err" | tr '\n' ' ')"
    rgw_bucket "$RGW" "$1" || { t_fail "bucket"; t_done; exit 1; }
    pipe_env "s3://$1" || pipe_env_failed
}

pipe_env_azure() {
    source "$WA_ROOT/tests/svc/azurite.sh"
    AZD=$T_TMP/az
    az_start "$AZD" >/dev/null 2>"$T_TMP/az.err" || t_skip_rest azurite "Azurite did not start: $(tail -3 "$T_TMP/az.err" | tr '\n' ' ')"
    trap 'az_stop "$AZD"; t_cleanup' EXIT
    az_container "$AZD" "$1" blob || { t_fail "container"; t_done; exit 1; }
    pipe_env "azblob://$AZ_ACCOUNT/$1" || pipe_env_failed
}

pipe_env_cluster() {
    source "$WA_ROOT/tests/svc/rcluster.sh"
    FS=$T_TMP/fs
    pipe_env "file://$FS" || pipe_env_failed
    rcl_start "$T_TMP/rcl" >/dev/null 2>"$T_TMP/rcl.err" ||
        t_skip_rest rcluster "the Redis Cluster did not start: $(tail -3 "$T_TMP/rcl.err" | tr '\n' ' ')"
    trap 'rcl_stop "$T_TMP/rcl"; t_cleanup' EXIT
    export WA_REDIS_URL=$RCL_URL WA_STREAM_SHARDS=$1
}

pipe_run() {
    PIPE_RUNS=$((PIPE_RUNS + 1))
    RUN_LOG=$T_TMP/run.$PIPE_RUNS.log
    "$AD" run "$@" 2>"$RUN_LOG" >/dev/null
    RUN_RC=$?
}

pipe_chain_roots() {
    local bad=0 id root
    while read -r _ id root; do
        [ "$("$AD" roots "$id" 2>/dev/null)" == "$root" ] || { echo "roots($id) != $root" >&2; bad=1; }
    done < <(grep '^batch ' "$1")
    return $bad
}
