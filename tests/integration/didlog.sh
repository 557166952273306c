#!/usr/bin/env bash
# didlog.sh -- the didlog CLI end to end, interop BOTH ways with didwebvh-ts 2.8.0
# (tests/node/webvh-oracle.mjs: resolveDIDFromLog / createDID / updateDID /
# deactivateDID), exit codes, and `didlog resolve` against a real HTTP server on
# 127.0.0.1 (test-tool httpstatic) with --base-url.
source "$(dirname "$0")/../lib.sh"
D=$(cd "$WA_ROOT" && realpath "$BIN")/didlog
ORACLE="node $WA_ROOT/tests/node/webvh-oracle.mjs"
W=$T_TMP/w; mkdir -p "$W"; cd "$W"

# oracle_ok NAME LOG [WITNESS] [--did DID]: didwebvh-ts resolves LOG, and to the
# same versionId as didlog verify.
oracle_ok() {
    local n=$1 log=$2; shift 2
    local wit=""; [ $# -gt 0 ] && [ "${1#--}" = "$1" ] && { wit=$1; shift; }
    local out; out=$($ORACLE resolve "$log" $wit "$@" 2>&1)
    local ours; ours=$($D verify "$log" ${wit:+--witness "$wit"} --json 2>/dev/null | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s);console.log(r.didDocumentMetadata.versionId||"")})')
    if echo "$out" | grep -q '"ok":true' && echo "$out" | grep -q "\"versionId\":\"$ours\""; then t_ok "$n"; else t_fail "$n" "ts: $out / didlog: $ours"; fi
}

# --- didlog writes, didwebvh-ts resolves --------------------------------------
t_check "keygen k0" $D keygen --out k0.json
t_check "keygen k1" $D keygen --out k1.json
t_check "keygen k2" $D keygen --out k2.json
t_check "keygen w1" $D keygen --out w1.json
t_check "keygen w2" $D keygen --out w2.json
t_eq "key file mode 0600" "$(stat -c %a k0.json)" 600
t_expect_rc "keygen refuses to overwrite: exit 3" 3 $D keygen --out k0.json
chmod 644 k2.json
t_expect_rc "key file readable by others refused: exit 3" 3 $D create --domain example.com --update-key k2.json --out x.jsonl
chmod 600 k2.json

# Plain DID: create, several updates, a rotation, deactivation.
DID=$($D create --domain example.com --path dids --path alice --update-key k0.json --time 2024-01-01T00:00:00Z --out plain.jsonl)
t_check "create plain" test -n "$DID"
oracle_ok "ts resolves didlog create" plain.jsonl --did "$DID"
# --path {SCID}: the hosting layout <prefix>/<scid>/did.jsonl that anchord publishes.
HDID=$($D create --domain example.com --path .well-known --path did --path '{SCID}' --update-key k0.json \
    --time 2024-01-01T00:00:00Z --out hosted.jsonl)
