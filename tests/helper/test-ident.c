/* test-ident.c -- test identities and their events (the scheme: tests/helper/test-tool.h).
 *
 *   ident N                  "SCID DID VM MULTIKEY" of subject N
 *   did N                    subject N's DID
 *   genesis N [updater=M] [mk=MULTIKEY]
 *                            subject N's genesis did.jsonl line (updater: subject M's key is the
 *                            only update key and signs it; mk: this string is the assertion key)
 *   register N [DID]         the DID registry record of subject N (or of DID, with N's key), as
 *                            the worker writes it once the genesis is anchored (WA_REDIS_URL)
 *   register-many N          register subjects 1..N
 *   enqueue-dids FROM TO     queue the genesis logs of subjects [FROM,TO) on the "dids" stream
 *                            (ingestDid with the checks of POST /dids); prints "registered K"
 *   sign N ID [KEY=VALUE...] one signed event of subject N (eventSign), one JCS line:
 *        type=T             (Manufactured)      data=JSON   ({"step":"made"})
 *        time=RFC3339|now|now+SECS|now-SECS     (now)
 *        did=DID            another "did" member (signed as such)
 *        key=M              signed with subject M's key
 *        vm=FRAG|#FRAG|DID#FRAG   the verification method (<did>#key-1; FRAG = <did>#FRAG)
 *        created=RFC3339    proof.created, signed
 *        created-after=1    proof.created = time added after signing (breaks the signature)
 *        tamper=1           data changed after signing        extra=1   a seventh member
 *   sign-vc N UUID [KEY=VALUE...]  one signed credential-form event of subject N
 *                            (eventSignCredential; id urn:uuid:UUID), one JCS line:
 *        kind=T             EPCIS type (ObjectEvent; AssociationEvent: parentID = subject,
 *                           TransformationEvent: outputEPCList = [subject])
 *        step=S             bizStep (commissioning)     subject=DID  the DID the event is about
 *        issuer=DID         the issuer (the subject's DID)   key=M, vm=...  as sign's
 *        time=...           validFrom and eventTime (now)    until=...  validUntil (none)
 *        ctx=URL            a second @context, signed   tamper=1  the subject changed after signing
 *        noproofctx=1       the proof's @context removed after signing
 *   events FROM TO COUNT PREFIX
 *                            COUNT events "PREFIX-<n>-<k>" round-robin over subjects [FROM,TO)
 *   rawadd N LINE            XADD the event LINE to subject N's stream directly (bypassing
 *                            ingest: tests that the worker never trusts the queue)
 * Settings as anchord's (WA_PUBLISHER_KEY_FILE, WA_WITNESS_KEY_FILE: key files; WA_DOMAIN,
 * WA_PREFIX, WA_REDIS_URL, WA_STREAM_SHARDS). Exit 0 ok, 1 refused, 2 usage or setup. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <hiredis/hiredis.h>
#include "core/jcs.h"
#include "core/json.h"
#include "core/rfc3339.h"
#include "core/sha256.h"
#include "didlog/key.h"
#include "verifier/event/event.h"
#include "anchord/ingest/genesis.h"
#include "anchord/ingest/ingest.h"
#include "anchord/queue/didreg.h"
#include "anchord/queue/rcluster.h"
#include "tests/helper/test-tool.h"

#define GENESIS_TIME "2025-01-01T00:00:00Z"   /* fixed: a subject's DID depends on its n alone */

void identKey(int n, int gen, edKey *k) {
    char label[64];
    uint8_t seed[32];
    if (gen > 0) snprintf(label, sizeof label, "wa-test-subject-%d-%d", n, gen);
    else snprintf(label, sizeof label, "wa-test-subject-%d", n);
    sha256(label, strlen(label), seed);
    edKeyFromSeed(seed, k);
}

/* The service's side: publisher and witness keys (files), the DID path of WA_PREFIX. */
static struct {
    int ready;
    edKey pub, wit;
    char witDid[DIDKEY_MAX];
    char didPath[300];
} svc;

