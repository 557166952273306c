/* lifecycle.c -- realistic manufacturing, shipping and installation events for windows and their parts. */
#include <stdio.h>
#include <string.h>
#include "core/json.h"
#include "seed/lifecycle.h"
#include "seed/rng.h"

typedef struct site {
    const char *city, *country;
    double lat, lon;
} site;

static const site sites[] = {
    {"Berlin", "DE", 52.520, 13.405}, {"Hamburg", "DE", 53.551, 9.994}, {"Munich", "DE", 48.137, 11.575},
    {"Cologne", "DE", 50.938, 6.960}, {"Frankfurt am Main", "DE", 50.110, 8.682}, {"Vienna", "AT", 48.208, 16.373},
    {"Zurich", "CH", 47.377, 8.541}, {"Copenhagen", "DK", 55.676, 12.568}, {"Amsterdam", "NL", 52.370, 4.895},
    {"Stockholm", "SE", 59.329, 18.069},
};
static const char *const carriers[] = {"DB Schenker", "Dachser", "Kühne+Nagel", "Rhenus Logistics"};
static const char *const installers[] = {"Fensterbau Schulz GmbH", "Montage Nord KG", "Alpen Fenster Service",
                                         "BuildRight Installations"};
static const char *const streets[] = {"Hauptstraße", "Lindenallee", "Bahnhofstraße", "Gartenweg", "Schillerstraße"};
static const char *const facings[] = {"N", "NE", "E", "SE", "S", "SW", "W", "NW"};

#define WINDOW_PLANT "Nordfenster GmbH, Bielefeld (DE)"

typedef struct grp {
    rng r;
    long long L;                 /* lifecycle length, seconds */
    const seedItem *w, *g, *f;   /* window, glass pane, frame */
    long iw, ig, ifr;
} grp;

/* frac: a random duration between a and b of the lifecycle length, at least one minute. */
static long long frac(grp *c, double a, double b) {
    long long d = (long long)rngReal(&c->r, a * (double)c->L, b * (double)c->L, 0);
    return d < 60 ? 60 : d;
}

static json_t *operatorId(grp *c) {
    char s[16];
    snprintf(s, sizeof s, "op-%04lld", rngRange(&c->r, 1, 9999));
    return json_string(s);
}

static json_t *ref(const char *pfx, grp *c) {
    char s[40];
    snprintf(s, sizeof s, "%s-%08llu", pfx, (unsigned long long)(rngNext(&c->r) % 100000000ULL));
    return json_string(s);
}

static json_t *prodGet(const seedItem *it, const char *k) {
    json_t *v = json_object_get(it->product, k);
    return v ? json_incref(v) : json_null();
}

/* Random draws are sequenced into locals first: the order in which a call's
 * arguments are evaluated is unspecified, and output must not depend on the compiler. */

/* partEvents: a glass pane or frame from manufacture to shipping to the window plant. */
static int partEvents(grp *c, evList *l, long ip, const seedItem *p, int pane, long long t, long long *shipped) {
    const char *line = rngRange(&c->r, 0, 1) ? (pane ? "IGU-1" : "EXT-3") : (pane ? "IGU-2" : "WELD-1");
    json_t *op = operatorId(c), *batch = ref(pane ? "GB" : "PB", c);
    long long gas = rngRange(&c->r, 90, 96);
    double co2 = pane ? rngReal(&c->r, 25, 60, 1) : rngReal(&c->r, 15, 45, 1);
    json_t *m = pane
        ? json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:f}", "plant", "Klarglas Werke AG, Gelsenkirchen (DE)",
                    "line", line, "operator", op, "batch", batch, "glazing", prodGet(p, "glazing"), "widthMm",
                    prodGet(p, "widthMm"), "heightMm", prodGet(p, "heightMm"), "ugValue", prodGet(p, "ugValue"),
                    "gasFillPct", (json_int_t)gas, "embodiedCo2eKg", co2)
        : json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:f}", "plant", "Profilbau Nord GmbH, Hannover (DE)",
                    "line", line, "operator", op, "batch", batch, "material", prodGet(p, "material"), "colour",
                    prodGet(p, "colour"), "recycledContentPct", prodGet(p, "recycledContentPct"), "ufValue",
                    prodGet(p, "ufValue"), "embodiedCo2eKg", co2);
    if (evAdd(l, (size_t)ip, t, "Manufactured", m) < 0) return -1;
    t += frac(c, 0.02, 0.05);
    json_t *insp = operatorId(c);
    long long v1 = pane ? rngRange(&c->r, 90, 95) : rngRange(&c->r, 3200, 5200);
    double v2 = pane ? (double)-rngRange(&c->r, 45, 60) : rngReal(&c->r, 0.1, 0.9, 1);
    json_t *q = pane
        ? json_pack("{s:s, s:o, s:[{s:s,s:s},{s:s,s:I,s:s},{s:s,s:f,s:s}]}", "result", "pass", "inspector", insp,
                    "tests", "name", "visual inspection (EN 1279-1)", "result", "pass", "name", "gas concentration %",
                    "value", (json_int_t)v1, "result", "pass", "name", "dew point °C", "value", v2, "result", "pass")
        : json_pack("{s:s, s:o, s:[{s:s,s:I,s:s},{s:s,s:f,s:s}]}", "result", "pass", "inspector", insp, "tests",
                    "name", "corner weld strength N", "value", (json_int_t)v1, "result", "pass",
                    "name", "diagonal deviation mm", "value", v2, "result", "pass");
    if (evAdd(l, (size_t)ip, t, "QualityChecked", q) < 0) return -1;
    t += frac(c, 0.03, 0.08);
    const char *carrier = rngPick(&c->r, carriers, 4);
    json_t *dn = ref("DN", c);
    if (evAdd(l, (size_t)ip, t, "Shipped", json_pack("{s:s, s:o, s:s}", "carrier", carrier, "deliveryNote", dn, "to", WINDOW_PLANT)) < 0)
        return -1;
    *shipped = t;
    return 0;
}

