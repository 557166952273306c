/* err.h -- one convention for error messages across the project.
 *
 * Functions that can fail return 0 / -1 (or NULL) and, when the caller passes a
 * non-NULL `char err[ERR_MAX]`, write one human-readable line there saying what
 * was wrong. Messages never contain secrets. They are valid UTF-8 even when a
 * bound (ERR_MAX, a "%.60s") cuts a quoted string in the middle of a character:
 * errSet drops the partial character, so a message can always go into JSON. */
#ifndef WA_ERR_H
#define WA_ERR_H

#define ERR_MAX 256

/* errSet: printf-style write into err (no-op when err is NULL), made valid UTF-8
 * with errUtf8Fix; returns -1 so callers can write `return errSet(err, "...")`. */
int errSet(char *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* errUtf8Fix: make the NUL-terminated s valid UTF-8 in place by dropping every byte
 * that does not belong to a complete, valid sequence (a character cut in half by a
 * length bound, or bytes that never were UTF-8). Never lengthens s. Returns s. */
char *errUtf8Fix(char *s);

#endif
