/* Change events from kurad (nng sub0): {topic, id, version}, never content. The client
 * refetches what it shows; a "session" event for its own session sends it to sign-in. */
#ifndef KURA_EVENTS_H
#define KURA_EVENTS_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "tls.h"

struct events;

/* Called per event; topic and id are borrowed for the call. version: the event's (a case's
 * version, a note's id), 0 when absent. */
typedef void events_fn(void *arg, const char *topic, const char *id, int64_t version);

/* Subscribes to everything at url without waiting for it to answer (a tls+tcp:// URL is
 * verified as conn_dial does). url, tls: borrowed. Returns 0 with *out owned by the caller,
 * or -1 with a reason in err. */
int events_new(struct events **out, const char *url, const struct tls_files *tls, char *err,
               size_t errlen);
void events_free(struct events *e);
/* Fills one pollfd. */
void events_pollfd(struct events *e, struct pollfd *pfd);
/* Reads every event that has arrived and calls fn(arg, ...) for each well-formed one. */
void events_process(struct events *e, events_fn *fn, void *arg);

#endif
