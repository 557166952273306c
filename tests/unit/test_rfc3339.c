/* test_rfc3339.c -- core/rfc3339: the project's timestamp rule (docs/io.md, "Timestamps")
 * against RFC 3339 §5.8's examples, the cases the two parsers it replaces tested
 * (didlog/webvh.c webvhParseTime, verifier/event/event.c rfc3339Utc), glibc's
 * timegm/gmtime_r as an independent calendar, and every timestamp in the published
 * did:webvh vectors (tests/vectors). */
#include <dirent.h>
#include <stdint.h>
#include <time.h>
#include "core/rfc3339.h"
#include "tests/unit/t.h"

/* ok: s follows the rule and means sec + nsec. */
static void ok(const char *s, int64_t sec, int32_t nsec) {
    rfc3339Time t = {0, 0};
    int rc = rfc3339Parse(s, &t);
    T_CHECK(rc == 0 && t.sec == sec && t.nsec == nsec, "%s: rc %d, got %lld.%09d want %lld.%09d", s, rc,
            (long long)t.sec, t.nsec, (long long)sec, nsec);
}

/* bad: s breaks the rule. */
static void bad(const char *s, const char *why) {
    rfc3339Time t;
    T_CHECK(rfc3339Parse(s, &t) < 0, "%s accepted (%s)", s, why);
}

/* RFC 3339 §5.8: each example is the §5.6 grammar (rfc3339Scan); only the UTC
 * ones without a leap second follow the project's rule. */
static void testRfcExamples(void) {
    static const char *ex[] = {"1985-04-12T23:20:50.52Z", "1996-12-19T16:39:57-08:00", "1990-12-31T23:59:60Z",
                               "1990-12-31T15:59:60-08:00", "1937-01-01T12:00:27.87+00:20"};
    for (size_t i = 0; i < sizeof ex / sizeof *ex; i++) {
        rfc3339Parts p;
        T_CHECK(rfc3339Scan(ex[i], &p) == 0, "§5.8 example %s: not scanned", ex[i]);
    }
    ok("1985-04-12T23:20:50.52Z", 482196050, 520000000);
    bad("1996-12-19T16:39:57-08:00", "offset -08:00");
    bad("1990-12-31T23:59:60Z", "leap second");
    bad("1990-12-31T15:59:60-08:00", "leap second with offset");
    bad("1937-01-01T12:00:27.87+00:20", "offset +00:20");
    rfc3339Parts p;
    rfc3339Scan("1996-12-19T16:39:57-08:00", &p);
    T_CHECK(p.offsetMin == -480 && !p.zulu && !p.unknownOffset, "-08:00 is -480 min");
    rfc3339Scan("1937-01-01T12:00:27.87+00:20", &p);
    T_CHECK(p.offsetMin == 20 && p.fracDigits == 2 && p.nsec == 870000000, "+00:20, .87");
    T_CHECK(rfc3339Scan("2025-01-01T00:00:00-00:00", &p) == 0 && p.unknownOffset, "-00:00 is the unknown offset (§4.3)");
}

