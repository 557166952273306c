/* didlog_main.c -- the didlog command: did:webvh v1.0 DID logs from the shell.
 *
 * Exit codes: the one table of core/io/exit.h -- 0 success (verify: valid), 1 invalid
 * (verify/resolve: the log or DID is invalid or the version not found; create/update...:
 * the entry is refused), 2 usage, 3 a file or key cannot be read or written, 4 resolve:
 * the server could not be reached. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>
#include "core/jcs.h"
#include "core/json.h"
#include "core/multiformat.h"
#include "core/rfc3339.h"
#include "didlog/deref.h"
#include "didlog/didurl.h"
#include "didlog/didweb.h"
#include "core/io/exit.h"
#include "core/io/opt.h"
#include "core/io/http.h"
#include "core/io/file.h"
#include "core/io/clock.h"
#include "didlog/key.h"
#include "didlog/resolution.h"
#include "didlog/webvh.h"
#include "verifier/event/event.h"

#define MAXV 64

/* ---------- argument parsing (core/io/opt.h) ---------- */

/* parseCmd: argv (argv[0] = the command's name) by spec, at most maxPos positionals.
 * EXIT_OK (a->help may be set), or EXIT_USAGE after the message. */
static int parseCmd(int argc, char **argv, const optSpec *spec, int maxPos, optArgs *a) {
    char err[ERR_MAX], prog[48];
    snprintf(prog, sizeof prog, "didlog %s", argv[0]);
    return optParse(argc, argv, 1, spec, maxPos, 0, a, err) < 0 ? optUsageError(prog, err) : EXIT_OK;
}

/* help: a command's --help text and the exit codes on stdout; EXIT_OK. */
static int help(const char *text) {
    printf("%s\n\n", text);
    exitHelp(stdout, EXIT_DIDLOG);
    return EXIT_OK;
}

/* fail: "didlog: what[: err]" on stderr; returns code (core/io/exit.h). */
static int fail(int code, const char *what, const char *err) {
    fprintf(stderr, "didlog: %s%s%s\n", what, err ? ": " : "", err ? err : "");
    return code;
}

/* ---------- shared helpers ---------- */

/* versionTimeArg: --time, or now (bumped past the head's time so entries stay strictly increasing). */
static void versionTimeArg(const optArgs *a, const webvhLog *log, char out[RFC3339_MAX]) {
    const char *t = optGet(a, "time");
    if (t) { snprintf(out, RFC3339_MAX, "%s", t); return; }
    int64_t now = clockWallMs() / 1000;
    const webvhEntry *h = log ? webvhHead(log) : NULL;
    if (h && (double)now <= h->time) now = (int64_t)h->time + 1;
    rfc3339Format(now, out);
}

/* loadLog: read, parse and verify (witness thresholds aside) a log to append to.
 * EXIT_OK and *out, or + err EXIT_CONFIG (cannot read it) or EXIT_FAIL (not a valid log). */
static int loadLog(const char *path, webvhLog **out, char *err) {
    buf b = BUF_INIT;
    *out = NULL;
    if (fileRead(path, WEBVH_LOG_MAX, &b, err) < 0) { bufFree(&b); return EXIT_CONFIG; }
    webvhLog *log = webvhParse((const char *)b.p, b.len, err);
    bufFree(&b);
    if (!log) return EXIT_FAIL;
    webvhOpts o = {.skipWitness = 1};
    webvhResult r;
    if (webvhVerify(log, &o, &r) < 0) {
        errSet(err, "%s is not a valid DID log: %s", path, r.error);
        webvhFree(log);
        return EXIT_FAIL;
    }
    *out = log;
    return EXIT_OK;
}

static int saveLog(const webvhLog *log, const char *path, char *err) {
    return fileWrite(path, log->text.p, log->text.len, 0644, err);
}

/* didFrom: "did:webvh:<scid>:<host>[%3A<port>][:<path>…]" from --domain/--path. */
static int didFrom(const char *scid, const optArgs *a, buf *out, char *err) {
    const char *dom = optGet(a, "domain"), *paths[MAXV];
    if (!dom) return errSet(err, "--domain is required");
    bufReset(out);
    bufPrintf(out, "did:webvh:%s:", scid);
    const char *colon = strrchr(dom, ':');
    char host[256];
    snprintf(host, sizeof host, "%.*s", colon ? (int)(colon - dom) : (int)strlen(dom), dom);
    didPctEncode(host, strlen(host), out);
    if (colon) bufPrintf(out, "%%3A%s", colon + 1);
    int np = optAll(a, "path", paths, MAXV);
    for (int i = 0; i < np; i++) {
        bufPutc(out, ':');
        if (!strcmp(paths[i], "{SCID}")) bufPuts(out, "{SCID}");   /* becomes the SCID, like the DID's first part */
        else didPctEncode(paths[i], strlen(paths[i]), out);
    }
    didParts p;
    if (didParse((const char *)out->p, DID_PLACEHOLDER, &p, err) < 0) return -1;
    didPartsFree(&p);
    return 0;
}

/* keyFragment: the ts convention for key fragments, "#" and the multikey's last 8
 * characters (mk: pk's multikey, filled in). didlog create names keys so, and sign-event
 * names the key it signs with so by default. */
static void keyFragment(const uint8_t pk[32], char mk[MULTIKEY_PUB_MAX], char frag[10]) {
    mkEncodeEd25519Pub(pk, mk);
    snprintf(frag, 10, "#%s", mk + strlen(mk) - 8);
}

/* vmFor: pk's Multikey verification method in did's document; its id in *idOut. */
static json_t *vmFor(const char *did, const uint8_t pk[32], buf *idOut) {
    char mk[MULTIKEY_PUB_MAX], frag[10];
    keyFragment(pk, mk, frag);
    bufReset(idOut);
    bufPrintf(idOut, "%s%s", did, frag);
    return json_pack("{ss ss ss ss}", "id", (const char *)idOut->p, "type", "Multikey", "controller", did, "publicKeyMultibase", mk);
}

/* addKeyToState: a Multikey verification method, referenced from authentication and assertionMethod. */
static void addKeyToState(json_t *st, const char *did, const uint8_t pk[32]) {
    buf id = BUF_INIT;
    json_t *vm = vmFor(did, pk, &id);
    static const char *rel[] = {"verificationMethod", "authentication", "assertionMethod"};
    for (int i = 0; i < 3; i++) {
        json_t *arr = json_object_get(st, rel[i]);
        if (!json_is_array(arr)) json_object_set_new(st, rel[i], arr = json_array());
        json_array_append_new(arr, i == 0 ? json_incref(vm), vm : json_string((const char *)id.p));
    }
    json_decref(vm);
    bufFree(&id);
}