static void setup(void) {
    const config *c = ttConfig();
    char err[ERR_MAX];
    if (svc.ready) return;
    if (!c->publisherKeyFile[0]) ttDie("setup", "WA_PUBLISHER_KEY_FILE is not set");
    if (keyFileRead(c->publisherKeyFile, &svc.pub, err) < 0) ttDie("publisher key", err);
    if (c->witnessKeyFile[0]) { if (keyFileRead(c->witnessKeyFile, &svc.wit, err) < 0) ttDie("witness key", err); }
    else svc.wit = svc.pub;
    didkeyFromPub(svc.wit.pk, svc.witDid);
    if (genesisDidPath(c->prefix, svc.didPath, err) < 0) ttDie("DID path", err);
    svc.ready = 1;
}

webvhLog *identGenesis(int n, int updater, const char *withMk, buf *line, char did[DOC_DID_MAX]) {
    edKey k, u;
    char umk[MULTIKEY_PUB_MAX], mk[MULTIKEY_PUB_MAX], id[DOC_DID_MAX], vm[DOC_DID_MAX + 8], err[ERR_MAX];
    setup();
    identKey(n, 0, &k);
    mkEncodeEd25519Pub(k.pk, mk);
    if (withMk) snprintf(mk, sizeof mk, "%s", withMk);
    snprintf(id, sizeof id, "did:webvh:{SCID}:%.200s%.200s:{SCID}", ttConfig()->domain, svc.didPath);
    snprintf(vm, sizeof vm, "%s#key-1", id);
    json_t *state = json_pack("{s:[s,s],s:s,s:[{s:s,s:s,s:s,s:s}],s:[s]}", "@context", "https://www.w3.org/ns/did/v1",
                              "https://w3id.org/security/multikey/v1", "id", id, "verificationMethod", "id", vm, "type",
                              "Multikey", "controller", id, "publicKeyMultibase", mk, "assertionMethod", vm);
    if (updater >= 0) identKey(updater, 0, &u);
    else u = svc.pub;
    mkEncodeEd25519Pub(u.pk, umk);
    json_t *params = json_pack("{s:[s],s:{s:i,s:[{s:s}]}}", "updateKeys", umk, "witness", "threshold", 1,
                               "witnesses", "id", svc.witDid);
    webvhLog *log = webvhCreate(state, params, GENESIS_TIME, u.sk, line, err);
    edKeyWipe(&u);
    edKeyWipe(&k);
    json_decref(state);
    json_decref(params);
    if (!log) ttDie("genesis", err);
    snprintf(did, DOC_DID_MAX, "%s", log->e[0].did);
    return log;
}

void identDid(int n, char did[DOC_DID_MAX]) {
    buf line = BUF_INIT;
    webvhFree(identGenesis(n, -1, NULL, &line, did));
    bufFree(&line);
}

int identRegister(queue *q, const char *scid, const char *did, const char *versionId, const char *vm, const char *mk,
                  char *err) {
    didInfo *di = calloc(1, sizeof *di);
    if (!di) return errSet(err, "out of memory");
    snprintf(di->did, sizeof di->did, "%s", did);
    snprintf(di->versionId, sizeof di->versionId, "%s", versionId);
    snprintf(di->etag, sizeof di->etag, "\"e1\"");
    snprintf(di->keys[0].vm, sizeof di->keys[0].vm, "%s", vm);
    snprintf(di->keys[0].mk, sizeof di->keys[0].mk, "%s", mk);
    di->nkeys = 1;
    int rc = didregPut(q, scid, di, err);
    free(di);
    return rc;
}

/* argN: argv[i] as a number 0..10^8 (a subject, a count), or a usage exit. */
static int argN(int argc, char **argv, int i, const char *usage) {
    char *end;
    long v = i < argc ? strtol(argv[i], &end, 10) : -1;
    if (i >= argc || *end || v < 0 || v > 100000000) {
        fprintf(stderr, "usage: test-tool %s\n", usage);
        exit(2);
    }
    return (int)v;
}

int cmdIdent(int argc, char **argv) {
    char did[DOC_DID_MAX], scid[WEBVH_SCID_LEN + 1], mk[MULTIKEY_PUB_MAX];
    edKey k;
    int n = argN(argc, argv, 1, "ident N");
    identDid(n, did);
    identKey(n, 0, &k);
    mkEncodeEd25519Pub(k.pk, mk);
    edKeyWipe(&k);
    if (didScidOf(did, scid) < 0) ttDie("ident", "no SCID in the DID");
    printf("%s %s %s#key-1 %s\n", scid, did, did, mk);
    return 0;
}

