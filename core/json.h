/* json.h -- bounded JSON parsing on jansson, and the project's one emitter (JCS).
 *
 * Every JSON document that enters the system goes through jsonParse: hard limits
 * on size and nesting depth; duplicate keys, invalid UTF-8, lone surrogates and
 * trailing garbage are rejected with a message. Numbers are parsed as IEEE-754
 * doubles (I-JSON, RFC 7493), which is what JCS (RFC 8785) serialises. */
#ifndef WA_JSON_H
#define WA_JSON_H
#include <stddef.h>
#include <jansson.h>
#include "core/buf.h"

#define JSON_MAX_DEPTH_DEFAULT 64
#define JSON_MAX_SIZE_DEFAULT  (1u << 20)   /* 1 MiB per document */

/* jsonParse: parse exactly one JSON value of len bytes (no NUL needed).
 * Fails (NULL + err) on size > maxSize, depth > maxDepth, syntax errors,
 * duplicate object keys, invalid UTF-8, lone surrogates, \u0000, non-finite
 * numbers and anything after the value but whitespace. */
json_t *jsonParse(const char *s, size_t len, size_t maxSize, int maxDepth, char *err);

/* jsonGetStr: the string member `key` of object o, or NULL if absent / not a string. */
const char *jsonGetStr(const json_t *o, const char *key);

#endif