/* removeRef: drop every method / reference / service whose id (or fragment) is id. */
static int removeRef(json_t *st, const char *id) {
    static const char *rel[] = {"verificationMethod", "authentication", "assertionMethod", "keyAgreement",
                                "capabilityInvocation", "capabilityDelegation", "service"};
    int removed = 0;
    for (int i = 0; i < 7; i++) {
        json_t *arr = json_object_get(st, rel[i]);
        for (size_t k = json_array_size(arr); k-- > 0;) {
            json_t *x = json_array_get(arr, k);
            const char *xid = json_is_string(x) ? json_string_value(x) : jsonGetStr(x, "id");
            const char *frag = xid ? strchr(xid, '#') : NULL;
            if (xid && (!strcmp(xid, id) || (frag && (!strcmp(frag, id) || !strcmp(frag + 1, id)))))
                json_array_remove(arr, k), removed++;
        }
    }
    return removed;
}

/* keyArrayArg: a JSON array of multikeys from public-key arguments. */
static json_t *keyArrayArg(const char **v, int n, char *err) {
    json_t *arr = json_array();
    for (int i = 0; i < n; i++) {
        uint8_t pk[32];
        char mk[MULTIKEY_PUB_MAX];
        if (keyPublicArg(v[i], pk, err) < 0) { json_decref(arr); return NULL; }
        mkEncodeEd25519Pub(pk, mk);
        json_array_append_new(arr, json_string(mk));
    }
    return arr;
}

/* hashArrayArg: nextKeyHashes from hashes or public keys (hashed here). */
static json_t *hashArrayArg(const char **v, int n, char *err) {
    json_t *arr = json_array();
    for (int i = 0; i < n; i++) {
        uint8_t pk[32];
        char mk[MULTIKEY_PUB_MAX];
        if (!strncmp(v[i], "Qm", 2) && access(v[i], F_OK) != 0) { json_array_append_new(arr, json_string(v[i])); continue; }
        if (keyPublicArg(v[i], pk, err) < 0) { json_decref(arr); return NULL; }
        mkEncodeEd25519Pub(pk, mk);
        buf h = BUF_INIT;
        webvhKeyHash(mk, &h);
        json_array_append_new(arr, json_string((const char *)h.p));
        bufFree(&h);
    }
    return arr;
}

/* witnessArg: {"threshold":N,"witnesses":[{"id":"did:key:…"}…]} from --witness/--threshold. */
static json_t *witnessArg(const optArgs *a, char *err) {
    const char *w[MAXV];
    int n = optAll(a, "witness", w, MAXV);
    if (!n) return NULL;
    json_t *ws = json_array();
    for (int i = 0; i < n; i++) {
        uint8_t pk[32];
        char dk[DIDKEY_MAX];
        if (keyPublicArg(w[i], pk, err) < 0) { json_decref(ws); return NULL; }
        didkeyFromPub(pk, dk);
        json_array_append_new(ws, json_pack("{ss}", "id", dk));
    }
    const char *th = optGet(a, "threshold");
    return json_pack("{si so}", "threshold", th ? atoi(th) : 1, "witnesses", ws);
}

/* readKey: the key file --opt names. EXIT_OK, or + err EXIT_USAGE (not given) or
 * EXIT_CONFIG (cannot be read or used). */
static int readKey(const optArgs *a, const char *opt, edKey *k, char *err) {
    const char *p = optGet(a, opt);
    if (!p) return errSet(err, "--%s FILE is required", opt), EXIT_USAGE;
    return keyFileRead(p, k, err) < 0 ? EXIT_CONFIG : EXIT_OK;
}

/* ---------- subcommands ---------- */

static int cmdKeygen(int argc, char **argv) {
    static const optSpec spec[] = {{"out", OPT_VALUE}, {NULL, 0}};
    optArgs a;
    int prc = parseCmd(argc, argv, spec, 0, &a);
    if (prc) return prc;
    if (a.help) {
        return help("usage: didlog keygen --out FILE\n"
             "  Writes a new Ed25519 key file (mode 0600, never overwrites) and prints\n"
             "  its public multikey and did:key.");
    }
    char err[ERR_MAX];
    if (!optGet(&a, "out")) return fail(EXIT_USAGE, "usage: didlog keygen --out FILE", NULL);
    edKey k;
    if (edKeyGenerate(&k) < 0) return fail(EXIT_FAIL, "cannot generate a key", NULL);
    int rc = keyFileWrite(optGet(&a, "out"), &k, err);
    char mk[MULTIKEY_PUB_MAX], dk[DIDKEY_MAX];
    mkEncodeEd25519Pub(k.pk, mk);
    didkeyFromPub(k.pk, dk);
    edKeyWipe(&k);
    if (rc < 0) return fail(EXIT_CONFIG, "keygen", err);
    printf("%s\n%s\n", mk, dk);
    return 0;
}

