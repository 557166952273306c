#!/usr/bin/env bash
# seed_page.sh -- the browser page (seed/www/index.html) in headless Chromium against a published
# tree served by tests/tools/httpstatic on 127.0.0.1: statuses from the Merkle paths recomputed in
# the browser (RFC 9162 §2.1.3.2, leaf = SHA-256(0x00 || line)), the did:webvh hash chain, and ❌
# for a tampered witness.json, a tampered log line and a root that differs from anchors.json.
# The tree comes from `seedcheck publish` (a stand-in for anchord run: same formats, docs/formats.md).
source "$(dirname "$0")/../lib.sh"
SEED=$WA_ROOT/$BIN/seed DIDLOG=$WA_ROOT/$BIN/didlog CHK=$WA_ROOT/$BUILD/tools/seedcheck
T=$T_TMP LOGS=$WA_ROOT/$BUILD/test-logs
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROMIUM" ] || { t_fail chromium "chromium is not installed (Debian chromium; scripts/deps.sh)"; t_done; exit 1; }

"$DIDLOG" keygen --out "$T/pub.key" >/dev/null
"$SEED" generate-identities --domain dpp.example.com --publisher-key "$T/pub.key" --count-per-kind 3 --time now-12d \
    --out "$T/ids" >/dev/null && "$SEED" simulate-lifecycle --identities "$T/ids" --out "$T/ev.jsonl" >/dev/null
t_expect_rc "publish 4 DIDs (3 events each, last entry pending)" 0 "$CHK" publish "$T/ids" "$T/ev.jsonl" "$T/pub.key" "$T/www" 4
t_expect_rc "page into the file store root" 0 "$SEED" seed-storage --identities "$T/ids" --store "file://$T/www" --page seed/www/index.html --quiet
# seed-storage put the (pending) genesis logs of the other DIDs; the 4 published ones were kept
did() { sed -n "${1}p" "$T/ids/index.jsonl" | jq -r .did; }
dir() { echo "$T/www/$(sed -n "${1}p" "$T/ids/index.jsonl" | jq -r .log | cut -d/ -f2- | xargs dirname)"; }
t_eq "published logs kept by the create-only upload" "$(wc -l <"$(dir 1)/did.jsonl")" 4

HP=$(freeport); t_bg "$WA_ROOT/$BUILD/tools/httpstatic" "$T/www" "$HP"; wait_port "$HP" 10
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

browse "did=$(enc "$(did 1)")" "$T/d1.html" "$LOGS/seed_page.png"
t_check "page finished" grep -q 'data-done="1"' "$T/d1.html"
t_eq "3 versions anchored (paths recomputed in the browser)" "$(rows anchored "$T/d1.html")" 3
t_eq "last version pending" "$(rows pending "$T/d1.html")" 1
t_eq "none invalid" "$(rows invalid "$T/d1.html")" 0
t_check "verdict pending" grep -q 'data-verdict="pending"' "$T/d1.html"
t_check "shows ✅ anchored with batch and tx" grep -q "✅ anchored.*batch 0 · block 7 · tx" "$T/d1.html"
t_check "shows ⏳ pending" grep -q "⏳ pending" "$T/d1.html"
t_check "roots compared with anchors.json" grep -q "root = chain" "$T/d1.html"
t_check "shows the window's events" grep -q '<span class="tag">Assembled</span>' "$T/d1.html"
t_check "event data (the pane and frame DIDs as links)" grep -q 'glassPane</dt><dd><a class="mono" href="?did=did%3Awebvh%3A' "$T/d1.html"
t_check "shows the keys" grep -q "key-1 z6Mk" "$T/d1.html"
t_check "screenshot kept in $BUILD/test-logs" test -s "$LOGS/seed_page.png"

# by SCID, too
scid=$(sed -n 2p "$T/ids/index.jsonl" | jq -r .scid)
browse "scid=$scid" "$T/d2.html"
t_eq "by SCID: 3 anchored" "$(rows anchored "$T/d2.html")" 3

# a tampered witness.json: one audit-path hash changed -> ❌ for that version
w=$(dir 3)/witness.json
jq -c '.anchors[1].proof[0] |= (if startswith("0") then "1" else "0" end) + .[1:]' "$w" >"$T/w" && cp "$T/w" "$w"
browse "did=$(enc "$(did 3)")" "$T/d3.html"
t_eq "tampered proof: 1 invalid" "$(rows invalid "$T/d3.html")" 1
t_check "verdict invalid" grep -q 'data-verdict="invalid"' "$T/d3.html"
t_check "shows ❌ and why" grep -q "❌ invalid.*Merkle path does not lead to the anchored root" "$T/d3.html"

# a tampered log line (an event's data changed): the leaf no longer matches, the hash chain breaks
l=$(dir 4)/did.jsonl
sed -i '2s/"result":"pass"/"result":"fail"/; 2s/"operator":"op-[0-9]*"/"operator":"op-0000"/' "$l"
browse "did=$(enc "$(did 4)")" "$T/d4.html"
t_check "tampered line: invalid" grep -q 'data-verdict="invalid"' "$T/d4.html"
t_check "entry hash mismatch named" grep -q "entry hash does not match" "$T/d4.html"

# anchors.json says another root for batch 0 -> every anchored version is ❌
jq -c '.anchors[0].root = "00"*32' "$T/www/anchors.json" >"$T/a" && cp "$T/a" "$T/www/anchors.json"
browse "did=$(enc "$(did 1)")" "$T/d5.html"
t_eq "root differs from the chain snapshot: 3 invalid" "$(rows invalid "$T/d5.html")" 3
t_check "says so" grep -q "root differs from batch 0 on chain" "$T/d5.html"

# not published (a DID registered but not anchored yet), and garbage input
browse "scid=QmNotPublishedAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" "$T/d6.html"
t_check "unknown: not published" grep -q "is not published" "$T/d6.html"
browse "did=$(enc 'did:web:example.com')" "$T/d7.html"
t_check "not a did:webvh DID" grep -q "not a did:webvh DID or SCID" "$T/d7.html"
t_done