HSCID=$(echo "$HDID" | cut -d: -f3)
t_eq "--path {SCID} ends the DID with its own SCID" "$HDID" "did:webvh:$HSCID:example.com:.well-known:did:$HSCID"
t_check "--path {SCID}: verifies" $D verify hosted.jsonl --did "$HDID"
oracle_ok "--path {SCID}: ts resolves it" hosted.jsonl --did "$HDID"
t_check "update: add key" $D update plain.jsonl --key k0.json --add-key k1.json --time 2024-01-02T00:00:00Z
t_check "update: add service" $D update plain.jsonl --key k0.json --add-service '{"id":"#svc","type":"LinkedDomains","serviceEndpoint":"https://example.com"}' --time 2024-01-03T00:00:00Z
t_check "update: controller + alsoKnownAs" $D update plain.jsonl --key k0.json --controller "$DID" --also-known-as did:web:example.com:dids:alice --time 2024-01-04T00:00:00Z
oracle_ok "ts resolves didlog updates" plain.jsonl --did "$DID"
t_check "rotate (no pre-rotation)" $D rotate plain.jsonl --key k0.json --new-update-key k1.json --time 2024-01-05T00:00:00Z
t_expect_rc "old key can no longer update: exit 1" 1 $D update plain.jsonl --key k0.json --remove-service svc --time 2024-01-06T00:00:00Z
t_check "new key updates" $D update plain.jsonl --key k1.json --remove-service svc --time 2024-01-06T00:00:00Z
oracle_ok "ts resolves didlog rotation" plain.jsonl --did "$DID"
t_check "deactivate" $D deactivate plain.jsonl --key k1.json --time 2024-01-07T00:00:00Z
oracle_ok "ts resolves didlog deactivation" plain.jsonl --did "$DID"
t_check "ts sees it deactivated" sh -c "$ORACLE resolve plain.jsonl | grep -q '\"deactivated\":true'"
t_expect_rc "no update after deactivation: exit 1" 1 $D update plain.jsonl --key k1.json --add-key k0.json
t_check "verify: valid" $D verify plain.jsonl --did "$DID"
$D verify plain.jsonl --json > res.json
t_check "deactivated: didDocument null, metadata deactivated" node -e 'const r=require("./res.json");process.exit(r.didDocument===null&&r.didDocumentMetadata.deactivated===true?0:1)'
$D verify plain.jsonl --version-number 2 --json > res2.json
t_check "version query on a deactivated DID returns that version" node -e 'const r=require("./res2.json");process.exit(r.didDocument&&r.didDocumentMetadata.versionNumber===2&&r.didDocumentMetadata.deactivated===true?0:1)'

# Pre-rotation, witnesses (2 of 2), portability, a move, pre-rotation deactivation.
H1=$($D keyhash k1.json)
DID2=$($D create --domain example.com --update-key k0.json --next-key-hash "$H1" --witness w1.json --witness w2.json --threshold 2 --portable --time 2024-02-01T00:00:00Z --out pre.jsonl)
t_check "create with pre-rotation + witnesses" test -n "$DID2"
t_check "witness w1 signs v1" $D witness-sign pre.jsonl --key w1.json --witness-file pre-witness.json
t_expect_rc "one of two witnesses: invalid" 1 $D verify pre.jsonl --witness pre-witness.json
t_check "witness w2 signs v1" $D witness-sign pre.jsonl --key w2.json --witness-file pre-witness.json
t_check "two witnesses: valid" $D verify pre.jsonl --witness pre-witness.json
oracle_ok "ts resolves didlog witnessed genesis" pre.jsonl pre-witness.json --did "$DID2"
t_expect_rc "update while pre-rotation is active refused: exit 1" 1 $D update pre.jsonl --key k0.json --add-key k1.json
t_expect_rc "rotate to an uncommitted key refused: exit 1" 1 $D rotate pre.jsonl --key k2.json --new-update-key k2.json --next-key-hash k2.json
t_check "pre-rotation: reveal k1, commit k2" $D rotate pre.jsonl --key k1.json --new-update-key k1.json --next-key-hash k2.json --time 2024-02-02T00:00:00Z
t_check "witnesses sign v2" sh -c "$D witness-sign pre.jsonl --key w1.json --witness-file pre-witness.json && $D witness-sign pre.jsonl --key w2.json --witness-file pre-witness.json"
oracle_ok "ts resolves didlog pre-rotation" pre.jsonl pre-witness.json
t_check "pre-rotation: reveal k2, end pre-rotation, move to example.org" $D rotate pre.jsonl --key k2.json --new-update-key k2.json --time 2024-02-03T00:00:00Z
t_check "move (portable)" $D update pre.jsonl --key k2.json --domain example.org --path moved --time 2024-02-04T00:00:00Z
t_check "witnesses sign v4" sh -c "$D witness-sign pre.jsonl --key w1.json --witness-file pre-witness.json && $D witness-sign pre.jsonl --key w2.json --witness-file pre-witness.json"
NEWDID=$($D verify pre.jsonl --witness pre-witness.json --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).didDocument.id))')
t_check "moved DID keeps the SCID" test "${NEWDID%%:example.org:moved}" = "${DID2%%:example.com}"
t_check "old DID still resolves from the moved log" $D verify pre.jsonl --witness pre-witness.json --did "$DID2"
oracle_ok "ts resolves didlog move" pre.jsonl pre-witness.json --did "$NEWDID"
t_check "deactivate" $D deactivate pre.jsonl --key k2.json --time 2024-02-05T00:00:00Z
t_check "witnesses sign v5" sh -c "$D witness-sign pre.jsonl --key w1.json --witness-file pre-witness.json && $D witness-sign pre.jsonl --key w2.json --witness-file pre-witness.json"
oracle_ok "ts resolves didlog witnessed deactivation" pre.jsonl pre-witness.json

