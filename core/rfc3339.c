/* rfc3339.c -- RFC 3339 timestamps: the one parser and formatter (rfc3339.h). */
#include <stdio.h>
#include <string.h>
#include "core/rfc3339.h"

/* digits: exactly n decimal digits at s into *v; 0 / -1 (a NUL stops it: -1). */
static int digits(const char *s, int n, int *v) {
    *v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        *v = *v * 10 + (s[i] - '0');
    }
    return 0;
}

/* isLeap: a leap year of the proleptic Gregorian calendar. */
static int isLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

/* daysFromCivil: days from 1970-01-01 to y-m-d (H. Hinnant's algorithm, any year). */
static int64_t daysFromCivil(int64_t y, int m, int d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* civilFromDays: the inverse of daysFromCivil. */
static void civilFromDays(int64_t z, int64_t *y, int *m, int *d) {
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

int rfc3339Scan(const char *s, rfc3339Parts *p) {
    rfc3339Parts r = {0};
    if (digits(s, 4, &r.year) || s[4] != '-' || digits(s + 5, 2, &r.mon) || s[7] != '-' ||
        digits(s + 8, 2, &r.day) || s[10] != 'T' || digits(s + 11, 2, &r.hour) || s[13] != ':' ||
        digits(s + 14, 2, &r.min) || s[16] != ':' || digits(s + 17, 2, &r.sec))
        return -1;
    if (r.mon < 1 || r.mon > 12 || r.day < 1 || r.day > 31 || r.hour > 23 || r.min > 59 || r.sec > 60) return -1;
    s += 19;
    if (*s == '.') {
        for (s++; *s >= '0' && *s <= '9'; s++, r.fracDigits++)
            if (r.fracDigits < 9) r.nsec = r.nsec * 10 + (*s - '0');
        if (r.fracDigits == 0) return -1;
        for (int i = r.fracDigits; i < 9; i++) r.nsec *= 10;
    }
    if (s[0] == 'Z') {
        if (s[1]) return -1;
        r.zulu = 1;
    } else {
        int oh, om;
        if ((s[0] != '+' && s[0] != '-') || digits(s + 1, 2, &oh) || s[3] != ':' || digits(s + 4, 2, &om) || s[6] ||
            oh > 23 || om > 59)
            return -1;
        r.offsetMin = (s[0] == '-' ? -1 : 1) * (oh * 60 + om);
        r.unknownOffset = s[0] == '-' && oh == 0 && om == 0;
    }
    *p = r;
    return 0;
}

int rfc3339Parse(const char *s, rfc3339Time *t) {
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    rfc3339Parts p;
    if (rfc3339Scan(s, &p) < 0) return -1;
    if (p.fracDigits > 9 || (!p.zulu && (p.offsetMin != 0 || p.unknownOffset))) return -1;
    if (p.sec > 59 || p.day > mdays[p.mon - 1] + (p.mon == 2 && isLeap(p.year))) return -1;
    t->sec = daysFromCivil(p.year, p.mon, p.day) * 86400 + p.hour * 3600 + p.min * 60 + p.sec;
    t->nsec = p.nsec;
    return 0;
}

int64_t rfc3339Ms(const rfc3339Time *t) { return t->sec * 1000 + t->nsec / 1000000; }

double rfc3339Seconds(const rfc3339Time *t) { return (double)t->sec + t->nsec / 1e9; }

/* format: the date-time of sec, then the tail ("Z" or ".mmmZ"), into out. */
static void format(int64_t sec, const char *tail, char out[RFC3339_MAX]) {
    int64_t days = sec / 86400, rem = sec % 86400;
    if (rem < 0) { rem += 86400; days--; }
    int64_t y;
    int m, d;
    civilFromDays(days, &y, &m, &d);
    snprintf(out, RFC3339_MAX, "%04lld-%02d-%02dT%02d:%02d:%02d%s", (long long)y, m, d, (int)(rem / 3600),
             (int)(rem / 60 % 60), (int)(rem % 60), tail);
}

void rfc3339Format(int64_t sec, char out[RFC3339_MAX]) { format(sec, "Z", out); }

void rfc3339FormatMs(int64_t ms, char out[RFC3339_MAX]) {
    int64_t sec = ms / 1000, frac = ms % 1000;
    if (frac < 0) { frac += 1000; sec--; }
    char tail[8];
    snprintf(tail, sizeof tail, ".%03dZ", (int)frac);
    format(sec, tail, out);
}
