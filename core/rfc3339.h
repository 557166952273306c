/* rfc3339.h -- RFC 3339 timestamps: the one parser and formatter (docs/io.md, "Timestamps").
 *
 * The project's rule (rfc3339Parse), for event "time" and "proof.created", did:webvh
 * versionTime, and the times didlog, seed and the worker read or write:
 *   "YYYY-MM-DDTHH:MM:SS", optionally "." and 1 to 9 digits, then "Z" or "+00:00";
 *   "T" and "Z" upper case; no other offset, not even "-00:00" (RFC 3339 §4.3: "unknown
 *   local offset"); no leap second 60; proleptic Gregorian days; years 0000..9999.
 * Policies above the grammar stay with their caller (events: year >= 1970 and the time
 * window; did:webvh: increasing, not in the future).
 * rfc3339Scan is the bare RFC 3339 §5.6 grammar for Data Integrity's xsd:dateTimeStamp
 * check (core/di.c), which keeps its wider rule on purpose.
 * No I/O, no state, thread-safe. */
#ifndef WA_RFC3339_H
#define WA_RFC3339_H
#include <stdint.h>

#define RFC3339_MAX 40   /* room for any rfc3339Format/FormatMs output + NUL */

/* A point in time: seconds since 1970-01-01T00:00:00Z (negative before) + 0..999999999 ns. */
typedef struct rfc3339Time { int64_t sec; int32_t nsec; } rfc3339Time;

/* rfc3339Parse: the whole string s by the project's rule into *t. 0, or -1 when s
 * breaks the rule (t untouched). */
int rfc3339Parse(const char *s, rfc3339Time *t);

/* rfc3339Ms: t in milliseconds since the epoch, the fraction cut (not rounded). */
int64_t rfc3339Ms(const rfc3339Time *t);

/* rfc3339Seconds: t as seconds (sec + nsec / 1e9), for did:webvh's comparisons. */
double rfc3339Seconds(const rfc3339Time *t);

/* rfc3339Format: "YYYY-MM-DDTHH:MM:SSZ" for Unix seconds sec (did:webvh versionTime and
 * proof "created" use whole seconds). */
void rfc3339Format(int64_t sec, char out[RFC3339_MAX]);

/* rfc3339FormatMs: "YYYY-MM-DDTHH:MM:SS.mmmZ" for Unix milliseconds ms (logs, events). */
void rfc3339FormatMs(int64_t ms, char out[RFC3339_MAX]);

/* The fields of an RFC 3339 §5.6 date-time as written (no range check beyond the
 * grammar's: month 1..12, day 1..31, hour 0..23, minute 0..59, second 0..60). */
typedef struct rfc3339Parts {
    int year, mon, day, hour, min, sec;
    int32_t nsec;          /* the fraction's first 9 digits, as nanoseconds */
    int fracDigits;        /* digits after ".", 0 without a fraction */
    int zulu;              /* 1: "Z"; 0: a numeric offset */
    int offsetMin;         /* the numeric offset in minutes (east positive); 0 for "Z" */
    int unknownOffset;     /* 1: "-00:00" (§4.3 "unknown local offset") */
} rfc3339Parts;

/* rfc3339Scan: the whole string s by the RFC 3339 §5.6 date-time grammar ("T", "Z"
 * upper case; any number of fraction digits; any offset up to 23:59) into *p.
 * 0, or -1 when s is not one. */
int rfc3339Scan(const char *s, rfc3339Parts *p);

#endif
