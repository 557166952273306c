#!/usr/bin/env bash
# seed.sh -- bin/seed: identities (rollout plan §3: 1,000 windows, panes, frames), determinism,
# every genesis log verified (didlog library + CLI, didwebvh-ts on a sample), lifecycle and
# telemetry events verified against their DID's key, and ingest through a real redis-server
# + anchord serve / anchord submit; seed-storage to a file store and as registrations.
source "$(dirname "$0")/../lib.sh"
SEED=$WA_ROOT/$BIN/seed DIDLOG=$WA_ROOT/$BIN/didlog ANCHORD=$WA_ROOT/$BIN/anchord
T=$T_TMP

# --help on everything, usage errors exit 2
t_expect_rc "seed --help" 0 "$SEED" --help
for c in generate-identities simulate-lifecycle simulate-telemetry seed-storage; do
    t_expect_rc "$c --help" 0 "$SEED" $c --help
done
t_expect_rc "no command: 2" 2 "$SEED"
t_expect_rc "unknown command: 2" 2 "$SEED" frobnicate
t_expect_rc "unknown option: 2" 2 "$SEED" generate-identities --nope 1
t_check "names the option" grep -q -- "--nope" "$T/last.err"
t_expect_rc "missing --domain: 2" 2 "$SEED" generate-identities --publisher-key x --out "$T/x"

"$DIDLOG" keygen --out "$T/pub.key" >/dev/null && "$DIDLOG" keygen --out "$T/wit.key" >/dev/null
chmod 644 "$T/wit.key"; t_expect_rc "group-readable publisher key refused: exit 3" 3 "$SEED" generate-identities \
    --domain dpp.example.com --publisher-key "$T/wit.key" --out "$T/bad"; chmod 600 "$T/wit.key"
t_expect_rc "IP-literal domain refused" 2 "$SEED" generate-identities --domain 127.0.0.1 --publisher-key "$T/pub.key" --out "$T/bad"

gen() { "$SEED" generate-identities --domain dpp.example.com:8443 --publisher-key "$T/pub.key" --witness-key "$T/wit.key" \
        --time 2025-03-01T08:00:00Z "$@"; }
s0=$SECONDS
t_expect_rc "3,000 identities" 0 gen --seed 42 --out "$T/a"
echo "generate-identities: $(cat "$T/last.out") (wall $((SECONDS - s0))s)"
t_eq "3,000 index lines" "$(wc -l <"$T/a/index.jsonl")" 3000
for k in window glassPane frame; do t_eq "1,000 $k" "$(grep -c "\"kind\":\"$k\"" "$T/a/index.jsonl")" 1000; done
t_eq "3,000 genesis logs" "$(find "$T/a/public/.well-known/did" -name did.jsonl | wc -l)" 3000
t_eq "3,000 key files, all 0600" "$(find "$T/a/keys" -name '*.json' -perm 600 | wc -l)" 3000
t_eq "keys folder 0700" "$(stat -c %a "$T/a/keys")" 700
t_expect_rc "refuses to overwrite a run: exit 3" 3 gen --seed 42 --out "$T/a"

# determinism: same seed -> same bytes (other thread count); another seed -> other DIDs
t_expect_rc "same seed again (3 jobs)" 0 gen --seed 42 --jobs 3 --out "$T/b"
t_check "same seed, same bytes (index, logs, keys)" diff -r "$T/a" "$T/b"
t_expect_rc "seed 43" 0 gen --seed 43 --count-per-kind 5 --out "$T/c"
t_check "another seed, other DIDs" bash -c "! grep -qF \"\$(head -c 120 '$T/c/index.jsonl' | cut -d'\"' -f4)\" '$T/a/index.jsonl'"

# links: each pane and frame names its window (IsPartOf service); windows list both in the index
w=$(sed -n 1p "$T/a/index.jsonl"); g=$(sed -n 2p "$T/a/index.jsonl"); f=$(sed -n 3p "$T/a/index.jsonl")
wd=$(jq -r .did <<<"$w"); gd=$(jq -r .did <<<"$g"); fd=$(jq -r .did <<<"$f")
t_eq "window links its pane" "$(jq -r .links.glassPane <<<"$w")" "$gd"
t_eq "window links its frame" "$(jq -r .links.frame <<<"$w")" "$fd"
t_eq "pane's DID document: IsPartOf its window" \
    "$(head -1 "$T/a/$(jq -r .log <<<"$g")" | jq -r '.state.service[] | select(.type=="IsPartOf") | .serviceEndpoint')" "$wd"