static int cmdCreate(int argc, char **argv) {
    static const optSpec spec[] = {{"domain", OPT_VALUE}, {"path", OPT_MULTI}, {"update-key", OPT_VALUE}, {"key", OPT_MULTI},
                                   {"witness", OPT_MULTI}, {"threshold", OPT_VALUE}, {"next-key-hash", OPT_MULTI},
                                   {"ttl", OPT_VALUE}, {"watcher", OPT_MULTI}, {"time", OPT_VALUE}, {"out", OPT_VALUE},
                                   {"portable", OPT_FLAG}, {NULL, 0}};
    optArgs a;
    int prc = parseCmd(argc, argv, spec, 0, &a);
    if (prc) return prc;
    if (a.help) {
        return help("usage: didlog create --domain HOST[:PORT] [--path SEG]... --update-key FILE\n"
             "         [--key FILE|MULTIKEY]... [--witness DIDKEY|FILE]... [--threshold N]\n"
             "         [--next-key-hash HASH|KEY]... [--portable] [--ttl SECONDS]\n"
             "         [--watcher URL]... [--time T] [--out did.jsonl]\n"
             "  Writes the genesis entry (SCID placeholder process) and prints the DID.\n"
             "  --path {SCID} puts the DID's own SCID in the path (the hosting\n"
             "  layout <prefix>/<scid>/did.jsonl).\n"
             "  --key adds verification methods (default: the update key); --out defaults\n"
             "  to did.jsonl; --time defaults to now (RFC 3339 UTC).");
    }
    char err[ERR_MAX];
    edKey uk;
    buf did = BUF_INIT, line = BUF_INIT;
    if (didFrom("{SCID}", &a, &did, err) < 0) { bufFree(&did); return fail(EXIT_USAGE, "create", err); }
    int rc = readKey(&a, "update-key", &uk, err);
    if (rc) { bufFree(&did); return fail(rc, "create", err); }
    char mk[MULTIKEY_PUB_MAX], vt[RFC3339_MAX];
    mkEncodeEd25519Pub(uk.pk, mk);
    json_t *st = json_pack("{s[ss] ss}", "@context", "https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1",
                           "id", (const char *)did.p);
    const char *keys[MAXV], *nk[MAXV], *wt[MAXV];
    int nkeys = optAll(&a, "key", keys, MAXV);
    uint8_t pk[32];
    rc = EXIT_CONFIG;   /* a key argument, until the entry is built */
    if (!nkeys) addKeyToState(st, (const char *)did.p, uk.pk);
    for (int i = 0; i < nkeys; i++) {
        if (keyPublicArg(keys[i], pk, err) < 0) goto out;
        addKeyToState(st, (const char *)did.p, pk);
    }
    json_t *params = json_pack("{s[s]}", "updateKeys", mk), *x;
    int nn = optAll(&a, "next-key-hash", nk, MAXV), nw = optAll(&a, "watcher", wt, MAXV);
    if (nn) {
        if (!(x = hashArrayArg(nk, nn, err))) { json_decref(params); goto out; }
        json_object_set_new(params, "nextKeyHashes", x);
    }
    if (optAll(&a, "witness", keys, MAXV)) {
        if (!(x = witnessArg(&a, err))) { json_decref(params); goto out; }
        json_object_set_new(params, "witness", x);
    }
    if (nw) {
        json_t *w = json_array();
        for (int i = 0; i < nw; i++) json_array_append_new(w, json_string(wt[i]));
        json_object_set_new(params, "watchers", w);
    }
    json_object_set_new(params, "portable", json_boolean(optGet(&a, "portable") != NULL));
    if (optGet(&a, "ttl")) json_object_set_new(params, "ttl", json_integer(atoll(optGet(&a, "ttl"))));
    versionTimeArg(&a, NULL, vt);
    rc = EXIT_FAIL;
    webvhLog *log = webvhCreate(st, params, vt, uk.sk, &line, err);
    json_decref(params);
    if (!log) goto out;
    const char *outp = optGet(&a, "out") ? optGet(&a, "out") : "did.jsonl";
    rc = EXIT_CONFIG;
    if (fileWrite(outp, line.p, line.len, 0644, err) == 0) {
        printf("%s\n", webvhHead(log)->did);
        rc = EXIT_OK;
    }
    webvhFree(log);
out:
    if (rc) fail(rc, "create", err);
    edKeyWipe(&uk);
    json_decref(st);
    bufFree(&did);
    bufFree(&line);
    return rc;
}

/* appendTo: sign the next entry (state st, parameter changes params) onto log.
 * EXIT_OK, or EXIT_FAIL + err when the entry is refused. */
static int appendTo(const optArgs *a, webvhLog *log, json_t *st, json_t *params, const edKey *k, char *err) {
    char vt[RFC3339_MAX];
    versionTimeArg(a, log, vt);
    return webvhAppend(log, st, params, vt, k->sk, NULL, err) < 0 ? EXIT_FAIL : EXIT_OK;
}

/* finishAppend: save log (to --out or path) and print the new versionId. EXIT_OK, or
 * EXIT_CONFIG + err when it cannot be written. */
static int finishAppend(const optArgs *a, const char *path, webvhLog *log, char *err) {
    const char *outp = optGet(a, "out") ? optGet(a, "out") : path;
    if (saveLog(log, outp, err) < 0) return EXIT_CONFIG;
    printf("%s\n", webvhHead(log)->versionId);
    return EXIT_OK;
}

