/* product.c -- realistic, deterministic product data for windows, panes, frames, batteries, sensors. */
#include <stdio.h>
#include <string.h>
#include "seed/product.h"
#include "seed/rng.h"

static const productProfile profiles[] = {
    {"dpp", 3, {"window", "glassPane", "frame"}, 1, 1000},
    {"iot", 2, {"evBattery", "greenhouseSensor"}, 0, 20},
};

const productProfile *productProfileByName(const char *name) {
    for (size_t i = 0; i < sizeof profiles / sizeof profiles[0]; i++)
        if (!strcmp(profiles[i].name, name)) return &profiles[i];
    return NULL;
}

static const char *const windowModels[] = {"Passiv 88 Tilt&Turn", "Classic 76 Casement", "Fixed Light 90",
                                           "Slim Alu 70 Tilt&Turn", "Timber 78 Casement"};
static const char *const frameMaterials[] = {"PVC-U", "aluminium, thermally broken", "timber (pine), aluminium-clad",
                                             "timber (oak)"};
static const char *const glazings[] = {"4/18/4/18/4 triple, 2x low-E, argon 90%", "4/16/4 double, low-E, argon 90%",
                                       "6/14/4/14/6 triple, 2x low-E, krypton 90%"};
static const char *const rals[] = {"RAL 9016 traffic white", "RAL 7016 anthracite grey", "RAL 9005 jet black",
                                   "RAL 8019 grey brown"};

/* serial: "<PFX>-<year>-<6 digits of n+1>" -- readable, unique per kind. */
static json_t *serial(const char *pfx, long long n) {
    char s[40];
    snprintf(s, sizeof s, "%s-2025-%06lld", pfx, n + 1);
    return json_string(s);
}

/* gtin: a GTIN-13 with a valid check digit (GS1 mod-10). */
static json_t *gtin(long long base) {
    char d[14];
    snprintf(d, sizeof d, "%012lld", 401234500000LL + base % 100000);
    int sum = 0;
    for (int i = 0; i < 12; i++) sum += (d[i] - '0') * (i % 2 ? 3 : 1);
    d[12] = (char)('0' + (10 - sum % 10) % 10);
    d[13] = 0;
    return json_string(d);
}

/* dppGroup: a window and the pane and frame made for it (pane = window less the frame faces). */
static int dppGroup(uint64_t seed, long long n, json_t *out[]) {
    rng r;
    rngInit(&r, seed, "product-dpp", (uint64_t)n);
    int model = (int)rngRange(&r, 0, 4), mat = (int)rngRange(&r, 0, 3), gl = (int)rngRange(&r, 0, 2);
    long long w = rngRange(&r, 60, 240) * 10, h = rngRange(&r, 60, 240) * 10, face = rngRange(&r, 11, 14) * 10;
    long long gw = w - 2 * face, gh = h - 2 * face, thick = gl == 1 ? 24 : gl == 0 ? 48 : 50;
    double ug = gl == 1 ? rngReal(&r, 1.0, 1.1, 1) : rngReal(&r, 0.5, 0.7, 1);
    double uf = rngReal(&r, 0.8, 1.3, 2), uw = rngReal(&r, ug + 0.1, ug + 0.35, 2);
    double glassKg = (double)gw * (double)gh / 1e6 * (gl == 1 ? 20.0 : gl == 0 ? 30.0 : 40.0);
    out[0] = json_pack("{s:o, s:o, s:s, s:s, s:I, s:I, s:f, s:s, s:i}", "serial", serial("WIN", n), "gtin", gtin(model),
                       "model", windowModels[model], "manufacturer", "Nordfenster GmbH", "widthMm", (json_int_t)w,
                       "heightMm", (json_int_t)h, "uwValue", uw, "standard", "EN 14351-1", "airPermeabilityClass", 4);
    out[1] = json_pack("{s:o, s:o, s:s, s:s, s:I, s:I, s:I, s:f, s:f, s:s}", "serial", serial("GP", n),
                       "gtin", gtin(10 + gl), "glazing", glazings[gl], "manufacturer", "Klarglas Werke AG",
                       "widthMm", (json_int_t)gw, "heightMm", (json_int_t)gh, "thicknessMm", (json_int_t)thick,
                       "ugValue", ug, "weightKg", (double)(long long)(glassKg * 10 + 0.5) / 10, "standard", "EN 1279");
    /* random draws are sequenced here, never inside one call's arguments (unspecified order) */
    const char *colour = rngPick(&r, rals, 4);
    long long depth = rngRange(&r, 68, 92), recycled = rngRange(&r, 10, 60);
    out[2] = json_pack("{s:o, s:o, s:s, s:s, s:s, s:I, s:I, s:I, s:f, s:I}", "serial", serial("FR", n),
                       "gtin", gtin(20 + mat), "material", frameMaterials[mat], "colour", colour,
                       "manufacturer", "Profilbau Nord GmbH", "widthMm", (json_int_t)w, "heightMm", (json_int_t)h,
                       "profileDepthMm", (json_int_t)depth, "ufValue", uf, "recycledContentPct", (json_int_t)recycled);
    return out[0] && out[1] && out[2] ? 0 : -1;
}

