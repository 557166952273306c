/* didlog_main.c -- the didlog command: did:webvh v1.0 DID logs from the shell.
 *
 * Exit codes: 0 success (verify: valid), 1 invalid (verify/resolve: the log or
 * DID is invalid or the version not found), 2 usage, I/O or network error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>
#include "core/jcs.h"
#include "core/json.h"
#include "core/multiformat.h"
#include "core/version.h"
#include "didlog/didurl.h"
#include "core/io/http.h"
#include "core/io/file.h"
#include "core/io/clock.h"
#include "didlog/key.h"
#include "didlog/resolution.h"
#include "didlog/webvh.h"

#define MAXV 64

/* ---------- argument parsing ---------- */

typedef struct args {
    const char *pos[4];
    int npos;
    const char *name[MAXV], *val[MAXV];
    int n;
} args;

/* parseArgs: "--name value" for names in withVal, "--name" for flags,
 * positionals otherwise. Unknown options fail. */
static int parseArgs(int argc, char **argv, const char *withVal, const char *flags, args *a) {
    memset(a, 0, sizeof *a);
    for (int i = 0; i < argc; i++) {
        const char *s = argv[i];
        if (strncmp(s, "--", 2) || !s[2]) {
            if (a->npos == 4) { fprintf(stderr, "didlog: too many arguments\n"); return -1; }
            a->pos[a->npos++] = s;
            continue;
        }
        char pat[64];
        snprintf(pat, sizeof pat, " %s ", s + 2);
        int isVal = strstr(withVal, pat) != NULL, isFlag = strstr(flags, pat) != NULL;
        if (!isVal && !isFlag) { fprintf(stderr, "didlog: unknown option %s (see --help)\n", s); return -1; }
        if (a->n == MAXV) { fprintf(stderr, "didlog: too many options\n"); return -1; }
        if (isVal && i + 1 >= argc) { fprintf(stderr, "didlog: %s needs a value\n", s); return -1; }
        a->name[a->n] = s + 2;
        a->val[a->n++] = isVal ? argv[++i] : "";
    }
    return 0;
}

static const char *get(const args *a, const char *name) {
    const char *v = NULL;
    for (int i = 0; i < a->n; i++) if (!strcmp(a->name[i], name)) v = a->val[i];
    return v;
}

static int getAll(const args *a, const char *name, const char **out) {
    int k = 0;
    for (int i = 0; i < a->n; i++) if (!strcmp(a->name[i], name)) out[k++] = a->val[i];
    return k;
}

static int wantsHelp(int argc, char **argv) {
    for (int i = 0; i < argc; i++) if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) return 1;
    return 0;
}

static int die(const char *msg, const char *err) {
    fprintf(stderr, "didlog: %s%s%s\n", msg, err ? ": " : "", err ? err : "");
    return 2;
}

/* ---------- shared helpers ---------- */

/* versionTimeArg: --time, or now (bumped past the head's time so entries stay strictly increasing). */
static void versionTimeArg(const args *a, const webvhLog *log, char out[32]) {
    const char *t = get(a, "time");
    if (t) { snprintf(out, 32, "%s", t); return; }
    long long now = (long long)(clockWallMs() / 1000);
    const webvhEntry *h = log ? webvhHead(log) : NULL;
    if (h && (double)now <= h->time) now = (long long)h->time + 1;
    webvhFormatTime(now, out);
}

/* loadLog: read, parse and verify (witness thresholds aside) a log to append to. */
static webvhLog *loadLog(const char *path, char *err) {
    buf b = BUF_INIT;
    if (fileRead(path, WEBVH_LOG_MAX, &b, err) < 0) { bufFree(&b); return NULL; }
    webvhLog *log = webvhParse((const char *)b.p, b.len, err);
    bufFree(&b);
    if (!log) return NULL;
    webvhOpts o = {.skipWitness = 1};
    webvhResult r;
    if (webvhVerify(log, &o, &r) < 0) {
        errSet(err, "%s is not a valid DID log: %s", path, r.error);
        webvhFree(log);
        return NULL;
    }
    return log;
}

