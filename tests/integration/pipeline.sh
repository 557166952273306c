#!/usr/bin/env bash
# pipeline.sh -- `anchord run` end to end on the local file store with real redis-server
# and anvil (DESIGN.md §1, §4): an empty queue sends nothing; 300 genesis registrations and
# then 1,000 events over them are anchored and published; every entry has a witness.json
# proof whose root is roots(batchId) on chain; every log verifies with didlog and with
# didwebvh-ts; statuses are "anchored". The worker re-verifies what the queue holds
# (tampered, replayed, old-key events injected straight into Redis are dead-lettered),
# KeyRotation, tampered store objects are refused and left untouched, two workers at once
# make one batch.
source "$(dirname "$0")/../lib.sh"
source "$WA_ROOT/tests/svc/pipeline_env.sh"
FS=$T_TMP/fs
pipe_env "file://$FS" || pipe_env_failed
RCLI() { redis-cli -p "$REDIS_PORT" "$@"; }
SCID() { "$TT" did "$1" | cut -d: -f3; }
count() { "$AD" batch-count 2>/dev/null; }
# statuses IDS_FILE: "status count" of the events listed (scid id per line).
statuses() { while read -r s i; do echo "HGET wa:{s0}:events:$s:$i status"; done <"$1" | RCLI | sort | uniq -c | awk '{print $2, $1}'; }

t_expect_rc "run --help" 0 "$AD" run --help
t_expect_rc "run: unknown option is a usage error" 2 "$AD" run --frobnicate

# Empty queue: exit 0 at once, no transaction.
pipe_run
t_eq "empty queue: exit 0" "$RUN_RC" 0
t_check "empty queue: says so" grep -q "queue empty" "$RUN_LOG"
t_eq "empty queue: no transaction" "$(count)" 0

# Start-up refusals: a store that is not a directory; a missing publisher key.
echo x >"$T_TMP/notadir"
WA_STORE=file://$T_TMP/notadir t_expect_rc "bad store refused (exit 3)" 3 "$AD" run
WA_PUBLISHER_KEY_FILE=$T_TMP/nokey t_expect_rc "missing publisher key refused (exit 3)" 3 "$AD" run

# 300 genesis registrations -> one batch; nothing is published before it is anchored.
t_check "register 300 DIDs" "$TT" enqueue-dids 0 300
t_eq "nothing published before anchoring" "$(find "$FS" -name did.jsonl 2>/dev/null | wc -l)" 0
pipe_run
t_eq "genesis batch: exit 0" "$RUN_RC" "0"
t_eq "genesis batch: one transaction" "$(count)" 1
t_eq "300 logs published" "$(find "$FS/.well-known/did" -name did.jsonl | wc -l)" 300
t_eq "genesis status anchored" "$(RCLI HGET "wa:{s0}:dids:$(SCID 7):genesis" status)" anchored

# 1,000 events over the 300 DIDs through `anchord submit`, plus a key rotation of DID 1.
"$TT" events 0 300 1000 ev >"$T_TMP/events.jsonl"
# the rotated-to key: subject 1001's public key, read from its own genesis line
NEWMK=$("$TT" genesis 1001 | jq -r '.state.verificationMethod[0].publicKeyMultibase')
"$TT" sign 1 rot-1 type=KeyRotation "data={\"publicKeyMultibase\":\"$NEWMK\"}" >>"$T_TMP/events.jsonl"
t_expect_rc "submit 1,001 events" 0 "$AD" submit "$T_TMP/events.jsonl"
# Straight into Redis (a queue that cannot be trusted): the worker must refuse these.
"$TT" rawadd 0 "$("$TT" sign 0 bad-sig tamper=1)" >/dev/null
"$TT" rawadd 0 "$(sed -n 1p "$T_TMP/events.jsonl")" >/dev/null          # replay of ev-0-0 in the same batch
"$TT" rawadd 1 "$("$TT" sign 1 old-key)" >/dev/null                # signed by the key rotated away
"$TT" rawadd 5 "$("$TT" sign 5 other-key key=6)" >/dev/null        # signed by another subject's key
pipe_run
t_eq "event batch: exit 0" "$RUN_RC" 0
t_eq "event batch: one more transaction" "$(count)" 2
t_check "one log line per step: built" grep -q '"msg":"batch built".*"entries":1001,"rejected":4' "$RUN_LOG"
# All 300 logs are byte for byte what the genesis batch published (registry digests):
# replayed without re-verifying their signatures.
t_check "built on 300 logs replayed (digests match), none re-verified" grep -q '"msg":"batch built".*"tampered":0,"replayed":300' "$RUN_LOG"
t_eq "4 dead letters" "$(RCLI XLEN 'wa:{s0}:dead')" 4
RCLI XRANGE 'wa:{s0}:dead' - + >"$T_TMP/dead.txt"
t_check "dead: tampered event -> bad_signature" grep -q "bad_signature: .*signature" "$T_TMP/dead.txt"
t_check "dead: replay in the same batch" grep -q "replay: event ev-0-0" "$T_TMP/dead.txt"
t_check "dead: key rotated away" grep -q "bad_signature: proof: verificationMethod did:webvh:.* is not an assertionMethod" "$T_TMP/dead.txt"
t_eq "rejected status has the reason" "$(RCLI HGET "wa:{s0}:events:$(SCID 1):old-key" status)" rejected
t_eq "queue drained" "$(RCLI XLEN 'wa:{s0}:events')" 0

