/*
 * sha256.h -- SHA-256 (FIPS 180-4), for the evidence archive: the hash of
 * every message relance-milter keeps, recorded in the invoice's history
 * when the message passes, and checked again by `relance evidence`.
 *
 * Pure: no I/O. A small portable implementation, so that the project needs
 * no cryptographic library for one hash; tested with the FIPS vectors in
 * tests/test_evidence.c.
 */
#ifndef RELANCE_SHA256_H
#define RELANCE_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_SIZE 32                    /* bytes of a digest */
#define SHA256_HEX  (2 * SHA256_SIZE + 1) /* its lower-case hex, with NUL */

struct sha256 {
	uint32_t h[8];
	uint64_t len;          /* bytes hashed so far */
	unsigned char blk[64]; /* the block being filled */
	size_t fill;
};

/* sha256_init -- start a new hash in S. */
void sha256_init(struct sha256 *s);

/* sha256_update -- hash DATA[0..LEN) too. */
void sha256_update(struct sha256 *s, const void *data, size_t len);

/* sha256_final -- the digest into OUT; S must be sha256_init'ed again
 * before reuse. */
void sha256_final(struct sha256 *s, unsigned char out[SHA256_SIZE]);

/* sha256_hex -- the digest of DATA[0..LEN) as 64 lower-case hex digits
 * and a NUL, into OUT. */
void sha256_hex(const void *data, size_t len, char out[SHA256_HEX]);

/* sha256_hex_of -- the hex form of DIGEST into OUT. */
void sha256_hex_of(const unsigned char digest[SHA256_SIZE],
                   char out[SHA256_HEX]);

#endif
