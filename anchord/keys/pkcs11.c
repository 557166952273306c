/* pkcs11.c -- token keys through p11-kit: URI, module, token, login, key, signature. */
#include <ctype.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <secp256k1.h>
#include <p11-kit/p11-kit.h>
#include <p11-kit/uri.h>
#include "core/buf.h"
#include "core/err.h"
#include "core/sha256.h"
#include "core/io/file.h"
#include "core/io/secret.h"
#include "anchord/ops/log.h"
#include "anchord/keys/pkcs11.h"

#define PIN_MAX 256
#define TMPL_MAX 12
#define POOL_MAX 8   /* signing sessions per key: build threads sign in parallel (a network HSM's latency) */

struct p11Key {
    CK_FUNCTION_LIST **mods;     /* the registered modules this key loaded, or NULL */
    CK_FUNCTION_LIST *mod;       /* the module of its token */
    int byPath;                  /* mod came from module-path=: finalised and released alone */
    CK_SESSION_HANDLE sess;      /* open, login, search; pool[0] once signing */
    int hasSess;
    CK_SESSION_HANDLE pool[POOL_MAX];
    int npool, busy[POOL_MAX];   /* sessions that sign, and which are in use (under mu) */
    pthread_cond_t freed;
    CK_OBJECT_HANDLE priv;       /* CK_INVALID_HANDLE: opened for the public key only */
    int exportable;              /* priv is not CKA_SENSITIVE, or is CKA_EXTRACTABLE */
    int kind;
    uint8_t pub[P11_PUB_MAX];
    size_t publen;
    char token[33];              /* the token's label, for messages */
    char setting[48];
    pthread_mutex_t mu;
};

/* What an open carries along: the key, its URI, and where failures go. */
typedef struct opening {
    p11Key *k;
    P11KitUri *uri;
    int *code;
    char *err;
} opening;