"$TT" check >"$T_TMP/check.out" 2>"$T_TMP/check.err"
t_eq "every file valid (didlog verifier, witness.json proofs, manifests)" "$?" 0
t_check "check summary" grep -q "summary dids=300 entries=1301 batches=2 staging=0 failures=0" "$T_TMP/check.out"
grep '^event ' "$T_TMP/check.out" | cut -d' ' -f2- | sort >"$T_TMP/published.txt"
jq -r '.did + " " + .id' "$T_TMP/events.jsonl" | sed 's/^did:webvh:\([^:]*\):[^ ]* /\1 /' | sort >"$T_TMP/submitted.txt"
t_eq "every submitted event is in exactly one published entry" "$(comm -3 "$T_TMP/published.txt" "$T_TMP/submitted.txt" | wc -l)" 0
t_eq "every event anchored" "$(statuses "$T_TMP/submitted.txt")" "anchored 1001"
t_check "every root is roots(batchId) on chain" pipe_chain_roots "$T_TMP/check.out"
ok=0; for d in "$FS"/.well-known/did/*/; do
    "$WA_ROOT/$BIN/didlog" verify "$d/did.jsonl" --witness "$d/did-witness.json" >/dev/null 2>&1 && ok=$((ok + 1))
done
t_eq "didlog verify: 300 logs" "$ok" 300
node "$WA_ROOT/tests/node/webvh-dirs.mjs" "$FS/.well-known/did" >"$T_TMP/ts.out" 2>&1
t_eq "didwebvh-ts resolves all 300 logs to their head" "$(tail -1 "$T_TMP/ts.out")" "300 300"
scenario attack parallel-did-web-published "after the genesis and the event batch, a did:web-only resolver (npm web-did-resolver, tests/node/didweb-resolve.mjs) resolves the did:web DIDs of published DIDs from the store (test-tool httpstatic)" \
    "every published DID has a did.json beside did.jsonl, byte for byte what didlog did-web makes of its did.jsonl (the head version's document, v1.0 'Publishing a Parallel did:web DID'); web-did-resolver resolves it to id did:web:…, alsoKnownAs the did:webvh DID; the registry's size counts it (WA_DID_BUDGET)"
t_eq "300 did.json published" "$(find "$FS/.well-known/did" -name did.json | wc -l)" 300
ok=0; for d in "$FS"/.well-known/did/*/; do
    [ -e "$d/did.json" ] && cmp -s "$d/did.json" <("$WA_ROOT/$BIN/didlog" did-web "$d/did.jsonl" --witness "$d/did-witness.json" | head -c -1) && ok=$((ok + 1))
