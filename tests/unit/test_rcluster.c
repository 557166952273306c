/* test_rcluster.c -- the pure half of anchord/rcluster: CRC16 and hash tags (Redis
 * Cluster specification, "Keys distribution model" and "Hash tags"), where commands keep
 * their keys, and the WA_REDIS_URL seed syntax. No server: tests/integration/rcluster.sh
 * runs the rest against a real cluster. */
#include <stdio.h>
#include <string.h>
#include "t.h"
#include "core/err.h"
#include "anchord/queue/rcluster.h"

static int slotOf(const char *k) { return rclusterKeySlot(k, strlen(k)); }

/* cmdSlot: rclusterCommandSlot of a space-separated command; *kind set. */
static int cmdSlot(const char *line, int *slot, int *kind) {
    static char copy[512];
    const char *av[32];
    int ac = 0;
    snprintf(copy, sizeof copy, "%s", line);
    for (char *save = NULL, *t = strtok_r(copy, " ", &save); t && ac < 32; t = strtok_r(NULL, " ", &save)) av[ac++] = t;
    char err[ERR_MAX];
    *slot = -99;
    return rclusterCommandSlot(ac, av, NULL, slot, kind, err);
}

static void testCrc(void) {
    /* the specification's check value of its CRC16 (XMODEM) */
    T_CHECK(rclusterCrc16("123456789", 9) == 0x31C3, "crc16(123456789) = %04x, want 31c3", rclusterCrc16("123456789", 9));
    T_CHECK(rclusterCrc16("", 0) == 0, "crc16 of nothing is 0");
    /* slots redis-server's CLUSTER KEYSLOT gives (the MOVED example of the docs: foo -> 12182) */
    T_CHECK(slotOf("foo") == 12182, "slot(foo) = %d", slotOf("foo"));
    T_CHECK(slotOf("hello") == 866, "slot(hello) = %d", slotOf("hello"));
    T_CHECK(slotOf("bar") == 5061, "slot(bar) = %d", slotOf("bar"));
}

static void testHashTags(void) {
    /* the four examples of the specification's "Hash tags" section */
    T_CHECK(slotOf("{user1000}.following") == slotOf("user1000"), "{user1000}.following hashes user1000");
    T_CHECK(slotOf("{user1000}.followers") == slotOf("{user1000}.following"), "same tag, same slot");
    T_CHECK(slotOf("foo{}{bar}") == (rclusterCrc16("foo{}{bar}", 10) & 16383), "foo{}{bar}: empty tag, whole key");
    T_CHECK(slotOf("foo{{bar}}zap") == slotOf("{bar"), "foo{{bar}}zap hashes {bar");
    T_CHECK(slotOf("foo{bar}{zap}") == slotOf("bar"), "foo{bar}{zap} hashes bar");
    /* no closing brace, a brace pair in the wrong order: the whole key */
    T_CHECK(slotOf("foo{bar") == (rclusterCrc16("foo{bar", 7) & 16383), "foo{bar: no tag");
    T_CHECK(slotOf("foo}bar{") == (rclusterCrc16("foo}bar{", 8) & 16383), "foo}bar{: no tag");
    /* binary keys: the length counts, not a NUL */
    T_CHECK(rclusterKeySlot("a\0{b}", 5) == slotOf("b"), "NUL before the tag");
    /* the project's shard keys: every key of shard N shares {sN} */
    char k1[64], k2[64];
    for (int s = 0; s < 16; s++) {
        snprintf(k1, sizeof k1, "wa:{s%d}:events", s);
        snprintf(k2, sizeof k2, "wa:{s%d}:events:QmScid:ev-1", s);
        char tag[16];
        snprintf(tag, sizeof tag, "s%d", s);
        T_CHECK(slotOf(k1) == slotOf(k2) && slotOf(k1) == slotOf(tag), "shard %d keys share a slot", s);
    }
}