/* fail: *code = c and err = "SETTING: message". Returns -1. */
static int fail(const opening *o, int c, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(const opening *o, int c, const char *fmt, ...) {
    char m[ERR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m, sizeof m, fmt, ap);
    va_end(ap);
    *o->code = c;
    return errSet(o->err, "%s: %s", o->k->setting, m);
}

/* rvText: a token's answer for people: p11-kit's text and the number. */
static const char *rvText(CK_RV rv, char out[96]) {
    snprintf(out, 96, "%s (CKR 0x%lx)", p11_kit_strerror(rv), (unsigned long)rv);
    return out;
}

int p11IsUri(const char *s) {
    return s && !strncmp(s, "pkcs11:", 7);
}

/* ---- the URI ---- */

/* parseUri: o->uri from s; refuses pin-value= and attributes RFC 7512 does not define. */
static int parseUri(opening *o, const char *s) {
    if (!(o->uri = p11_kit_uri_new())) return fail(o, P11_EFAIL, "out of memory");
    int rc = p11_kit_uri_parse(s, P11_KIT_URI_FOR_ANY, o->uri);
    if (rc != P11_KIT_URI_OK)
        return fail(o, P11_EURI, "not a PKCS#11 URI (RFC 7512): %s", p11_kit_uri_message(rc));
    if (p11_kit_uri_get_pin_value(o->uri))
        return fail(o, P11_EURI, "pin-value= is refused (a PIN in a setting): use pin-source=file:PATH (mode 0600) or WA_PKCS11_PIN");
    if (p11_kit_uri_any_unrecognized(o->uri)) return fail(o, P11_EURI, "the URI has an attribute RFC 7512 does not define");
    CK_ATTRIBUTE *cls = p11_kit_uri_get_attribute(o->uri, CKA_CLASS);
    if (cls && cls->ulValueLen == sizeof(CK_OBJECT_CLASS)) {
        CK_OBJECT_CLASS c = *(CK_OBJECT_CLASS *)cls->pValue;
        if (c != CKO_PRIVATE_KEY && c != CKO_PUBLIC_KEY) return fail(o, P11_EURI, "type= must be private or public (a key pair)");
    }
    return 0;
}

/* pinPath: the file a pin-source names: file:/abs, file:///abs or a plain path. NULL
 * for anything else (a command, another scheme). */
static const char *pinPath(const char *src) {
    if (!strncmp(src, "file://", 7)) return src[7] == '/' ? src + 7 : NULL;
    if (!strncmp(src, "file:", 5)) return src[5] ? src + 5 : NULL;
    if (*src == '|' || strchr(src, ':')) return NULL;
    return *src ? src : NULL;
}

/* ---- module and token ---- */

/* loadModules: the candidate modules into *cand (NULL-terminated, not owned):
 * module-path=, else module-name= among p11-kit's registered ones, else all of them. */
static int loadModules(opening *o, CK_FUNCTION_LIST *one[2], CK_FUNCTION_LIST ***cand) {
    p11Key *k = o->k;
    const char *path = p11_kit_uri_get_module_path(o->uri), *name = p11_kit_uri_get_module_name(o->uri);
    if (path) {
        if (!(k->mod = p11_kit_module_load(path, 0)))
            return fail(o, P11_EMODULE, "module-path %.80s does not load: %.100s", path, p11_kit_message() ? p11_kit_message() : "");
        k->byPath = 1;
        CK_RV rv = p11_kit_module_initialize(k->mod);
        if (rv != CKR_OK) {
            char t[96];
            p11_kit_module_release(k->mod);
            k->mod = NULL, k->byPath = 0;
            return fail(o, P11_EMODULE, "module %.80s does not initialise: %s", path, rvText(rv, t));
        }
        one[0] = k->mod, one[1] = NULL;
        *cand = one;
        return 0;
    }
    k->mods = p11_kit_modules_load_and_initialize(0);
    if (!k->mods) return fail(o, P11_EMODULE, "p11-kit cannot load its registered modules: %.120s", p11_kit_message() ? p11_kit_message() : "");
    if (name) {
        if (!(one[0] = p11_kit_module_for_name(k->mods, name)))
            return fail(o, P11_EMODULE, "no module named %.60s is registered with p11-kit", name);
        one[1] = NULL;
        *cand = one;
    } else *cand = k->mods;
    if (!**cand) return fail(o, P11_EMODULE, "no PKCS#11 module is registered with p11-kit: add module-path=... to the URI");
    return 0;
}

/* tokenLabel: the space-padded label of t as a C string. */
static void tokenLabel(const CK_TOKEN_INFO *t, char out[33]) {
    size_t n = p11_kit_space_strlen(t->label, sizeof t->label);
    memcpy(out, t->label, n);
    out[n] = 0;
}

/* slotMatches: slot s of module m holds an initialised token the URI names. */
static int slotMatches(const opening *o, CK_FUNCTION_LIST *m, CK_SLOT_ID s, CK_TOKEN_INFO *t) {
    CK_SLOT_INFO si;
    CK_SLOT_ID want = p11_kit_uri_get_slot_id(o->uri);
    if (want != (CK_SLOT_ID)-1 && want != s) return 0;
    if (m->C_GetSlotInfo(s, &si) != CKR_OK || !p11_kit_uri_match_slot_info(o->uri, &si)) return 0;
    if (m->C_GetTokenInfo(s, t) != CKR_OK || !(t->flags & CKF_TOKEN_INITIALIZED)) return 0;
    return p11_kit_uri_match_token_info(o->uri, t);
}

/* findToken: the one slot among the candidates whose token matches; k->mod is
 * its module. Lists the tokens seen when none does. */
static int findToken(opening *o, CK_FUNCTION_LIST **cand, CK_SLOT_ID *slot, CK_TOKEN_INFO *ti) {
    char seen[160] = "";
    int matches = 0;
    for (size_t i = 0; cand[i]; i++) {
        CK_FUNCTION_LIST *m = cand[i];
        CK_INFO mi;
        CK_ULONG ns = 0;
        if (m->C_GetInfo(&mi) != CKR_OK || !p11_kit_uri_match_module_info(o->uri, &mi)) continue;
        if (m->C_GetSlotList(CK_TRUE, NULL, &ns) != CKR_OK || ns == 0) continue;
        CK_SLOT_ID *slots = calloc(ns, sizeof *slots);
        if (!slots) return fail(o, P11_EFAIL, "out of memory");
        if (m->C_GetSlotList(CK_TRUE, slots, &ns) != CKR_OK) ns = 0;
        for (CK_ULONG j = 0; j < ns; j++) {
            CK_TOKEN_INFO t;
            if (slotMatches(o, m, slots[j], &t)) {
                if (matches++ == 0) *slot = slots[j], *ti = t, o->k->mod = m;
            } else if (m->C_GetTokenInfo(slots[j], &t) == CKR_OK && (t.flags & CKF_TOKEN_INITIALIZED)) {
                char l[33];
                tokenLabel(&t, l);
                size_t n = strlen(seen);
                snprintf(seen + n, sizeof seen - n, "%s\"%s\"", n ? ", " : "", l);
            }
        }
        free(slots);
    }
    if (matches == 0)
        return fail(o, P11_ETOKEN, "no token matches the URI (%s%s)", *seen ? "tokens present: " : "no initialised token present", seen);
    if (matches > 1) return fail(o, P11_ETOKEN, "%d tokens match the URI: add token= or serial=", matches);
    tokenLabel(ti, o->k->token);
    return 0;
}

/* ---- session and login ---- */

static int openSession(opening *o, CK_SLOT_ID slot, int rw) {
    char t[96];
    CK_RV rv = o->k->mod->C_OpenSession(slot, CKF_SERIAL_SESSION | (rw ? CKF_RW_SESSION : 0), NULL, NULL, &o->k->sess);
    if (rv != CKR_OK) return fail(o, P11_EFAIL, "token \"%s\": no session: %s", o->k->token, rvText(rv, t));
    o->k->hasSess = 1;
    return 0;
}

/* readPin: the PIN from the URI's pin-source file (0600), else $WA_PKCS11_PIN
 * (zeroed and unset once read). Trailing whitespace dropped; caller bufWipe's. */
static int readPin(opening *o, buf *pin, const char **from) {
    const char *src = p11_kit_uri_get_pin_source(o->uri);
    char e[ERR_MAX];
    if (src) {
        const char *path = pinPath(src);
        if (!path) return fail(o, P11_EURI, "pin-source must be file:PATH (a 0600 file)");
        if (fileSecretRead(path, PIN_MAX, pin, e) < 0) return fail(o, P11_EPIN, "pin-source: %s", e);
        *from = "pin-source";
    } else {
        int rc = secretEnvTake("WA_PKCS11_PIN", pin, e);
        if (rc < 0) return fail(o, P11_EFAIL, "%s", e);
        if (rc == 0)
            return fail(o, P11_EPIN, "token \"%s\" needs a PIN: add pin-source=file:PATH (mode 0600) to the URI or set WA_PKCS11_PIN",
                        o->k->token);
        *from = "WA_PKCS11_PIN";
    }
    while (pin->len && isspace(pin->p[pin->len - 1])) pin->p[--pin->len] = 0;
    return 0;
}

/* login: as the token's user, unless the application already is (another key on
 * the same token) or the token wants no login. */
static int login(opening *o, const CK_TOKEN_INFO *ti) {
    p11Key *k = o->k;
    CK_SESSION_INFO si;
    char t[96];
    if (!(ti->flags & CKF_LOGIN_REQUIRED)) return 0;
    if (k->mod->C_GetSessionInfo(k->sess, &si) == CKR_OK &&
        (si.state == CKS_RO_USER_FUNCTIONS || si.state == CKS_RW_USER_FUNCTIONS))
        return 0;
    CK_RV rv;
    const char *from = "the token's own PIN pad";
    if (ti->flags & CKF_PROTECTED_AUTHENTICATION_PATH) rv = k->mod->C_Login(k->sess, CKU_USER, NULL, 0);
    else {
        buf pin = BUF_INIT;
        if (readPin(o, &pin, &from) < 0) { bufWipe(&pin); return -1; }
        rv = k->mod->C_Login(k->sess, CKU_USER, pin.p ? pin.p : (CK_BYTE *)"", pin.len);
        bufWipe(&pin);
    }
    if (rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN) return 0;
    if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LEN_RANGE)
        return fail(o, P11_EPIN, "wrong PIN for token \"%s\" (from %s)", k->token, from);
    if (rv == CKR_PIN_LOCKED || rv == CKR_PIN_EXPIRED)
        return fail(o, P11_EPIN, "the PIN of token \"%s\" is locked or expired: %s", k->token, rvText(rv, t));
    return fail(o, P11_EPIN, "login to token \"%s\" failed: %s", k->token, rvText(rv, t));
}