static int saveLog(const webvhLog *log, const char *path, char *err) {
    return fileWrite(path, log->text.p, log->text.len, 0644, err);
}

/* pctSegment: percent-encode a DID component (keeps ALPHA DIGIT . - _). */
static void pctSegment(const char *s, buf *out) {
    static const char hx[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_')
            bufPutc(out, c);
        else
            bufPutc(out, '%'), bufPutc(out, hx[c >> 4]), bufPutc(out, hx[c & 15]);
    }
}

/* didFrom: "did:webvh:<scid>:<host>[%3A<port>][:<path>…]" from --domain/--path. */
static int didFrom(const char *scid, const args *a, buf *out, char *err) {
    const char *dom = get(a, "domain"), *paths[MAXV];
    if (!dom) return errSet(err, "--domain is required");
    bufReset(out);
    bufPrintf(out, "did:webvh:%s:", scid);
    const char *colon = strrchr(dom, ':');
    char host[256];
    snprintf(host, sizeof host, "%.*s", colon ? (int)(colon - dom) : (int)strlen(dom), dom);
    pctSegment(host, out);
    if (colon) bufPrintf(out, "%%3A%s", colon + 1);
    int np = getAll(a, "path", paths);
    for (int i = 0; i < np; i++) {
        bufPutc(out, ':');
        if (!strcmp(paths[i], "{SCID}")) bufPuts(out, "{SCID}");   /* becomes the SCID, like the DID's first part */
        else pctSegment(paths[i], out);
    }
    didParts p;
    if (didParse((const char *)out->p, DID_PLACEHOLDER, &p, err) < 0) return -1;
    didPartsFree(&p);
    return 0;
}