static void testCommandSlot(void) {
    int slot, kind;
    T_CHECK(cmdSlot("GET foo", &slot, &kind) == 0 && slot == 12182, "GET foo -> 12182 (%d)", slot);
    T_CHECK(cmdSlot("get foo", &slot, &kind) == 0 && slot == 12182, "command names ignore case");
    T_CHECK(cmdSlot("MSET {t}a 1 {t}b 2", &slot, &kind) == 0 && slot == slotOf("t"), "MSET keys of one tag");
    T_CHECK(cmdSlot("MSET a 1 b 2", &slot, &kind) < 0 && kind == RCLUSTER_E_CROSSSLOT, "MSET across slots refused");
    T_CHECK(cmdSlot("MSET a 1 b", &slot, &kind) < 0 && kind == RCLUSTER_E_NOROUTE, "MSET odd arguments refused");
    T_CHECK(cmdSlot("DEL {x}1 {x}2 {x}3", &slot, &kind) == 0 && slot == slotOf("x"), "DEL of one tag");
    T_CHECK(cmdSlot("DEL {x}1 {y}2", &slot, &kind) < 0 && kind == RCLUSTER_E_CROSSSLOT, "DEL across slots refused");
    T_CHECK(cmdSlot("HSET wa:{s3}:did:Qm f v", &slot, &kind) == 0 && slot == slotOf("s3"), "HSET by its key only");
    /* EVALSHA / EVAL: routed by KEYS (numkeys), never by ARGV */
    T_CHECK(cmdSlot("EVALSHA 0123 2 {s1}:a {s1}:b argv-in-other-slot", &slot, &kind) == 0 && slot == slotOf("s1"),
            "EVALSHA routed by its 2 KEYS");
    T_CHECK(cmdSlot("EVAL return 2 {s1}:a {s2}:b", &slot, &kind) < 0 && kind == RCLUSTER_E_CROSSSLOT, "EVAL KEYS across slots");
    T_CHECK(cmdSlot("EVALSHA 0123 0 arg", &slot, &kind) == 0 && slot == RCLUSTER_NOKEY, "EVALSHA without keys: no key");
    T_CHECK(cmdSlot("EVALSHA 0123 3 k", &slot, &kind) < 0 && kind == RCLUSTER_E_NOROUTE, "numkeys beyond argc");
    T_CHECK(cmdSlot("EVALSHA 0123 x k", &slot, &kind) < 0 && kind == RCLUSTER_E_NOROUTE, "numkeys not a number");
    /* streams */
    T_CHECK(cmdSlot("XADD wa:{s5}:events * a b", &slot, &kind) == 0 && slot == slotOf("s5"), "XADD");
    T_CHECK(cmdSlot("XREADGROUP GROUP g STREAMS COUNT 10 BLOCK 100 NOACK STREAMS {s1}:a {s1}:b > >", &slot, &kind) == 0 &&
            slot == slotOf("s1"), "XREADGROUP: a consumer named STREAMS, keys after the STREAMS option");
    T_CHECK(cmdSlot("XREADGROUP GROUP g c STREAMS k1 k2 >", &slot, &kind) < 0 && kind == RCLUSTER_E_NOROUTE,
            "XREADGROUP with fewer ids than keys");
    T_CHECK(cmdSlot("XREAD STREAMS a b 0 0", &slot, &kind) < 0 && kind == RCLUSTER_E_CROSSSLOT, "XREAD across slots");
    T_CHECK(cmdSlot("XREAD COUNT 5 STREAMS a 0", &slot, &kind) == 0 && slot == slotOf("a"), "XREAD one stream");
    T_CHECK(cmdSlot("XGROUP CREATE {s2}:e anchord $ MKSTREAM", &slot, &kind) == 0 && slot == slotOf("s2"), "XGROUP CREATE key");
    T_CHECK(cmdSlot("XINFO HELP", &slot, &kind) == 0 && slot == RCLUSTER_NOKEY, "XINFO HELP has no key");
    /* keyless and unknown */
    T_CHECK(cmdSlot("PING", &slot, &kind) == 0 && slot == RCLUSTER_NOKEY, "PING: no key");
    T_CHECK(cmdSlot("WAIT 1 100", &slot, &kind) == 0 && slot == RCLUSTER_NOKEY, "WAIT: no key");
    T_CHECK(cmdSlot("SCAN 0 MATCH wa:{s1}:*", &slot, &kind) == 0 && slot == RCLUSTER_NOKEY, "SCAN: no key");
    T_CHECK(cmdSlot("FROBNICATE k", &slot, &kind) < 0 && kind == RCLUSTER_E_NOROUTE, "unknown command refused");
    T_CHECK(cmdSlot("GET", &slot, &kind) < 0 && kind == RCLUSTER_E_NOROUTE, "GET without its key");
    /* binary-safe lengths */
    const char *av[] = {"GETxx", "{b}\0zz"};
    size_t lens[] = {3, 6};
    char err[ERR_MAX];
    T_CHECK(rclusterCommandSlot(2, av, lens, &slot, &kind, err) == 0 && slot == slotOf("b"), "lens, not strlen");
}