/* ---- objects ---- */

/* find: up to max objects matching tmpl into out; their count. -1 on a token error. */
static long find(opening *o, CK_ATTRIBUTE *tmpl, CK_ULONG n, CK_OBJECT_HANDLE *out, CK_ULONG max) {
    CK_FUNCTION_LIST *m = o->k->mod;
    CK_ULONG got = 0;
    char t[96];
    CK_RV rv = m->C_FindObjectsInit(o->k->sess, tmpl, n);
    if (rv == CKR_OK) {
        rv = m->C_FindObjects(o->k->sess, out, max, &got);
        m->C_FindObjectsFinal(o->k->sess);
    }
    if (rv != CKR_OK) return fail(o, P11_EFAIL, "token \"%s\": cannot search objects: %s", o->k->token, rvText(rv, t));
    return (long)got;
}

/* uriTemplate: the URI's object attributes (object=, id=) plus CKA_CLASS = cls. */
static CK_ULONG uriTemplate(const opening *o, CK_OBJECT_CLASS *cls, CK_ATTRIBUTE t[TMPL_MAX]) {
    CK_ULONG n = 0, have = 0;
    CK_ATTRIBUTE *a = p11_kit_uri_get_attributes(o->uri, &have);
    for (CK_ULONG i = 0; i < have && n < TMPL_MAX - 1; i++)
        if (a[i].type != CKA_CLASS) t[n++] = a[i];
    t[n++] = (CK_ATTRIBUTE){CKA_CLASS, cls, sizeof *cls};
    return n;
}