# Deactivating while pre-rotation is active takes the spec's two entries.
$D create --domain example.com --update-key k0.json --next-key-hash k1.json --time 2024-03-01T00:00:00Z --out pd.jsonl >/dev/null
t_check "deactivate with pre-rotation (2 entries)" $D deactivate pd.jsonl --key k1.json --time 2024-03-02T00:00:00Z
t_eq "two entries appended" "$(wc -l < pd.jsonl)" 3
oracle_ok "ts resolves it" pd.jsonl

# --- exit codes and messages ---------------------------------------------------
t_expect_rc "verify --help" 0 $D verify --help
for c in keygen create update rotate deactivate witness-sign resolve canon keyhash; do
    t_expect_rc "$c --help" 0 $D $c --help
done
t_expect_rc "verify: missing file is 3" 3 $D verify nonexistent.jsonl
t_expect_rc "verify: usage is 2" 2 $D verify
t_expect_rc "verify: unknown option is 2" 2 $D verify plain.jsonl --bogus
sed '3s/"versionTime":"2024-01-03T00:00:00Z"/"versionTime":"2024-01-03T00:00:01Z"/' plain.jsonl > bad.jsonl
t_expect_rc "verify: tampered is 1" 1 $D verify bad.jsonl
t_check "message names the entry and the rule" grep -q 'entry 3 (versionId 3-.*): entryHash' "$T_TMP/last.err"
t_expect_rc "ts rejects it too" 1 $ORACLE resolve bad.jsonl
t_expect_rc "verify: wrong DID is 1" 1 $D verify plain.jsonl --did "$DID2"
t_expect_rc "verify: unknown version is 1" 1 $D verify plain.jsonl --version-number 99
printf '{"b":2,"a":[1.0,"\\u00e9"]}' > c.json
t_eq "canon prints JCS" "$($D canon c.json)" '{"a":[1,"é"],"b":2}'
t_eq "canon reads stdin" "$(printf '{"z":1e21,"y":0.1}' | $D canon -)" '{"y":0.1,"z":1e+21}'