static int cmdUpdate(int argc, char **argv) {
    static const optSpec spec[] = {{"key", OPT_VALUE}, {"add-key", OPT_MULTI}, {"remove-key", OPT_MULTI}, {"add-service", OPT_MULTI},
                                   {"remove-service", OPT_MULTI}, {"controller", OPT_MULTI}, {"also-known-as", OPT_MULTI},
                                   {"state", OPT_VALUE}, {"domain", OPT_VALUE}, {"path", OPT_MULTI}, {"witness", OPT_MULTI},
                                   {"threshold", OPT_VALUE}, {"watcher", OPT_MULTI}, {"ttl", OPT_VALUE}, {"time", OPT_VALUE},
                                   {"out", OPT_VALUE}, {"no-witnesses", OPT_FLAG}, {NULL, 0}};
    optArgs a;
    int prc = parseCmd(argc, argv, spec, 1, &a);
    if (prc) return prc;
    if (a.help) {
        return help("usage: didlog update LOG --key FILE [--add-key FILE|MULTIKEY]... [--remove-key ID]...\n"
             "         [--add-service JSON]... [--remove-service ID]... [--controller DID]...\n"
             "         [--also-known-as DID]... [--state FILE] [--domain HOST[:PORT] [--path SEG]...]\n"
             "         [--witness DIDKEY|FILE]... [--threshold N] [--no-witnesses] [--watcher URL]...\n"
             "         [--ttl SECONDS] [--time T] [--out FILE]\n"
             "  Appends a state change signed with an active update key (--key) and prints\n"
             "  the new versionId. --domain moves a portable DID (old DID kept in alsoKnownAs).\n"
             "  --state replaces the whole DID document with FILE's JSON.");
    }
    char err[ERR_MAX];
    if (a.npos != 1)
        return fail(EXIT_USAGE, "usage: didlog update LOG --key FILE ... (see --help)", NULL);
    webvhLog *log;
    int rc = loadLog(a.pos[0], &log, err);
    if (rc) return fail(rc, "update", err);
    edKey k;
    json_t *st = NULL, *params = json_object(), *x;
    const char *v[MAXV];
    int n;
    if ((rc = readKey(&a, "key", &k, err))) { webvhFree(log); json_decref(params); return fail(rc, "update", err); }
    const webvhEntry *h = webvhHead(log);
    rc = EXIT_CONFIG;   /* --state, until it is read */
    if (optGet(&a, "state")) {
        buf b = BUF_INIT;
        if (fileRead(optGet(&a, "state"), WEBVH_LINE_MAX, &b, err) == 0) st = jsonParse((const char *)b.p, b.len, WEBVH_LINE_MAX, 64, err);
        bufFree(&b);
        if (!st) goto out;
    } else {
        st = json_deep_copy(h->state);
    }
    rc = EXIT_USAGE;    /* the option values, until they are applied */
    if (optGet(&a, "domain")) {
        buf nd = BUF_INIT;
        if (didFrom(h->act.scid, &a, &nd, err) < 0) { bufFree(&nd); goto out; }
        size_t l;
        char *s = jcsDump(st, &l, err);
        buf r = BUF_INIT;
        const char *q, *p = s;
        /* Rename: every occurrence of the old DID (as a whole string prefix) becomes the new one. */
        while ((q = strstr(p, h->did))) bufAppend(&r, p, (size_t)(q - p)), bufAppend(&r, nd.p, nd.len), p = q + strlen(h->did);
        bufPuts(&r, p);
        json_decref(st);
        st = jsonParse((const char *)r.p, r.len, WEBVH_LINE_MAX, 64, err);
        free(s);
        bufFree(&r);
        if (st) {
            json_t *aka = json_object_get(st, "alsoKnownAs");
            if (!json_is_array(aka)) json_object_set_new(st, "alsoKnownAs", aka = json_array());
            json_array_append_new(aka, json_string(h->did));
        }
        bufFree(&nd);
        if (!st) goto out;
    }
    const char *did = jsonGetStr(st, "id");
    rc = EXIT_FAIL;     /* the document has no such method or service */
    n = optAll(&a, "remove-key", v, MAXV);
    for (int i = 0; i < n; i++)
        if (!removeRef(st, v[i])) { errSet(err, "no verification method %s", v[i]); goto out; }
    n = optAll(&a, "remove-service", v, MAXV);
    for (int i = 0; i < n; i++)
        if (!removeRef(st, v[i])) { errSet(err, "no service %s", v[i]); goto out; }
    rc = EXIT_CONFIG;   /* a key argument */
    n = optAll(&a, "add-key", v, MAXV);
    for (int i = 0; i < n; i++) {
        uint8_t pk[32];
        if (keyPublicArg(v[i], pk, err) < 0) goto out;
        addKeyToState(st, did, pk);
    }
    rc = EXIT_USAGE;
    n = optAll(&a, "add-service", v, MAXV);
    for (int i = 0; i < n; i++) {
        json_t *svc = jsonParse(v[i], strlen(v[i]), 65536, 16, err);
        if (!json_is_object(svc) || !jsonGetStr(svc, "id") || !json_object_get(svc, "type")) {
            json_decref(svc);
            errSet(err, "--add-service needs a JSON object with id and type");
            goto out;
        }
        json_t *arr = json_object_get(st, "service");
        if (!json_is_array(arr)) json_object_set_new(st, "service", arr = json_array());
        json_array_append_new(arr, svc);
    }
    static const char *lists[][2] = {{"controller", "controller"}, {"also-known-as", "alsoKnownAs"}};
    for (int l = 0; l < 2; l++) {
        n = optAll(&a, lists[l][0], v, MAXV);
        if (!n) continue;
        json_t *arr = json_array();
        for (int i = 0; i < n; i++) json_array_append_new(arr, json_string(v[i]));
        json_object_set_new(st, lists[l][1], n == 1 && l == 0 ? json_incref(json_array_get(arr, 0)) : json_incref(arr));
        json_decref(arr);
    }
    rc = EXIT_CONFIG;   /* a witness key argument */
    if (optGet(&a, "no-witnesses")) json_object_set_new(params, "witness", json_object());
    else if (optAll(&a, "witness", v, MAXV)) {
        if (!(x = witnessArg(&a, err))) goto out;
        json_object_set_new(params, "witness", x);
    }
    n = optAll(&a, "watcher", v, MAXV);
    if (n) {
        json_t *w = json_array();
        for (int i = 0; i < n; i++) json_array_append_new(w, json_string(v[i]));
        json_object_set_new(params, "watchers", w);
    }
    if (optGet(&a, "ttl")) json_object_set_new(params, "ttl", json_integer(atoll(optGet(&a, "ttl"))));
    rc = EXIT_FAIL;
    if (h->act.prerotation) {
        errSet(err, "pre-rotation is active: use `didlog rotate` (it must reveal the committed keys)");
        goto out;
    }
    if (!(rc = appendTo(&a, log, st, params, &k, err))) rc = finishAppend(&a, a.pos[0], log, err);
out:
    if (rc) fail(rc, "update", err);
    edKeyWipe(&k);
    json_decref(st);
    json_decref(params);
    webvhFree(log);
    return rc;
}

static int cmdRotate(int argc, char **argv) {
    static const optSpec spec[] = {{"key", OPT_VALUE}, {"new-update-key", OPT_MULTI}, {"next-key-hash", OPT_MULTI},
                                   {"time", OPT_VALUE}, {"out", OPT_VALUE}, {NULL, 0}};
    optArgs a;
    int prc = parseCmd(argc, argv, spec, 1, &a);
    if (prc) return prc;
    if (a.help) {
        return help("usage: didlog rotate LOG --key FILE --new-update-key FILE|MULTIKEY...\n"
             "         [--next-key-hash HASH|KEY]... [--time T] [--out FILE]\n"
             "  Replaces updateKeys. Without pre-rotation --key is a current update key;\n"
             "  with pre-rotation (the head has nextKeyHashes) --key must be one of the new\n"
             "  keys, each committed in the previous nextKeyHashes. --next-key-hash commits\n"
             "  the keys of the next rotation (none given while pre-rotation is active\n"
             "  turns it off).");
    }
    char err[ERR_MAX];
    if (a.npos != 1)
        return fail(EXIT_USAGE, "usage: didlog rotate LOG --key FILE --new-update-key KEY... (see --help)", NULL);
    const char *nu[MAXV], *nk[MAXV];
    int nn = optAll(&a, "new-update-key", nu, MAXV), nh = optAll(&a, "next-key-hash", nk, MAXV);
    if (!nn) return fail(EXIT_USAGE, "rotate: at least one --new-update-key is required", NULL);
    webvhLog *log;
    int rc = loadLog(a.pos[0], &log, err);
    if (rc) return fail(rc, "rotate", err);
    edKey k;
    json_t *params = json_object(), *x;
    if ((rc = readKey(&a, "key", &k, err))) { webvhFree(log); json_decref(params); return fail(rc, "rotate", err); }
    const webvhEntry *h = webvhHead(log);
    rc = EXIT_CONFIG;   /* a key argument */
    if (!(x = keyArrayArg(nu, nn, err))) goto out;
    json_object_set_new(params, "updateKeys", x);
    if (nh || h->act.prerotation) {
        if (!(x = hashArrayArg(nk, nh, err))) goto out;
        json_object_set_new(params, "nextKeyHashes", x);
    }
    if (!(rc = appendTo(&a, log, h->state, params, &k, err))) rc = finishAppend(&a, a.pos[0], log, err);
out:
    if (rc) fail(rc, "rotate", err);
    edKeyWipe(&k);
    json_decref(params);
    webvhFree(log);
    return rc;
}

