/* jfield.h -- strict typed reads of JSON object members for the anchor file formats.
 * Each writes "<where>.<key> must be …" into err on failure, so every format
 * reports the exact field that is wrong. */
#ifndef WA_JFIELD_H
#define WA_JFIELD_H
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

/* jfOnly: fail when o has a member not named in keys (NULL-terminated). */
int jfOnly(const json_t *o, const char *const *keys, const char *where, char *err);

/* jfU64: member k is an integer in [0, 2^53). */
int jfU64(const json_t *o, const char *k, uint64_t *out, const char *where, char *err);

/* jfHex: member k is exactly len bytes of lowercase-or-uppercase hex; with
 * prefixed = 1 it must start with "0x" (Ethereum values), with 0 it must not. */
int jfHex(const json_t *o, const char *k, uint8_t *out, size_t len, int prefixed, const char *where, char *err);

/* jfHexValue: the same check for a bare JSON string value v. */
int jfHexValue(const json_t *v, uint8_t *out, size_t len, int prefixed, const char *where, char *err);

/* jfStr: member k is a string shorter than max; copied into out. */
int jfStr(const json_t *o, const char *k, char *out, size_t max, const char *where, char *err);

/* jfHexJson: a new JSON string with n bytes in lowercase hex ("0x" when prefixed). */
json_t *jfHexJson(const uint8_t *b, size_t n, int prefixed);

#endif