static void testUrl(void) {
    rclusterUrl u;
    char err[ERR_MAX];
    T_CHECK(rclusterUrlParse("redis://127.0.0.1:6380/2", &u, err) == 0 && u.n == 1 && u.port[0] == 6380 && u.db == 2 &&
            !strcmp(u.host[0], "127.0.0.1") && !u.pass[0], "one Redis with a database");
    T_CHECK(rclusterUrlParse("redis://h", &u, err) == 0 && u.port[0] == 6379 && u.db == 0, "default port 6379");
    T_CHECK(rclusterUrlParse("redis://:s3cret@h1:7000,h2:7001,h3", &u, err) == 0 && u.n == 3 && !strcmp(u.pass, "s3cret") &&
            !strcmp(u.host[1], "h2") && u.port[1] == 7001 && u.port[2] == 6379, "seed list after one scheme");
    T_CHECK(rclusterUrlParse("redis://:pw@h1:7000,redis://:pw@h2:7001", &u, err) == 0 && u.n == 2 && !strcmp(u.pass, "pw"),
            "repeated URLs with one password");
    T_CHECK(rclusterUrlParse("redis://:p,w@h1:1,h2:2", &u, err) == 0 && u.n == 2 && !strcmp(u.pass, "p,w"),
            "a comma inside the password");
    T_CHECK(rclusterUrlParse("redis://h1:1,h2:2/0", &u, err) == 0 && u.n == 2, "database 0 with seeds");
    struct { const char *url, *why; } bad[] = {
        {"http://h", "scheme"},
        {"redis://user:pw@h", "user name"},
        {"redis://:pw@h1:1,redis://:other@h2:2", "two passwords"},
        {"redis://h1:1,:pw@h2:2", "password only on a later seed"},
        {"redis://h1:1,h2:2/3", "database with several seeds"},
        {"redis://h:0", "port 0"},
        {"redis://h:70000", "port too big"},
        {"redis://h/16", "database 16"},
        {"redis://h1,,h2", "empty seed"},
        {"redis://h_1", "bad host"},
        {"redis://h:1 x", "trailing text"},
        {"redis://a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q", "17 seeds"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        T_CHECK(rclusterUrlParse(bad[i].url, &u, err) < 0, "refused: %s (%s)", bad[i].url, bad[i].why);
    /* messages never carry the password */
    T_CHECK(rclusterUrlParse("redis://:topsecret@h1:1,redis://:othersecret@h2:x", &u, err) < 0 &&
            !strstr(err, "secret"), "no password in \"%s\"", err);
    T_CHECK(rclusterUrlParse("redis://:topsecret@h1:1/99", &u, err) < 0 && !strstr(err, "secret") && !u.pass[0],
            "no password in the message nor left in the struct");
    rcluster *c = rclusterOpen("redis://:topsecret@h:1,:x@h2", NULL, err);
    T_CHECK(!c && !strncmp(err, "WA_REDIS_URL: ", 14) && !strstr(err, "secret"), "rclusterOpen: %s", err);
}

int main(void) {
    testCrc();
    testHashTags();
    testCommandSlot();
    testUrl();
    return T_DONE();
}
