#!/usr/bin/env bash
# redteam_input.sh -- adversarial suite against `anchord run` for issue 14's store and
# input defects (real redis-server, anvil and the file store; tests/svc/pipeline_env.sh):
# symbolic links planted in the store, object content echoed into rejection reasons, and
# a poisoned queue (entries XADDed straight into Redis, bypassing ingest) with weak keys
# and far-future proofs. Each scenario states the ATTACK and what is EXPECTED
# (tests/lib.sh `scenario`). The store never follows a link below its root: reading or
# writing a key that crosses one is a store error naming the key (the run stops before
# anything is written through it); reasons never quote an object's bytes.
source "$(dirname "$0")/../lib.sh"
source "$WA_ROOT/tests/svc/pipeline_env.sh"
FS=$T_TMP/fs
pipe_env "file://$FS" || pipe_env_failed
RCLI() { redis-cli -p "$REDIS_PORT" "$@"; }
DID() { "$TT" did "$1"; }
SCID() { DID "$1" | cut -d: -f3; }
DIR() { echo "$FS/.well-known/did/$(SCID "$1")"; }
status() { RCLI HGET "wa:{s0}:events:$(SCID "$1"):$2" "${3:-status}"; }
count() { "$AD" batch-count 2>/dev/null; }
# everything Redis holds as text (status records, dead letters, registry) and the run logs
everything() { { RCLI --scan --pattern '*' | while read -r k; do
                   case "$(RCLI TYPE "$k")" in
                       hash) RCLI HGETALL "$k" ;; stream) RCLI XRANGE "$k" - + ;; string) RCLI GET "$k" ;;
                   esac
                 done; cat "$T_TMP"/run.*.log; } 2>/dev/null; }

# ---- setup: subjects 0..5 registered, each with one event, anchored ----
"$TT" enqueue-dids 0 6 >/dev/null || t_fail setup register
pipe_run; [ "$RUN_RC" = 0 ] || t_fail setup "genesis run: $(tail -3 "$RUN_LOG")"
"$TT" events 0 6 6 v >"$T_TMP/v.jsonl"
"$AD" submit "$T_TMP/v.jsonl" >/dev/null || t_fail setup submit
pipe_run; [ "$RUN_RC" = 0 ] || t_fail setup "event run: $(tail -3 "$RUN_LOG")"
t_check "setup: every file valid" "$TT" check

# A private file outside the store, which no reason may ever quote.
SECRET=$T_TMP/private/secret.txt
mkdir -p "$T_TMP/private" && printf 'hunter2 is the password\n' >"$SECRET" && chmod 600 "$SECRET"
SECRET_SUM=$(sha256sum "$SECRET")

scenario attack store-symlink-did-folder "before DID 10 is registered, its folder in the store is planted as a symbolic link to a directory outside the store; then its genesis is queued and anchord run runs" \
    "nothing is written through the link (the outside directory stays empty, the link unchanged); the store names the link as an error; the DID is not published"
mkdir -p "$T_TMP/outside" "$FS/.well-known/did"
ln -s "$T_TMP/outside" "$(DIR 10)"
"$TT" enqueue-dids 10 11 >/dev/null || t_fail "store-symlink-did-folder: register"
pipe_run
t_eq "store-symlink-did-folder: nothing written outside the store" "$(find "$T_TMP/outside" -mindepth 1 | wc -l)" 0
t_eq "store-symlink-did-folder: the link is unchanged" "$(readlink "$(DIR 10)")" "$T_TMP/outside"
t_check "store-symlink-did-folder: the run names the link" grep -q 'symbolic link' "$RUN_LOG"
t_check "store-symlink-did-folder: not anchored" test "$(RCLI HGET "wa:{s0}:dids:$(SCID 10):genesis" status)" != anchored
rm "$(DIR 10)"
pipe_run   # the link removed by the operator: the DID is published
t_eq "store-symlink-did-folder: published once the link is gone" "$(RCLI HGET "wa:{s0}:dids:$(SCID 10):genesis" status)" anchored

scenario attack store-symlink-log "DID 1's did.jsonl replaced by a symbolic link to a private file outside the store (hunter2 is the password), then an event of DID 1 and anchord run" \
    "the link is not followed: no byte of the private file in any reason, dead letter, status record or log line; the private file and the link unchanged; the store names the link"
