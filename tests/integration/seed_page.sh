#!/usr/bin/env bash
# seed_page.sh -- the browser page (seed/www/index.html) in headless Chromium against a published
# tree served by test-tool httpstatic on 127.0.0.1: statuses from the Merkle paths recomputed in
# the browser (RFC 9162 §2.1.3.2, leaf = SHA-256(0x00 || line)), the did:webvh hash chain, the roots
# compared with the chain source the reader chooses (an anchors snapshot ?anchors=, or eth_call
# roots(batchId) at ?rpc= on a real anvil), and ❌ for a tampered witness.json, a tampered log line,
# a root that differs from the snapshot, a made-up batch; never ✅ without a chain source; proofs
# ahead of the log are no fault; 403 for a missing object is "not published".
# The tree comes from `test-tool fixture publish` (the same formats as anchord run, docs/formats.md).
source "$(dirname "$0")/../lib.sh"
SEED=$WA_ROOT/$BIN/seed DIDLOG=$WA_ROOT/$BIN/didlog
T=$T_TMP LOGS=$WA_ROOT/$BUILD/test-logs
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROMIUM" ] || { t_fail chromium "chromium is not installed (Debian chromium; scripts/deps.sh)"; t_done; exit 1; }

"$DIDLOG" keygen --out "$T/pub.key" >/dev/null
"$SEED" generate-identities --domain dpp.example.com --publisher-key "$T/pub.key" --count-per-kind 3 --time now-12d \
    --out "$T/ids" >/dev/null && "$SEED" simulate-lifecycle --identities "$T/ids" --out "$T/ev.jsonl" >/dev/null
t_expect_rc "publish 4 DIDs (3 events each, last entry pending)" 0 "$TT" fixture publish "$T/ids" "$T/ev.jsonl" "$T/pub.key" "$T/www" 4
t_expect_rc "page into the file store root" 0 "$SEED" seed-storage --identities "$T/ids" --store "file://$T/www" --page seed/www/index.html --quiet
# seed-storage put the (pending) genesis logs of the other DIDs; the 4 published ones were kept
did() { sed -n "${1}p" "$T/ids/index.jsonl" | jq -r .did; }
dir() { echo "$T/www/$(sed -n "${1}p" "$T/ids/index.jsonl" | jq -r .log | cut -d/ -f2- | xargs dirname)"; }
t_eq "published logs kept by the create-only upload" "$(wc -l <"$(dir 1)/did.jsonl")" 4
# The roots snapshot is the reader's choice (?anchors=URL), never read by the page on its own.
mkdir -p "$T/www/snap" && mv "$T/www/anchors.json" "$T/www/snap/anchors.json"
SNAP=anchors=snap/anchors.json

HP=$(freeport); t_bg "$TT" httpstatic "$T/www" "$HP"; wait_port "$HP" 10
t_check "page served as text/html" bash -c "curl -s -D - -o /dev/null http://127.0.0.1:$HP/index.html | grep -qi 'content-type: text/html'"

browse() {   # browse QUERY OUT [screenshot.png]
    local args=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking
                --disable-component-update --disable-sync --disable-dev-shm-usage --user-data-dir="$T/chr"
                --virtual-time-budget=10000 --hide-scrollbars --window-size=1280,1100)
    timeout 90 "$CHROMIUM" "${args[@]}" --dump-dom "http://127.0.0.1:$HP/index.html?$1" >"$2" 2>"$T/chromium.log"
    [ -z "${3:-}" ] || timeout 90 "$CHROMIUM" "${args[@]}" --screenshot="$3" "http://127.0.0.1:$HP/index.html?$1" >/dev/null 2>&1
}
rows() { grep -o "<tr class=\"version\" data-status=\"$1\"" "$2" | wc -l; }
enc() { jq -rn --arg v "$1" '$v|@uri'; }

