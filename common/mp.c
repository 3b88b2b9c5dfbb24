/* msgpack helpers: typed lookups in decoded maps and the mp_packf packer. */
#include "config.h"

#include "mp.h"

#include <string.h>

#include "err.h"
#include "xmalloc.h"

const msgpack_object *
mp_get(const msgpack_object *map, const char *key)
{
	size_t klen = strlen(key);

	if (map == NULL || map->type != MSGPACK_OBJECT_MAP)
		return NULL;
	for (uint32_t i = 0; i < map->via.map.size; i++) {
		const msgpack_object *k = &map->via.map.ptr[i].key;

		if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == klen &&
		    memcmp(k->via.str.ptr, key, klen) == 0)
			return &map->via.map.ptr[i].val;
	}
	return NULL;
}

bool
mp_is_str(const msgpack_object *o)
{
	return o != NULL && o->type == MSGPACK_OBJECT_STR;
}

char *
mp_strdup(const msgpack_object *o)
{
	if (!mp_is_str(o))
		return NULL;
	return xstrndup(o->via.str.ptr, o->via.str.size);
}

int
mp_strcpy(const msgpack_object *o, char *buf, size_t size)
{
	if (!mp_is_str(o) || o->via.str.size >= size ||
	    memchr(o->via.str.ptr, '\0', o->via.str.size) != NULL)
		return ERR_BAD_REQUEST;
	memcpy(buf, o->via.str.ptr, o->via.str.size);
	buf[o->via.str.size] = '\0';
	return 0;
}

int
mp_int(const msgpack_object *o, int64_t *out)
{
	if (o == NULL)
		return ERR_BAD_REQUEST;
	if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
		if (o->via.u64 > INT64_MAX)
			return ERR_BAD_REQUEST;
		*out = (int64_t)o->via.u64;
		return 0;
	}
	if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
		*out = o->via.i64;
		return 0;
	}
	return ERR_BAD_REQUEST;
}

void
mp_pack_str(msgpack_packer *pk, const char *s)
{
	if (s == NULL) {
		msgpack_pack_nil(pk);
		return;
	}
	size_t len = strlen(s);
	msgpack_pack_str(pk, len);
	msgpack_pack_str_body(pk, s, len);
}

static bool
mp_fmt_skip(char c)
{
	return c == ' ' || c == ',' || c == ':' || c == '\t' || c == '\n';
}

/* Counts the items directly inside the container that opens at fmt[-1]. */
static int
mp_fmt_count(const char *fmt, char close)
{
	int level = 0, n = 0;

	for (const char *p = fmt; *p != '\0'; p++) {
		if (mp_fmt_skip(*p))
			continue;
		if (level == 0 && *p == close)
			return n;
		if (*p == '{' || *p == '[') {
			if (level == 0)
				n++;
			level++;
		} else if (*p == '}' || *p == ']') {
			level--;
			if (level < 0)
				return -1;
		} else if (level == 0) {
			n++;
		}
	}
	return -1;
}

/* Packs one item at *fmt and advances it. */
static int
mp_pack_one(msgpack_packer *pk, const char **fmt, va_list *ap)
{
	const char *p = *fmt;

	while (mp_fmt_skip(*p))
		p++;
	char c = *p++;
	switch (c) {
	case '{':
	case '[': {
		char close = c == '{' ? '}' : ']';
		int n = mp_fmt_count(p, close);

		if (n < 0 || (c == '{' && n % 2 != 0))
			return ERR_INTERNAL;
		if (c == '{')
			msgpack_pack_map(pk, (size_t)n / 2);
		else
			msgpack_pack_array(pk, (size_t)n);
		for (int i = 0; i < n; i++)
			if (mp_pack_one(pk, &p, ap) != 0)
				return ERR_INTERNAL;
		while (mp_fmt_skip(*p))
			p++;
		if (*p++ != close)
			return ERR_INTERNAL;
		break;
	}
	case 's':
		mp_pack_str(pk, va_arg(*ap, const char *));
		break;
	case 'S': {
		const char *s = va_arg(*ap, const char *);
		size_t len = va_arg(*ap, size_t);
		msgpack_pack_str(pk, len);
		msgpack_pack_str_body(pk, s, len);
		break;
	}
	case 'i':
		msgpack_pack_int64(pk, va_arg(*ap, int64_t));
		break;
	case 'b':
		if (va_arg(*ap, int))
			msgpack_pack_true(pk);
		else
			msgpack_pack_false(pk);
		break;
	case 'n':
		msgpack_pack_nil(pk);
		break;
	case 'x': {
		const void *b = va_arg(*ap, const void *);
		size_t len = va_arg(*ap, size_t);
		msgpack_pack_bin(pk, len);
		msgpack_pack_bin_body(pk, b, len);
		break;
	}
	case 'o': {
		const msgpack_object *o = va_arg(*ap, const msgpack_object *);
		if (o == NULL)
			msgpack_pack_nil(pk);
		else
			msgpack_pack_object(pk, *o);
		break;
	}
	default:
		return ERR_INTERNAL;
	}
	*fmt = p;
	return 0;
}

int
mp_vpackf(msgpack_packer *pk, const char *fmt, va_list ap)
{
	va_list copy;
	int rc;

	va_copy(copy, ap);
	do {
		rc = mp_pack_one(pk, &fmt, &copy);
		while (mp_fmt_skip(*fmt))
			fmt++;
	} while (rc == 0 && *fmt != '\0');
	va_end(copy);
	return rc;
}

int
mp_packf(msgpack_packer *pk, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = mp_vpackf(pk, fmt, ap);
	va_end(ap);
	return rc;
}
