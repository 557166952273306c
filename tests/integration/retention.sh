#!/usr/bin/env bash
# retention.sh -- Redis holds what is in flight, not the history (docs/operations.md "Redis
# memory"): an event's status hash (its replay marker) expires once the event could no longer
# be accepted (its time + WA_MAX_AGE + WA_MAX_SKEW); a registration's once the DID is
# registered; GET /events/{scid}/{id} of an anchored event whose status expired is answered
# from the published did.jsonl and witness.json; replay protection holds across the boundary
# (the time window at ingest, the worker's re-check of the ids in the published log).
# Real redis-server, anvil, file store, `anchord serve`.
source "$(dirname "$0")/../lib.sh"
source "$WA_ROOT/tests/svc/pipeline_env.sh"
FS=$T_TMP/fs
pipe_env "file://$FS" || pipe_env_failed
RCLI() { redis-cli -p "$REDIS_PORT" "$@"; }
SCID() { "$TT" did "$1" | cut -d: -f3; }
S0=$(SCID 0)
KEY() { echo "wa:{s0}:events:$S0:$1"; }
# submit AGE FILE: anchord submit with WA_MAX_AGE=AGE; the result lines in $T_TMP/sub.out.
submit() { WA_MAX_AGE=$1 "$AD" submit "$2" >"$T_TMP/sub.out" 2>"$T_TMP/sub.err"; }
# gone KEY SECS: 0 once KEY no longer exists (waits at most SECS).
gone() { local i; for ((i = 0; i < $2 * 10; i++)); do [ "$(RCLI EXISTS "$1")" = 0 ] && return 0; sleep 0.1; done; return 1; }
# inlog ID: how many entries of DID 0's published log carry event ID.
inlog() { jq -c 'select(.state.event.id == "'"$1"'")' "$FS/.well-known/did/$S0/did.jsonl" | sort -u | wc -l; }

"$TT" enqueue-dids 0 2 >/dev/null && pipe_run
[ "$RUN_RC" = 0 ] || { t_fail "genesis batch" "$(tail -3 "$RUN_LOG")"; t_done; exit 1; }

scenario behaviour status-ttl "an event accepted with WA_MAX_AGE=1h (WA_MAX_SKEW 5m), then anchored; a DID registered" \
    "the status hash expires within 1h5m of the event's time, anchored or not; the registration's within a day; an anchored status is a compact hash (MEMORY USAGE <= 400 bytes)"
"$TT" sign 0 keep-1 >"$T_TMP/k1.jsonl"
submit 1h "$T_TMP/k1.jsonl"
ttl=$(RCLI PTTL "$(KEY keep-1)")
[ "$ttl" -gt 3500000 ] && [ "$ttl" -le 3900000 ] && t_ok "queued: TTL ${ttl} ms" || t_fail "queued: TTL within WA_MAX_AGE + WA_MAX_SKEW" "PTTL $ttl"
WA_MAX_AGE=1h pipe_run
t_eq "anchored" "$(RCLI HGET "$(KEY keep-1)" status)" anchored
ttl=$(RCLI PTTL "$(KEY keep-1)")
[ "$ttl" -gt 3400000 ] && [ "$ttl" -le 3900000 ] && t_ok "anchored: TTL kept (${ttl} ms)" || t_fail "anchored: TTL kept" "PTTL $ttl"
mem=$(RCLI MEMORY USAGE "$(KEY keep-1)")
[ "$mem" -le 400 ] && t_ok "anchored status: $mem bytes" || t_fail "anchored status: at most 400 bytes" "$mem bytes ($(RCLI OBJECT ENCODING "$(KEY keep-1)"))"
ttl=$(RCLI PTTL "wa:{s0}:dids:$S0:genesis")
[ "$ttl" -gt 0 ] && [ "$ttl" -le 86400000 ] && t_ok "registration status: TTL ${ttl} ms" || t_fail "registration status expires" "PTTL $ttl"

scenario attack replay-after-expiry "event old-1 (time = now) accepted and anchored with WA_MAX_AGE=6s WA_MAX_SKEW=1s; once its status hash expired, the same event is submitted again" \
    "the status hash is gone within 8s; the resubmission is refused by the time window (invalid, exit 1); nothing queued; the log holds old-1 once"