static int cmdDeactivate(int argc, char **argv) {
    static const optSpec spec[] = {{"key", OPT_VALUE}, {"time", OPT_VALUE}, {"out", OPT_VALUE}, {NULL, 0}};
    optArgs a;
    int prc = parseCmd(argc, argv, spec, 1, &a);
    if (prc) return prc;
    if (a.help) {
        return help("usage: didlog deactivate LOG --key FILE [--time T] [--out FILE]\n"
             "  Appends {deactivated: true, updateKeys: []}. With pre-rotation active this\n"
             "  takes two entries (the spec's procedure): --key, a committed next key,\n"
             "  first ends pre-rotation, then signs the deactivation.");
    }
    char err[ERR_MAX];
    if (a.npos != 1)
        return fail(EXIT_USAGE, "usage: didlog deactivate LOG --key FILE", NULL);
    webvhLog *log;
    int rc = loadLog(a.pos[0], &log, err);
    if (rc) return fail(rc, "deactivate", err);
    edKey k;
    if ((rc = readKey(&a, "key", &k, err))) { webvhFree(log); return fail(rc, "deactivate", err); }
    const webvhEntry *h = webvhHead(log);
    if (h->act.prerotation) {
        char mk[MULTIKEY_PUB_MAX];
        mkEncodeEd25519Pub(k.pk, mk);
        json_t *p1 = json_pack("{s[s] s[]}", "updateKeys", mk, "nextKeyHashes");
        rc = appendTo(&a, log, h->state, p1, &k, err);
        json_decref(p1);
        if (rc) goto out;
        h = webvhHead(log);
    }
    json_t *p2 = json_pack("{sb s[]}", "deactivated", 1, "updateKeys");
    optArgs later = a;
    if (log->n >= 2 && optGet(&a, "time")) later.n = 0;   /* second entry of two: a fresh, later time */
    if (!(rc = appendTo(&later, log, h->state, p2, &k, err))) rc = finishAppend(&a, a.pos[0], log, err);
    json_decref(p2);
out:
    if (rc) fail(rc, "deactivate", err);
    edKeyWipe(&k);
    webvhFree(log);
    return rc;
}

static int cmdWitnessSign(int argc, char **argv) {
    static const optSpec spec[] = {{"key", OPT_VALUE}, {"witness-file", OPT_VALUE}, {"version-id", OPT_VALUE}, {"time", OPT_VALUE},
                                   {NULL, 0}};
    optArgs a;
    int prc = parseCmd(argc, argv, spec, 1, &a);
    if (prc) return prc;
    if (a.help) {
        return help("usage: didlog witness-sign LOG --key FILE --witness-file did-witness.json\n"
             "         [--version-id ID] [--time T]\n"
             "  As a witness: verifies LOG (every rule but witness thresholds), then adds an\n"
             "  eddsa-jcs-2022 proof over {\"versionId\": ID} (default: the last entry) to\n"
             "  the did-witness.json file (created if missing).");
    }
    char err[ERR_MAX];
    if (a.npos != 1 || !optGet(&a, "witness-file"))
        return fail(EXIT_USAGE, "usage: didlog witness-sign LOG --key FILE --witness-file FILE", NULL);
    webvhLog *log;
    int rc = loadLog(a.pos[0], &log, err);
    if (rc) return fail(rc, "witness-sign", err);
    const char *vid = optGet(&a, "version-id") ? optGet(&a, "version-id") : webvhHead(log)->versionId;
    int found = 0;
    for (size_t i = 0; i < log->n; i++) found |= !strcmp(log->e[i].versionId, vid);
    edKey k;
    json_t *wf = NULL, *proof = NULL;
    buf b = BUF_INIT;
    if (!found) { errSet(err, "versionId %s is not in the log", vid); webvhFree(log); return fail(EXIT_FAIL, "witness-sign", err); }
    if ((rc = readKey(&a, "key", &k, err))) { webvhFree(log); return fail(rc, "witness-sign", err); }
    const char *wpath = optGet(&a, "witness-file");
    rc = EXIT_CONFIG;   /* the witness file, until it is read */
    if (access(wpath, F_OK) == 0) {
        if (fileRead(wpath, WEBVH_WITNESS_MAX, &b, err) < 0 || !(wf = webvhParseWitnessFile((const char *)b.p, b.len, err))) goto out;
    } else {
        wf = json_array();
    }
    char vt[RFC3339_MAX];
    versionTimeArg(&a, NULL, vt);
    rc = EXIT_FAIL;
    if (!(proof = webvhWitnessSign(vid, k.sk, vt, err)) || webvhWitnessAdd(wf, vid, proof, err) < 0) goto out;
    char *s = json_dumps(wf, JSON_INDENT(2));
    rc = EXIT_CONFIG;
    if (s && fileWrite(wpath, s, strlen(s), 0644, err) == 0) rc = EXIT_OK;
    free(s);
out:
    if (rc) fail(rc, "witness-sign", err);
    edKeyWipe(&k);
    json_decref(proof);
    json_decref(wf);
    bufFree(&b);
    webvhFree(log);
    return rc;
}

/* report: print the outcome of a verification / resolution; returns the exit code.
 * asJson: the resolution result in its RFC 8785 (JCS) form on one line, so numbers
 * read as the log writes them (690, 0.6; never 690.0 or 0.59999999999999998). */
static int report(const webvhLog *log, const webvhResult *r, const webvhQuery *q, int asJson, const char *what,
                  const webvhDidUrl *u, const char *baseUrl) {
    char err[ERR_MAX];
    json_t *res = webvhResolution(log, r, q, err);
    if (res && u && webvhDidUrlDereferences(u)) {  /* a DID URL: the dereferencing result instead */
        json_t *d = webvhDereference(res, u, baseUrl, err);
        json_decref(res);
        res = d;
    }
    if (!res) return fail(EXIT_FAIL, what, err);
    const char *code = jsonGetStr(json_object_get(res, "didResolutionMetadata"), "error");
    if (!code) code = jsonGetStr(json_object_get(res, "dereferencingMetadata"), "error");
    if (asJson) {
        size_t n;
        char *s = jcsDump(res, &n, err);
        if (!s) { json_decref(res); return fail(EXIT_FAIL, what, err); }
        fwrite(s, 1, n, stdout);
        putchar('\n');
        free(s);
    }
    if (code) {
        fprintf(stderr, "didlog: %s: invalid (%s): %s\n", what, code, !strcmp(code, "notFound") ? "no such version" : r->error);
    } else {
        const char *vid = jsonGetStr(json_object_get(res, "didDocumentMetadata"), "versionId");
        if (!asJson) printf("valid: %s %s (%zu entries)\n", webvhHead(log) ? webvhHead(log)->did : "", vid, log->n);
        if (!r->ok) fprintf(stderr, "didlog: note: later entries are invalid: %s\n", r->error);
    }
    json_decref(res);
    return code ? EXIT_FAIL : EXIT_OK;
}