t_eq "frame's DID document: IsPartOf its window" \
    "$(head -1 "$T/a/$(jq -r .log <<<"$f")" | jq -r '.state.service[0].serviceEndpoint')" "$wd"
t_eq "assertionMethod is the DID's own key" \
    "$(head -1 "$T/a/$(jq -r .log <<<"$g")" | jq -r '.state.verificationMethod[0].publicKeyMultibase')" \
    "$(jq -r .publicKeyMultibase "$T/a/$(jq -r .key <<<"$g")")"
t_eq "DID path: prefix + SCID, port as %3A" "$(jq -r .did <<<"$g" | cut -d: -f4-)" \
    "dpp.example.com%3A8443:.well-known:did:$(jq -r .scid <<<"$g")"

# every genesis log verifies (library, with a witness proof by the witness key)
t_expect_rc "all 3,000 logs verify (didlog library)" 0 "$TT" seed-check logs "$T/a" "$T/wit.key"
# a sample through the didlog CLI and through didwebvh-ts
for i in 1 1500 3000; do
    log=$T/a/$(sed -n ${i}p "$T/a/index.jsonl" | jq -r .log); cp "$log" "$T/s$i.jsonl"
    t_expect_rc "didlog verify without the witness proof: invalid" 1 "$DIDLOG" verify "$T/s$i.jsonl"
    "$DIDLOG" witness-sign "$T/s$i.jsonl" --key "$T/wit.key" --witness-file "$T/s$i-w.json" --time 2025-03-01T09:00:00Z >/dev/null
    t_expect_rc "didlog verify line $i" 0 "$DIDLOG" verify "$T/s$i.jsonl" --witness "$T/s$i-w.json"
    t_expect_rc "didwebvh-ts resolves line $i" 0 node tests/node/webvh-oracle.mjs resolve "$T/s$i.jsonl" "$T/s$i-w.json"
    t_check "didwebvh-ts: same DID" grep -qF "\"did\":\"$(sed -n ${i}p "$T/a/index.jsonl" | jq -r .did)\"" "$T/last.out"
done