/* windowEvents: the window from assembly (at a) to installation, maybe a later inspection. */
static int windowEvents(grp *c, evList *l, long long a) {
    size_t iw = (size_t)c->iw;
    json_t *op = operatorId(c);
    if (evAdd(l, iw, a, "Assembled",
              json_pack("{s:s, s:s, s:o, s:s, s:s, s:s, s:s}", "plant", WINDOW_PLANT, "line", "ASM-2", "operator", op,
                        "glassPane", c->g->did, "frame", c->f->did, "hardware", "tilt&turn fittings, RC2", "sealant",
                        "EPDM gaskets")) < 0)
        return -1;
    a += frac(c, 0.02, 0.05);
    json_t *insp = operatorId(c);
    if (evAdd(l, iw, a, "QualityChecked",
              json_pack("{s:s, s:o, s:o, s:i, s:s, s:s}", "result", "pass", "inspector", insp, "uwValue",
                        prodGet(c->w, "uwValue"), "airPermeabilityClass", 4, "waterTightnessClass", "9A",
                        "windLoadClass", "C3")) < 0)
        return -1;
    const site *s = &sites[rngRange(&c->r, 0, (long long)(sizeof sites / sizeof sites[0]) - 1)];
    char dest[96], addr[128];
    snprintf(dest, sizeof dest, "%s (%s)", s->city, s->country);
    a += frac(c, 0.05, 0.1);
    const char *carrier = rngPick(&c->r, carriers, 4);
    json_t *dn = ref("DN", c);
    if (evAdd(l, iw, a, "Shipped", json_pack("{s:s, s:o, s:s, s:s}", "carrier", carrier, "deliveryNote", dn, "from", WINDOW_PLANT, "to", dest)) < 0)
        return -1;
    const char *street = rngPick(&c->r, streets, 5);
    long long no = rngRange(&c->r, 1, 180);
    snprintf(addr, sizeof addr, "%s %lld, %s", street, no, s->city);
    a += frac(c, 0.1, 0.2);
    double lat = rngReal(&c->r, s->lat - 0.05, s->lat + 0.05, 5), lon = rngReal(&c->r, s->lon - 0.05, s->lon + 0.05, 5);
    const char *inst = rngPick(&c->r, installers, 4);
    json_t *cert = ref("RAL-MO", c);
    const char *facing = rngPick(&c->r, facings, 8);
    long long floor = rngRange(&c->r, 0, 6);
    if (evAdd(l, iw, a, "Installed",
              json_pack("{s:{s:s, s:s, s:f, s:f}, s:s, s:o, s:s, s:I}", "site", "address", addr, "country", s->country,
                        "latitude", lat, "longitude", lon, "installer", inst, "installerCertificate", cert, "facing",
                        facing, "floor", (json_int_t)floor)) < 0)
        return -1;
    if (rngRange(&c->r, 0, 9) == 0) {
        a += frac(c, 0.05, 0.1);
        inst = rngPick(&c->r, installers, 4);
        if (evAdd(l, iw, a, "Inspected",
                  json_pack("{s:s, s:s, s:s}", "inspector", inst, "findings", "seals intact; hardware adjusted", "result", "pass")) < 0)
            return -1;
    }
    return 0;
}

/* groupEvents: every event of window n and its parts, in lifecycle order. */
static int groupEvents(const seedIndex *ix, long long n, long long span, evList *l) {
    grp c;
    rngInit(&c.r, ix->meta.seed, "lifecycle", (uint64_t)n);
    c.L = span * 4 / 5;
    if ((c.iw = eventsItem(ix, n, 0)) < 0 || (c.ig = eventsItem(ix, n, 1)) < 0 || (c.ifr = eventsItem(ix, n, 2)) < 0)
        return -1;
    c.w = &ix->it[c.iw], c.g = &ix->it[c.ig], c.f = &ix->it[c.ifr];
    long long lead = span / 5 - 3600 > 0 ? span / 5 - 3600 : 0;
    long long start = ix->meta.time + 3600 + (long long)rngReal(&c.r, 0, (double)lead, 0);
    long long sg, sf, t0 = start + frac(&c, 0, 0.03);
    if (partEvents(&c, l, c.ig, c.g, 1, t0, &sg) < 0) return -1;
    t0 = start + frac(&c, 0, 0.03);
    if (partEvents(&c, l, c.ifr, c.f, 0, t0, &sf) < 0) return -1;
    long long a = (sg > sf ? sg : sf) + frac(&c, 0.05, 0.12);
    const char *ws = jsonGetStr(c.w->product, "serial");
    for (int k = 0; k < 2; k++)
        if (evAdd(l, (size_t)(k ? c.ifr : c.ig), a, "Assembled",
                  json_pack("{s:s, s:s, s:s, s:s}", "into", c.w->did, "intoSerial", ws ? ws : "", "plant", WINDOW_PLANT,
                            "station", k ? "frame-mount" : "glazing-bead")) < 0)
            return -1;
    return windowEvents(&c, l, a + 60);
}

int lifecycleDrafts(const seedIndex *ix, long long span, evList *l, char *err) {
    if (strcmp(ix->meta.profile, "dpp")) return errSet(err, "%s holds the %s profile: use simulate-telemetry", ix->dir, ix->meta.profile);
    if (span < 86400) return errSet(err, "--span must be at least 1 day");
    for (long long n = 0; n < ix->meta.count; n++)
        if (groupEvents(ix, n, span, l) < 0) return errSet(err, "group %lld: index out of order or out of memory", n);
    return 0;
}