static int queryFromArgs(const optArgs *a, webvhQuery *q, char *err) {
    memset(q, 0, sizeof *q);
    static const char *opt[][2] = {{"version-id", "versionId"}, {"version-number", "versionNumber"}, {"version-time", "versionTime"}};
    for (int i = 0; i < 3; i++)
        if (optGet(a, opt[i][0]) && webvhQuerySet(q, opt[i][1], optGet(a, opt[i][0]), err) < 0) return -1;
    return 0;
}

/* readLogFiles: the log at path and, when wpath is given, its did-witness.json (*wf, else
 * NULL). EXIT_OK, EXIT_CONFIG (a file cannot be read) or EXIT_FAIL (no usable log),
 * the message printed. */
static int readLogFiles(const char *what, const char *path, const char *wpath, webvhLog **log, json_t **wf) {
    char err[ERR_MAX];
    buf b = BUF_INIT;
    *wf = NULL;
    *log = NULL;
    if (fileRead(path, WEBVH_LOG_MAX, &b, err) < 0) { bufFree(&b); return fail(EXIT_CONFIG, what, err); }
    if (wpath) {
        buf w = BUF_INIT;
        if (fileRead(wpath, WEBVH_WITNESS_MAX, &w, err) < 0 || !(*wf = webvhParseWitnessFile((const char *)w.p, w.len, err))) {
            bufFree(&w);
            bufFree(&b);
            return fail(EXIT_CONFIG, what, err);
        }
        bufFree(&w);
    }
    *log = webvhParse((const char *)b.p, b.len, err);
    bufFree(&b);
    if (!*log) {
        json_decref(*wf);
        *wf = NULL;
        fprintf(stderr, "didlog: %s: invalid: %s\n", what, err);
        return EXIT_FAIL;
    }
    return EXIT_OK;
}

static int cmdVerify(int argc, char **argv) {
    static const optSpec spec[] = {{"did", OPT_VALUE}, {"witness", OPT_VALUE}, {"version-id", OPT_VALUE}, {"version-number", OPT_VALUE},
                                   {"version-time", OPT_VALUE}, {"json", OPT_FLAG}, {NULL, 0}};
    optArgs a;
    int prc = parseCmd(argc, argv, spec, 1, &a);
    if (prc) return prc;
    if (a.help) {
        return help("usage: didlog verify FILE [--did DID] [--witness did-witness.json]\n"
             "         [--version-id ID | --version-number N | --version-time T] [--json]\n"
             "  Checks every did:webvh v1.0 rule: 0 valid, 1 invalid (the message names the\n"
             "  entry and the rule). --json prints the DID resolution result on one line in\n"
             "  RFC 8785 (JCS) form: numbers as the log holds them (690, 0.6); a version\n"
             "  query succeeds when that version is valid. 3: a file cannot be read.");
    }
    char err[ERR_MAX];
    if (a.npos != 1)
        return fail(EXIT_USAGE, "usage: didlog verify FILE [options] (see --help)", NULL);
    webvhQuery q;
    if (queryFromArgs(&a, &q, err) < 0) return fail(EXIT_USAGE, "verify", err);
    json_t *wf = NULL;
    webvhLog *log = NULL;
    int lrc = readLogFiles("verify", a.pos[0], optGet(&a, "witness"), &log, &wf);
    if (lrc) return lrc;
    webvhOpts o = {.did = optGet(&a, "did"), .witnessProofs = wf};
    webvhResult r;
    webvhVerify(log, &o, &r);
    int rc = report(log, &r, &q, optGet(&a, "json") != NULL, a.pos[0], NULL, NULL);
    webvhFree(log);
    json_decref(wf);
    return rc;
}

/* cmdDidWeb: the parallel did:web document (did.json) of a fully valid log. */
static int cmdDidWeb(int argc, char **argv) {
    static const optSpec spec[] = {{"witness", OPT_VALUE}, {"out", OPT_VALUE}, {NULL, 0}};
    optArgs a;
    int prc = parseCmd(argc, argv, spec, 1, &a);
    if (prc) return prc;
    if (a.help) {
        return help("usage: didlog did-web LOG [--witness did-witness.json] [--out did.json]\n"
             "  The parallel did:web DID document of the log's latest version (did:webvh v1.0\n"
             "  \"Publishing a Parallel did:web DID\": implicit #files/#whois services added,\n"
             "  did:webvh:<SCID>: replaced by did:web:, the did:webvh DID in alsoKnownAs), in\n"
             "  JCS form, to publish as did.json beside did.jsonl. The whole log must verify\n"
             "  (exit 1 otherwise, and for a deactivated DID: did:web deactivates a DID by\n"
             "  removing did.json); 3: a file cannot be read or written.");
    }
    char err[ERR_MAX];
    if (a.npos != 1) return fail(EXIT_USAGE, "usage: didlog did-web LOG [options] (see --help)", NULL);
    json_t *wf = NULL;
    webvhLog *log = NULL;
    int rc = readLogFiles("did-web", a.pos[0], optGet(&a, "witness"), &log, &wf);
    if (rc) return rc;
    webvhOpts o = {.witnessProofs = wf};
    webvhResult r;
    buf out = BUF_INIT;
    int w = -1;
    if (webvhVerify(log, &o, &r) < 0 || !r.ok) rc = fail(EXIT_FAIL, "did-web: invalid", r.error);
    else if ((w = webvhDidWebFile(log, &r, &out, err)) < 0) rc = fail(EXIT_FAIL, "did-web", err);
    else if (w == 1) rc = fail(EXIT_FAIL, "did-web", "the DID is deactivated: no did:web document (did:web removes did.json)");
    else if (!optGet(&a, "out")) printf("%s\n", (const char *)out.p);
    else if (fileWrite(optGet(&a, "out"), out.p, out.len, 0644, err) < 0) rc = fail(EXIT_CONFIG, "did-web", err);
    bufFree(&out);
    webvhFree(log);
    json_decref(wf);
    return rc;
}