/* The rule, case by case. */
static void testRule(void) {
    ok("2025-01-31T12:00:00Z", 1738324800, 0);
    ok("2025-01-31T12:00:00+00:00", 1738324800, 0);
    ok("2025-01-31T12:00:00.25Z", 1738324800, 250000000);
    ok("2025-01-31T12:00:00.123456789Z", 1738324800, 123456789);
    ok("2025-01-31T12:00:00.1+00:00", 1738324800, 100000000);
    ok("2000-02-29T00:00:00Z", 951782400, 0);
    ok("1969-12-31T23:59:59Z", -1, 0);
    ok("0000-01-01T00:00:00Z", -62167219200LL, 0);
    ok("9999-12-31T23:59:59.999999999Z", 253402300799LL, 999999999);
    bad("2025-01-31T12:00:00.1234567890Z", "10 fraction digits");
    bad("2025-01-31T12:00:00.Z", "empty fraction");
    bad("2025-01-31T12:00:00", "no offset");
    bad("2025-01-31T12:00:00-00:00", "-00:00 (unknown local offset)");
    bad("2025-01-31T12:00:00+01:00", "+01:00");
    bad("2025-01-31T12:00:00+00:01", "+00:01");
    bad("2025-01-31T12:00:00z", "lower-case z");
    bad("2025-01-31t12:00:00Z", "lower-case t");
    bad("2025-01-31 12:00:00Z", "space");
    bad("2025-01-31T12:00:00ZZ", "trailing garbage");
    bad("2025-01-31T12:00:00Z ", "trailing space");
    bad(" 2025-01-31T12:00:00Z", "leading space");
    bad("2025-13-01T00:00:00Z", "month 13");
    bad("2025-00-01T00:00:00Z", "month 0");
    bad("2025-01-00T00:00:00Z", "day 0");
    bad("2025-01-32T00:00:00Z", "day 32");
    bad("2025-04-31T00:00:00Z", "April 31");
    bad("2023-02-29T00:00:00Z", "not a leap year");
    bad("1900-02-29T00:00:00Z", "1900 is not a leap year");
    ok("2400-02-29T00:00:00Z", 13574563200LL, 0);
    bad("2025-01-31T24:00:00Z", "hour 24");
    bad("2025-01-31T12:60:00Z", "minute 60");
    bad("20250-01-31T12:00:00Z", "5-digit year");
    bad("2025-1-31T12:00:00Z", "1-digit month");
    bad("+2025-01-31T12:00:00Z", "signed year");
    bad("2025-01-31T12:00Z", "no seconds");
    bad("", "empty");
    bad("2025", "cut short");
    bad("2025-01-31T12:00:00+00:0", "short offset");
    bad("2025-01-31T12:00:00+00:00:00", "long offset");
    /* the cases test_anchord_event.c checked on rfc3339Utc */
    int64_t ms = 0;
    rfc3339Time t;
    T_CHECK(rfc3339Parse("2025-01-31T12:00:00.25Z", &t) == 0 && (ms = rfc3339Ms(&t)) == 1738324800250LL, "ms %lld",
            (long long)ms);
    T_CHECK(rfc3339Parse("2025-01-31T12:00:00.9999Z", &t) == 0 && rfc3339Ms(&t) == 1738324800999LL, "ms cut, not rounded");
    T_CHECK(rfc3339Parse("2025-01-31T12:00:00.5Z", &t) == 0 && rfc3339Seconds(&t) == 1738324800.5, "seconds");
}

/* Format: whole seconds, milliseconds, before 1970, the ends of the range. */
static void testFormat(void) {
    char out[RFC3339_MAX];
    rfc3339Format(0, out);
    T_CHECK(!strcmp(out, "1970-01-01T00:00:00Z"), "epoch: %s", out);
    rfc3339Format(1738324800, out);
    T_CHECK(!strcmp(out, "2025-01-31T12:00:00Z"), "2025: %s", out);
    rfc3339Format(-1, out);
    T_CHECK(!strcmp(out, "1969-12-31T23:59:59Z"), "-1: %s", out);
    rfc3339Format(253402300799LL, out);
    T_CHECK(!strcmp(out, "9999-12-31T23:59:59Z"), "9999: %s", out);
    rfc3339Format(-62167219200LL, out);
    T_CHECK(!strcmp(out, "0000-01-01T00:00:00Z"), "0000: %s", out);
    rfc3339FormatMs(1738324800250LL, out);
    T_CHECK(!strcmp(out, "2025-01-31T12:00:00.250Z"), "ms: %s", out);
    rfc3339FormatMs(7, out);
    T_CHECK(!strcmp(out, "1970-01-01T00:00:00.007Z"), "7 ms: %s", out);
    rfc3339FormatMs(-1, out);
    T_CHECK(!strcmp(out, "1969-12-31T23:59:59.999Z"), "-1 ms: %s", out);
    rfc3339FormatMs(INT64_MAX, out);
    T_CHECK(strlen(out) < RFC3339_MAX, "INT64_MAX ms fits: %s", out);
    rfc3339Format(INT64_MIN, out);
    T_CHECK(strlen(out) < RFC3339_MAX, "INT64_MIN s fits: %s", out);
}