# lifecycle events: >= 12,000, signed by each DID's own key, in order, deterministic
t_expect_rc "simulate-lifecycle" 0 "$SEED" simulate-lifecycle --identities "$T/a" --out "$T/ev.jsonl"
n=$(wc -l <"$T/ev.jsonl"); t_check "at least 12,000 events ($n)" test "$n" -ge 12000
t_expect_rc "every event: schema + signature + order" 0 "$TT" seed-check events "$T/a" "$T/ev.jsonl"
t_check "events of all 3,000 DIDs" grep -q "dids 3000" "$T/last.out"
"$SEED" simulate-lifecycle --identities "$T/b" --out "$T/ev2.jsonl" >/dev/null
t_check "same seed, same events" cmp "$T/ev.jsonl" "$T/ev2.jsonl"
t_check "lifecycle order: window Installed after its pane was Assembled" bash -c "
    a=\$(grep -F '\"did\":\"$gd\"' '$T/ev.jsonl' | jq -r 'select(.type==\"Assembled\") | .time')
    i=\$(grep -F '\"did\":\"$wd\"' '$T/ev.jsonl' | jq -r 'select(.type==\"Installed\") | .time'); [[ \"\$a\" < \"\$i\" ]]"
t_eq "pane Assembled into its window" "$(grep -F "\"did\":\"$gd\"" "$T/ev.jsonl" | jq -r 'select(.type=="Assembled") | .data.into')" "$wd"
t_check "Installed carries GPS" bash -c "grep -F '\"did\":\"$wd\"' '$T/ev.jsonl' | jq -e 'select(.type==\"Installed\") | .data.site.latitude' >/dev/null"
t_expect_rc "an event altered after signing fails" 1 "$TT" seed-check events "$T/a" <(sed '5s/"Manufactured"/"Installed"/' "$T/ev.jsonl")

# the same lifecycle as Verifiable Credentials (--format vc, docs/formats.md "Events as
# Verifiable Credentials"), checked by our verifier and by Digital Bazaar's vc stack
t_expect_rc "simulate-lifecycle --format vc" 0 "$SEED" simulate-lifecycle --identities "$T/a" --out "$T/vc.jsonl" --format vc
t_eq "as many credentials as plain events" "$(wc -l <"$T/vc.jsonl")" "$(wc -l <"$T/ev.jsonl")"
t_expect_rc "every credential: schema + signature + order" 0 "$TT" seed-check events "$T/a" "$T/vc.jsonl"
t_check "credentials of all 3,000 DIDs" grep -q "dids 3000" "$T/last.out"
t_eq "Manufactured -> ObjectEvent commissioning, Assembled -> AssociationEvent assembling, Installed -> ObjectEvent installing" \
    "$(jq -r '.credentialSubject | "\(.type) \(.bizStep)"' "$T/vc.jsonl" | sort -u | grep -E 'commissioning|assembling|installing' | tr '\n' ,)" \
    "AssociationEvent assembling,ObjectEvent commissioning,ObjectEvent installing,"
t_eq "the window's AssociationEvent: parent the window, children its pane and frame" \
    "$(jq -c --arg w "$wd" 'select(.issuer==$w and .credentialSubject.type=="AssociationEvent") | .credentialSubject | [.parentID] + .childEPCs' "$T/vc.jsonl")" \
    "[\"$wd\",\"$gd\",\"$fd\"]"
t_expect_rc "Digital Bazaar @digitalbazaar/vc + eddsa-jcs-2022 verify every credential" 0 \
    node tests/node/vc-verify.mjs "$T/a" events "$T/vc.jsonl"
t_expect_rc "Digital Bazaar: a credential altered after signing fails" 1 \
    node tests/node/vc-verify.mjs "$T/a" events <(sed '1s/"bizStep":"[a-z]*"/"bizStep":"decommissioning"/' "$T/vc.jsonl")
t_expect_rc "our verifier: the same altered credential fails" 1 "$TT" seed-check events "$T/a" <(sed '1s/"bizStep":"[a-z]*"/"bizStep":"decommissioning"/' "$T/vc.jsonl")

# IoT profile: 20 batteries + 20 sensors, telemetry
t_expect_rc "iot identities" 0 gen --profile iot --out "$T/iot"
t_eq "40 devices" "$(wc -l <"$T/iot/index.jsonl")" 40
t_expect_rc "iot logs verify" 0 "$TT" seed-check logs "$T/iot" "$T/wit.key"
t_expect_rc "simulate-telemetry" 0 "$SEED" simulate-telemetry --identities "$T/iot" --out "$T/tel.jsonl" --readings 24
t_eq "40 x (1 + 24) readings" "$(wc -l <"$T/tel.jsonl")" 1000
t_expect_rc "telemetry verifies" 0 "$TT" seed-check events "$T/iot" "$T/tel.jsonl"
t_check "odometer rises" bash -c "grep -F '$(jq -r .did <"$T/iot/index.jsonl" | head -1)' '$T/tel.jsonl' | jq -s '[.[] | select(.type==\"BatteryTelemetry\") | .data.odometerKm] | . == sort' | grep -q true"
t_expect_rc "lifecycle refuses an iot directory: exit 3" 3 "$SEED" simulate-lifecycle --identities "$T/iot" --out "$T/x.jsonl"
t_check "says which command to use" grep -q simulate-telemetry "$T/last.err"

# ingest: a recent fleet into a real redis-server through anchord serve and anchord submit
svc_need redis
export WA_REDIS_URL=redis://127.0.0.1:$REDIS_PORT
RCLI() { redis-cli -p "$REDIS_PORT" "$@"; }
t_expect_rc "recent identities" 0 "$SEED" generate-identities --domain dpp.example.com --publisher-key "$T/pub.key" \
    --count-per-kind 20 --time now-12d --out "$T/r"
export WA_PUBLISHER_KEY_FILE="$T/pub.key" WA_DOMAIN=dpp.example.com   # serve checks genesis logs against them
HP=$(freeport); WA_LISTEN=127.0.0.1:$HP t_bg "$ANCHORD" serve 2>"$T/serve.log"; wait_port "$HP" 10
t_expect_rc "register the genesis logs (POST /dids)" 0 "$SEED" seed-storage --identities "$T/r" --register "http://127.0.0.1:$HP"
t_check "60 queued" grep -q "60 queued" "$T/last.out"
t_eq "dids stream holds 60" "$(RCLI XLEN 'wa:{s0}:dids')" 60
t_expect_rc "again: already registered counts as done" 0 "$SEED" seed-storage --identities "$T/r" --register "http://127.0.0.1:$HP" --quiet
t_expect_rc "events before anchoring: unknown DID" 1 "$SEED" simulate-lifecycle --identities "$T/r" --post "http://127.0.0.1:$HP" --quiet
t_check "404 unknown_did" grep -q "404 unknown_did: 241" "$T/last.out"
"$TT" seed-check register "$T/r" >/dev/null   # what anchord run does once the genesis entries are anchored
t_expect_rc "post the events (8 in flight)" 0 "$SEED" simulate-lifecycle --identities "$T/r" --post "http://127.0.0.1:$HP" --concurrency 8
t_check "all 241 accepted" grep -q "241 accepted, 0 rejected" "$T/last.out"
t_eq "events stream holds 241" "$(RCLI XLEN 'wa:{s0}:events')" 241
t_check "a DID's events are queued in lifecycle order" bash -c "
    RCLI() { redis-cli -p $REDIS_PORT \"\$@\"; }
    RCLI XRANGE 'wa:{s0}:events' - + | grep -F '\"did\":\"$(jq -r .did <"$T/r/index.jsonl" | head -1)\"' |
      jq -r .time | sort -c"
t_expect_rc "posting again: replays refused" 1 "$SEED" simulate-lifecycle --identities "$T/r" --post "http://127.0.0.1:$HP" --quiet
t_check "409 replay" grep -q "409 replay: 241" "$T/last.out"
RCLI DEL 'wa:{s0}:events' >/dev/null; RCLI --scan --pattern 'wa:{s0}:events:*' | xargs -r redis-cli -p "$REDIS_PORT" DEL >/dev/null
"$SEED" simulate-lifecycle --identities "$T/r" --out "$T/r.jsonl" >/dev/null
t_expect_rc "anchord submit accepts every event" 0 "$ANCHORD" submit "$T/r.jsonl"
t_eq "submit: 241 queued" "$(grep -c '"status":"queued"' "$T/last.out")" 241
t_expect_rc "server down: exit 4" 4 "$SEED" simulate-lifecycle --identities "$T/r" --post "http://127.0.0.1:$(freeport)" --quiet
t_check "says cannot connect" grep -q "cannot connect" "$T/last.err"

# seed-storage to a file store: create-only, the page at the root
t_expect_rc "upload to file store" 0 "$SEED" seed-storage --identities "$T/r" --store "file://$T/store" --page seed/www/index.html
t_eq "60 logs in the bucket layout" "$(find "$T/store/.well-known/did" -name did.jsonl | wc -l)" 60
t_check "page at the root" test -s "$T/store/index.html"
t_check "same bytes as generated" cmp "$T/store/$(sed -n 1p "$T/r/index.jsonl" | jq -r .log | cut -d/ -f2-)" "$T/r/$(sed -n 1p "$T/r/index.jsonl" | jq -r .log)"
t_expect_rc "again: kept, counted as present" 0 "$SEED" seed-storage --identities "$T/r" --store "file://$T/store" --quiet
t_check "60 already present" grep -q "60 already present" "$T/last.out"
t_expect_rc "bad store URL: 3" 3 "$SEED" seed-storage --identities "$T/r" --store "ftp://x"
t_expect_rc "not an identities dir: 3" 3 "$SEED" seed-storage --identities "$T" --store "file://$T/store"
# The store's probe: nothing answering is "unavailable" (4, try later); a server that answers
# but refuses the probe's writes (here a static file server: no PUT) is a store that cannot
# be used as configured (3), as for anchord run.
export AWS_ACCESS_KEY_ID=k AWS_SECRET_ACCESS_KEY=s AWS_REGION=us-east-1
AWS_ENDPOINT_URL=http://127.0.0.1:1 t_expect_rc "store not answering: 4" 4 "$SEED" seed-storage --identities "$T/r" --store "s3://bkt" --quiet
SP=$(freeport); mkdir -p "$T/static"; t_bg "$TT" httpstatic "$T/static" "$SP"; wait_port "$SP" 10
AWS_ENDPOINT_URL=http://127.0.0.1:$SP t_expect_rc "store refusing the probe: 3" 3 "$SEED" seed-storage --identities "$T/r" --store "s3://bkt" --quiet
t_done
