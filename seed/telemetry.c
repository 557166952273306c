/* telemetry.c -- EV battery and greenhouse sensor readings with plausible physics. */
#include <math.h>
#include <string.h>
#include "core/json.h"
#include "seed/rng.h"
#include "seed/telemetry.h"

/* battery: commissioning, then readings; draws are sequenced into locals (argument order is unspecified). */
static int battery(const seedIndex *ix, long n, int readings, long long iv, evList *l) {
    const seedItem *it = &ix->it[n];
    rng r;
    rngInit(&r, ix->meta.seed, "telemetry-battery", (uint64_t)it->n);
    long long t = ix->meta.time + iv / 2;
    double odo = (double)rngRange(&r, 5000, 80000), soh = rngReal(&r, 93, 99.5, 1), kmPerHour = rngReal(&r, 3, 12, 1);
    long long cycles = (long long)(odo / 350);
    const char *vin = jsonGetStr(it->product, "vehicleVin");
    if (evAdd(l, (size_t)n, t, "Commissioned",
              json_pack("{s:s, s:s, s:f, s:f}", "vehicleVin", vin ? vin : "", "workshop", "Voltpack Service Hub Wolfsburg",
                        "odometerKm", odo, "stateOfHealthPct", soh)) < 0)
        return -1;
    for (int k = 1; k <= readings; k++) {
        t = ix->meta.time + (long long)k * iv;
        odo += kmPerHour * (double)iv / 3600.0 * rngReal(&r, 0.2, 1.8, 2);
        soh -= rngReal(&r, 0.0, 0.004, 4);
        cycles += rngRange(&r, 0, 1);
        double soc = rngReal(&r, 18, 96, 0), volt = rngReal(&r, 355, 405, 1), tmin = rngReal(&r, 14, 24, 1);
        double tmax = tmin + rngReal(&r, 0.5, 4.5, 1);
        json_t *d = json_pack("{s:f, s:f, s:f, s:I, s:f, s:f, s:f}", "odometerKm", round(odo * 10) / 10, "stateOfHealthPct",
                              round(soh * 100) / 100, "stateOfChargePct", soc, "cycleCount", (json_int_t)cycles,
                              "packVoltageV", volt, "cellTempMinC", tmin, "cellTempMaxC", round(tmax * 10) / 10);
        if (evAdd(l, (size_t)n, t, "BatteryTelemetry", d) < 0) return -1;
    }
    return 0;
}

/* sensor: commissioning, then readings following a day/night cycle. */
static int sensor(const seedIndex *ix, long n, int readings, long long iv, evList *l) {
    const seedItem *it = &ix->it[n];
    rng r;
    rngInit(&r, ix->meta.seed, "telemetry-sensor", (uint64_t)it->n);
    long long t = ix->meta.time + iv / 2;
    double base = rngReal(&r, 19, 23, 1), soil = rngReal(&r, 35, 55, 1);
    const char *gh = jsonGetStr(it->product, "greenhouse");
    if (evAdd(l, (size_t)n, t, "Commissioned",
              json_pack("{s:s, s:s, s:s}", "greenhouse", gh ? gh : "", "calibration", "2-point, NIST-traceable",
                        "technician", "Sensorik Grün field service")) < 0)
        return -1;
    for (int k = 1; k <= readings; k++) {
        t = ix->meta.time + (long long)k * iv;
        double hour = fmod((double)t / 3600.0, 24.0), day = sin((hour - 8.0) / 24.0 * 2 * M_PI);
        double temp = base + 4 * day + rngReal(&r, -0.6, 0.6, 1), hum = 72 - 12 * day + rngReal(&r, -3, 3, 1);
        double co2 = 650 - 180 * day + rngReal(&r, -40, 40, 0), par = day > 0 ? 900 * day + rngReal(&r, -50, 50, 0) : 0;
        soil -= rngReal(&r, 0.05, 0.4, 2);
        if (soil < 28) soil = rngReal(&r, 48, 55, 1);   /* irrigation */
        json_t *d = json_pack("{s:f, s:f, s:f, s:f, s:f}", "temperatureC", round(temp * 10) / 10, "humidityPct",
                              round(hum * 10) / 10, "co2Ppm", round(co2), "parUmolM2s", par < 0 ? 0 : round(par),
                              "soilMoisturePct", round(soil * 10) / 10);
        if (evAdd(l, (size_t)n, t, "ClimateReading", d) < 0) return -1;
    }
    return 0;
}

int telemetryDrafts(const seedIndex *ix, int readings, long long iv, evList *l, char *err) {
    if (strcmp(ix->meta.profile, "iot")) return errSet(err, "%s holds the %s profile: use simulate-lifecycle", ix->dir, ix->meta.profile);
    if (readings < 1 || readings > 100000) return errSet(err, "--readings must be 1..100000");
    if (iv < 1) return errSet(err, "--interval must be at least 1 second");
    for (size_t i = 0; i < ix->n; i++) {
        int rc = ix->it[i].kindIx == 0 ? battery(ix, (long)i, readings, iv, l) : sensor(ix, (long)i, readings, iv, l);
        if (rc < 0) return errSet(err, "out of memory");
    }
    return 0;
}
