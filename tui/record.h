/* Reading the server's records in the case-sheet views: strings, numbers, booleans and times
 * out of decoded msgpack maps, absent or ill-typed values treated as missing. */
#ifndef KURA_RECORD_H
#define KURA_RECORD_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The value under key as text, returned owned: a string as it is, an integer in decimal;
 * NULL when absent, nil or of another type. o: borrowed. */
char *rec_str(const msgpack_object *o, const char *key);
/* The same, "" instead of NULL. */
char *rec_text(const msgpack_object *o, const char *key);
bool rec_bool(const msgpack_object *o, const char *key);
int64_t rec_int(const msgpack_object *o, const char *key, int64_t dflt);
/* The array under key (borrowed) with *n its length, or NULL with *n = 0. */
const msgpack_object *rec_array(const msgpack_object *o, const char *key, uint32_t *n);
/* The map under key (borrowed), or NULL. */
const msgpack_object *rec_map(const msgpack_object *o, const char *key);
/* The time under key in local time ("YYYY-MM-DD HH:MM") into buf; "" when absent. */
const char *rec_time(const msgpack_object *o, const char *key, char *buf, size_t size);
/* A server's message for people, without the "kura: " its database errors start with.
 * msg: borrowed; returns a pointer into it. */
const char *rec_msg(const char *msg);

#endif
