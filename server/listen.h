/* Starting a listener of a segment, with TLS when its URL asks for it. */
#ifndef KURA_LISTEN_H
#define KURA_LISTEN_H

#include <nng/nng.h>
#include <stddef.h>

#include "conf.h"

/* Listens on url (the segment's request or events URL) for socket s, with lc's TLS settings
 * when url is tls+tcp://, and max_message as the largest message taken (0: nng's default).
 * lc, url: borrowed. Returns 0 with *out started, or -1 (logged). */
int listen_start(nng_socket s, const struct listener_config *lc, const char *url,
                 size_t max_message, nng_listener *out);

#endif