/* attr: one non-sensitive attribute of obj into v (cap bytes); its length, or -1
 * when the token has none or refuses it. Never used for CKA_VALUE. */
static long attr(const p11Key *k, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_TYPE type, void *v, CK_ULONG cap) {
    CK_ATTRIBUTE a = {type, v, cap};
    if (k->mod->C_GetAttributeValue(k->sess, obj, &a, 1) != CKR_OK || a.ulValueLen == (CK_ULONG)-1) return -1;
    return (long)a.ulValueLen;
}

/* boolAttr: a CK_BBOOL attribute; def when the token does not have it. */
static int boolAttr(const p11Key *k, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_TYPE type, int def) {
    CK_BBOOL b = 0;
    return attr(k, obj, type, &b, sizeof b) == (long)sizeof b ? b == CK_TRUE : def;
}

static const uint8_t OID_ED25519[] = {0x06, 0x03, 0x2b, 0x65, 0x70};
static const uint8_t OID_ED448[] = {0x06, 0x03, 0x2b, 0x65, 0x71};
static const uint8_t OID_SECP256K1[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x0a};
static const uint8_t OID_P256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
static const uint8_t NAME_ED25519[] = {0x13, 0x0c, 'e', 'd', 'w', 'a', 'r', 'd', 's', '2', '5', '5', '1', '9'};

static int same(const uint8_t *p, long n, const uint8_t *want, size_t wn) {
    return n == (long)wn && !memcmp(p, want, wn);
}

/* keyKind: what obj is, for people ("an Ed25519 key", "an RSA key", ...), and
 * *kind = P11_ED25519 / P11_SECP256K1 when it is one of ours (else 0). */
static const char *keyKind(const p11Key *k, CK_OBJECT_HANDLE obj, int *kind) {
    CK_KEY_TYPE kt = (CK_KEY_TYPE)-1;
    uint8_t p[128];
    *kind = 0;
    if (attr(k, obj, CKA_KEY_TYPE, &kt, sizeof kt) != (long)sizeof kt) return "an object without a key type";
    long n = kt == CKK_EC || kt == CKK_EC_EDWARDS ? attr(k, obj, CKA_EC_PARAMS, p, sizeof p) : -1;
    if (kt == CKK_EC_EDWARDS) {
        if (same(p, n, OID_ED25519, sizeof OID_ED25519) || same(p, n, NAME_ED25519, sizeof NAME_ED25519))
            return *kind = P11_ED25519, "an Ed25519 key";
        return same(p, n, OID_ED448, sizeof OID_ED448) ? "an Ed448 key" : "an EdDSA key on another curve";
    }
    if (kt == CKK_EC) {
        if (same(p, n, OID_SECP256K1, sizeof OID_SECP256K1)) return *kind = P11_SECP256K1, "a secp256k1 key";
        return same(p, n, OID_P256, sizeof OID_P256) ? "a P-256 key" : "an EC key on another curve";
    }
    if (kt == CKK_RSA) return "an RSA key";
    if (kt == 0x41UL) return "an X25519/X448 key (key agreement only)";   /* CKK_EC_MONTGOMERY */
    return "a key of another type";
}