browse "did=$(enc "$(did 1)")&$SNAP" "$T/d1.html" "$LOGS/seed_page.png"
t_check "page finished" grep -q 'data-done="1"' "$T/d1.html"
t_eq "3 versions anchored (paths recomputed in the browser)" "$(rows anchored "$T/d1.html")" 3
t_eq "last version pending" "$(rows pending "$T/d1.html")" 1
t_eq "none invalid" "$(rows invalid "$T/d1.html")" 0
t_check "verdict pending" grep -q 'data-verdict="pending"' "$T/d1.html"
t_check "shows ✅ anchored with batch and tx" grep -q "✅ anchored.*batch 0 · block 7 · tx" "$T/d1.html"
t_check "shows ⏳ pending" grep -q "⏳ pending" "$T/d1.html"
t_check "roots compared with the anchors snapshot" grep -q "root = chain" "$T/d1.html"
t_check "shows the window's events" grep -q '<span class="tag">Assembled</span>' "$T/d1.html"
t_check "event data (the pane and frame DIDs as links)" grep -q 'glassPane</dt><dd><a class="mono" href="?did=did%3Awebvh%3A' "$T/d1.html"
t_check "shows the keys" grep -q "key-1 z6Mk" "$T/d1.html"
t_check "screenshot kept in $BUILD/test-logs" test -s "$LOGS/seed_page.png"

# by SCID, too
scid=$(sed -n 2p "$T/ids/index.jsonl" | jq -r .scid)
browse "scid=$scid&$SNAP" "$T/d2.html"
t_eq "by SCID: 3 anchored" "$(rows anchored "$T/d2.html")" 3

# a tampered witness.json: one audit-path hash changed -> ❌ for that version
w=$(dir 3)/witness.json
jq -c '.anchors[1].proof[0] |= (if startswith("0") then "1" else "0" end) + .[1:]' "$w" >"$T/w" && cp "$T/w" "$w"
browse "did=$(enc "$(did 3)")&$SNAP" "$T/d3.html"
t_eq "tampered proof: 1 invalid" "$(rows invalid "$T/d3.html")" 1
t_check "verdict invalid" grep -q 'data-verdict="invalid"' "$T/d3.html"
t_check "shows ❌ and why" grep -q "❌ invalid.*Merkle path does not lead to the anchored root" "$T/d3.html"

# a tampered log line (an event's data changed): the leaf no longer matches, the hash chain breaks
l=$(dir 4)/did.jsonl
sed -i '2s/"result":"pass"/"result":"fail"/; 2s/"operator":"op-[0-9]*"/"operator":"op-0000"/' "$l"
browse "did=$(enc "$(did 4)")&$SNAP" "$T/d4.html"
t_check "tampered line: invalid" grep -q 'data-verdict="invalid"' "$T/d4.html"
t_check "entry hash mismatch named" grep -q "entry hash does not match" "$T/d4.html"

# the snapshot says another root for batch 0 -> every anchored version is ❌
cp "$T/www/snap/anchors.json" "$T/anchors.good.json"
jq -c '.anchors[0].root = "00"*32' "$T/www/snap/anchors.json" >"$T/a" && cp "$T/a" "$T/www/snap/anchors.json"
browse "did=$(enc "$(did 1)")&$SNAP" "$T/d5.html"
t_eq "root differs from the chain snapshot: 3 invalid" "$(rows invalid "$T/d5.html")" 3
t_check "says so" grep -q "root differs from batch 0 on chain" "$T/d5.html"

# not published (a DID registered but not anchored yet), and garbage input
browse "scid=QmNotPublishedAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" "$T/d6.html"
t_check "unknown: not published" grep -q "is not published" "$T/d6.html"
browse "did=$(enc 'did:web:example.com')" "$T/d7.html"
t_check "not a did:webvh DID" grep -q "not a did:webvh DID or SCID" "$T/d7.html"
cp "$T/anchors.good.json" "$T/www/snap/anchors.json"

scenario attack page-no-chain-source "the page opened without a chain source (no RPC URL, no anchors snapshot): only the site's own files" \
    "no version is shown ✅ anchored and the headline does not claim anchoring: 'no root was compared with the chain'"
browse "did=$(enc "$(did 1)")" "$T/n1.html"
t_eq "page-no-chain-source: no row anchored, 3 proofs only" "$(rows anchored "$T/n1.html") $(rows unchecked "$T/n1.html")" "0 3"
t_check "page-no-chain-source: verdict unchecked" grep -q 'data-verdict="unchecked"' "$T/n1.html"
t_check "page-no-chain-source: no ✅ shown" bash -c "! grep -qE 'class=\"status anchored\"|data-verdict=\"anchored\"' '$T/n1.html'"

scenario attack page-made-up-batch "a made-up witness.json: every version claims batch 999 (self-consistent proofs, a batch no chain has)" \
    "never ✅: without a chain source 'not compared with the chain'; with the anchors snapshot or the RPC, ❌ 'batch 999 ...'"