"$TT" sign 0 old-1 >"$T_TMP/o1.jsonl"
WA_MAX_SKEW=1s submit 6s "$T_TMP/o1.jsonl"
t_eq "accepted" "$(jq -r .status "$T_TMP/sub.out")" queued
WA_MAX_AGE=6s WA_MAX_SKEW=1s pipe_run
t_eq "anchored" "$RUN_RC" 0
gone "$(KEY old-1)" 9 && t_ok "status hash expired" || t_fail "status hash expired within 8s" "PTTL $(RCLI PTTL "$(KEY old-1)")"
D0=$(RCLI XLEN 'wa:{s0}:events')
WA_MAX_SKEW=1s submit 6s "$T_TMP/o1.jsonl"; rc=$?
[ "$rc" = 1 ] && [ "$(jq -r .error "$T_TMP/sub.out")" = invalid ] && t_ok "replay refused by the time window" ||
    t_fail "replay refused by the time window" "exit $rc $(head -c 300 "$T_TMP/sub.out")"
t_eq "nothing queued" "$(RCLI XLEN 'wa:{s0}:events')" "$D0"
t_eq "old-1 once in the log" "$(inlog old-1)" 1

scenario attack replay-anchored-recheck "event old-1, anchored and its marker expired, submitted again after the operator raised WA_MAX_AGE to 1h (the time window accepts it again)" \
    "ingest queues it (no marker); the worker refuses it: dead letter 'replay: … already in the log'; the log holds old-1 once"
submit 1h "$T_TMP/o1.jsonl"
t_eq "queued again (no marker any more)" "$(jq -r .status "$T_TMP/sub.out")" queued
WA_MAX_AGE=1h pipe_run
r=$(RCLI HGET "$(KEY old-1)" reason)
[[ "$r" == "replay: event old-1 is already in the log"* ]] && t_ok "dead-lettered by the worker's re-check" ||
    t_fail "dead-lettered by the worker's re-check" "status $(RCLI HGET "$(KEY old-1)" status) reason [$r]"
t_eq "old-1 once in the log" "$(inlog old-1)" 1

scenario behaviour status-from-published "GET /events/{scid}/{id} of old-1 and of the anchored event old-2 whose status hashes expired (WA_MAX_AGE=6s); of an id never seen" \
    "200 status anchored with the versionId, batchId, txHash and witness key of the published log and witness.json; 404 for the unknown id"
"$TT" sign 0 old-2 >"$T_TMP/o2.jsonl"
WA_MAX_SKEW=1s submit 6s "$T_TMP/o2.jsonl"
WA_MAX_AGE=6s WA_MAX_SKEW=1s pipe_run
gone "$(KEY old-2)" 9 || t_fail "old-2: status hash expired within 8s" "PTTL $(RCLI PTTL "$(KEY old-2)")"
HP=$(freeport)
WA_LISTEN=127.0.0.1:$HP WA_MAX_AGE=6s WA_MAX_SKEW=1s t_bg "$AD" serve 2>"$T_TMP/serve.log"
wait_port "$HP" 10 || t_fail "serve" "$(tail -3 "$T_TMP/serve.log")"
code=$(curl -s -o "$T_TMP/g2" -w '%{http_code}' "http://127.0.0.1:$HP/events/$S0/old-2")
t_eq "old-2: 200" "$code" 200
want=$(jq -c --arg v "$(jq -r 'select(.state.event.id == "old-2") | .versionId' "$FS/.well-known/did/$S0/did.jsonl" | head -1)" \
    '.anchors[] | select(.versionId == $v) | {versionId, batchId: (.batchId | tostring), txHash}' "$FS/.well-known/did/$S0/witness.json")
got=$(jq -c '{versionId, batchId, txHash}' "$T_TMP/g2" 2>/dev/null)
[ -n "$want" ] && [ "$got" = "$want" ] && t_ok "old-2: the published version and proof ($got)" || t_fail "old-2: the published version and proof" "got $got want $want"
t_eq "old-2: anchored, witness key" "$(jq -r '.status + " " + .witness + " " + .id + " " + .scid' "$T_TMP/g2")" \
    "anchored .well-known/did/$S0/witness.json old-2 $S0"
code=$(curl -s -o "$T_TMP/g1" -w '%{http_code}' "http://127.0.0.1:$HP/events/$S0/old-1")
t_eq "old-1 (its last status: the rejected replay): answered" "$code" 200
code=$(curl -s -o "$T_TMP/g3" -w '%{http_code}' "http://127.0.0.1:$HP/events/$S0/never-seen")
t_eq "unknown id: 404" "$code" 404
code=$(curl -s -o "$T_TMP/g4" -w '%{http_code}' "http://127.0.0.1:$HP/events/$(SCID 9)/old-2")
t_eq "unregistered DID: 404" "$code" 404

t_done