static const char *kindName(int kind) {
    return kind == P11_ED25519 ? "an Ed25519 key" : "a secp256k1 key";
}

/* checkKind: obj is a key of k's kind, else P11_ETYPE naming what it is. */
static int checkKind(opening *o, CK_OBJECT_HANDLE obj, const char *what) {
    int kind;
    const char *is = keyKind(o->k, obj, &kind);
    if (kind != o->k->kind) return fail(o, P11_ETYPE, "the %s is %s, want %s", what, is, kindName(o->k->kind));
    return 0;
}

/* setPoint: k->pub from a CKA_EC_POINT value: the point itself or, as PKCS#11
 * wants, wrapped in a DER OCTET STRING. Refuses points that are not on the curve
 * (and small-order or non-canonical Ed25519 points). */
static int setPoint(opening *o, const uint8_t *p, long n) {
    p11Key *k = o->k;
    if (k->kind == P11_ED25519) {
        if (n == 34 && p[0] == 0x04 && p[1] == 32) p += 2, n -= 2;
        if (n != 32 || !crypto_core_ed25519_is_valid_point(p))
            return fail(o, P11_EKEY, "the public key (CKA_EC_POINT) is not a valid Ed25519 point");
        memcpy(k->pub, p, 32);
        k->publen = 32;
        return 0;
    }
    if ((n == 67 && p[0] == 0x04 && p[1] == 65) || (n == 35 && p[0] == 0x04 && p[1] == 33)) p += 2, n -= 2;
    secp256k1_pubkey pk;
    size_t len = 65;
    if ((n != 65 && n != 33) || !secp256k1_ec_pubkey_parse(secp256k1_context_static, &pk, p, (size_t)n))
        return fail(o, P11_EKEY, "the public key (CKA_EC_POINT) is not a valid secp256k1 point");
    secp256k1_ec_pubkey_serialize(secp256k1_context_static, k->pub, &len, &pk, SECP256K1_EC_UNCOMPRESSED);
    k->publen = 65;
    return 0;
}

/* readPoint: k->pub from obj's CKA_EC_POINT. 1 read, 0 obj has none, -1 bad. */
static int readPoint(opening *o, CK_OBJECT_HANDLE obj) {
    uint8_t p[160];
    long n = attr(o->k, obj, CKA_EC_POINT, p, sizeof p);
    if (n < 0) return 0;
    return setPoint(o, p, n) < 0 ? -1 : 1;
}

/* pairedPublic: the public key object beside priv: same CKA_ID (same label when it
 * has no id); else priv's own CKA_EC_POINT where the token offers one. */
static int pairedPublic(opening *o, CK_OBJECT_HANDLE priv) {
    p11Key *k = o->k;
    uint8_t id[128];
    char label[256];
    CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
    CK_ATTRIBUTE t[2] = {{CKA_CLASS, &cls, sizeof cls}};
    long n = attr(k, priv, CKA_ID, id, sizeof id);
    if (n > 0) t[1] = (CK_ATTRIBUTE){CKA_ID, id, (CK_ULONG)n};
    else if ((n = attr(k, priv, CKA_LABEL, label, sizeof label)) > 0) t[1] = (CK_ATTRIBUTE){CKA_LABEL, label, (CK_ULONG)n};
    CK_OBJECT_HANDLE pub[2];
    long got = n > 0 ? find(o, t, 2, pub, 2) : 0;
    if (got < 0) return -1;
    if (got == 1) {
        if (checkKind(o, pub[0], "public key beside it") < 0) return -1;
        int rc = readPoint(o, pub[0]);
        if (rc) return rc < 0 ? -1 : 0;
    }
    int rc = readPoint(o, priv);
    if (rc) return rc < 0 ? -1 : 0;
    return fail(o, P11_EKEY, "token \"%s\": %s public key object beside the private key (same id): import the key pair with its public half",
                k->token, got > 1 ? "more than one" : "no");
}