w=$(dir 2)/witness.json; cp "$w" "$T/w2.good"
jq -c '.anchors[].batchId = 999' "$T/w2.good" >"$w"
browse "did=$(enc "$(did 2)")" "$T/m1.html"
t_eq "page-made-up-batch: no row anchored" "$(rows anchored "$T/m1.html")" 0
t_check "page-made-up-batch: no ✅ shown, verdict unchecked" bash -c "! grep -q 'class=\"status anchored\"' '$T/m1.html' && grep -q 'data-verdict=\"unchecked\"' '$T/m1.html'"
browse "did=$(enc "$(did 2)")&$SNAP" "$T/m2.html"
t_eq "page-made-up-batch: with the snapshot, 3 invalid" "$(rows invalid "$T/m2.html")" 3
t_check "page-made-up-batch: says batch 999 is not in the snapshot" grep -q "batch 999 is not in the anchors snapshot" "$T/m2.html"

scenario attack page-chain-by-rpc "the reader gives an RPC URL and the registry address: the page calls roots(batchId) itself (a real anvil, the batch anchored there)" \
    "✅ only for roots equal to roots(batchId); the made-up batch 999: ❌ 'batch 999 is not on chain'; a wrong contract: ❌"
if svc_anvil; then
    printf '%s\n' 0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80 >"$T/relayer.key"; chmod 600 "$T/relayer.key"
    export WA_RPC_URLS=$RPC_URL WA_CHAIN_ID=31337 WA_RELAYER_KEY_FILE=$T/relayer.key WA_POLL_MS=50
    AD=$WA_ROOT/$BIN/anchord
    C=$("$AD" deploy 2>/dev/null); export WA_CONTRACT=$C; "$AD" anchor-root "0x$(jq -r '.anchors[0].root' "$T/anchors.good.json")" >/dev/null 2>&1
    t_eq "page-chain-by-rpc: the snapshot's root is batch 0 on anvil" "$("$AD" roots 0 2>/dev/null)" "0x$(jq -r '.anchors[0].root' "$T/anchors.good.json")"
    CL=$(tr 'A-F' 'a-f' <<<"$C")
    for n in 1 2; do f=$(dir $n)/witness.json; jq -c --arg c "$CL" '.anchors[].contract = $c' "$f" >"$T/w" && cp "$T/w" "$f"; done
    RPCQ="rpc=$(enc "$RPC_URL")&contract=$C&chain=31337"
    browse "did=$(enc "$(did 1)")&$RPCQ" "$T/r1.html"
    t_eq "page-chain-by-rpc: 3 anchored, 1 pending" "$(rows anchored "$T/r1.html") $(rows pending "$T/r1.html")" "3 1"
    t_check "page-chain-by-rpc: root = chain, by eth_call" bash -c "grep -q 'root = chain' '$T/r1.html' && grep -q 'eth_call roots(batchId)' '$T/r1.html'"
    browse "did=$(enc "$(did 2)")&$RPCQ" "$T/r2.html"
    t_eq "page-chain-by-rpc: made-up batch 999: 3 invalid" "$(rows invalid "$T/r2.html")" 3
    t_check "page-chain-by-rpc: batch 999 is not on chain" grep -q "batch 999 is not on chain" "$T/r2.html"
    browse "did=$(enc "$(did 1)")&rpc=$(enc "$RPC_URL")&contract=0x$(printf '5a%.0s' $(seq 20))" "$T/r3.html"
    t_eq "page-chain-by-rpc: another contract than the anchors': invalid" "$(rows invalid "$T/r3.html")" 3
else t_skip "page-chain-by-rpc" "$SVC_WHY"; fi
cp "$T/w2.good" "$(dir 2)/witness.json"

scenario attack page-proofs-ahead-of-log "DID 2 read while a batch publishes: witness.json already holds the proof of a version its did.jsonl does not have yet" \
    "no ❌: the versions present are checked as usual, a note says the log is behind its proofs"
l=$(dir 2)/did.jsonl; head -n 2 "$l" >"$T/l2" && cp "$T/l2" "$l"
browse "did=$(enc "$(did 2)")&$SNAP" "$T/p1.html"
t_eq "page-proofs-ahead-of-log: 2 anchored, none invalid" "$(rows anchored "$T/p1.html") $(rows invalid "$T/p1.html")" "2 0"
t_check "page-proofs-ahead-of-log: the note counts the version ahead" grep -q 'id="ahead" data-ahead="1"' "$T/p1.html"

