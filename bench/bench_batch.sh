#!/usr/bin/env bash
# bench_batch.sh -- one `anchord run` batch of 12,000 events over 3,000 DIDs on radosgw +
# anvil + redis (all on 127.0.0.1): events/s, seconds per phase, peak RSS; next to the two
# bounds measured in the same run on the same machine: the raw S3 PUT rate of the same
# radosgw (storePutMany: parallel keep-alive libcurl, SigV4, unconditional) and the
# Ed25519 sign/verify rates (libsodium). Targets (issue 6): publish >= 70 % of the raw S3
# rate; whole batch <= 1.5x (S3 requests / raw rate + signatures / Ed25519 rate) and
# <= 30 s; peak RSS <= 256 MB. Issue 16: the claim+read phase next to the raw GET rate of
# an independent client (parallel keep-alive curl, not storeGetMany) on the same objects.
# BENCH_DIDS / BENCH_EVENTS scale it down; BENCH_PAR (32) curl processes.
source "$(dirname "$0")/../tests/lib.sh"
source "$WA_ROOT/tests/svc/radosgw.sh"
source "$WA_ROOT/tests/svc/pipeline_env.sh"
NDID=${BENCH_DIDS:-3000}; NEV=${BENCH_EVENTS:-12000}
BB=$WA_ROOT/$BUILD/bench/batch_bounds
THREADS=$(nproc)
RGW=$T_TMP/rgw
rgw_start "$RGW" >/dev/null 2>&1 || { echo "radosgw did not start"; exit 1; }
trap 'rgw_stop "$RGW"; t_cleanup' EXIT
rgw_bucket "$RGW" wabench || { echo "bucket"; exit 1; }
pipe_env "s3://wabench" >/dev/null || { echo "services did not start"; exit 1; }
export WA_BATCH_MAX_EVENTS=$NEV WA_LOG_LEVEL=info

# Setup (not measured): the DIDs' genesis batch, then the events queued through ingest.
"$TT" enqueue-dids 0 "$NDID" >/dev/null || { echo "register failed"; exit 1; }
WA_BATCH_MAX_EVENTS=$NDID pipe_run
[ "$RUN_RC" -eq 0 ] || { echo "genesis batch failed: $(tail -2 "$RUN_LOG")"; exit 1; }
"$TT" events 0 "$NDID" "$NEV" b >"$T_TMP/ev.jsonl"
"$AD" submit "$T_TMP/ev.jsonl" >/dev/null 2>&1 || { echo "submit failed"; exit 1; }

# The measured batch.
t0=$(date +%s.%N)
pipe_run
t1=$(date +%s.%N)
[ "$RUN_RC" -eq 0 ] || { echo "batch failed: $(tail -3 "$RUN_LOG")"; exit 1; }
done=$(grep '"batch done"' "$RUN_LOG" | tail -1)
f() { echo "$done" | jq -r ".$1"; }
wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b-a}')
pub=$(f published); rss=$(f maxRssKb)

# The bounds, same run, same machine.
read -r rawn rawsecs rawgsecs < <("$BB" s3raw "$NEV" 1500)
raw=$(awk -v n="$rawn" -v s="$rawsecs" 'BEGIN{printf "%.0f", n/s}')
rawg=$(awk -v n="$rawn" -v s="$rawgsecs" 'BEGIN{printf "%.0f", n/s}')
read -r edsign edver < <("$BB" ed25519 1 "$THREADS")

# The raw GET rate of an independent client (issue 16): PAR curl processes, each GETting
# its share of the batch's published objects (the three of every DID, as the claim+read
# phase reads them) over one kept-alive connection, SigV4; credentials in 0600 config
# files, never on a command line. PAR = anchord's WA_STORE_PARALLEL default.
PAR=${BENCH_PAR:-32}
"$TT" store -u s3://wabench ls .well-known/did/ 2>/dev/null | cut -f2 |
    grep -E '/(did\.jsonl|witness\.json|did-witness\.json)$' >"$T_TMP/objs"
nobj=$(wc -l <"$T_TMP/objs"); per=$(( (nobj + PAR - 1) / PAR ))
for ((p = 0; p < PAR; p++)); do
    {
        echo "user = \"$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY\""
        echo "aws-sigv4 = \"aws:amz:$AWS_REGION:s3\""
        echo "header = \"x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\""
        echo "silent"
        sed -n "$((p * per + 1)),$(((p + 1) * per))p" "$T_TMP/objs" |
            awk -v e="$AWS_ENDPOINT_URL" '{printf "url = \"%s/wabench/%s\"\noutput = /dev/null\n", e, $1}'
    } >"$T_TMP/curlget.$p.cfg"
    chmod 600 "$T_TMP/curlget.$p.cfg"
