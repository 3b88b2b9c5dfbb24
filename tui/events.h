/* Change events from kurad (nng sub0): {topic, id, version}, never content. The client
 * refetches what it shows; a "session" event for its own session sends it to sign-in. */
#ifndef KURA_EVENTS_H
#define KURA_EVENTS_H

#include <poll.h>

struct events;

/* Called per event; topic and id are borrowed for the call. */
typedef void events_fn(void *arg, const char *topic, const char *id);

/* Subscribes to everything at url (borrowed) without waiting for it to answer. Returns 0
 * with *out owned by the caller, or -1 with a reason in why (static or nng's). */
int events_new(struct events **out, const char *url, const char **why);
void events_free(struct events *e);
/* Fills one pollfd. */
void events_pollfd(struct events *e, struct pollfd *pfd);
/* Reads every event that has arrived and calls fn(arg, ...) for each well-formed one. */
void events_process(struct events *e, events_fn *fn, void *arg);

#endif
