/* json.h -- bounded JSON parsing on jansson, and the project's one emitter (JCS).
 *
 * Every JSON document that enters the system goes through jsonParse: hard limits
 * on size and nesting depth; duplicate keys, invalid UTF-8, lone surrogates and
 * trailing garbage are rejected with a message. Numbers are parsed as IEEE-754
 * doubles (I-JSON, RFC 7493), which is what JCS (RFC 8785) serialises. */
#ifndef WA_JSON_H
#define WA_JSON_H
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "core/buf.h"

#define JSON_MAX_DEPTH_DEFAULT 64
#define JSON_MAX_SIZE_DEFAULT  (1u << 20)   /* 1 MiB per document */

/* jsonParse: parse exactly one JSON value of len bytes (no NUL needed).
 * Fails (NULL + err) on size > maxSize, depth > maxDepth, syntax errors,
 * duplicate object keys, invalid UTF-8, lone surrogates, \u0000, non-finite
 * numbers and anything after the value but whitespace.
 * maxSize 0 / maxDepth <= 0 mean the defaults above. All numbers come back
 * as json_real (JSON_DECODE_INT_AS_REAL); the top level may be any value. */
json_t *jsonParse(const char *s, size_t len, size_t maxSize, int maxDepth, char *err);

/* jsonParseJansson: the same checks, with jansson's own loader only. jsonParse
 * tries a faster loader first and falls back to this one for anything that
 * loader does not take; tests compare the two (never needed elsewhere). */
json_t *jsonParseJansson(const char *s, size_t len, size_t maxSize, int maxDepth, char *err);

/* jsonGetStr: the string member `key` of object o, or NULL if absent / not a string. */
const char *jsonGetStr(const json_t *o, const char *key);

#define JSON_INT_MAX 9007199254740991LL   /* 2^53 - 1: exact in a double (I-JSON) */

/* jsonInt: v (real or integer) as an exact integer with |n| <= JSON_INT_MAX.
 * 0, or -1 if v is not a number, not integral or out of that range. */
int jsonInt(const json_t *v, int64_t *out);

/* jsonGetInt: jsonInt of the member `key` of object o; -1 if absent. */
int jsonGetInt(const json_t *o, const char *key, int64_t *out);

/* jsonUtf8Next: decode one strict UTF-8 sequence (no overlongs, no surrogates,
 * <= U+10FFFF) from the n > 0 bytes at s. Returns its length 1..4 with *cp set,
 * or 0 if the bytes there are not valid UTF-8. */
int jsonUtf8Next(const unsigned char *s, size_t n, uint32_t *cp);

#endif