done
cpids=(); c0=$(date +%s.%N)
for ((p = 0; p < PAR && p * per < nobj; p++)); do curl -K "$T_TMP/curlget.$p.cfg" -w '%{http_code}\n' >"$T_TMP/curlget.$p.codes" & cpids+=($!); done
wait "${cpids[@]}"   # not a bare wait: radosgw and anvil are children of this shell too
c1=$(date +%s.%N)
cok=$(cat "$T_TMP"/curlget.*.codes | grep -c '^200$')
[ "$cok" -eq "$nobj" ] || echo "warning: raw curl GET: only $cok of $nobj answered 200 ($(cat "$T_TMP"/curlget.*.codes | sort | uniq -c | tr -s ' \n' ' '))" >&2
rawc=$(awk -v n="$nobj" -v a="$c0" -v b="$c1" 'BEGIN{printf "%.0f", n/(b-a)}')
readrate=$(awk -v n=$((3 * NDID)) -v s="$(f readSeconds)" 'BEGIN{printf "%.0f", (s > 0 ? n/s : 0)}')

# What the batch must do: S3 requests (3 GETs + 3 PUTs per DID, staging put/get-free
# delete, manifest, probe ~5) and signatures (per event: verify the event, sign + verify
# the entry, sign the witness proof; per DID: verify genesis entry + witness proof).
req=$((6 * NDID + 8)); gets=$((3 * NDID)); puts=$((req - gets))
signs=$((2 * NEV)); verifies=$((2 * NEV + 2 * NDID))
bound=$(awk -v p="$puts" -v raw="$raw" -v g="$gets" -v rawg="$rawg" -v s="$signs" -v es="$edsign" -v v="$verifies" -v ev="$edver" \
        'BEGIN{printf "%.3f", p/raw + g/rawg + s/es + v/ev}')
pubreq=$((3 * NDID + 1))
pubrate=$(awk -v n="$pubreq" -v s="$(f publishSeconds)" 'BEGIN{printf "%.0f", n/s}')

printf 'batch: %d events over %d DIDs, %d published, on %s\n' "$NEV" "$NDID" "$pub" "radosgw + anvil + redis (127.0.0.1), $THREADS threads"
printf '  %-10s %8.3f s\n' claim+read "$(f readSeconds)" build "$(f buildSeconds)" stage "$(f stageSeconds)" \
    anchor "$(f anchorSeconds)" publish "$(f publishSeconds)" ack "$(f ackSeconds)"
printf '  %-10s %8.3f s  (process wall %s s)\n' total "$(f seconds)" "$wall"
printf '%-46s %10.0f events/s\n' "anchord run (one batch)" "$(awk -v n="$NEV" -v s="$(f seconds)" 'BEGIN{print n/s}')"
printf '%-46s %10s PUT/s   (%d x 1500 B in %s s)\n' "raw S3 PUT rate (storePutMany, no conditions)" "$raw" "$rawn" "$rawsecs"
printf '%-46s %10s GET/s   (the same objects, storeGetMany)\n' "raw S3 GET rate" "$rawg"
printf '%-46s %10s req/s   (%d conditional PUTs)\n' "publish phase" "$pubrate" "$pubreq"
printf '%-46s %10s GET/s   (%d objects, %d keep-alive curl processes)\n' "raw S3 GET rate (independent: curl)" "$rawc" "$nobj" "$PAR"
printf '%-46s %10s GET/s   (%d GETs + the claims, in %s s)\n' "claim+read phase" "$readrate" $((3 * NDID)) "$(f readSeconds)"
printf '%-46s %10s sign/s  %s verify/s (%d threads)\n' "Ed25519 (libsodium)" "$edsign" "$edver" "$THREADS"
printf '%-46s %10s s       (%d S3 requests, %d signs, %d verifies)\n' "bound: requests/raw + signatures/Ed25519" "$bound" "$req" "$signs" "$verifies"
printf '%-46s %10s MB\n' "peak RSS" "$((rss / 1024))"
awk -v p="$pubrate" -v raw="$raw" -v t="$(f seconds)" -v b="$bound" -v rss="$rss" -v rr="$readrate" -v rc="$rawc" 'BEGIN{
  printf "ratio publish / raw S3 rate   %6.1f%%  (target >= 70%%)  %s\n", 100*p/raw, (p/raw>=0.7?"ok":"BELOW TARGET");
  printf "ratio claim+read / raw curl GET %5.1f%%  (no target: where the read phase stands)\n", (rc ? 100*rr/rc : 0);
  printf "ratio batch / bound           %6.2fx  (target <= 1.5x) %s\n", t/b, (t/b<=1.5?"ok":"ABOVE TARGET");
  printf "batch seconds                 %6.1f s  (target <= 30 s) %s\n", t, (t<=30?"ok":"ABOVE TARGET");
  printf "peak RSS                      %6.0f MB (target <= 256)  %s\n", rss/1024, (rss/1024<=256?"ok":"ABOVE TARGET") }'