/* openPool: the signing sessions: the first one and up to POOL_MAX - 1 more (a
 * token that allows fewer gives fewer). They share the application's login. */
static void openPool(p11Key *k, CK_SLOT_ID slot) {
    k->pool[0] = k->sess;
    k->npool = 1;
    while (k->npool < POOL_MAX &&
           k->mod->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &k->pool[k->npool]) == CKR_OK)
        k->npool++;
}

/* take / give: a free signing session, waiting for one when all are in use. */
static int take(p11Key *k) {
    pthread_mutex_lock(&k->mu);
    for (;;) {
        for (int i = 0; i < k->npool; i++)
            if (!k->busy[i]) {
                k->busy[i] = 1;
                pthread_mutex_unlock(&k->mu);
                return i;
            }
        pthread_cond_wait(&k->freed, &k->mu);
    }
}

static void give(p11Key *k, int i) {
    pthread_mutex_lock(&k->mu);
    k->busy[i] = 0;
    pthread_cond_signal(&k->freed);
    pthread_mutex_unlock(&k->mu);
}

/* checkPair: a test signature of the token verifies under k->pub: the private
 * and public objects belong together and the token signs as we expect. */
static int checkPair(opening *o) {
    static const char probe[] = "witness-anchor: pkcs11 key check";
    uint8_t sig[P11_SIG_LEN], md[32];
    char e[ERR_MAX];
    p11Key *k = o->k;
    if (k->kind == P11_ED25519) {
        if (p11KeySign(k, (const uint8_t *)probe, sizeof probe - 1, sig, e) < 0) return fail(o, P11_EFAIL, "%s", e);
        if (crypto_sign_verify_detached(sig, (const uint8_t *)probe, sizeof probe - 1, k->pub) != 0)
            return fail(o, P11_EKEY, "the token's Ed25519 signature does not verify under the public key beside it");
        return 0;
    }
    sha256(probe, sizeof probe - 1, md);
    if (p11KeySign(k, md, sizeof md, sig, e) < 0) return fail(o, P11_EFAIL, "%s", e);
    secp256k1_ecdsa_signature s;
    secp256k1_pubkey pk;
    if (!secp256k1_ecdsa_signature_parse_compact(secp256k1_context_static, &s, sig) ||
        !secp256k1_ec_pubkey_parse(secp256k1_context_static, &pk, k->pub, k->publen))
        return fail(o, P11_EFAIL, "the token's ECDSA signature is not r || s below the curve order");
    secp256k1_ecdsa_signature_normalize(secp256k1_context_static, &s, &s);
    if (!secp256k1_ecdsa_verify(secp256k1_context_static, &s, md, &pk))
        return fail(o, P11_EKEY, "the token's ECDSA signature does not verify under the public key beside it");
    return 0;
}

/* findPrivate: the one private key the URI names; its kind and use checked. */
static int findPrivate(opening *o) {
    p11Key *k = o->k;
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    CK_ATTRIBUTE t[TMPL_MAX];
    CK_OBJECT_HANDLE h[2];
    long got = find(o, t, uriTemplate(o, &cls, t), h, 2);
    if (got < 0) return -1;
    if (got == 0) return fail(o, P11_EKEY, "token \"%s\" has no private key the URI names (object=, id=)", k->token);
    if (got > 1) return fail(o, P11_EKEY, "token \"%s\" has several private keys the URI names: add object= or id=", k->token);
    if (checkKind(o, h[0], "key") < 0) return -1;
    if (!boolAttr(k, h[0], CKA_SIGN, 0)) return fail(o, P11_ETYPE, "the key may not sign (CKA_SIGN is false)");
    if (boolAttr(k, h[0], CKA_ALWAYS_AUTHENTICATE, 0))
        return fail(o, P11_ETYPE, "the key wants the PIN for every signature (CKA_ALWAYS_AUTHENTICATE): not supported");
    k->priv = h[0];
    k->exportable = !boolAttr(k, h[0], CKA_SENSITIVE, 0) || boolAttr(k, h[0], CKA_EXTRACTABLE, 1);
    return 0;
}