scenario attack page-403-not-published "the files served the way S3 answers a reader who may not list the bucket: 403 for a missing object" \
    "a DID not published yet says 'is not published', not 'HTTP 403'"
HP403=$(freeport); t_bg "$TT" httpstatic "$T/www" "$HP403" 403; wait_port "$HP403" 10
t_eq "page-403-not-published: the server answers 403" "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HP403/nothing.json")" 403
HP_SAVE=$HP; HP=$HP403
browse "scid=QmNotPublishedAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" "$T/x1.html"
HP=$HP_SAVE
t_check "page-403-not-published: not published" grep -q "is not published" "$T/x1.html"

scenario attack page-did-url-path "the page opened with DID URLs: <did>/whois, <did>/docs/spec.txt, a path nothing is published at, and one that climbs out with '..'" \
    "did:webvh v1.0 DID URL Resolution in the page: /whois shows whois.vp and any other path the file, each through the head document's implicit #whois / #files services (the DID's directory, no .well-known), with the history still checked below; a missing file is notFound; '..' is refused as an invalid DID URL before anything is fetched"
printf '{"type":["VerifiablePresentation"],"holder":"%s"}' "$(did 1)" >"$(dir 1)/whois.vp"
mkdir -p "$(dir 1)/docs"; echo "glass pane specification v1" >"$(dir 1)/docs/spec.txt"
browse "did=$(enc "$(did 1)/whois")&$SNAP" "$T/w1.html"
t_check "page-did-url-path: /whois found" grep -q 'id="deref" data-status="found"' "$T/w1.html"
t_check "page-did-url-path: whois.vp beside did.jsonl" grep -q "data-url=\"$(sed -n 1p "$T/ids/index.jsonl" | jq -r .log | cut -d/ -f2- | xargs dirname)/whois.vp\"" "$T/w1.html"
t_check "page-did-url-path: its content shown" grep -q 'VerifiablePresentation' "$T/w1.html"
t_eq "page-did-url-path: the history still checked below (4 version rows)" "$(grep -o '<tr class="version" data-status="[a-z]' "$T/w1.html" | wc -l)" 4
browse "did=$(enc "$(did 1)/docs/spec.txt")&$SNAP" "$T/w2.html"
t_check "page-did-url-path: a file through #files" grep -q 'glass pane specification v1' "$T/w2.html"
browse "did=$(enc "$(did 1)/nosuch.json")&$SNAP" "$T/w3.html"
t_check "page-did-url-path: nothing there: notFound" grep -q 'id="deref" data-status="notFound"' "$T/w3.html"
browse "did=$(enc "$(did 1)/docs/%2E%2E/%2E%2E/x")&$SNAP" "$T/w4.html"
t_check "page-did-url-path: '..' refused (invalidDidUrl)" grep -q 'data-verdict="error">invalidDidUrl' "$T/w4.html"
# the lifecycle as Verifiable Credentials (seed --format vc): the same page shows the EPCIS
# event of each credential, and the same checks hold
"$SEED" simulate-lifecycle --identities "$T/ids" --out "$T/vc.jsonl" --format vc >/dev/null
t_expect_rc "publish 4 DIDs with credential events" 0 "$TT" fixture publish "$T/ids" "$T/vc.jsonl" "$T/pub.key" "$T/www2" 4
cp seed/www/index.html "$T/www2/index.html"
mkdir -p "$T/www2/snap" && mv "$T/www2/anchors.json" "$T/www2/snap/anchors.json"
HP2=$(freeport); t_bg "$TT" httpstatic "$T/www2" "$HP2"; wait_port "$HP2" 10
HP_SAVE=$HP; HP=$HP2
browse "did=$(enc "$(did 1)")&$SNAP" "$T/v1.html"
HP=$HP_SAVE
t_eq "credentials: 3 versions anchored" "$(rows anchored "$T/v1.html")" 3
t_check "credentials: the window's AssociationEvent shown" grep -q '<span class="tag" data-form="vc">AssociationEvent · assembling</span>' "$T/v1.html"
t_check "credentials: the children listed" grep -q 'childEPCs</dt><dd>' "$T/v1.html"

t_done
