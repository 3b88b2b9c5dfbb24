/* The audit sealer: chains committed audit rows in order, shortly after they commit, so that
 * requests never wait on one another for the chain. */
#ifndef KURA_SEALER_H
#define KURA_SEALER_H

#include "conf.h"

struct sealer;

/* Starts the sealer thread with its own database connection. cfg: borrowed, must outlive it.
 * Returns NULL (logged) if it cannot start; kurad then serves unsealed, and another kurad
 * instance or the next start seals the backlog. */
struct sealer *sealer_start(const struct server_config *cfg);
/* Stops it after a last pass. Accepts NULL. */
void sealer_stop(struct sealer *s);

#endif