/* findPublicOnly: the one public key object the URI names; read without login. */
static int findPublicOnly(opening *o) {
    CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
    CK_ATTRIBUTE t[TMPL_MAX];
    CK_OBJECT_HANDLE h[2];
    long got = find(o, t, uriTemplate(o, &cls, t), h, 2);
    if (got < 0) return -1;
    if (got != 1)
        return fail(o, P11_EKEY, "token \"%s\" has %s public key object the URI names (object=, id=)", o->k->token,
                    got ? "more than one" : "no");
    if (checkKind(o, h[0], "key") < 0) return -1;
    int rc = readPoint(o, h[0]);
    return rc > 0 ? 0 : rc < 0 ? -1 : fail(o, P11_EKEY, "the public key object has no CKA_EC_POINT");
}

/* ---- open, sign, close ---- */

static p11Key *newKey(int kind, const char *setting, opening *o, int *code, char *err) {
    p11Key *k = calloc(1, sizeof *k);
    *o = (opening){k, NULL, code, err};
    *code = P11_OK;
    if (!k) { *code = P11_EFAIL; errSet(err, "%s: out of memory", setting); return NULL; }
    k->kind = kind;
    k->priv = CK_INVALID_HANDLE;
    snprintf(k->setting, sizeof k->setting, "%s", setting);
    pthread_mutex_init(&k->mu, NULL);
    pthread_cond_init(&k->freed, NULL);
    p11_kit_be_quiet();   /* p11-kit's own warnings go into our messages instead */
    return k;
}

/* reach: URI, module, token, session (rw for generation) and, when login, the login
 * and the pool of signing sessions. */
static int reach(opening *o, const char *uri, int rw, int doLogin, CK_TOKEN_INFO *ti) {
    CK_FUNCTION_LIST *one[2], **cand = NULL;
    CK_SLOT_ID slot = 0;
    if (parseUri(o, uri) < 0 || loadModules(o, one, &cand) < 0 || findToken(o, cand, &slot, ti) < 0) return -1;
    if (openSession(o, slot, rw) < 0) return -1;
    if (!doLogin) return 0;
    if (login(o, ti) < 0) return -1;
    openPool(o->k, slot);
    return 0;
}

/* finish: what an open leaves behind: the URI freed, the key or NULL. */
static p11Key *finish(opening *o, int rc) {
    p11_kit_uri_free(o->uri);
    if (rc == 0) return o->k;
    p11KeyClose(o->k);
    return NULL;
}

p11Key *p11KeyOpen(const char *uri, int kind, int forSigning, const char *setting, int *code, char *err) {
    opening o;
    CK_TOKEN_INFO ti;
    if (!newKey(kind, setting, &o, code, err)) return NULL;
    int rc = reach(&o, uri, 0, forSigning, &ti);
    if (rc == 0 && forSigning) rc = findPrivate(&o) < 0 || pairedPublic(&o, o.k->priv) < 0 || checkPair(&o) < 0 ? -1 : 0;
    else if (rc == 0) rc = findPublicOnly(&o);
    if (rc == 0 && forSigning && o.k->exportable)
        logKv(LL_WARN, "this token key can be exported (not CKA_SENSITIVE, or CKA_EXTRACTABLE): re-import it protected",
              "{s:s,s:s}", "setting", setting, "token", o.k->token);
    return finish(&o, rc);
}

size_t p11KeyPub(const p11Key *k, uint8_t pub[P11_PUB_MAX]) {
    memcpy(pub, k->pub, k->publen);
    return k->publen;
}

int p11KeyExportable(const p11Key *k) {
    return k->exportable;
}

int p11KeySign(p11Key *k, const uint8_t *msg, size_t len, uint8_t sig[P11_SIG_LEN], char *err) {
    char t[96];
    if (k->priv == CK_INVALID_HANDLE) return errSet(err, "%s: the key was opened without its private half", k->setting);
    CK_MECHANISM m = {k->kind == P11_ED25519 ? CKM_EDDSA : CKM_ECDSA, NULL, 0};
    CK_ULONG n = P11_SIG_LEN;
    int s = take(k);
    CK_RV rv = k->mod->C_SignInit(k->pool[s], &m, k->priv);
    if (rv == CKR_OK) rv = k->mod->C_Sign(k->pool[s], (CK_BYTE *)msg, len, sig, &n);
    give(k, s);
    if (rv != CKR_OK) return errSet(err, "%s: token \"%s\" did not sign: %s", k->setting, k->token, rvText(rv, t));
    if (n != P11_SIG_LEN) return errSet(err, "%s: token \"%s\" returned a %lu-byte signature, want 64", k->setting, k->token, (unsigned long)n);
    return 0;
}