# --- didwebvh-ts writes, didlog verifies ------------------------------------------
$ORACLE generate ts >/dev/null 2>&1
for c in basic rotate prerotate witness deactivate; do
    wit=""; [ -f ts/$c/did-witness.json ] && wit="--witness ts/$c/did-witness.json"
    t_check "didlog verifies ts $c" $D verify ts/$c/did.jsonl $wit
    oracle_ok "ts and didlog agree on ts $c" ts/$c/did.jsonl ${wit#--witness }
done
t_expect_rc "ts witness log without its witness file: invalid" 1 $D verify ts/witness/did.jsonl

scenario attack method-0.5 "a did:webvh:0.5 log written by didwebvh-ts 2.8 (createDID with method did:webvh:0.5), verified and resolved by didlog" \
    "refused, invalidDid, the message naming the method version (docs/didwebvh.md 'Method versions': only did:webvh:1.0 logs are read), while didwebvh-ts resolves it by its 0.5 rules; a 1.0 log is read"
t_check "ts wrote a did:webvh:0.5 log" grep -q '"method":"did:webvh:0.5"' ts/v05/did.jsonl
oracle_v05=$($ORACLE resolve ts/v05/did.jsonl 2>&1)
t_check "didwebvh-ts resolves it (its 0.5 rules)" grep -q '"ok":true' <<<"$oracle_v05"
t_expect_rc "didlog verify refuses it: exit 1" 1 $D verify ts/v05/did.jsonl --json
t_eq "invalidDid" "$(node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));console.log(r.didResolutionMetadata.error)' "$T_TMP/last.out")" invalidDid
t_check "the message names the method version" grep -q "did:webvh:0.5" "$T_TMP/last.err"
t_expect_rc "didlog did-web refuses it too" 1 $D did-web ts/v05/did.jsonl

# --- didlog resolve over HTTP (127.0.0.1) -----------------------------------------
PORT=$(freeport)
mkdir -p www/.well-known www/dids/alice www/moved
cp plain.jsonl www/dids/alice/did.jsonl
cp pre.jsonl www/moved/did.jsonl; cp pre-witness.json www/moved/did-witness.json
cp ts/witness/did.jsonl www/.well-known/did.jsonl; cp ts/witness/did-witness.json www/.well-known/did-witness.json
t_bg "$TT" httpstatic www "$PORT"
wait_port "$PORT" 10
BASE=http://127.0.0.1:$PORT
TSDID=$($ORACLE resolve ts/witness/did.jsonl ts/witness/did-witness.json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).did))')
t_expect_rc "resolve a witnessed DID (.well-known + did-witness.json)" 0 $D resolve "$TSDID" --base-url "$BASE"
t_check "resolved versionId 2" grep -q '"versionId":"2-' "$T_TMP/last.out"
t_expect_rc "resolve a path DID (deactivated)" 0 $D resolve "$DID" --base-url "$BASE"
t_check "deactivated in metadata" grep -q '"deactivated":true' "$T_TMP/last.out"
t_expect_rc "resolve ?versionNumber=2" 0 $D resolve "$DID?versionNumber=2" --base-url "$BASE"
t_check "version 2 returned" grep -q '"versionNumber":2,' "$T_TMP/last.out"
t_expect_rc "resolve ?versionId=<v1>" 0 $D resolve "$DID?versionId=$(head -1 plain.jsonl | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).versionId))')" --base-url "$BASE"
t_expect_rc "resolve ?versionTime= (before v2)" 0 $D resolve "$DID?versionTime=2024-01-01T12:00:00Z" --base-url "$BASE"
t_check "versionTime picks v1" grep -q '"versionNumber":1,' "$T_TMP/last.out"
t_expect_rc "resolve ?versionNumber=99 is notFound" 1 $D resolve "$DID?versionNumber=99" --base-url "$BASE"
t_check "notFound reported" grep -q notFound "$T_TMP/last.out"
t_expect_rc "resolve the moved DID with witnesses" 0 $D resolve "$NEWDID" --base-url "$BASE"
t_expect_rc "resolve a DID that is not there: notFound" 1 $D resolve "${DID%alice}bob" --base-url "$BASE"
t_check "notFound for a missing log" grep -q notFound "$T_TMP/last.out"
t_expect_rc "resolve an IP-literal DID refused before fetching" 1 $D resolve "did:webvh:QmWbebxXcUEq9YE9cB12DKxd4tCpntFn6Z1dUEbdw61cyx:127.0.0.1" --base-url "$BASE"
t_expect_rc "resolve without --base-url refuses http:// and fails (no network): exit 4" 4 $D resolve "did:webvh:QmWbebxXcUEq9YE9cB12DKxd4tCpntFn6Z1dUEbdw61cyx:invalid.invalid"
cp pre.jsonl www/dids/alice/did.jsonl
t_expect_rc "a log served for another DID is refused" 1 $D resolve "$DID" --base-url "$BASE"

scenario attack json-number-form "a DID document holds 690 and 0.6 (an extra service member); didlog verify --json and didlog resolve print it" \
    "the numbers as the log holds them (RFC 8785 form: 690, 0.6), not 690.0 or 0.59999999999999998"