int cmdDid(int argc, char **argv) {
    char did[DOC_DID_MAX];
    identDid(argN(argc, argv, 1, "did N"), did);
    puts(did);
    return 0;
}

int cmdGenesis(int argc, char **argv) {
    buf line = BUF_INIT;
    char did[DOC_DID_MAX];
    int n = argN(argc, argv, 1, "genesis N [updater=M] [mk=MULTIKEY]");
    const char *up = ttArg(argc - 2, argv + 2, "updater");
    webvhFree(identGenesis(n, up ? atoi(up) : -1, ttArg(argc - 2, argv + 2, "mk"), &line, did));
    fputs((char *)line.p, stdout);
    bufFree(&line);
    return 0;
}

/* registerOne: subject n's registry record, for did (NULL = its own). */
static int registerOne(queue *q, int n, const char *did) {
    buf line = BUF_INIT;
    char own[DOC_DID_MAX], vm[DOC_DID_MAX + 8], mk[MULTIKEY_PUB_MAX], scid[WEBVH_SCID_LEN + 1], err[ERR_MAX];
    webvhLog *log = identGenesis(n, -1, NULL, &line, own);
    edKey k;
    identKey(n, 0, &k);
    mkEncodeEd25519Pub(k.pk, mk);
    edKeyWipe(&k);
    snprintf(vm, sizeof vm, "%s#key-1", own);
    int rc = didScidOf(own, scid) < 0 ? errSet(err, "no SCID in %s", own)
                                      : identRegister(q, scid, did ? did : own, log->e[0].versionId, vm, mk, err);
    if (rc < 0) fprintf(stderr, "register %d: %s\n", n, err);
    webvhFree(log);
    bufFree(&line);
    return rc < 0 ? 1 : 0;
}

int cmdRegister(int argc, char **argv) {
    int n = argN(argc, argv, 1, "register N [DID]");
    queue *q = ttQueue();
    int rc = registerOne(q, n, argc > 2 ? argv[2] : NULL);
    queueClose(q);
    return rc;
}

int cmdRegisterMany(int argc, char **argv) {
    int n = argN(argc, argv, 1, "register-many N"), rc = 0;
    queue *q = ttQueue();
    for (int i = 1; i <= n && rc == 0; i++) rc = registerOne(q, i, NULL);
    queueClose(q);
    return rc;
}

int cmdEnqueueDids(int argc, char **argv) {
    const char *use = "enqueue-dids FROM TO";
    int from = argN(argc, argv, 1, use), to = argN(argc, argv, 2, use), bad = 0;
    setup();
    genesisPolicy p;
    memset(&p, 0, sizeof p);
    mkEncodeEd25519Pub(svc.pub.pk, p.updateKey);
    snprintf(p.witness, sizeof p.witness, "%s", svc.witDid);
    snprintf(p.domain, sizeof p.domain, "%s", ttConfig()->domain);
    snprintf(p.didPath, sizeof p.didPath, "%s", svc.didPath);
    queue *q = ttQueue();
    ingestCtx ic = {ttConfig(), &didregRedis, genesisCheck, &p};
    for (int n = from; n < to; n++) {
        buf line = BUF_INIT;
        char did[DOC_DID_MAX];
        webvhFree(identGenesis(n, -1, NULL, &line, did));
        ingestResult r;
        ingestDid(&ic, q, (char *)line.p, line.len, &r);
        if (r.code != REJ_OK) { fprintf(stderr, "register %d: %s: %s\n", n, rejectName(r.code), r.detail); bad++; }
        bufFree(&line);
    }
    queueClose(q);
    printf("registered %d\n", to - from - bad);
    return bad ? 1 : 0;
}

/* printJcs: v (stolen) as one JCS line on stdout; 0, or fatal (ttDie names what). */
static int printJcs(json_t *v, const char *what) {
    char err[ERR_MAX], *out = jcsDump(v, NULL, err);
    json_decref(v);
    if (!out) ttDie(what, err);
    puts(out);
    free(out);
    return 0;
}