static int cmdResolve(int argc, char **argv) {
    static const optSpec spec[] = {{"base-url", OPT_VALUE}, {NULL, 0}};
    optArgs a;
    int prc = parseCmd(argc, argv, spec, 1, &a);
    if (prc) return prc;
    if (a.help) {
        return help("usage: didlog resolve DID[/PATH][?versionId=…|versionNumber=…|versionTime=…|service=…][#frag] [--base-url URL]\n"
             "  DID-to-HTTPS transformation, fetch did.jsonl (and did-witness.json when the\n"
             "  log uses witnesses) over HTTPS, verify, print the DID resolution result\n"
             "  (one line, RFC 8785 / JCS form, as verify --json). DID/whois and\n"
             "  DID/path/to/file fetch that file through the #whois / #files service and\n"
             "  print the DID URL dereferencing result (contentStream: JSON or text);\n"
             "  DID?service=NAME[&relativeRef=REF] prints the service URL, DID#frag the node.\n"
             "  --base-url URL replaces https://host[:port] (e.g. a local mirror; allows http).\n"
             "  0 resolved, 1 invalid or not found, 4 the server could not be reached.");
    }
    char err[ERR_MAX];
    if (a.npos != 1) return fail(EXIT_USAGE, "usage: didlog resolve DID [--base-url URL]", NULL);
    const char *did = a.pos[0], *base = optGet(&a, "base-url");
    didParts p;
    webvhQuery q;
    if (didParse(did, base ? DID_LOCALHOST : 0, &p, err) < 0 || webvhQueryParse(did, &q, err) < 0) {
        fprintf(stderr, "didlog: resolve: %s\n", err);
        printf("{\"didDocument\":null,\"didDocumentMetadata\":{},\"didResolutionMetadata\":{\"error\":\"invalidDid\"}}\n");
        return EXIT_FAIL;
    }
    webvhDidUrl u;
    if (webvhDidUrlParse(did, &u, err) < 0) {
        fprintf(stderr, "didlog: resolve: %s\n", err);
        printf("{\"contentMetadata\":{},\"contentStream\":null,\"dereferencingMetadata\":{\"error\":\"invalidDidUrl\"}}\n");
        webvhDidUrlFree(&u);
        didPartsFree(&p);
        return EXIT_FAIL;
    }
    buf url = BUF_INIT, body = BUF_INIT;
    long status = 0;
    int rc = EXIT_USAGE;   /* --base-url, until a URL is made */
    webvhLog *log = NULL;
    json_t *wf = NULL;
    if (didHttpsUrl(&p, "did.jsonl", base, &url, err) < 0) goto out;
    rc = EXIT_UNAVAILABLE;
    if (httpGet((const char *)url.p, WEBVH_LOG_MAX, base != NULL, &body, &status, err) < 0) goto out;
    if (status == 404 || status == 410) {
        fprintf(stderr, "didlog: resolve: %s: HTTP %ld\n", (const char *)url.p, status);
        printf("{\"didDocument\":null,\"didDocumentMetadata\":{},\"didResolutionMetadata\":{\"error\":\"notFound\"}}\n");
        rc = EXIT_FAIL;
        goto out;
    }
    if (status != 200) { errSet(err, "%s: HTTP %ld", (const char *)url.p, status); goto out; }
    if (!(log = webvhParse((const char *)body.p, body.len, err))) { rc = EXIT_FAIL; goto out; }
    if (webvhUsesWitnesses(log)) {
        if (didHttpsUrl(&p, "did-witness.json", base, &url, err) < 0 ||
            httpGet((const char *)url.p, WEBVH_WITNESS_MAX, base != NULL, &body, &status, err) < 0)
            goto out;
        if (status == 200 && !(wf = webvhParseWitnessFile((const char *)body.p, body.len, err))) { rc = EXIT_FAIL; goto out; }
    }
    webvhOpts o = {.did = did, .witnessProofs = wf};
    webvhResult r;
    webvhVerify(log, &o, &r);
    rc = report(log, &r, &q, 1, did, &u, base);
out:
    webvhDidUrlFree(&u);
    if (rc != EXIT_OK && rc != EXIT_FAIL) fail(rc, "resolve", err);
    if (rc == EXIT_FAIL && !log && err[0]) fprintf(stderr, "didlog: resolve: invalid: %s\n", err);
    didPartsFree(&p);
    bufFree(&url);
    bufFree(&body);
    json_decref(wf);
    webvhFree(log);
    return rc;
}

static int cmdCanon(int argc, char **argv) {
    static const optSpec spec[] = {{NULL, 0}};
    optArgs a;
    int prc = parseCmd(argc, argv, spec, 1, &a);
    if (prc) return prc;
    if (a.help) return help("usage: didlog canon FILE|-\n  Prints the RFC 8785 (JCS) form of a JSON document (no trailing newline).");
    if (a.npos != 1) return fail(EXIT_USAGE, "usage: didlog canon FILE|-", NULL);
    char err[ERR_MAX];
    buf b = BUF_INIT;
    if (fileRead(a.pos[0], 16u << 20, &b, err) < 0) { bufFree(&b); return fail(EXIT_CONFIG, "canon", err); }
    json_t *j = jsonParse((const char *)b.p, b.len, 16u << 20, JSON_MAX_DEPTH_DEFAULT, err);
    bufFree(&b);
    if (!j) return fail(EXIT_FAIL, "canon", err);
    size_t n;
    char *s = jcsDump(j, &n, err);
    json_decref(j);
    if (!s) return fail(EXIT_FAIL, "canon", err);
    fwrite(s, 1, n, stdout);
    free(s);
    return 0;
}

static int cmdKeyhash(int argc, char **argv) {
    static const optSpec spec[] = {{NULL, 0}};
    optArgs a;
    int prc = parseCmd(argc, argv, spec, 1, &a);
    if (prc) return prc;
    if (a.help)
        return help("usage: didlog keyhash FILE|MULTIKEY|DIDKEY\n  Prints the pre-rotation hash of a public key (for --next-key-hash).");
    if (a.npos != 1) return fail(EXIT_USAGE, "usage: didlog keyhash FILE|MULTIKEY|DIDKEY", NULL);
    char err[ERR_MAX], mk[MULTIKEY_PUB_MAX];
    uint8_t pk[32];
    if (keyPublicArg(a.pos[0], pk, err) < 0) return fail(EXIT_CONFIG, "keyhash", err);
    mkEncodeEd25519Pub(pk, mk);
    buf h = BUF_INIT;
    webvhKeyHash(mk, &h);
    printf("%s\n", (const char *)h.p);
    bufFree(&h);
    return 0;
}

/* cmdSignEvent: a lifecycle event for POST /events (docs/producer.md), signed by an
 * assertion key of the DID with eventSign (the signing side of what the server checks),
 * printed as one JCS line. Nothing is checked beyond what signing needs: the server
 * answers with the specific refusal. */