NDID=$($D create --domain example.com --path nums --update-key k0.json --time 2024-04-01T00:00:00Z --out nums.jsonl)
t_check "update: a service with numbers" $D update nums.jsonl --key k0.json --time 2024-04-02T00:00:00Z \
    --add-service '{"id":"#num","type":"Example","serviceEndpoint":"https://example.com","massKg":690,"share":0.6}'
t_check "the log holds 690 and 0.6" grep -q '"massKg":690,"serviceEndpoint":"https://example.com","share":0.6,' nums.jsonl
mkdir -p www/nums; cp nums.jsonl www/nums/did.jsonl
$D verify nums.jsonl --json > nums-verify.json
t_check "verify --json prints 690 and 0.6" grep -q '"massKg":690,"serviceEndpoint":"https://example.com","share":0.6,' nums-verify.json
t_expect_rc "resolve it" 0 $D resolve "$NDID" --base-url "$BASE"
t_check "resolve prints 690 and 0.6" grep -q '"massKg":690,"serviceEndpoint":"https://example.com","share":0.6,' "$T_TMP/last.out"
t_eq "resolve prints the result in JCS form, one line" "$($D canon "$T_TMP/last.out")" "$(cat "$T_TMP/last.out")"
t_eq "verify --json too" "$($D canon nums-verify.json)" "$(cat nums-verify.json)"

# svc_of FILE ID: the service whose id is ID in the resolution result FILE (one JCS
# line), "-" when there is none; trailing "/" of the endpoint dropped (didwebvh-ts
# writes "https://h/p", the python/java vectors "https://h/p/": same base URL).
svc_of() {
    node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));const d=r.didDocument||{};const l=Array.isArray(r)?r:(d.service||[]);
      const abs=(id)=>String(id).startsWith("#")?d.id+id:id;
      const s=l.filter(x=>abs(x.id)===process.argv[2]).map(x=>({...x,id:abs(x.id),serviceEndpoint:String(x.serviceEndpoint).replace(/\/$/,"")}));
      console.log(s.length?JSON.stringify(s.map(x=>Object.fromEntries(Object.entries(x).sort()))):"-")' "$1" "$2"
}

scenario attack implicit-services "resolve DIDs whose documents define no #files / #whois service, and one that defines its own #whois" \
    "the resolved document carries the implicit <did>#files (relativeRef, the DID's HTTPS base) and <did>#whois (LinkedVerifiablePresentation, …/whois.vp) exactly as didwebvh-ts 2.8 adds them; a document's own #whois is kept and no second one added"
$D resolve "$NDID" --base-url "$BASE" > nums-res.json
$ORACLE services nums.jsonl > nums-ts.json
t_eq "#files as didwebvh-ts (path DID)" "$(svc_of nums-res.json "$NDID#files")" "$(svc_of nums-ts.json "$NDID#files")"
t_eq "#whois as didwebvh-ts (path DID)" "$(svc_of nums-res.json "$NDID#whois")" "$(svc_of nums-ts.json "$NDID#whois")"
t_check "#files is there" test "$(svc_of nums-res.json "$NDID#files")" != "-"
t_check "the document's own service kept" grep -q '"id":"#num"' nums-res.json
$D resolve "$TSDID" --base-url "$BASE" > wk-res.json
$ORACLE services ts/witness/did.jsonl ts/witness/did-witness.json > wk-ts.json
t_eq "#files as didwebvh-ts (.well-known DID)" "$(svc_of wk-res.json "$TSDID#files")" "$(svc_of wk-ts.json "$TSDID#files")"
t_eq "#whois as didwebvh-ts (.well-known DID)" "$(svc_of wk-res.json "$TSDID#whois")" "$(svc_of wk-ts.json "$TSDID#whois")"
WDID=$($D create --domain example.com --path own --update-key k0.json --time 2024-05-01T00:00:00Z --out own.jsonl)
t_check "update: its own #whois" $D update own.jsonl --key k0.json --time 2024-05-02T00:00:00Z \
    --add-service '{"id":"#whois","type":"LinkedVerifiablePresentation","serviceEndpoint":"https://example.com/own/vp/alice.vp"}'
