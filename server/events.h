/* Change events: kurad LISTENs to PostgreSQL and publishes {topic, id, version} on each
 * segment's PUB socket. Events never carry content; clients refetch under their own rights. */
#ifndef KURA_EVENTS_H
#define KURA_EVENTS_H

#include "conf.h"

struct events;

/* Opens a pub0 socket for every listener with an events URL and starts the LISTEN thread.
 * cfg: borrowed, must outlive it. Returns NULL (logged) on failure. */
struct events *events_start(const struct server_config *cfg);
/* Accepts NULL. */
void events_stop(struct events *ev);

#endif