void p11KeyClose(p11Key *k) {
    if (!k) return;
    for (int i = 1; i < k->npool; i++) k->mod->C_CloseSession(k->pool[i]);
    if (k->hasSess) k->mod->C_CloseSession(k->sess);
    if (k->byPath) {
        p11_kit_module_finalize(k->mod);
        p11_kit_module_release(k->mod);
    }
    if (k->mods) p11_kit_modules_finalize_and_release(k->mods);
    pthread_mutex_destroy(&k->mu);
    pthread_cond_destroy(&k->freed);
    sodium_memzero(k, sizeof *k);
    free(k);
}

/* ---- generation ---- */

/* generate: the key pair in the token, refusing a label or id already there. */
static int generate(opening *o) {
    p11Key *k = o->k;
    CK_ATTRIBUTE *label = p11_kit_uri_get_attribute(o->uri, CKA_LABEL), *uid = p11_kit_uri_get_attribute(o->uri, CKA_ID);
    if (!label || !label->ulValueLen) return fail(o, P11_EURI, "object= must name the new key");
    uint8_t rid[16];
    CK_ATTRIBUTE id = uid && uid->ulValueLen ? *uid : (CK_ATTRIBUTE){CKA_ID, rid, sizeof rid};
    randombytes_buf(rid, sizeof rid);
    CK_OBJECT_HANDLE h[1];
    for (int i = 0; i < 2; i++) {
        CK_ATTRIBUTE t[1] = {i ? id : *label};
        long got = find(o, t, 1, h, 1);
        if (got < 0) return -1;
        if (got) return fail(o, P11_EKEY, "token \"%s\" already has an object with this %s", k->token, i ? "id" : "label");
    }
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    int ed = k->kind == P11_ED25519;
    CK_ATTRIBUTE params = ed ? (CK_ATTRIBUTE){CKA_EC_PARAMS, (void *)OID_ED25519, sizeof OID_ED25519}
                             : (CK_ATTRIBUTE){CKA_EC_PARAMS, (void *)OID_SECP256K1, sizeof OID_SECP256K1};
    CK_ATTRIBUTE pubT[] = {{CKA_TOKEN, &yes, 1}, {CKA_PRIVATE, &no, 1}, {CKA_VERIFY, &yes, 1}, params, *label, id};
    CK_ATTRIBUTE privT[] = {{CKA_TOKEN, &yes, 1}, {CKA_PRIVATE, &yes, 1}, {CKA_SENSITIVE, &yes, 1},
                            {CKA_EXTRACTABLE, &no, 1}, {CKA_SIGN, &yes, 1}, *label, id};
    CK_MECHANISM m = {ed ? CKM_EC_EDWARDS_KEY_PAIR_GEN : CKM_EC_KEY_PAIR_GEN, NULL, 0};
    CK_OBJECT_HANDLE pub, priv;
    char t[96];
    CK_RV rv = k->mod->C_GenerateKeyPair(k->sess, &m, pubT, sizeof pubT / sizeof *pubT, privT, sizeof privT / sizeof *privT, &pub, &priv);
    if (rv == CKR_MECHANISM_INVALID || rv == CKR_CURVE_NOT_SUPPORTED || rv == CKR_DOMAIN_PARAMS_INVALID)
        return fail(o, P11_ETYPE, "token \"%s\" cannot generate %s: %s", k->token, kindName(k->kind), rvText(rv, t));
    if (rv != CKR_OK) return fail(o, P11_EFAIL, "token \"%s\": key generation failed: %s", k->token, rvText(rv, t));
    return 0;
}

p11Key *p11KeyGenerate(const char *uri, int kind, const char *setting, int *code, char *err) {
    opening o;
    CK_TOKEN_INFO ti;
    if (!newKey(kind, setting, &o, code, err)) return NULL;
    int rc = reach(&o, uri, 1, 1, &ti);
    if (rc == 0) rc = generate(&o) < 0 || findPrivate(&o) < 0 || pairedPublic(&o, o.k->priv) < 0 || checkPair(&o) < 0 ? -1 : 0;
    return finish(&o, rc);
}