mkdir -p www/own; cp own.jsonl www/own/did.jsonl
$D resolve "$WDID" --base-url "$BASE" > own-res.json
$ORACLE services own.jsonl > own-ts.json
t_eq "a defined #whois is kept, not doubled (as didwebvh-ts)" "$(svc_of own-res.json "$WDID#whois")" "$(svc_of own-ts.json "$WDID#whois")"
t_eq "#files still implicit there" "$(svc_of own-res.json "$WDID#files")" "$(svc_of own-ts.json "$WDID#files")"
t_check "verify --json gives the same document" sh -c "$D verify own.jsonl --json | grep -q 'https://example.com/own/'"

# cs FILE: the dereferencing result's contentStream (JSON form) and exit 1 when there is none.
# (keys sorted: sortj FILE prints a JSON file the same way).
SORTJ='const sortj=(v)=>Array.isArray(v)?v.map(sortj):v&&typeof v==="object"?Object.fromEntries(Object.keys(v).sort().map(k=>[k,sortj(v[k])])):v;'
cs() { node -e "$SORTJ"'const r=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));if(r.contentStream==null)process.exit(1);console.log(JSON.stringify(sortj(r.contentStream)))' "$1"; }
sortj() { node -e "$SORTJ"'console.log(JSON.stringify(sortj(JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")))))' "$1"; }
# www_of URL: the file under www/ that serves URL (https://example.com/… -> www/…).
www_of() { echo "www/${1#https://example.com/}"; }
# ts_endpoint FILE ID: a service endpoint from webvh-oracle services output.
ts_endpoint() { node -e 'const l=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));console.log(l.find(s=>s.id===process.argv[2]).serviceEndpoint)' "$1" "$2"; }

scenario attack did-url-paths "didlog resolve <did>/whois and <did>/path/to/file (did:webvh v1.0 DID URL paths, a MUST)" \
    "the file is fetched through the #whois / #files service (the implicit one where didwebvh-ts 2.8 puts it, or the document's own) and printed as a dereferencing result; a missing file is notFound (exit 1), a '..' path is refused before any fetch"
WHOIS_URL=$(ts_endpoint nums-ts.json "$NDID#whois"); FILES_URL=$(ts_endpoint nums-ts.json "$NDID#files")
mkdir -p "$(dirname "$(www_of "$WHOIS_URL")")" "$(www_of "$FILES_URL")/path/to"
echo '{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiablePresentation"],"holder":"'"$NDID"'"}' > "$(www_of "$WHOIS_URL")"
printf 'hello, file\n' > "$(www_of "$FILES_URL")/path/to/file.txt"
t_expect_rc "resolve <did>/whois" 0 $D resolve "$NDID/whois" --base-url "$BASE"
cp "$T_TMP/last.out" whois-res.json
t_eq "<did>/whois is whois.vp where didwebvh-ts's #whois points" "$(cs whois-res.json)" "$(sortj "$(www_of "$WHOIS_URL")")"
t_expect_rc "resolve <did>/path/to/file.txt" 0 $D resolve "$NDID/path/to/file.txt" --base-url "$BASE"
t_eq "<did>/path/to/file.txt is #files + path/to/file.txt (didwebvh-ts's #files)" "$(cs "$T_TMP/last.out")" '"hello, file\n"'
t_expect_rc "a missing file: notFound" 1 $D resolve "$NDID/path/to/none.txt" --base-url "$BASE"
t_check "notFound in the dereferencing metadata" grep -q '"dereferencingMetadata":{"error":"notFound"' "$T_TMP/last.out"
t_expect_rc "a '..' segment is refused" 1 $D resolve "$NDID/path/../../nums.jsonl" --base-url "$BASE"
t_check "invalidDidUrl" grep -q '"error":"invalidDidUrl"' "$T_TMP/last.out"
t_expect_rc "an encoded '..' segment is refused" 1 $D resolve "$NDID/path/%2E%2E/x" --base-url "$BASE"
mkdir -p www/own/vp; echo '{"type":["VerifiablePresentation"],"holder":"own"}' > www/own/vp/alice.vp
t_expect_rc "resolve <did>/whois of a DID with its own #whois" 0 $D resolve "$WDID/whois" --base-url "$BASE"
t_eq "its own #whois endpoint is followed" "$(cs "$T_TMP/last.out")" "$(sortj www/own/vp/alice.vp)"
t_expect_rc "a path of a DID that does not resolve: notFound" 1 $D resolve "${NDID%nums}none/whois" --base-url "$BASE"

