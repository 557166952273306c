/* telemetry.h -- `seed simulate-telemetry`: the iot profile's signed readings.
 *
 * Every device is Commissioned first, then sends one reading per interval:
 *   evBattery         BatteryTelemetry: odometerKm (rising), stateOfHealthPct (slowly
 *                     falling), stateOfChargePct, cycleCount, packVoltageV, cell temps
 *   greenhouseSensor  ClimateReading: temperatureC and humidityPct (day/night cycle),
 *                     co2Ppm, parUmolM2s (light, zero at night), soilMoisturePct
 * Readings start one interval after the genesis time. */
#ifndef WA_SEED_TELEMETRY_H
#define WA_SEED_TELEMETRY_H
#include "seed/events.h"
#include "seed/meta.h"

/* telemetryDrafts: readings per device at interval seconds into l. 0 / -1 + err. */
int telemetryDrafts(const seedIndex *ix, int readings, long long interval, evList *l, char *err);

#endif