static const char *const chemistries[] = {"NMC 811", "LFP", "NCA"};
static const char *const greenhouses[] = {"Westland Tomato House 3", "Aalsmeer Flower Hall B", "Almeria Pepper Tunnel 12"};

/* iotGroup: an EV battery pack and a greenhouse climate sensor (independent devices). */
static int iotGroup(uint64_t seed, long long n, json_t *out[]) {
    rng r;
    rngInit(&r, seed, "product-iot", (uint64_t)n);
    char vin[18];
    static const char vinChars[] = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789";   /* no I, O, Q */
    memcpy(vin, "WVWZZZ", 6);
    for (int i = 6; i < 17; i++) vin[i] = vinChars[rngNext(&r) % (sizeof vinChars - 1)];
    vin[17] = 0;
    int chem = (int)rngRange(&r, 0, 2), gh = (int)rngRange(&r, 0, 2);
    double cap = rngReal(&r, 52, 98, 1);
    long long cells = chem == 1 ? 104 : 96 * rngRange(&r, 2, 4), zone = rngRange(&r, 0, 3);
    static const double box[3][4] = {{51.98, 52.02, 4.20, 4.26}, {52.25, 52.28, 4.75, 4.79}, {36.78, 36.84, -2.50, -2.40}};
    double lat = rngReal(&r, box[gh][0], box[gh][1], 5);
    double lon = rngReal(&r, box[gh][2], box[gh][3], 5);
    out[0] = json_pack("{s:o, s:s, s:s, s:f, s:I, s:s, s:s}", "serial", serial("BAT", n), "chemistry", chemistries[chem],
                       "manufacturer", "Voltpack Systems", "capacityKwh", cap, "cells", (json_int_t)cells,
                       "vehicleVin", vin, "standard", "EU 2023/1542 battery passport");
    out[1] = json_pack("{s:o, s:s, s:s, s:s, s:s, s:f, s:f}", "serial", serial("GHS", n), "model", "AgriClimate CS-4",
                       "manufacturer", "Sensorik Grün BV", "greenhouse", greenhouses[gh], "zone",
                       (const char *[]){"A", "B", "C", "D"}[zone], "latitude", lat, "longitude", lon);
    return out[0] && out[1] ? 0 : -1;
}

int productGroup(const productProfile *p, uint64_t seed, long long n, json_t *out[PRODUCT_KINDS_MAX]) {
    memset(out, 0, sizeof(json_t *) * PRODUCT_KINDS_MAX);
    int rc = !strcmp(p->name, "dpp") ? dppGroup(seed, n, out) : iotGroup(seed, n, out);
    if (rc < 0)
        for (int i = 0; i < PRODUCT_KINDS_MAX; i++) json_decref(out[i]), out[i] = NULL;
    return rc;
}
