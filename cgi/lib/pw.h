/* pw.h — password hashes: scrypt from OpenSSL with its parameters in the string. */
#ifndef IP_PW_H
#define IP_PW_H

#include <stddef.h>

#define PW_MAX_LEN 1024 /* bytes of a password the panel accepts */
#define PW_HASH_MAX 160

/* Hashes password into out ("$scrypt$ln=15,r=8,p=3$salt$hash"); 0 or -1. */
int pw_hash(const char *password, size_t len, char out[PW_HASH_MAX]);

/* 1 when password matches stored, 0 otherwise (also for a malformed stored hash). */
int pw_verify(const char *password, size_t len, const char *stored);

/* 1 when stored was not made with the current parameters (scrypt cost, salt and
 * key length), so the password just verified against it should be hashed again
 * and stored; also 1 for a hash this module cannot read.  0 when it is current. */
int pw_needs_rehash(const char *stored);

/* Spends the time of one verification, so that signing in as an unknown user
 * takes as long as a wrong password. */
void pw_verify_dummy(const char *password, size_t len);

#endif
