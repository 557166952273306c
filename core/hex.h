/* hex.h -- lowercase hex encoding and strict decoding. */
#ifndef WA_HEX_H
#define WA_HEX_H
#include <stddef.h>
#include <stdint.h>

/* hexEncode: 2n lowercase hex chars + NUL into out (size >= 2n+1). */
void hexEncode(const uint8_t *in, size_t n, char *out);

/* hexDecode: decode exactly 2*outlen hex chars (an optional "0x" prefix is
 * skipped) into out. Returns 0, or -1 on wrong length or a non-hex char. */
int hexDecode(const char *s, uint8_t *out, size_t outlen);

/* hexDigit: the value (0-15) of the hex digit c (0-9, a-f, A-F), or -1 when c is none. */
int hexDigit(int c);

/* hexDecodeAny: decode an even-length hex string of any size into a new
 * malloc'd array; *n gets its length. NULL on error. */
uint8_t *hexDecodeAny(const char *s, size_t *n);

/* hexEncode0x: "0x" + 2n lowercase hex chars + NUL into out (size >= 2n+3):
 * Ethereum's form of data and quantities-as-bytes. */
void hexEncode0x(const uint8_t *in, size_t n, char *out);

/* hexDup0x: hexEncode0x into a new string (caller frees); NULL when out of memory. */
char *hexDup0x(const uint8_t *in, size_t n);

#endif
