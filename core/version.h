/* version.h -- the version string every program prints for --version.
 *
 * Set at build time by the Makefile (WA_VERSION: `git describe` in a git checkout,
 * the .version file of a `git archive` tarball otherwise, else "unknown"). */
#ifndef WA_VERSION_H
#define WA_VERSION_H

/* waVersion: the build's version, e.g. "7577ee8" or "v1.2-3-g7577ee8-dirty"; never NULL. */
const char *waVersion(void);

#endif
