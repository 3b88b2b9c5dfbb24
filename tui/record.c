/* Typed reads of reply data for the case-sheet views. */
#include "config.h"

#include "record.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mp.h"
#include "text.h"
#include "xmalloc.h"

char *
rec_str(const msgpack_object *o, const char *key)
{
	const msgpack_object *v = mp_get(o, key);
	int64_t i;

	if (v == NULL)
		return NULL;
	if (mp_is_str(v))
		return mp_strdup(v);
	if (mp_int(v, &i) == 0)
		return xasprintf("%" PRId64, i);
	return NULL;
}

char *
rec_text(const msgpack_object *o, const char *key)
{
	char *s = rec_str(o, key);

	return s != NULL ? s : xstrdup("");
}

bool
rec_bool(const msgpack_object *o, const char *key)
{
	const msgpack_object *v = mp_get(o, key);

	return v != NULL && v->type == MSGPACK_OBJECT_BOOLEAN && v->via.boolean;
}

int64_t
rec_int(const msgpack_object *o, const char *key, int64_t dflt)
{
	const msgpack_object *v = mp_get(o, key);
	int64_t i;

	return v != NULL && mp_int(v, &i) == 0 ? i : dflt;
}

const msgpack_object *
rec_array(const msgpack_object *o, const char *key, uint32_t *n)
{
	const msgpack_object *v = mp_get(o, key);

	if (v == NULL || v->type != MSGPACK_OBJECT_ARRAY) {
		*n = 0;
		return NULL;
	}
	*n = v->via.array.size;
	return v->via.array.ptr;
}

const msgpack_object *
rec_map(const msgpack_object *o, const char *key)
{
	const msgpack_object *v = mp_get(o, key);

	return v != NULL && v->type == MSGPACK_OBJECT_MAP ? v : NULL;
}

const char *
rec_time(const msgpack_object *o, const char *key, char *buf, size_t size)
{
	char *s = rec_str(o, key);

	if (s == NULL) {
		snprintf(buf, size, "%s", "");
		return buf;
	}
	text_local_time(s, buf, size);
	free(s);
	return buf;
}

const char *
rec_msg(const char *msg)
{
	if (msg != NULL && strncmp(msg, "kura: ", 6) == 0)
		return msg + 6;
	return msg != NULL ? msg : "";
}
