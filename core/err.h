/* err.h -- one convention for error messages across the project.
 *
 * Functions that can fail return 0 / -1 (or NULL) and, when the caller passes a
 * non-NULL `char err[ERR_MAX]`, write one human-readable line there saying what
 * was wrong. Messages never contain secrets. */
#ifndef WA_ERR_H
#define WA_ERR_H

#define ERR_MAX 256

/* errSet: printf-style write into err (no-op when err is NULL); returns -1 so
 * callers can write `return errSet(err, "...")`. */
int errSet(char *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