int cmdSign(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: test-tool sign N ID [KEY=VALUE...]\n"); return 2; }
    int n = argN(argc, argv, 1, "sign N ID [KEY=VALUE...]");
    const char *id = argv[2], *type = ttArg(argc, argv, "type"), *data = ttArg(argc, argv, "data");
    const char *key = ttArg(argc, argv, "key"), *vmArg = ttArg(argc, argv, "vm"), *didArg = ttArg(argc, argv, "did");
    char did[DOC_DID_MAX], vm[DOC_DID_MAX + 64], t[RFC3339_MAX], err[ERR_MAX];
    if (didArg) snprintf(did, sizeof did, "%s", didArg);
    else identDid(n, did);
    if (vmArg && strchr(vmArg, '#')) snprintf(vm, sizeof vm, "%s", vmArg);
    else snprintf(vm, sizeof vm, "%s#%s", did, vmArg ? vmArg : "key-1");
    ttTime(ttArg(argc, argv, "time"), t);
    if (!data) data = "{\"step\":\"made\"}";
    json_t *d = jsonParse(data, strlen(data), 1 << 16, 32, err);
    if (!d) ttDie("data", err);
    edKey k;
    identKey(key ? atoi(key) : n, 0, &k);
    eventDraft dr = {.id = id, .did = did, .type = type ? type : "Manufactured", .time = t, .data = d, .vm = vm,
                     .created = ttArg(argc, argv, "created")};
    json_t *ev = eventSign(&dr, k.sk, err);
    edKeyWipe(&k);
    json_decref(d);
    if (!ev) ttDie("sign", err);
    /* the deliberate damage, after signing */
    if (ttArg(argc, argv, "created-after")) json_object_set_new(json_object_get(ev, "proof"), "created", json_string(t));
    if (ttArg(argc, argv, "tamper")) json_object_set_new(json_object_get(ev, "data"), "tampered", json_true());
    if (ttArg(argc, argv, "extra")) json_object_set_new(ev, "extra", json_true());
    return printJcs(ev, "sign");
}

int cmdSignVc(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: test-tool sign-vc N UUID [KEY=VALUE...]\n"); return 2; }
    int n = argN(argc, argv, 1, "sign-vc N UUID [KEY=VALUE...]");
    const char *kind = ttArg(argc, argv, "kind"), *step = ttArg(argc, argv, "step"), *key = ttArg(argc, argv, "key");
    const char *vmArg = ttArg(argc, argv, "vm"), *subj = ttArg(argc, argv, "subject"), *iss = ttArg(argc, argv, "issuer");
    const char *until = ttArg(argc, argv, "until"), *ctx = ttArg(argc, argv, "ctx");
    char did[DOC_DID_MAX], vm[DOC_DID_MAX + 64], t[RFC3339_MAX], u[RFC3339_MAX], err[ERR_MAX];
    identDid(n, did);
    if (!iss) iss = did;
    if (!subj) subj = did;
    if (!kind) kind = "ObjectEvent";
    if (vmArg && strchr(vmArg, '#')) snprintf(vm, sizeof vm, "%s", vmArg);
    else snprintf(vm, sizeof vm, "%s#%s", iss, vmArg ? vmArg : "key-1");
    ttTime(ttArg(argc, argv, "time"), t);
    if (until) ttTime(until, u);
    json_t *cs = json_pack("{s:s,s:s,s:s,s:s,s:s}", "type", kind, "eventTime", t, "eventTimeZoneOffset", "+00:00",
                           "bizStep", step ? step : "commissioning", "action", "ADD");
    if (!strcmp(kind, "AssociationEvent")) json_object_set_new(cs, "parentID", json_string(subj));
    else if (!strcmp(kind, "TransformationEvent")) json_object_del(cs, "action"), json_object_set_new(cs, "outputEPCList", json_pack("[s]", subj));
    else json_object_set_new(cs, "epcList", json_pack("[s]", subj));
    json_object_set_new(cs, "details", json_pack("{s:s}", "plant", "Berlin"));
    edKey k;
    identKey(key ? atoi(key) : n, 0, &k);
    credDraft dr = {.uuid = argv[2], .did = iss, .validFrom = t, .validUntil = until ? u : NULL, .subject = cs,
                    .vm = vm, .created = ttArg(argc, argv, "created")};
    json_t *vc = eventSignCredential(&dr, k.sk, err);
    json_decref(cs);
    if (vc && ctx) {   /* a second context, signed over */
        json_array_append_new(json_object_get(vc, "@context"), json_string(ctx));
        if (eventSignDoc(vc, vm, dr.created, k.sk, err) < 0) json_decref(vc), vc = NULL;
    }
    edKeyWipe(&k);
    if (!vc) ttDie("sign-vc", err);
    if (ttArg(argc, argv, "tamper")) json_object_set_new(json_object_get(vc, "credentialSubject"), "bizStep", json_string("decommissioning"));
    if (ttArg(argc, argv, "noproofctx")) json_object_del(json_object_get(vc, "proof"), "@context");
    return printJcs(vc, "sign-vc");
}