static int cmdSignEvent(int argc, char **argv) {
    static const optSpec spec[] = {{"key", OPT_VALUE}, {"did", OPT_VALUE}, {"type", OPT_VALUE}, {"data", OPT_VALUE},
                                   {"id", OPT_VALUE}, {"time", OPT_VALUE}, {"vm", OPT_VALUE}, {"format", OPT_VALUE},
                                   {NULL, 0}};
    static const char use[] = "usage: didlog sign-event --key FILE --did DID --type TYPE [--data JSON]\n"
                              "         [--id ID] [--time T] [--vm KEYID] [--format plain|vc]";
    optArgs a;
    int prc = parseCmd(argc, argv, spec, 0, &a);
    if (prc) return prc;
    if (a.help) {
        return help("usage: didlog sign-event --key FILE --did DID --type TYPE [--data JSON]\n"
             "         [--id ID] [--time T] [--vm KEYID] [--format plain|vc]\n"
             "  Prints a lifecycle event for POST /events (or anchord submit) as one JSON\n"
             "  line, signed (eddsa-jcs-2022) by the assertion key in FILE (a didlog key file,\n"
             "  mode 0600). --data: the event's data object (default {}); --id: unique per\n"
             "  DID (default evt- and 16 random hex digits); --time: RFC 3339 UTC (default\n"
             "  now); --vm: the key's id in the DID document, absolute or #fragment (default\n"
             "  #<last 8 characters of its multikey>, as didlog create names keys; the demo's\n"
             "  DIDs name theirs #key-1). --format vc: the same event as a W3C VCDM 2.0\n"
             "  credential, issuer DID, credentialSubject the EPCIS 2.0 event of TYPE\n"
             "  (Manufactured -> ObjectEvent commissioning, Assembled -> AssociationEvent\n"
             "  assembling, Installed -> ObjectEvent installing, ...; --data as its details),\n"
             "  id urn:uuid: --id (a lower-case UUID; default a random one), validFrom --time\n"
             "  (docs/formats.md \"Events as Verifiable Credentials\"). docs/producer.md.");
    }
    const char *format = optGet(&a, "format") ? optGet(&a, "format") : "plain";
    if (strcmp(format, "plain") && strcmp(format, "vc")) return fail(EXIT_USAGE, "--format must be plain or vc", NULL);
    const char *did = optGet(&a, "did"), *type = optGet(&a, "type"), *data = optGet(&a, "data");
    if (!did || !type) return fail(EXIT_USAGE, use, NULL);
    char err[ERR_MAX];
    json_t *dj = jsonParse(data ? data : "{}", strlen(data ? data : "{}"), 1 << 16, 32, err);
    if (!dj || !json_is_object(dj)) {
        json_decref(dj);
        return fail(EXIT_USAGE, "--data must be one JSON object", dj ? NULL : err);
    }
    edKey k;
    int rc = readKey(&a, "key", &k, err);
    if (rc) { json_decref(dj); return fail(rc, "sign-event", err); }
    char id[40], now[RFC3339_MAX], vm[10];
    int vc = !strcmp(format, "vc");
    if (!optGet(&a, "id") && !vc) {
        uint8_t r[8];
        randombytes_buf(r, sizeof r);
        snprintf(id, sizeof id, "evt-");
        sodium_bin2hex(id + 4, sizeof id - 4, r, sizeof r);
    } else if (!optGet(&a, "id")) {   /* a random (version 4) UUID */
        uint8_t r[16];
        char hx[33];
        randombytes_buf(r, sizeof r);
        r[6] = (uint8_t)(0x40 | (r[6] & 0x0f));
        r[8] = (uint8_t)(0x80 | (r[8] & 0x3f));
        sodium_bin2hex(hx, sizeof hx, r, sizeof r);
        snprintf(id, sizeof id, "%.8s-%.4s-%.4s-%.4s-%.12s", hx, hx + 8, hx + 12, hx + 16, hx + 20);
    }
    rfc3339Format(clockWallMs() / 1000, now);
    char mk[MULTIKEY_PUB_MAX];
    keyFragment(k.pk, mk, vm);
    eventDraft d = {.id = optGet(&a, "id") ? optGet(&a, "id") : id, .did = did, .type = type,
                    .time = optGet(&a, "time") ? optGet(&a, "time") : now, .data = dj,
                    .vm = optGet(&a, "vm") ? optGet(&a, "vm") : vm};
    char *line = NULL;
    if (!vc) line = eventSignLine(&d, k.sk, NULL, err);
    else {
        json_t *cs = eventSubjectOf(type, did, d.time, dj);
        char avm[DOC_VM_MAX];   /* a credential names its key absolutely (docs/formats.md) */
        snprintf(avm, sizeof avm, "%s%s", d.vm[0] == '#' ? did : "", d.vm);
        credDraft c = {.uuid = d.id, .did = did, .validFrom = d.time, .subject = cs, .vm = avm};
        json_t *cred = cs ? eventSignCredential(&c, k.sk, err) : NULL;
        if (!cs) errSet(err, "out of memory");
        line = cred ? jcsDump(cred, NULL, err) : NULL;
        json_decref(cred);
        json_decref(cs);
    }
    edKeyWipe(&k);
    json_decref(dj);
    if (!line) return fail(EXIT_FAIL, "sign-event", err);
    printf("%s\n", line);
    free(line);
    return EXIT_OK;
}

static const optCmd cmds[] = {
    {"keygen", "--out FILE", "new Ed25519 key file (0600)", cmdKeygen},
    {"create", "--domain H ...", "genesis entry of a new did:webvh DID", cmdCreate},
    {"update", "LOG --key F ...", "change the DID document (keys, services, controller, move)", cmdUpdate},
    {"rotate", "LOG --key F ...", "change update keys (with or without pre-rotation)", cmdRotate},
    {"deactivate", "LOG --key F", "deactivate the DID", cmdDeactivate},
    {"witness-sign", "LOG --key F ...", "add a witness proof to did-witness.json", cmdWitnessSign},
    {"verify", "FILE", "verify a did.jsonl (exit 0 valid, 1 invalid)", cmdVerify},
    {"resolve", "DID", "resolve a DID over HTTPS", cmdResolve},
    {"did-web", "LOG", "the parallel did:web document (did.json) of a log", cmdDidWeb},
    {"sign-event", "--key F --did D --type T", "a signed lifecycle event for POST /events", cmdSignEvent},
    {"canon", "FILE|-", "JCS form of a JSON document", cmdCanon},
    {"keyhash", "KEY", "pre-rotation hash of a public key", cmdKeyhash},
    {NULL, NULL, NULL, NULL},
};

static void usage(FILE *f) {
    fputs("usage: didlog COMMAND [options]   (didlog COMMAND --help for each; didlog --version)\n", f);
    optHelpCommands(f, cmds, 28);
    fputc('\n', f);
    exitHelp(f, EXIT_DIDLOG);
}

int main(int argc, char **argv) {
    if (sodium_init() < 0) return fail(EXIT_FAIL, "libsodium init failed", NULL);
    return optDispatch("didlog", argc, argv, 1, cmds, usage);
}