ln -sf "$SECRET" "$(DIR 1)/did.jsonl"
"$TT" sign 1 after-link >"$T_TMP/al.jsonl" && "$AD" submit "$T_TMP/al.jsonl" >/dev/null
pipe_run
everything >"$T_TMP/all.txt"
t_check "store-symlink-log: no fragment of the private file anywhere" bash -c "! grep -q hunter '$T_TMP/all.txt'"
t_eq "store-symlink-log: the private file unchanged" "$(sha256sum "$SECRET")" "$SECRET_SUM"
t_eq "store-symlink-log: the link unchanged" "$(readlink "$(DIR 1)/did.jsonl")" "$SECRET"
t_check "store-symlink-log: the run names the link" grep -q 'symbolic link' "$RUN_LOG"
t_check "store-symlink-log: the event not anchored" test "$(status 1 after-link)" != anchored
rm "$(DIR 1)/did.jsonl"   # the operator removes the link: DID 1 is now missing its log (tampered)
pipe_run

scenario attack store-content-echo "DID 2's did.jsonl overwritten with a private file's bytes (hunter2 is the password) and DID 3's with a line holding a duplicated key named after a secret, then an event of each and anchord run" \
    "both events rejected 'store tampered: did.jsonl: ...' naming the line and the rule, never the bytes: no 'hunter' or secret key name in any reason, dead letter or log"
cp "$SECRET" "$(DIR 2)/did.jsonl"
printf '{"hunter2key":1,"hunter2key":2}\n' >"$(DIR 3)/did.jsonl"
for n in 2 3; do "$TT" sign $n echo-$n; done >"$T_TMP/echo.jsonl"
"$AD" submit "$T_TMP/echo.jsonl" >/dev/null
pipe_run
for n in 2 3; do
    r=$(status $n echo-$n reason)
    [[ "$(status $n echo-$n)" == rejected && "$r" =~ ^store\ tampered:\ did\.jsonl ]] && t_ok "store-content-echo: DID $n rejected: $r" ||
        t_fail "store-content-echo: DID $n rejected" "status $(status $n echo-$n) reason [$r]"
done
everything >"$T_TMP/all.txt"
t_check "store-content-echo: no object bytes in any reason, dead letter or log" bash -c "! grep -q hunter '$T_TMP/all.txt'"

# Weak keys and proofs from the future, straight into the stream (the worker re-checks).
WEAK_IDENTITY=z6MkeXATEjyXENzBXBxgC5EHk2JE5aqd7qMGGtDpLUH1e2Sj

scenario attack queue-weak-key-rotation "a KeyRotation of DID 4 to the Ed25519 identity point, validly signed by DID 4's key, XADDed past ingest; then an event signed by DID 4's key" \
    "the rotation is a dead letter ('invalid: KeyRotation: ... weak Ed25519 public key'); DID 4 keeps its key: the next event is anchored (not bricked)"
"$TT" rawadd 4 "$("$TT" sign 4 weak-rot type=KeyRotation "data={\"publicKeyMultibase\":\"$WEAK_IDENTITY\"}")" >/dev/null
pipe_run
r=$(status 4 weak-rot reason)
[[ "$(status 4 weak-rot)" == rejected && "$r" =~ KeyRotation.*weak ]] && t_ok "queue-weak-key-rotation: dead letter: $r" ||
    t_fail "queue-weak-key-rotation: dead letter" "status $(status 4 weak-rot) reason [$r]"
"$TT" sign 4 after-weak >"$T_TMP/aw.jsonl" && "$AD" submit "$T_TMP/aw.jsonl" >/dev/null
pipe_run
t_eq "queue-weak-key-rotation: DID 4's own key still signs" "$(status 4 after-weak)" anchored

scenario attack queue-proof-created-future "an event of DID 5 whose signed proof.created is 9999-12-31T23:59:59Z, XADDed past ingest" \
    "dead letter 'invalid: proof: created ... in the future' (the worker bounds it like event.time)"
"$TT" rawadd 5 "$("$TT" sign 5 far-created created=9999-12-31T23:59:59Z)" >/dev/null
pipe_run
r=$(status 5 far-created reason)
[[ "$(status 5 far-created)" == rejected && "$r" =~ proof:\ created.*in\ the\ future ]] && t_ok "queue-proof-created-future: dead letter: $r" ||
    t_fail "queue-proof-created-future: dead letter" "status $(status 5 far-created) reason [$r]"
t_done
