#!/usr/bin/env bash
# bench_store_azure.sh -- small Put Blobs through the azblob store (storePutMany: curl multi,
# N in flight, kept-alive connections, Shared Key signed per attempt, Content-MD5) against
# the raw rate of the same Azurite driven by N parallel curl processes that each PUT their
# share over one kept-alive connection with the same headers (authorized by an account SAS
# in the URL: curl cannot sign Shared Key). Prints both and the ratio (target >= 80 %).
# Azurite is one Node.js process: the absolute figures are Azurite's, not Azure's.
# Env: BENCH_N (objects, 3000), BENCH_PAR (N, 16), BENCH_SIZE (bytes, 200).
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}; TT=$BUILD/helper/test-tool
source tests/svc/azurite.sh
N=${BENCH_N:-3000}; PAR=${BENCH_PAR:-16}; SIZE=${BENCH_SIZE:-200}
D=$(mktemp -d "${TMPDIR:-/tmp}/wa-bench-az.XXXXXX")
trap 'az_stop "$D/az"; rm -rf "$D"' EXIT
U=azblob://$AZ_ACCOUNT/bench

# fresh: a new Azurite with the container and a warm-up (Node's JIT, first-write paths).
# Every run gets its own: Azurite's lookups slow down as blobs accumulate (docs/azure.md),
# so a run on a fuller server would be measured against one on an emptier server.
fresh() {
    az_stop "$D/az"; rm -rf "$D/az"
    az_start "$D/az" 2>"$D/az.err" || { cat "$D/az.err" >&2; exit 1; }
    az_container "$D/az" bench || { echo "container create failed" >&2; exit 1; }
    WA_STORE_PARALLEL=$PAR "$TT" store -u "$U" bulk 500 "$SIZE" warm >/dev/null || exit 1
}
head -c "$SIZE" /dev/urandom >"$D/obj"
md5=$(openssl dgst -md5 -binary "$D/obj" | base64)
per=$(( (N + PAR - 1) / PAR ))
raw_run() {   # NAMESPACE -> prints obj/s
    local p i pids=() t0 t1 ok
    fresh
    sas=$(node tests/node/azblob.mjs sas cw 2)
    for ((p = 0; p < PAR; p++)); do
        {
            echo 'header = "x-ms-version: 2024-11-04"'
            echo 'header = "x-ms-blob-type: BlockBlob"'
            echo 'header = "x-ms-blob-content-type: application/json"'
            echo 'header = "x-ms-blob-cache-control: no-cache"'
            echo "header = \"Content-MD5: $md5\""
            echo 'header = "Expect:"'
            echo "request = PUT"
            echo "data-binary = @$D/obj"
            echo "silent"
            for ((i = p * per; i < (p + 1) * per && i < N; i++)); do
                printf 'url = "%s/bench/%s/%07d.json?%s"\noutput = /dev/null\n' "$AZ_BLOB_ENDPOINT" "$1" "$i" "$sas"
            done
        } >"$D/curl.$p.cfg"
        chmod 600 "$D/curl.$p.cfg"     # the SAS is a credential: never on a command line
    done
    t0=$(date +%s.%N)
    for ((p = 0; p < PAR; p++)); do curl -K "$D/curl.$p.cfg" -w '%{http_code}\n' >"$D/codes.$p" & pids+=($!); done
    wait "${pids[@]}"     # not a bare wait: Azurite is a child of this shell too
    t1=$(date +%s.%N)
    ok=$(cat "$D"/codes.* | grep -c '^201$')
    [ "$ok" -eq "$N" ] || echo "warning: raw curl: only $ok of $N PUTs answered 201" >&2
    echo "$N / ($t1 - $t0)" | bc -l
}
store_run() {   # NAMESPACE -> prints obj/s
    local out
    fresh
    out=$(WA_STORE_PARALLEL=$PAR "$TT" store -u "$U" bulk "$N" "$SIZE" "$1") || { echo "$out" >&2; exit 1; }
    echo "$out" | sed -n 's/.*: \([0-9.]*\) obj\/s/\1/p'
}
# Alternate the two, twice, each on a fresh Azurite.
r1=$(raw_run raw1); s1=$(store_run store1); r2=$(raw_run raw2); s2=$(store_run store2)
raw=$(echo "($r1 + $r2) / 2" | bc -l); ours=$(echo "($s1 + $s2) / 2" | bc -l)
printf 'runs: raw %.0f, store %.0f, raw %.0f, store %.0f obj/s (%d x %d B, N=%d, each on a fresh Azurite 3.35.0)\n' "$r1" "$s1" "$r2" "$s2" "$N" "$SIZE" "$PAR"
printf '%-44s %8.0f obj/s\n' "azblob store (storePutMany, $PAR in flight)" "$ours"
printf '%-44s %8.0f obj/s\n' "raw: $PAR keep-alive curl processes (SAS)" "$raw"
printf '%-44s %8.0f %%  (target >= 80 %%)\n' "ratio store / raw" "$(echo "100 * $ours / $raw" | bc -l)"
