/* test_fnv.c -- core/fnv.h: FNV-1a 32 against Landon Curt Noll's reference vectors
 * (http://www.isthe.com/chongo/tech/comp/fnv/, test_fnv.c of the reference code), and
 * against the bash copy of the shard function in tests/svc/fault_env.sh (shard_of): the
 * hash picks a DID's Redis shard, so both must agree bit for bit (plan risk R10). */
#include <stdint.h>
#include <stdio.h>
#include "core/fnv.h"
#include "tests/unit/t.h"

static void testVectors(void) {
    static const struct { const char *s; uint32_t h; } v[] = {
        {"", 0x811c9dc5u}, {"a", 0xe40c292cu}, {"b", 0xe70c2de5u}, {"c", 0xe60c2c52u},
        {"fo", 0x6222e842u}, {"foobar", 0xbf9cf968u}, {"chongo was here!\n", 0xd49930d5u},
    };
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        T_CHECK(fnv1a32(v[i].s) == v[i].h, "fnv1a32(\"%s\") = %08x, want %08x", v[i].s, fnv1a32(v[i].s), v[i].h);
        T_CHECK(fnv1a32Buf(v[i].s, strlen(v[i].s)) == v[i].h, "fnv1a32Buf(\"%s\")", v[i].s);
    }
    T_CHECK(fnv1a32Buf(NULL, 0) == 0x811c9dc5u, "fnv1a32Buf(NULL, 0)");
    T_CHECK(fnv1a32Buf("a\0b", 3) != fnv1a32("a"), "fnv1a32Buf hashes past a NUL");
    T_CHECK(fnv1a32("\xff") == ((0x811c9dc5u ^ 0xffu) * 16777619u), "bytes are unsigned");
}

/* The shell's shard_of (sourced from fault_env.sh) gives fnv1a32(scid) % shards. */
static void testShellCopy(void) {
    static const char *scids[] = {"QmSXYgbDcfLhVzmLFJyvt3PWSDf3x3d9J6a3mRaC7Ve3Pz",
                                  "QmZWZrnpMHgJnM4aCRSnGC7fZMZUh6MTzvckcuHeFsU6Bz", "QmTest", "Qm"};
    for (size_t i = 0; i < sizeof scids / sizeof *scids; i++) {
        char cmd[512], out[32] = "";
        snprintf(cmd, sizeof cmd,
                 "bash -c 'eval \"$(sed -n \"/^shard_of()/,/^}/p\" tests/svc/fault_env.sh)\"; "
                 "WA_STREAM_SHARDS=7 shard_of %s'", scids[i]);
        FILE *f = popen(cmd, "r");
        T_CHECK(f && fgets(out, sizeof out, f), "%s: no answer from fault_env.sh's shard_of", scids[i]);
        if (f) pclose(f);
        unsigned want = fnv1a32(scids[i]) % 7;
        T_CHECK((unsigned)atoi(out) == want && out[0] >= '0' && out[0] <= '9', "%s: shell shard %s, C %u", scids[i], out, want);
    }
}

int main(void) {
    testVectors();
    testShellCopy();
    return T_DONE();
}
