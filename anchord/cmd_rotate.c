/* cmd_rotate.c -- `anchord rotate-publisher`: queue a publisher-key rotation for every DID. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/hex.h"
#include "core/multiformat.h"
#include "core/sha256.h"
#include "anchord/cmd.h"
#include "anchord/queue/didreg.h"
#include "anchord/ops/log.h"
#include "anchord/keys/svckey.h"

static void rotateUsage(FILE *f) {
    fprintf(f, "usage: anchord rotate-publisher [--config FILE]\n"
               "  With WA_PUBLISHER_KEY[_FILE] = the new publisher (update) key and\n"
               "  WA_PREVIOUS_PUBLISHER_KEY[_FILE] = the one being rotated out (key files or pkcs11: URIs;\n"
               "  only their public keys are read, so a token key needs no PIN here): queues, for every DID\n"
               "  in the registry, an entry that the next `anchord run` turns into a log entry moving\n"
               "  its updateKeys to the new key (signed by the previous one; anchored and witnessed like\n"
               "  any entry): a publisher maintenance entry, the DID document unchanged, which didverify\n"
               "  accepts as such (docs/formats.md \"Entry kinds\"). Events built meanwhile rotate their\n"
               "  DID first anyway; running it twice queues nothing new.\n"
               "  Prints {\"dids\":N,\"queued\":Q,\"already\":A}.\n"
               "  0 done, 3 a bad setting or key, 4 Redis unavailable (run it again to finish;\n"
               "  docs/operations.md).\n\n");
    exitHelp(f, EXIT_BIT(EXIT_OK) | EXIT_BIT(EXIT_USAGE) | EXIT_BIT(EXIT_CONFIG) | EXIT_BIT(EXIT_UNAVAILABLE));
}

typedef struct rotation {
    queue *q;
    const char *id;                  /* publisher-rotation-<16 hex of SHA-256(new key)> */
    char body[MULTIKEY_PUB_MAX + 32];
    didInfo *di;
    size_t dids, queued, already;
} rotation;

/* queueOne: the rotation entry of one DID (its registry record names the DID). */
static int queueOne(void *arg, const char *scid, char *err) {
    rotation *r = arg;
    char sid[QUEUE_SID_MAX];
    int rc = didregGet(r->q, scid, r->di, err);
    if (rc <= 0) return rc;   /* deleted since the SCAN saw it */
    r->dids++;
    rc = queueEnqueue(r->q, "events", scid, r->id, r->di->did, r->body, strlen(r->body), 0, sid, NULL, err);
    if (rc == QUEUE_OK) r->queued++;
    else if (rc == QUEUE_REPLAY) r->already++;
    else return -1;
    return 0;
}

int cmdRotate(const cmdCtx *c, int argc, char **argv) {
    static const optSpec spec[] = {{"config", OPT_VALUE}, {NULL, 0}};
    optArgs a;
    char err[ERR_MAX], mk[MULTIKEY_PUB_MAX], prevMk[MULTIKEY_PUB_MAX] = "", id[96];
    if (optParse(argc, argv, 1, spec, 0, 0, &a, err) < 0) return optUsageError("anchord rotate-publisher", err);
    if (a.help) { rotateUsage(stdout); return EXIT_OK; }
    config cfg;
    edSigner pub, prev;   /* public halves only: a token key needs no PIN here */
    int hp = configLoad(&cfg, cmdConfigPath(c, &a), err) < 0 ? -1 : svcKeyOpen(&cfg, "PUBLISHER", 0, &pub, NULL, err);
    if (hp <= 0) {
        fprintf(stderr, "anchord rotate-publisher: %s\n", hp < 0 ? err : "no publisher key: set WA_PUBLISHER_KEY_FILE (the new key)");
        return EXIT_CONFIG;
    }
    hp = svcKeyOpen(&cfg, "PREVIOUS_PUBLISHER", 0, &prev, NULL, err);
    int bad = mkEncodeEd25519Pub(pub.pk, mk) < 0 || (hp > 0 && mkEncodeEd25519Pub(prev.pk, prevMk) < 0);
    edSignerClose(&pub);
    if (hp > 0) edSignerClose(&prev);
    if (hp <= 0 || bad || !strcmp(mk, prevMk)) {
        fprintf(stderr, "anchord rotate-publisher: %s\n", hp < 0 ? err
                : "set WA_PREVIOUS_PUBLISHER_KEY_FILE to the key being rotated out (another key than the publisher key)");
        return EXIT_CONFIG;
    }
    uint8_t md[SHA256_LEN];
    char hex[65];
    sha256((const uint8_t *)mk, strlen(mk), md);
    hexEncode(md, 8, hex);
    snprintf(id, sizeof id, "publisher-rotation-%s", hex);
    rotation r = {.id = id, .di = malloc(sizeof *r.di)};
    snprintf(r.body, sizeof r.body, "{\"publisherRotation\":\"%s\"}", mk);
    if (!r.di) { fprintf(stderr, "anchord rotate-publisher: out of memory\n"); return EXIT_FAIL; }
    if (!(r.q = queueOpen(cfg.redisUrl, (int)cfg.streamShards, 5000, err))) {
        free(r.di);
        fprintf(stderr, "anchord rotate-publisher: %s\n", err);
        return EXIT_CONFIG;
    }
    queueSetWait(r.q, configRedisWaitReplicas(&cfg), (int)cfg.redisWaitMs);
    int rc = queueScanScids(r.q, "did", queueOne, &r, err);
    queueClose(r.q);
    free(r.di);
    if (rc < 0) {
        fprintf(stderr, "anchord rotate-publisher: %s (%zu queued so far; run it again to finish)\n", err, r.queued);
        return EXIT_UNAVAILABLE;
    }
    printf("{\"dids\":%zu,\"queued\":%zu,\"already\":%zu,\"id\":\"%s\"}\n", r.dids, r.queued, r.already, id);
    return 0;
}
