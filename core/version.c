/* version.c -- the build's version string (core/version.h). */
#include "core/version.h"

#ifndef WA_VERSION
#define WA_VERSION "unknown"
#endif

const char *waVersion(void) { return WA_VERSION; }