# field FILE JS: a value of the JSON in FILE (JS is an expression on r).
field() { node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));const v=('"$2"');console.log(typeof v==="string"?v:JSON.stringify(v))' "$1"; }

scenario attack did-url-deref "didlog resolve <did>?service=files&relativeRef=…, ?service=whois and <did>#fragment (DID Resolution dereferencing)" \
    "service + relativeRef give the service endpoint URL (text/uri-list: #files endpoint + relativeRef, as <did>/path; the fragment appended), a fragment gives the document node with that id and the document metadata; an unknown service or fragment is notFound, relativeRef alone or with '..' invalidDidUrl"
FILES_BASE=${FILES_URL%/}
t_expect_rc "?service=files&relativeRef=/path/to/file.txt" 0 $D resolve "$NDID?service=files&relativeRef=/path/to/file.txt" --base-url "$BASE"
t_eq "the URL is didwebvh-ts's #files endpoint + /path/to/file.txt" "$(field "$T_TMP/last.out" r.contentStream)" "$FILES_BASE/path/to/file.txt"
t_eq "as a URI list" "$(field "$T_TMP/last.out" r.dereferencingMetadata.contentType)" "text/uri-list"
t_expect_rc "?service=files&relativeRef=%2Fpath%2Ffile.txt%3Fv%3D1#sec" 0 $D resolve "$NDID?service=files&relativeRef=%2Fpath%2Ffile.txt%3Fv%3D1#sec" --base-url "$BASE"
t_eq "query and fragment carried (DID Resolution example)" "$(field "$T_TMP/last.out" r.contentStream)" "$FILES_BASE/path/file.txt?v=1#sec"
t_expect_rc "?service=whois" 0 $D resolve "$NDID?service=whois" --base-url "$BASE"
t_eq "the #whois endpoint of didwebvh-ts" "$(field "$T_TMP/last.out" r.contentStream)" "$WHOIS_URL"
t_expect_rc "?service=nope: notFound" 1 $D resolve "$NDID?service=nope" --base-url "$BASE"
t_eq "notFound" "$(field "$T_TMP/last.out" r.dereferencingMetadata.error)" notFound
t_expect_rc "relativeRef without service: invalidDidUrl" 1 $D resolve "$NDID?relativeRef=/x" --base-url "$BASE"
t_eq "invalidDidUrl (no service)" "$(field "$T_TMP/last.out" r.dereferencingMetadata.error)" invalidDidUrl
t_expect_rc "relativeRef with '..': invalidDidUrl" 1 $D resolve "$NDID?service=files&relativeRef=/a/../../x" --base-url "$BASE"
t_eq "invalidDidUrl ('..')" "$(field "$T_TMP/last.out" r.dereferencingMetadata.error)" invalidDidUrl
t_expect_rc "<did>#num" 0 $D resolve "$NDID#num" --base-url "$BASE"
t_eq "the #num service node (as didwebvh-ts's document holds it)" "$(cs "$T_TMP/last.out")" \
    "$(node -e "$SORTJ"'const l=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));const s=l.find(x=>x.id===process.argv[2]+"#num");console.log(JSON.stringify(sortj({...s,id:"#num"})))' nums-ts.json "$NDID")"