done
t_eq "each did.json is didlog did-web of its log's head" "$ok" 300
WP=$(freeport); t_bg "$TT" httpstatic "$FS" "$WP"; wait_port "$WP" 10
for i in 3 7 299; do
    WDID=$(RCLI HGET "wa:{s0}:did:$(SCID $i)" did)
    t_expect_rc "web-did-resolver resolves DID $i's did:web" 0 node "$WA_ROOT/tests/node/didweb-resolve.mjs" "did:web:${WDID#did:webvh:*:}" "http://127.0.0.1:$WP"
    t_eq "DID $i: alsoKnownAs the did:webvh DID" "$(jq -c .didDocument.alsoKnownAs "$T_TMP/last.out")" "[\"$WDID\"]"
done
D7=$FS/.well-known/did/$(SCID 7)
t_eq "registry size counts did.json" "$(RCLI HGET "wa:{s0}:did:$(SCID 7)" size)" \
    "$(cat "$D7/did.jsonl" "$D7/witness.json" "$D7/did-witness.json" "$D7/did.json" | wc -c)"
scenario attack did-witness-pruned "after the genesis batch and the event batch (1,001 events over 300 DIDs: several versions each), the did-witness.json files" \
    "per witness only its proof on the latest published version and on the version written with it (v1.0: 'prune ... to include only the last proof for each witness for a published DID log entry'; 'may at times legitimately contain two proofs for the same witness'): at most 2 items per DID, not one per version; every version of DID 3 still verifies with didlog and resolves in didwebvh-ts (a proof for version N covers every version <= N)"
ok=0; items=0; for d in "$FS"/.well-known/did/*/; do
    n=$(jq length "$d/did-witness.json"); items=$((items + n)); [ "$n" -le 2 ] && ok=$((ok + 1))
done
t_eq "at most 2 did-witness.json items per DID" "$ok" 300
t_check "fewer items ($items) than versions (1301)" test "$items" -lt 1301
D3=$FS/.well-known/did/$(SCID 3); V3=$(wc -l <"$D3/did.jsonl")
t_check "DID 3 has more versions ($V3) than items ($(jq length "$D3/did-witness.json"))" test "$V3" -gt "$(jq length "$D3/did-witness.json")"
ok=0; ts=0; for n in $(seq 1 "$V3"); do
    "$WA_ROOT/$BIN/didlog" verify "$D3/did.jsonl" --witness "$D3/did-witness.json" --version-number "$n" >/dev/null 2>&1 && ok=$((ok + 1))
    node "$WA_ROOT/tests/node/webvh-oracle.mjs" resolve "$D3/did.jsonl" "$D3/did-witness.json" --version-number "$n" 2>/dev/null | grep -q '"ok":true' && ts=$((ts + 1))
done
t_eq "didlog: every version of DID 3 verifies" "$ok" "$V3"
t_eq "didwebvh-ts: every version of DID 3 resolves" "$ts" "$V3"
# (the witness.json key is not kept in Redis, GET /events names it: tests/integration/retention.sh)
ST=$(RCLI HMGET "wa:{s0}:events:$(SCID 3):ev-3-3" versionId batchId txHash | paste -sd' ')
[[ "$ST" =~ ^2-[^\ ]+\ 1\ [0-9a-f]{64}$ ]] && t_ok "status names version, batch and transaction" || t_fail "status record" "$ST"

# KeyRotation: the registry now holds the new key; events signed with it are accepted.
KEYS=$(RCLI HGET "wa:{s0}:did:$(SCID 1)" keys)
FRAG=$(echo "$KEYS" | jq -r '.[0].id' | sed 's/.*#//')
t_eq "registry: one assertion key after rotation" "$(echo "$KEYS" | jq -r '.[0].publicKeyMultibase') $(echo "$KEYS" | jq length)" "$NEWMK 1"
"$TT" sign 1 after-rot key=1001 vm="$FRAG" >"$T_TMP/rot.jsonl"
t_expect_rc "submit with the new key" 0 "$AD" submit "$T_TMP/rot.jsonl"

# Tampered objects: DID 2's did.jsonl and DID 3's witness.json edited in the store.
D2=$FS/.well-known/did/$(SCID 2); D3=$FS/.well-known/did/$(SCID 3)
sed -i 's/Berlin/Paris/' "$D2/did.jsonl"
sed -i 's/"leafIndex":[0-9]*/"leafIndex":0/' "$D3/witness.json"
S2=$(sha256sum "$D2/did.jsonl"); S3=$(sha256sum "$D3/did.jsonl" "$D3/witness.json")
# DID 4's registry record without digests (as written before they existed): its log is
# verified in full, then built on; publishing records the digests again.
# DID 5's record with a mac that is not the worker's (edited by hand): the same.
RCLI HDEL "wa:{s0}:did:$(SCID 4)" logSha wjSha dwSha >/dev/null
RCLI HSET "wa:{s0}:did:$(SCID 5)" mac "$(printf '0%.0s' $(seq 64))" >/dev/null
{ "$TT" sign 2 t-2; "$TT" sign 3 t-3; "$TT" sign 4 t-4; "$TT" sign 5 t-5; } >"$T_TMP/t.jsonl"
t_expect_rc "submit to tampered DIDs" 0 "$AD" submit "$T_TMP/t.jsonl"
pipe_run
t_eq "tamper batch: exit 0" "$RUN_RC" 0
t_check "tamper batch: DID 1 replayed; 2, 3 (tampered), 4 (no digests), 5 (foreign mac) verified in full" \
    grep -q '"msg":"batch built".*"tampered":2,"replayed":1,' "$RUN_LOG"