int cmdEvents(int argc, char **argv) {
    const char *use = "events FROM TO COUNT PREFIX";
    int from = argN(argc, argv, 1, use), to = argN(argc, argv, 2, use), count = argN(argc, argv, 3, use);
    if (argc != 5 || to <= from) { fprintf(stderr, "usage: test-tool %s\n", use); return 2; }
    const char *prefix = argv[4];
    int span = to - from;
    char (*dids)[DOC_DID_MAX] = calloc((size_t)span, DOC_DID_MAX);
    edKey *keys = calloc((size_t)span, sizeof *keys);
    if (!dids || !keys) ttDie("events", "out of memory");
    for (int i = 0; i < span; i++) identDid(from + i, dids[i]), identKey(from + i, 0, &keys[i]);
    char t[RFC3339_MAX], err[ERR_MAX], id[64], vm[DOC_DID_MAX + 8];
    ttTime(NULL, t);
    for (int k = 0; k < count; k++) {
        int i = k % span;
        snprintf(id, sizeof id, "%s-%d-%d", prefix, from + i, k);
        snprintf(vm, sizeof vm, "%s#key-1", dids[i]);
        json_t *data = json_pack("{s:i,s:s}", "seq", k, "site", "Berlin");
        eventDraft dr = {.id = id, .did = dids[i], .type = "Manufactured", .time = t, .data = data, .vm = vm};
        char *s = eventSignLine(&dr, keys[i].sk, NULL, err);
        json_decref(data);
        if (!s) ttDie("sign", err);
        puts(s);
        free(s);
    }
    for (int i = 0; i < span; i++) edKeyWipe(&keys[i]);
    free(keys);
    free(dids);
    return 0;
}

int cmdRawAdd(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: test-tool rawadd N LINE\n"); return 2; }
    char did[DOC_DID_MAX], err[ERR_MAX], key[96], sc[WEBVH_SCID_LEN + 1];
    identDid(argN(argc, argv, 1, "rawadd N LINE"), did);
    const char *line = argv[2];
    json_t *ev = jsonParse(line, strlen(line), 1 << 16, 32, err);
    if (!ev) ttDie("event", err);
    if (didScidOf(did, sc) < 0) ttDie("rawadd", "no SCID in the DID");
    queue *q = ttQueue();
    queueKey(q, queueShardOf(q, sc), "events", NULL, NULL, key, sizeof key);
    rcluster *r = rclusterOpen(ttConfig()->redisUrl, NULL, err);   /* one Redis or a cluster */
    if (!r) ttDie("WA_REDIS_URL", err);
    const char *av[] = {"XADD", key, "*", "scid", sc, "id", eventId(ev), "did", did, "body", line};
    redisReply *rep = NULL;
    int ok = rclusterCommand(r, 0, 11, av, NULL, &rep, err) == 0 && rep->type == REDIS_REPLY_STRING;
    if (ok) puts(rep->str);
    else fprintf(stderr, "rawadd: %s\n", rep ? (rep->str ? rep->str : "unexpected reply") : err);
    if (rep) freeReplyObject(rep);
    rclusterClose(r);
    queueClose(q);
    json_decref(ev);
    return ok ? 0 : 1;
}

int cmdShard(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: test-tool shard SCID|-\n"); return 2; }
    queue *q = ttQueue();   /* connects lazily: nothing is sent */
    if (strcmp(argv[1], "-")) printf("%d\n", queueShardOf(q, argv[1]));
    else {   /* one SCID a line on stdin, one shard a line out */
        char line[256];
        while (fgets(line, sizeof line, stdin)) {
            line[strcspn(line, "\r\n")] = 0;
            printf("%d\n", queueShardOf(q, line));
        }
    }
    queueClose(q);
    return 0;
}