/* vmId: the ts convention for key fragments: the multikey's last 8 characters. */
static json_t *vmFor(const char *did, const uint8_t pk[32], buf *idOut) {
    char mk[MULTIKEY_PUB_MAX];
    mkEncodeEd25519Pub(pk, mk);
    bufReset(idOut);
    bufPrintf(idOut, "%s#%s", did, mk + strlen(mk) - 8);
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
static json_t *witnessArg(const args *a, char *err) {
    const char *w[MAXV];
    int n = getAll(a, "witness", w);
    if (!n) return NULL;
    json_t *ws = json_array();
    for (int i = 0; i < n; i++) {
        uint8_t pk[32];
        char dk[DIDKEY_MAX];
        if (keyPublicArg(w[i], pk, err) < 0) { json_decref(ws); return NULL; }
        didkeyFromPub(pk, dk);
        json_array_append_new(ws, json_pack("{ss}", "id", dk));
    }
    const char *th = get(a, "threshold");
    return json_pack("{si so}", "threshold", th ? atoi(th) : 1, "witnesses", ws);
}

static int readKey(const args *a, const char *opt, edKey *k, char *err) {
    const char *p = get(a, opt);
    if (!p) return errSet(err, "--%s FILE is required", opt);
    return keyFileRead(p, k, err);
}

/* ---------- subcommands ---------- */

static int cmdKeygen(int argc, char **argv) {
    if (wantsHelp(argc, argv)) {
        puts("usage: didlog keygen --out FILE\n"
             "  Writes a new Ed25519 key file (mode 0600, never overwrites) and prints\n"
             "  its public multikey and did:key.");
        return 0;
    }
    args a;
    char err[ERR_MAX];
    if (parseArgs(argc, argv, " out ", "", &a) < 0 || !get(&a, "out")) return die("usage: didlog keygen --out FILE", NULL);
    edKey k;
    if (edKeyGenerate(&k) < 0) return die("cannot generate a key", NULL);
    int rc = keyFileWrite(get(&a, "out"), &k, err);
    char mk[MULTIKEY_PUB_MAX], dk[DIDKEY_MAX];
    mkEncodeEd25519Pub(k.pk, mk);
    didkeyFromPub(k.pk, dk);
    edKeyWipe(&k);
    if (rc < 0) return die("keygen", err);
    printf("%s\n%s\n", mk, dk);
    return 0;
}

static int cmdCreate(int argc, char **argv) {
    if (wantsHelp(argc, argv)) {
        puts("usage: didlog create --domain HOST[:PORT] [--path SEG]... --update-key FILE\n"
             "         [--key FILE|MULTIKEY]... [--witness DIDKEY|FILE]... [--threshold N]\n"
             "         [--next-key-hash HASH|KEY]... [--portable] [--ttl SECONDS]\n"
             "         [--watcher URL]... [--time T] [--out did.jsonl]\n"
             "  Writes the genesis entry (SCID placeholder process) and prints the DID.\n"
             "  --path {SCID} puts the DID's own SCID in the path (the hosting\n"
             "  layout <prefix>/<scid>/did.jsonl).\n"
             "  --key adds verification methods (default: the update key); --out defaults\n"
             "  to did.jsonl; --time defaults to now (RFC 3339 UTC).");
        return 0;
    }
    args a;
    char err[ERR_MAX];
    if (parseArgs(argc, argv, " domain path update-key key witness threshold next-key-hash ttl watcher time out ", " portable ", &a) < 0)
        return 2;
    edKey uk;
    buf did = BUF_INIT, line = BUF_INIT;
    if (didFrom("{SCID}", &a, &did, err) < 0) return die("create", err);
    if (readKey(&a, "update-key", &uk, err) < 0) { bufFree(&did); return die("create", err); }
    char mk[MULTIKEY_PUB_MAX], vt[32];
    mkEncodeEd25519Pub(uk.pk, mk);
    json_t *st = json_pack("{s[ss] ss}", "@context", "https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1",
                           "id", (const char *)did.p);
    const char *keys[MAXV], *nk[MAXV], *wt[MAXV];
    int nkeys = getAll(&a, "key", keys), rc = 2;
    uint8_t pk[32];
    if (!nkeys) addKeyToState(st, (const char *)did.p, uk.pk);
    for (int i = 0; i < nkeys; i++) {
        if (keyPublicArg(keys[i], pk, err) < 0) goto out;
        addKeyToState(st, (const char *)did.p, pk);
    }
    json_t *params = json_pack("{s[s]}", "updateKeys", mk), *x;
    int nn = getAll(&a, "next-key-hash", nk), nw = getAll(&a, "watcher", wt);
    if (nn) {
        if (!(x = hashArrayArg(nk, nn, err))) { json_decref(params); goto out; }
        json_object_set_new(params, "nextKeyHashes", x);
    }
    if (getAll(&a, "witness", keys)) {
        if (!(x = witnessArg(&a, err))) { json_decref(params); goto out; }
        json_object_set_new(params, "witness", x);
    }
    if (nw) {
        json_t *w = json_array();
        for (int i = 0; i < nw; i++) json_array_append_new(w, json_string(wt[i]));
        json_object_set_new(params, "watchers", w);
    }
    json_object_set_new(params, "portable", json_boolean(get(&a, "portable") != NULL));
    if (get(&a, "ttl")) json_object_set_new(params, "ttl", json_integer(atoll(get(&a, "ttl"))));
    versionTimeArg(&a, NULL, vt);
    webvhLog *log = webvhCreate(st, params, vt, uk.sk, &line, err);
    json_decref(params);
    if (!log) goto out;
    const char *outp = get(&a, "out") ? get(&a, "out") : "did.jsonl";
    if (fileWrite(outp, line.p, line.len, 0644, err) == 0) {
        printf("%s\n", webvhHead(log)->did);
        rc = 0;
    }
    webvhFree(log);
out:
    if (rc) die("create", err);
    edKeyWipe(&uk);
    json_decref(st);
    bufFree(&did);
    bufFree(&line);
    return rc;
}

/* appendEntry: build the next entry from the head's state with edit(), sign, save. */
static int appendTo(const args *a, webvhLog *log, json_t *st, json_t *params, const edKey *k, char *err) {
    char vt[32];
    versionTimeArg(a, log, vt);
    if (webvhAppend(log, st, params, vt, k->sk, NULL, err) < 0) return -1;
    return 0;
}

static int finishAppend(const args *a, const char *path, webvhLog *log, char *err) {
    const char *outp = get(a, "out") ? get(a, "out") : path;
    if (saveLog(log, outp, err) < 0) return -1;
    printf("%s\n", webvhHead(log)->versionId);
    return 0;
}

static int cmdUpdate(int argc, char **argv) {
    if (wantsHelp(argc, argv)) {
        puts("usage: didlog update LOG --key FILE [--add-key FILE|MULTIKEY]... [--remove-key ID]...\n"
             "         [--add-service JSON]... [--remove-service ID]... [--controller DID]...\n"
             "         [--also-known-as DID]... [--state FILE] [--domain HOST[:PORT] [--path SEG]...]\n"
             "         [--witness DIDKEY|FILE]... [--threshold N] [--no-witnesses] [--watcher URL]...\n"
             "         [--ttl SECONDS] [--time T] [--out FILE]\n"
             "  Appends a state change signed with an active update key (--key) and prints\n"
             "  the new versionId. --domain moves a portable DID (old DID kept in alsoKnownAs).\n"
             "  --state replaces the whole DID document with FILE's JSON.");
        return 0;
    }
    args a;
    char err[ERR_MAX];
    if (parseArgs(argc, argv,
                  " key add-key remove-key add-service remove-service controller also-known-as state domain path witness threshold watcher ttl time out ",
                  " no-witnesses ", &a) < 0 || a.npos != 1)
        return die("usage: didlog update LOG --key FILE ... (see --help)", NULL);
    webvhLog *log = loadLog(a.pos[0], err);
    if (!log) return die("update", err);
    edKey k;
    int rc = 2;
    json_t *st = NULL, *params = json_object(), *x;
    const char *v[MAXV];
    int n;
    if (readKey(&a, "key", &k, err) < 0) { webvhFree(log); json_decref(params); return die("update", err); }
    const webvhEntry *h = webvhHead(log);
    if (get(&a, "state")) {
        buf b = BUF_INIT;
        if (fileRead(get(&a, "state"), WEBVH_LINE_MAX, &b, err) == 0) st = jsonParse((const char *)b.p, b.len, WEBVH_LINE_MAX, 64, err);
        bufFree(&b);
        if (!st) goto out;
    } else {
        st = json_deep_copy(h->state);
    }
    if (get(&a, "domain")) {
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
    n = getAll(&a, "remove-key", v);
    for (int i = 0; i < n; i++)
        if (!removeRef(st, v[i])) { errSet(err, "no verification method %s", v[i]); goto out; }
    n = getAll(&a, "remove-service", v);
    for (int i = 0; i < n; i++)
        if (!removeRef(st, v[i])) { errSet(err, "no service %s", v[i]); goto out; }
    n = getAll(&a, "add-key", v);
    for (int i = 0; i < n; i++) {
        uint8_t pk[32];
        if (keyPublicArg(v[i], pk, err) < 0) goto out;
        addKeyToState(st, did, pk);
    }
    n = getAll(&a, "add-service", v);
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
        n = getAll(&a, lists[l][0], v);
        if (!n) continue;
        json_t *arr = json_array();
        for (int i = 0; i < n; i++) json_array_append_new(arr, json_string(v[i]));
        json_object_set_new(st, lists[l][1], n == 1 && l == 0 ? json_incref(json_array_get(arr, 0)) : json_incref(arr));
        json_decref(arr);
    }
    if (get(&a, "no-witnesses")) json_object_set_new(params, "witness", json_object());
    else if (getAll(&a, "witness", v)) {
        if (!(x = witnessArg(&a, err))) goto out;
        json_object_set_new(params, "witness", x);
    }
    n = getAll(&a, "watcher", v);
    if (n) {
        json_t *w = json_array();
        for (int i = 0; i < n; i++) json_array_append_new(w, json_string(v[i]));
        json_object_set_new(params, "watchers", w);
    }
    if (get(&a, "ttl")) json_object_set_new(params, "ttl", json_integer(atoll(get(&a, "ttl"))));
    if (h->act.prerotation) {
        errSet(err, "pre-rotation is active: use `didlog rotate` (it must reveal the committed keys)");
        goto out;
    }
    if (appendTo(&a, log, st, params, &k, err) == 0 && finishAppend(&a, a.pos[0], log, err) == 0) rc = 0;
out:
    if (rc) die("update", err);
    edKeyWipe(&k);
    json_decref(st);
    json_decref(params);
    webvhFree(log);
    return rc;
}

static int cmdRotate(int argc, char **argv) {
    if (wantsHelp(argc, argv)) {
        puts("usage: didlog rotate LOG --key FILE --new-update-key FILE|MULTIKEY...\n"
             "         [--next-key-hash HASH|KEY]... [--time T] [--out FILE]\n"
             "  Replaces updateKeys. Without pre-rotation --key is a current update key;\n"
             "  with pre-rotation (the head has nextKeyHashes) --key must be one of the new\n"
             "  keys, each committed in the previous nextKeyHashes. --next-key-hash commits\n"
             "  the keys of the next rotation (none given while pre-rotation is active\n"
             "  turns it off).");
        return 0;
    }
    args a;
    char err[ERR_MAX];
    if (parseArgs(argc, argv, " key new-update-key next-key-hash time out ", "", &a) < 0 || a.npos != 1)
        return die("usage: didlog rotate LOG --key FILE --new-update-key KEY... (see --help)", NULL);
    const char *nu[MAXV], *nk[MAXV];
    int nn = getAll(&a, "new-update-key", nu), nh = getAll(&a, "next-key-hash", nk), rc = 2;
    if (!nn) return die("rotate: at least one --new-update-key is required", NULL);
    webvhLog *log = loadLog(a.pos[0], err);
    if (!log) return die("rotate", err);
    edKey k;
    json_t *params = json_object(), *x;
    if (readKey(&a, "key", &k, err) < 0) { webvhFree(log); json_decref(params); return die("rotate", err); }
    const webvhEntry *h = webvhHead(log);
    if (!(x = keyArrayArg(nu, nn, err))) goto out;
    json_object_set_new(params, "updateKeys", x);
    if (nh || h->act.prerotation) {
        if (!(x = hashArrayArg(nk, nh, err))) goto out;
        json_object_set_new(params, "nextKeyHashes", x);
    }
    if (appendTo(&a, log, h->state, params, &k, err) == 0 && finishAppend(&a, a.pos[0], log, err) == 0) rc = 0;
out:
    if (rc) die("rotate", err);
    edKeyWipe(&k);
    json_decref(params);
    webvhFree(log);
    return rc;
}

static int cmdDeactivate(int argc, char **argv) {
    if (wantsHelp(argc, argv)) {
        puts("usage: didlog deactivate LOG --key FILE [--time T] [--out FILE]\n"
             "  Appends {deactivated: true, updateKeys: []}. With pre-rotation active this\n"
             "  takes two entries (the spec's procedure): --key, a committed next key,\n"
             "  first ends pre-rotation, then signs the deactivation.");
        return 0;
    }
    args a;
    char err[ERR_MAX];
    if (parseArgs(argc, argv, " key time out ", "", &a) < 0 || a.npos != 1) return die("usage: didlog deactivate LOG --key FILE", NULL);
    webvhLog *log = loadLog(a.pos[0], err);
    if (!log) return die("deactivate", err);
    edKey k;
    int rc = 2;
    if (readKey(&a, "key", &k, err) < 0) { webvhFree(log); return die("deactivate", err); }
    const webvhEntry *h = webvhHead(log);
    if (h->act.prerotation) {
        char mk[MULTIKEY_PUB_MAX];
        mkEncodeEd25519Pub(k.pk, mk);
        json_t *p1 = json_pack("{s[s] s[]}", "updateKeys", mk, "nextKeyHashes");
        int r1 = appendTo(&a, log, h->state, p1, &k, err);
        json_decref(p1);
        if (r1 < 0) goto out;
        h = webvhHead(log);
    }
    json_t *p2 = json_pack("{sb s[]}", "deactivated", 1, "updateKeys");
    args later = a;
    if (log->n >= 2 && get(&a, "time")) later.n = 0;   /* second entry of two: a fresh, later time */
    if (appendTo(&later, log, h->state, p2, &k, err) == 0 && finishAppend(&a, a.pos[0], log, err) == 0) rc = 0;
    json_decref(p2);
out:
    if (rc) die("deactivate", err);
    edKeyWipe(&k);
    webvhFree(log);
    return rc;
}

static int cmdWitnessSign(int argc, char **argv) {
    if (wantsHelp(argc, argv)) {
        puts("usage: didlog witness-sign LOG --key FILE --witness-file did-witness.json\n"
             "         [--version-id ID] [--time T]\n"
             "  As a witness: verifies LOG (every rule but witness thresholds), then adds an\n"
             "  eddsa-jcs-2022 proof over {\"versionId\": ID} (default: the last entry) to\n"
             "  the did-witness.json file (created if missing).");
        return 0;
    }
    args a;
    char err[ERR_MAX];
    if (parseArgs(argc, argv, " key witness-file version-id time ", "", &a) < 0 || a.npos != 1 || !get(&a, "witness-file"))
        return die("usage: didlog witness-sign LOG --key FILE --witness-file FILE", NULL);
    webvhLog *log = loadLog(a.pos[0], err);
    if (!log) return die("witness-sign", err);
    const char *vid = get(&a, "version-id") ? get(&a, "version-id") : webvhHead(log)->versionId;
    int found = 0, rc = 2;
    for (size_t i = 0; i < log->n; i++) found |= !strcmp(log->e[i].versionId, vid);
    edKey k;
    json_t *wf = NULL, *proof = NULL;
    buf b = BUF_INIT;
    if (!found) { errSet(err, "versionId %s is not in the log", vid); webvhFree(log); return die("witness-sign", err); }
    if (readKey(&a, "key", &k, err) < 0) { webvhFree(log); return die("witness-sign", err); }
    const char *wpath = get(&a, "witness-file");
    if (access(wpath, F_OK) == 0) {
        if (fileRead(wpath, WEBVH_WITNESS_MAX, &b, err) < 0 || !(wf = webvhParseWitnessFile((const char *)b.p, b.len, err))) goto out;
    } else {
        wf = json_array();
    }
    char vt[32];
    versionTimeArg(&a, NULL, vt);
    if (!(proof = webvhWitnessSign(vid, k.sk, vt, err)) || webvhWitnessAdd(wf, vid, proof, err) < 0) goto out;
    char *s = json_dumps(wf, JSON_INDENT(2));
    if (s && fileWrite(wpath, s, strlen(s), 0644, err) == 0) rc = 0;
    free(s);
out:
    if (rc) die("witness-sign", err);
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
static int report(const webvhLog *log, const webvhResult *r, const webvhQuery *q, int asJson, const char *what) {
    char err[ERR_MAX];
    json_t *res = webvhResolution(log, r, q, err);
    if (!res) return die(what, err);
    const char *code = jsonGetStr(json_object_get(res, "didResolutionMetadata"), "error");
    if (asJson) {
        size_t n;
        char *s = jcsDump(res, &n, err);
        if (!s) { json_decref(res); return die(what, err); }
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
    return code ? 1 : 0;
}

static int queryFromArgs(const args *a, webvhQuery *q, char *err) {
    memset(q, 0, sizeof *q);
    static const char *opt[][2] = {{"version-id", "versionId"}, {"version-number", "versionNumber"}, {"version-time", "versionTime"}};
    for (int i = 0; i < 3; i++)
        if (get(a, opt[i][0]) && webvhQuerySet(q, opt[i][1], get(a, opt[i][0]), err) < 0) return -1;
    return 0;
}

static int cmdVerify(int argc, char **argv) {
    if (wantsHelp(argc, argv)) {
        puts("usage: didlog verify FILE [--did DID] [--witness did-witness.json]\n"
             "         [--version-id ID | --version-number N | --version-time T] [--json]\n"
             "  Checks every did:webvh v1.0 rule. Exit 0 valid, 1 invalid (the message names\n"
             "  the entry and the rule), 2 usage or I/O error. --json prints the DID\n"
             "  resolution result on one line in RFC 8785 (JCS) form: numbers as the log\n"
             "  holds them (690, 0.6); a version query succeeds when that version is valid.");
        return 0;
    }
    args a;
    char err[ERR_MAX];
    if (parseArgs(argc, argv, " did witness version-id version-number version-time ", " json ", &a) < 0 || a.npos != 1)
        return die("usage: didlog verify FILE [options] (see --help)", NULL);
    webvhQuery q;
    if (queryFromArgs(&a, &q, err) < 0) return die("verify", err);
    buf b = BUF_INIT;
    json_t *wf = NULL;
    if (fileRead(a.pos[0], WEBVH_LOG_MAX, &b, err) < 0) { bufFree(&b); return die("verify", err); }
    if (get(&a, "witness")) {
        buf w = BUF_INIT;
        if (fileRead(get(&a, "witness"), WEBVH_WITNESS_MAX, &w, err) < 0 || !(wf = webvhParseWitnessFile((const char *)w.p, w.len, err))) {
            bufFree(&w);
            bufFree(&b);
            return die("verify", err);
        }
        bufFree(&w);
    }
    webvhLog *log = webvhParse((const char *)b.p, b.len, err);
    bufFree(&b);
    if (!log) {
        json_decref(wf);
        fprintf(stderr, "didlog: verify: invalid: %s\n", err);
        return 1;
    }
    webvhOpts o = {.did = get(&a, "did"), .witnessProofs = wf};
    webvhResult r;
    webvhVerify(log, &o, &r);
    int rc = report(log, &r, &q, get(&a, "json") != NULL, a.pos[0]);
    webvhFree(log);
    json_decref(wf);
    return rc;
}

static int cmdResolve(int argc, char **argv) {
    if (wantsHelp(argc, argv)) {
        puts("usage: didlog resolve DID[?versionId=…|versionNumber=…|versionTime=…] [--base-url URL]\n"
             "  DID-to-HTTPS transformation, fetch did.jsonl (and did-witness.json when the\n"
             "  log uses witnesses) over HTTPS, verify, print the DID resolution result\n"
             "  (one line, RFC 8785 / JCS form, as verify --json).\n"
             "  --base-url URL replaces https://host[:port] (e.g. a local mirror; allows http).\n"
             "  Exit 0 resolved, 1 invalid or not found, 2 usage or network error.");
        return 0;
    }
    args a;
    char err[ERR_MAX];
    if (parseArgs(argc, argv, " base-url ", "", &a) < 0 || a.npos != 1) return die("usage: didlog resolve DID [--base-url URL]", NULL);
    const char *did = a.pos[0], *base = get(&a, "base-url");
    didParts p;
    webvhQuery q;
    if (didParse(did, base ? DID_LOCALHOST : 0, &p, err) < 0 || webvhQueryParse(did, &q, err) < 0) {
        fprintf(stderr, "didlog: resolve: %s\n", err);
        printf("{\"didDocument\":null,\"didDocumentMetadata\":{},\"didResolutionMetadata\":{\"error\":\"invalidDid\"}}\n");
        return 1;
    }
    buf url = BUF_INIT, body = BUF_INIT;
    long status = 0;
    int rc = 2;
    webvhLog *log = NULL;
    json_t *wf = NULL;
    if (didHttpsUrl(&p, "did.jsonl", base, &url, err) < 0 || httpGet((const char *)url.p, WEBVH_LOG_MAX, base != NULL, &body, &status, err) < 0)
        goto out;
    if (status == 404 || status == 410) {
        fprintf(stderr, "didlog: resolve: %s: HTTP %ld\n", (const char *)url.p, status);
        printf("{\"didDocument\":null,\"didDocumentMetadata\":{},\"didResolutionMetadata\":{\"error\":\"notFound\"}}\n");
        rc = 1;
        goto out;
    }
    if (status != 200) { errSet(err, "%s: HTTP %ld", (const char *)url.p, status); goto out; }
    if (!(log = webvhParse((const char *)body.p, body.len, err))) { rc = 1; goto out; }
    if (webvhUsesWitnesses(log)) {
        if (didHttpsUrl(&p, "did-witness.json", base, &url, err) < 0 ||
            httpGet((const char *)url.p, WEBVH_WITNESS_MAX, base != NULL, &body, &status, err) < 0)
            goto out;
        if (status == 200 && !(wf = webvhParseWitnessFile((const char *)body.p, body.len, err))) { rc = 1; goto out; }
    }
    webvhOpts o = {.did = did, .witnessProofs = wf};
    webvhResult r;
    webvhVerify(log, &o, &r);
    rc = report(log, &r, &q, 1, did);
out:
    if (rc == 2) die("resolve", err);
    if (rc == 1 && !log && err[0]) fprintf(stderr, "didlog: resolve: invalid: %s\n", err);
    didPartsFree(&p);
    bufFree(&url);
    bufFree(&body);
    json_decref(wf);
    webvhFree(log);
    return rc;
}

static int cmdCanon(int argc, char **argv) {
    if (wantsHelp(argc, argv) || argc != 1) {
        puts("usage: didlog canon FILE|-\n  Prints the RFC 8785 (JCS) form of a JSON document (no trailing newline).");
        return argc == 1 ? 0 : 2;
    }
    char err[ERR_MAX];
    buf b = BUF_INIT;
    if (fileRead(argv[0], 16u << 20, &b, err) < 0) { bufFree(&b); return die("canon", err); }
    json_t *j = jsonParse((const char *)b.p, b.len, 16u << 20, JSON_MAX_DEPTH_DEFAULT, err);
    bufFree(&b);
    if (!j) return die("canon", err);
    size_t n;
    char *s = jcsDump(j, &n, err);
    json_decref(j);
    if (!s) return die("canon", err);
    fwrite(s, 1, n, stdout);
    free(s);
    return 0;
}

static int cmdKeyhash(int argc, char **argv) {
    if (wantsHelp(argc, argv) || argc != 1) {
        puts("usage: didlog keyhash FILE|MULTIKEY|DIDKEY\n  Prints the pre-rotation hash of a public key (for --next-key-hash).");
        return argc == 1 ? 0 : 2;
    }
    char err[ERR_MAX], mk[MULTIKEY_PUB_MAX];
    uint8_t pk[32];
    if (keyPublicArg(argv[0], pk, err) < 0) return die("keyhash", err);
    mkEncodeEd25519Pub(pk, mk);
    buf h = BUF_INIT;
    webvhKeyHash(mk, &h);
    printf("%s\n", (const char *)h.p);
    bufFree(&h);
    return 0;
}

static void usage(FILE *f) {
    fputs("usage: didlog COMMAND [options]   (didlog COMMAND --help for each; didlog --version)\n"
          "  keygen      new Ed25519 key file (0600)\n"
          "  create      genesis entry of a new did:webvh DID\n"
          "  update      change the DID document (keys, services, controller, move)\n"
          "  rotate      change update keys (with or without pre-rotation)\n"
          "  deactivate  deactivate the DID\n"
          "  witness-sign  add a witness proof to did-witness.json\n"
          "  verify      verify a did.jsonl (exit 0 valid, 1 invalid, 2 error)\n"
          "  resolve     resolve a DID over HTTPS\n"
          "  canon       JCS form of a JSON document\n"
          "  keyhash     pre-rotation hash of a public key\n",
          f);
}

int main(int argc, char **argv) {
    if (sodium_init() < 0) return die("libsodium init failed", NULL);
    if (argc < 2) { usage(stderr); return 2; }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) { usage(stdout); return 0; }
    if (argc == 2 && !strcmp(argv[1], "--version")) { printf("didlog %s\n", waVersion()); return 0; }
    static const struct { const char *name; int (*fn)(int, char **); } cmds[] = {
        {"keygen", cmdKeygen}, {"create", cmdCreate}, {"update", cmdUpdate}, {"rotate", cmdRotate},
        {"deactivate", cmdDeactivate}, {"witness-sign", cmdWitnessSign}, {"verify", cmdVerify},
        {"resolve", cmdResolve}, {"canon", cmdCanon}, {"keyhash", cmdKeyhash},
    };
    for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++)
        if (!strcmp(argv[1], cmds[i].name)) return cmds[i].fn(argc - 2, argv + 2);
    fprintf(stderr, "didlog: unknown command %s\n", argv[1]);
    usage(stderr);
    return 2;
}