t_eq "no digests, foreign mac: events anchored" "$(RCLI HGET "wa:{s0}:events:$(SCID 4):t-4" status) $(RCLI HGET "wa:{s0}:events:$(SCID 5):t-5" status)" "anchored anchored"
t_eq "no digests: recorded again on publishing" \
    "$(RCLI HGET "wa:{s0}:did:$(SCID 4)" logSha)" "$(sha256sum "$FS/.well-known/did/$(SCID 4)/did.jsonl" | cut -d' ' -f1)"
t_check "tampered did.jsonl: logged as an error" grep -q '"level":"error","msg":"store tampered.*'"$(SCID 2)" "$RUN_LOG"
t_eq "tampered did.jsonl: event rejected" "$(RCLI HGET "wa:{s0}:events:$(SCID 2):t-2" reason | cut -c1-30)" "store tampered: did.jsonl does"
t_eq "tampered witness.json: event rejected" "$(RCLI HGET "wa:{s0}:events:$(SCID 3):t-3" reason | cut -c1-28)" "store tampered: witness.json"
t_eq "tampered objects left untouched" "$(sha256sum "$D2/did.jsonl"; sha256sum "$D3/did.jsonl" "$D3/witness.json")" "$S2
$S3"
t_eq "rotated key: event anchored" "$(RCLI HGET "wa:{s0}:events:$(SCID 1):after-rot" status)" anchored

# Two workers at once: one batch, no double publication.
"$TT" events 10 60 100 two >"$T_TMP/two.jsonl"
t_expect_rc "submit 100" 0 "$AD" submit "$T_TMP/two.jsonl"
N0=$(count)
"$AD" run 2>"$T_TMP/w1.log" & P1=$!
"$AD" run 2>"$T_TMP/w2.log" & P2=$!
wait $P1; R1=$?; wait $P2; R2=$?
t_eq "two workers: both exit 0" "$R1 $R2" "0 0"
t_eq "two workers: exactly one new transaction" "$(count)" $((N0 + 1))
t_eq "two workers: one skipped (lease held)" "$(cat "$T_TMP/w1.log" "$T_TMP/w2.log" | grep -c 'lease held')" 1
mv "$D2" "$T_TMP/d2"; mv "$D3" "$T_TMP/d3"    # the tampered ones are known bad
"$TT" check >"$T_TMP/check2.out" 2>"$T_TMP/check2.err"
t_eq "after two workers: every file valid, no entry twice" "$?" 0
jq -r '.did + " " + .id' "$T_TMP/two.jsonl" | sed 's/^did:webvh:\([^:]*\):[^ ]* /\1 /' | sort >"$T_TMP/two.txt"
t_eq "two workers: all 100 anchored" "$(statuses "$T_TMP/two.txt")" "anchored 100"

# Metrics textfile.
WA_METRICS_TEXTFILE=$T_TMP/wa.prom pipe_run
t_check "metrics textfile written" grep -q '^batches_anchored_total' "$T_TMP/wa.prom"
t_done
