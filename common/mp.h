/* msgpack helpers: typed lookups in decoded maps and a small format-driven packer. */
#ifndef KURA_MP_H
#define KURA_MP_H

#include <msgpack.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

/* The value under key in map, or NULL when map is not a map or has no such key.
 * Returned pointer is borrowed from map's zone. */
const msgpack_object *mp_get(const msgpack_object *map, const char *key);
bool mp_is_str(const msgpack_object *o);
/* Owned NUL-terminated copy of a str object, or NULL if o is NULL or not a str. */
char *mp_strdup(const msgpack_object *o);
/* Copies a str into buf (NUL-terminated). Returns 0, or ERR_BAD_REQUEST when o is not a str,
 * holds a NUL byte, or does not fit in size. */
int mp_strcpy(const msgpack_object *o, char *buf, size_t size);
/* Integer value of o (positive or negative int). Returns 0 or ERR_BAD_REQUEST. */
int mp_int(const msgpack_object *o, int64_t *out);

/*
 * mp_packf packs the values described by fmt, one after another:
 *   { }  a map (its size is counted from fmt: keys and values both appear in fmt)
 *   [ ]  an array of the items in fmt
 *   s    const char * (NULL packs nil)        S  const char *, size_t length
 *   i    int64_t                             b  int (as bool)
 *   n    nil                                 x  const void *, size_t length (bin)
 *   o    const msgpack_object * (packed as is; NULL packs nil)
 * Spaces, commas and colons are ignored. Returns 0, or ERR_INTERNAL on a bad format.
 */
int mp_packf(msgpack_packer *pk, const char *fmt, ...);
int mp_vpackf(msgpack_packer *pk, const char *fmt, va_list ap);

/* Packs a NUL-terminated string, or nil for NULL. */
void mp_pack_str(msgpack_packer *pk, const char *s);

#endif