t_eq "content metadata: the document metadata" "$(field "$T_TMP/last.out" r.contentMetadata.versionNumber)" 2
VMID=$(field nums-res.json 'r.didDocument.verificationMethod[0].id')
t_expect_rc "<did>#<key>" 0 $D resolve "$NDID#${VMID#*#}" --base-url "$BASE"
t_eq "the verification method" "$(field "$T_TMP/last.out" r.contentStream.id)" "$VMID"
t_expect_rc "<did>#nosuch: notFound" 1 $D resolve "$NDID#nosuch" --base-url "$BASE"
t_expect_rc "<did>?versionNumber=1#num: notFound (version 1 had no #num)" 1 $D resolve "$NDID?versionNumber=1#num" --base-url "$BASE"

scenario attack parallel-did-web "a did:web-only resolver (npm web-did-resolver + did-resolver, tests/node/didweb-resolve.mjs) resolves the did:web DIDs of didlog's logs from the did.json that didlog did-web writes beside did.jsonl" \
    "it resolves did:web:example.com:own to the log's latest document (v1.0 'Publishing a Parallel did:web DID'): id did:web, every did:webvh:<SCID>: reference rewritten, the did:webvh DID in alsoKnownAs, implicit #files kept with the document's own #whois, numbers as the log holds them; a deactivated DID gets no did.json (exit 1), a did.json served for another DID is refused by the resolver"
RESWEB="node $WA_ROOT/tests/node/didweb-resolve.mjs"
t_check "didlog did-web own.jsonl" $D did-web own.jsonl --out www/own/did.json
t_expect_rc "web-did-resolver resolves did:web:example.com:own" 0 $RESWEB did:web:example.com:own "$BASE"
t_eq "it fetched did.json beside did.jsonl" "$(field "$T_TMP/last.out" r.fetched[0])" "https://example.com/own/did.json"
t_eq "id: the did:web DID" "$(field "$T_TMP/last.out" r.didDocument.id)" "did:web:example.com:own"
t_eq "alsoKnownAs: the did:webvh DID" "$(field "$T_TMP/last.out" r.didDocument.alsoKnownAs)" "[\"$WDID\"]"
t_eq "no did:webvh:<SCID>: reference left besides alsoKnownAs" \
    "$(field "$T_TMP/last.out" 'JSON.stringify({...r.didDocument,alsoKnownAs:0}).includes("did:webvh:")')" false
t_eq "verification methods: the log's keys under the did:web id" "$(field "$T_TMP/last.out" 'r.didDocument.verificationMethod.map(v=>v.id.replace(/#.*/,"")+" "+v.publicKeyMultibase).join()')" \
    "$(field own-res.json 'r.didDocument.verificationMethod.map(v=>"did:web:example.com:own "+v.publicKeyMultibase).join()')"
t_eq "#files: implicit, the did:webvh files base" "$(field "$T_TMP/last.out" 'r.didDocument.service.find(s=>s.id==="did:web:example.com:own#files").serviceEndpoint')" "https://example.com/own/"
t_eq "the document's own #whois kept, not doubled" "$(field "$T_TMP/last.out" 'r.didDocument.service.filter(s=>/#whois$/.test(s.id)).map(s=>s.serviceEndpoint).join()')" "https://example.com/own/vp/alice.vp"
t_check "did-web of nums.jsonl" $D did-web nums.jsonl --out www/nums/did.json
t_check "did.json holds 690 and 0.6 as the log does" grep -q '"massKg":690,"serviceEndpoint":"https://example.com","share":0.6' www/nums/did.json
t_expect_rc "a deactivated DID: no did.json (exit 1)" 1 $D did-web plain.jsonl --out www/dids/alice/did.json
t_check "nothing written" test ! -e www/dids/alice/did.json
t_expect_rc "an invalid log: exit 1" 1 $D did-web pre.jsonl
t_expect_rc "a file that cannot be read: exit 3" 3 $D did-web nosuch.jsonl
cp www/own/did.json www/nums/did.json
t_expect_rc "a did.json served for another DID: the resolver refuses it" 1 $RESWEB did:web:example.com:nums "$BASE"

t_done
