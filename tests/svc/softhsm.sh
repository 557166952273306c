# softhsm.sh -- a throw-away SoftHSM2 token (Debian softhsm2) for the tests and the demo
# (source it; bash). Nothing outside DIR is touched: SOFTHSM2_CONF points into it.
#
#   hsm_init DIR [LABEL]        token directory and softhsm2.conf in DIR (SOFTHSM2_CONF exported),
#                               one token LABEL (default wa), its user PIN in DIR/pin (0600); sets
#                               HSM_DIR HSM_MODULE HSM_TOKEN HSM_PIN_FILE
#   hsm_import_ed KEYFILE LABEL a didlog key file's Ed25519 key into the token (PKCS#8 made by
#                               test-tool p11; softhsm2-util --import marks it sensitive, not extractable)
#   hsm_import_k1 HEXFILE LABEL a relayer key (64 hex, secp256k1) the same way
#   hsm_uri LABEL [pin]         the RFC 7512 URI of key LABEL: module-path= the SoftHSM module and,
#                               unless the second argument is "nopin", pin-source=file:HSM_PIN_FILE
#   hsm_need DIR [LABEL]        hsm_init in a test suite (after tests/lib.sh): SoftHSM2 not installed
#                               is a SKIP of the rest of the suite, any other failure a failure
# softhsm2-util takes the PIN as an argument: fine for a throw-away test token only
# (docs/hsm.md says how to load keys into a real HSM).
HSM_SRC_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HSM_TT=${HSM_TT:-$HSM_SRC_ROOT/${BUILD:-build}/helper/test-tool}   # test-tool p11 makes the PKCS#8 files
HSM_MODULE=${HSM_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
HSM_USER_PIN=4711-wa-test
# Under make asan: SoftHSM's own leaks suppressed (tests/svc/softhsm.lsan); the slow unwinder
# is needed to see frames inside the module, which has no frame pointers.
if [ -n "${WA_ASAN:-}" ]; then
    export LSAN_OPTIONS="suppressions=$HSM_SRC_ROOT/tests/svc/softhsm.lsan${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
    export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0"
fi

hsm_init() {
    HSM_DIR=$1 HSM_TOKEN=${2:-wa} HSM_MISSING=
    command -v softhsm2-util >/dev/null || HSM_MISSING="softhsm2-util is not installed (apt-get install softhsm2; scripts/deps.sh)"
    [ -n "$HSM_MISSING" ] || [ -e "$HSM_MODULE" ] || HSM_MISSING="no SoftHSM module at $HSM_MODULE (softhsm2)"
    [ -z "$HSM_MISSING" ] || { echo "softhsm.sh: $HSM_MISSING" >&2; return 1; }
    [ -x "$HSM_TT" ] || { echo "softhsm.sh: $HSM_TT missing (make)" >&2; return 1; }
    mkdir -p "$HSM_DIR/tokens" && chmod 700 "$HSM_DIR"
    printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n' \
        "$HSM_DIR" >"$HSM_DIR/softhsm2.conf"
    export SOFTHSM2_CONF=$HSM_DIR/softhsm2.conf
    HSM_PIN_FILE=$HSM_DIR/pin
    (umask 077; printf '%s\n' "$HSM_USER_PIN" >"$HSM_PIN_FILE")
    softhsm2-util --init-token --free --label "$HSM_TOKEN" --so-pin "so-$HSM_USER_PIN" --pin "$HSM_USER_PIN" \
        >"$HSM_DIR/init.log" 2>&1 || { cat "$HSM_DIR/init.log" >&2; return 1; }
}

hsm_need() {
    hsm_init "$@" 2>"$T_TMP/hsm-init.err" && return 0
    [ -n "$HSM_MISSING" ] && t_skip_rest softhsm "$HSM_MISSING"
    t_fail "SoftHSM2 token" "cannot set it up: $(tail -3 "$T_TMP/hsm-init.err" | tr '\n' ' ')"; t_done; exit 1
}

# hsm_import KIND FILE LABEL: the key as PKCS#8 in a 0600 file inside HSM_DIR, imported, file removed.
hsm_import() {
    local pem=$HSM_DIR/import.pem id
    id=$(printf '%s' "$3" | od -An -tx1 | tr -d ' \n')
    (umask 077; "$HSM_TT" p11 "pkcs8-$1" "$2" >"$pem") || return 1
    softhsm2-util --import "$pem" --token "$HSM_TOKEN" --label "$3" --id "$id" --pin "$HSM_USER_PIN" \
        >"$HSM_DIR/import.log" 2>&1
    local rc=$?
    rm -f "$pem"
    [ $rc -eq 0 ] || cat "$HSM_DIR/import.log" >&2
    return $rc
}
hsm_import_ed() { hsm_import ed "$1" "$2"; }
hsm_import_k1() { hsm_import k1 "$1" "$2"; }

hsm_uri() {
    local q="module-path=$HSM_MODULE"
    [ "${2:-}" == nopin ] || q="$q&pin-source=file:$HSM_PIN_FILE"
    printf 'pkcs11:token=%s;object=%s?%s\n' "$HSM_TOKEN" "$1" "$q"
}
