#!/usr/bin/env bash
# redteam_http.sh -- adversarial suite against `anchord serve` at the HTTP and input layer
# (issue 14 "Store, HTTP and input defects"): a real redis-server and the server on a
# loopback port; requests are curl or raw bytes over bash's /dev/tcp. Each scenario
# states the ATTACK and what is EXPECTED (tests/lib.sh `scenario`); every refusal is a
# specific status and error name, and changes nothing (the stream lengths and Redis keys
# are compared, docs/api.md "Every error answer ... changes no state").
source "$(dirname "$0")/../lib.sh"
TOOL=$WA_ROOT/$BUILD/tools/anchord_infra
svc_redis || { t_fail redis "redis-server did not start"; t_done; exit 1; }
RCLI() { redis-cli -p "$REDIS_PORT" "$@"; }
HTTP_PORT=$(freeport)
URL=http://127.0.0.1:$HTTP_PORT
"$WA_ROOT/$BIN/didlog" keygen --out "$T_TMP/pub.key" >/dev/null
unset WA_CONFIG
export WA_REDIS_URL=redis://127.0.0.1:$REDIS_PORT WA_LISTEN=127.0.0.1:$HTTP_PORT WA_RATE_LIMIT=0 \
    WA_HTTP_TIMEOUT=5s WA_PUBLISHER_KEY_FILE=$T_TMP/pub.key WA_DOMAIN=localhost%3A8080
"$WA_ROOT/$BIN/anchord" serve >"$T_TMP/serve.log" 2>&1 &
T_PIDS+=($!)
wait_port "$HTTP_PORT" 10 || { t_fail serve "did not listen: $(cat "$T_TMP/serve.log")"; t_done; exit 1; }
"$TOOL" register 1 || t_fail setup "register identity 1"
read -r SCID DID _ _ < <("$TOOL" ident 1)
SIGN() { "$TOOL" sign "$@"; }

# post BODY [PATH] [CTYPE] -> CODE, RESP
post() {
    printf '%s' "$1" >"$T_TMP/body"
    CODE=$(curl -s -o "$T_TMP/resp" -w '%{http_code}' -H "Content-Type: ${3:-application/json}" \
        --data-binary "@$T_TMP/body" "$URL${2:-/events}")
    RESP=$(cat "$T_TMP/resp")
}
state() {   # everything a refusal must leave alone
    echo "events=$(RCLI XLEN 'wa:{s0}:events') dids=$(RCLI XLEN 'wa:{s0}:dids')"
    RCLI --scan --pattern '*' | sort | sha256sum | cut -c1-16
}
mark() { state >"$T_TMP/state.before"; }
unchanged() {   # NAME: the state is what it was at the last mark
    state >"$T_TMP/state.after"
    if cmp -s "$T_TMP/state.before" "$T_TMP/state.after"; then t_ok "$1: nothing changed"
    else t_fail "$1: nothing changed" "$(diff "$T_TMP/state.before" "$T_TMP/state.after" | tr '\n' ' ')"; fi
}
# refused NAME CODE ERROR [DETAIL-REGEX]: the answer is CODE {"error":ERROR,...} and
# the state is unchanged since the last mark.
refused() {
    if [ "$CODE" = "$2" ] && grep -q "\"error\":\"$3\"" <<<"$RESP" && grep -qE "${4:-.}" <<<"$RESP"; then t_ok "$1: $2 $3"
    else t_fail "$1" "got $CODE $RESP, want $2 $3 ~ ${4:-}"; fi
    unchanged "$1"
}

scenario attack utf8-detail-cut "unauthenticated bodies whose error detail quotes a multi-byte UTF-8 string cut by a length bound (an unknown key of 'a' + 40 x 'é', keys and values of 2-, 3- and 4-byte characters after 0..3 ASCII bytes, in the event, its proof, did, type, verificationMethod and a genesis log)" \
    "never 500: each is refused with its 4xx reason and a JSON body that is valid UTF-8; nothing queued"
mark
K=$(printf 'é%.0s' $(seq 40))
post "{\"a$K\":1}"; refused "utf8-detail-cut: key a+40xé" 422 invalid 'unexpected field'
n500=0; nbad=0; total=0
for ch in é € 😀; do
    for pre in '' a ab abc; do
        S="$pre$(printf "$ch%.0s" $(seq 120))"
        for body in "{\"$S\":1}" \
                    "$(SIGN 1 u8-1 | jq -c --arg s "$S" '.proof[$s]=1')" \
                    "$(SIGN 1 u8-1 | jq -c --arg s "$S" '.did=("did:webvh:'"$SCID"':"+$s)')" \
                    "$(SIGN 1 u8-1 | jq -c --arg s "$S" '.type=$s')" \
                    "$(SIGN 1 u8-1 | jq -c --arg s "$S" '.proof.verificationMethod=("'"$DID"'#"+$s)')" \
                    "$(SIGN 1 u8-1 "did=$DID:$S")"; do
            post "$body"; total=$((total + 1))
            [ "$CODE" = 500 ] && n500=$((n500 + 1))
            { [ "${CODE:0:1}" = 4 ] && jq -e .error <<<"$RESP" >/dev/null 2>&1; } || nbad=$((nbad + 1))
        done
        post "{\"versionId\":\"1-$S\",\"versionTime\":\"x\",\"parameters\":{},\"state\":{\"id\":\"did:webvh:$S\"},\"proof\":[]}" /dids application/jsonl
        total=$((total + 1)); [ "$CODE" = 500 ] && n500=$((n500 + 1))
        { [ "${CODE:0:1}" = 4 ] && jq -e .error <<<"$RESP" >/dev/null 2>&1; } || nbad=$((nbad + 1))
    done
done
t_eq "utf8-detail-cut: no 500 in $total bodies" "$n500" 0
t_eq "utf8-detail-cut: every answer a 4xx with a JSON error (jq parses it: valid UTF-8)" "$nbad" 0
unchanged "utf8-detail-cut: all"

t_done
