#!/usr/bin/env bash
# bench_store.sh -- 10,000 small PUTs through the store (storePutMany: curl multi, N in
# flight, kept-alive connections, SigV4) against the raw rate of the same radosgw driven by
# N parallel curl processes that each PUT their share of the URLs over one kept-alive
# connection (curl --aws-sigv4). Prints both and the ratio (target >= 80 %).
# Env: BENCH_N (objects, 10000), BENCH_PAR (N, 16), BENCH_SIZE (bytes, 200).
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}; TT=$BUILD/helper/test-tool
source tests/svc/radosgw.sh
N=${BENCH_N:-10000}; PAR=${BENCH_PAR:-16}; SIZE=${BENCH_SIZE:-200}
D=$(mktemp -d "${TMPDIR:-/tmp}/wa-bench-store.XXXXXX")
trap 'rgw_stop "$D/rgw"; rm -rf "$D"' EXIT
rgw_start "$D/rgw" 2>"$D/rgw.err" || { cat "$D/rgw.err"; exit 1; }
rgw_bucket "$D/rgw" bench || { echo "bucket create failed"; exit 1; }

# Warm up (pools, first-write paths) so neither side pays for it.
WA_STORE_PARALLEL=$PAR "$TT" store -u s3://bench bulk 500 "$SIZE" warm >/dev/null || exit 1

# Raw: PAR curl processes, each one connection, its share of the PUTs; credentials in
# 0600 config files (never on a command line).
head -c "$SIZE" /dev/urandom >"$D/obj"
sha=$(sha256sum "$D/obj" | cut -d' ' -f1)
per=$(( (N + PAR - 1) / PAR ))
raw_run() {   # NAMESPACE -> prints obj/s
    local p i pids=() t0 t1 ok
    for ((p = 0; p < PAR; p++)); do
        {
            echo "user = \"$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY\""
            echo "aws-sigv4 = \"aws:amz:$AWS_REGION:s3\""
            echo "header = \"x-amz-content-sha256: $sha\""
            echo "header = \"Content-Type: application/json\""
            echo "request = PUT"
            echo "data-binary = @$D/obj"
            echo "silent"
            for ((i = p * per; i < (p + 1) * per && i < N; i++)); do
                printf 'url = "%s/bench/%s/%07d.json"\noutput = /dev/null\n' "$AWS_ENDPOINT_URL" "$1" "$i"
            done
        } >"$D/curl.$p.cfg"
        chmod 600 "$D/curl.$p.cfg"
    done
    t0=$(date +%s.%N)
    for ((p = 0; p < PAR; p++)); do curl -K "$D/curl.$p.cfg" -w '%{http_code}\n' >"$D/codes.$p" & pids+=($!); done
    wait "${pids[@]}"     # not a bare wait: the radosgw daemons are children of this shell too
    t1=$(date +%s.%N)
    ok=$(cat "$D"/codes.* | grep -c '^200$')
    [ "$ok" -eq "$N" ] || echo "warning: raw curl: only $ok of $N PUTs answered 200" >&2
    echo "$N / ($t1 - $t0)" | bc -l
}
store_run() {   # NAMESPACE -> prints obj/s
    local out
    out=$(WA_STORE_PARALLEL=$PAR "$TT" store -u s3://bench bulk "$N" "$SIZE" "$1") || { echo "$out" >&2; exit 1; }
    echo "$out" | sed -n 's/.*: \([0-9.]*\) obj\/s/\1/p'
}
# Alternate the two, twice, so neither gains from running on a smaller bucket index.
r1=$(raw_run raw1); s1=$(store_run store1); r2=$(raw_run raw2); s2=$(store_run store2)
raw=$(echo "($r1 + $r2) / 2" | bc -l); ours=$(echo "($s1 + $s2) / 2" | bc -l)
printf 'runs: raw %.0f, store %.0f, raw %.0f, store %.0f obj/s (%d x %d B, N=%d)\n' "$r1" "$s1" "$r2" "$s2" "$N" "$SIZE" "$PAR"
printf '%-44s %8.0f obj/s\n' "store (storePutMany, $PAR in flight)" "$ours"
printf '%-44s %8.0f obj/s\n' "raw: $PAR keep-alive curl processes" "$raw"
printf '%-44s %8.0f %%  (target >= 80 %%)\n' "ratio store / raw" "$(echo "100 * $ours / $raw" | bc -l)"