/* glibc as the independent calendar: format = strftime(gmtime_r), parse = timegm,
 * and format/parse round-trip, every 7919 minutes from 1900 to 2200 plus random
 * seconds in 0000..9999. */
/* check1: sec formats as glibc's gmtime_r says, parses back, and timegm agrees. */
static int check1(int64_t sec) {
    char out[RFC3339_MAX], ref[64];
    rfc3339Format(sec, out);
    time_t tt = (time_t)sec;
    struct tm tm;
    gmtime_r(&tt, &tm);
    snprintf(ref, sizeof ref, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec);
    rfc3339Time t;
    if (!strcmp(out, ref) && rfc3339Parse(out, &t) == 0 && t.sec == sec && (int64_t)timegm(&tm) == sec) return 0;
    fprintf(stderr, "%lld: %s, glibc %s\n", (long long)sec, out, ref);
    return 1;
}

static void testAgainstLibc(void) {
    int badN = 0, n = 0;
    for (int64_t sec = -2208988800LL; sec < 7258118400LL && badN < 5; sec += 7919 * 60, n++) badN += check1(sec);
    uint64_t x = 88172645463325252ULL;
    for (int i = 0; i < 20000 && badN < 5; i++, n++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        badN += check1(-62167219200LL + (int64_t)(x % 315537897600ULL));
    }
    T_CHECK(badN == 0, "mismatches with glibc in %d times", n);
}

/* Every versionTime / created / expires in the did:webvh vectors follows the rule
 * (the interop suites resolve them; a stricter rule must not refuse one). */
static int scanFile(const char *path, int *n) {
    size_t len;
    char *s = t_slurp(path, &len);
    if (!s) return 0;
    int badN = 0;
    static const char *keys[] = {"\"versionTime\":", "\"created\":", "\"expires\":"};
    for (size_t k = 0; k < 3; k++)
        for (char *p = strstr(s, keys[k]); p; p = strstr(p + 1, keys[k])) {
            char *q = p + strlen(keys[k]);
            while (*q == ' ') q++;
            if (*q != '"') continue;
            char *e = strchr(q + 1, '"');
            if (!e || e - q > 60) continue;
            char v[64];
            snprintf(v, sizeof v, "%.*s", (int)(e - q - 1), q + 1);
            rfc3339Time t;
            (*n)++;
            if (rfc3339Parse(v, &t) < 0 && badN++ < 3) fprintf(stderr, "%s: %s\n", path, v);
        }
    free(s);
    return badN;
}

static int walk(const char *dir, int *n) {
    DIR *d = opendir(dir);
    if (!d) return 0;
    int badN = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        char p[4096];
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        if (de->d_type == DT_DIR) badN += walk(p, n);
        else if (strstr(de->d_name, ".json")) badN += scanFile(p, n);
    }
    closedir(d);
    return badN;
}

static void testVectors(void) {
    int n = 0, badN = 0;
    badN += walk(T_VECDIR "/didwebvh", &n);
    badN += walk(T_VECDIR "/didwebvh-rs", &n);
    badN += walk(T_VECDIR "/didwebvh-py-suite", &n);
    badN += walk(T_VECDIR "/eddsa-jcs-2022", &n);
    T_CHECK(n > 500, "only %d timestamps found in the vectors", n);
    T_CHECK(badN == 0, "%d of %d vector timestamps refused", badN, n);
}

int main(void) {
    testRfcExamples();
    testRule();
    testFormat();
    testAgainstLibc();
    testVectors();
    return T_DONE();
}
