/* The dispatcher: the one place where a request is decoded, looked up, authenticated,
 * authorised, run in its transaction, audited and answered. */
#ifndef KURA_DISPATCH_H
#define KURA_DISPATCH_H

#include <stddef.h>
#include <stdio.h>

#include "conf.h"
#include "db.h"
#include "proto.h"

/* Handles one received message and leaves the complete reply in out (reset first).
 * buf, listener (whose segment the request belongs to), peer: borrowed.
 * db: the calling worker's connection. */
void dispatch(struct db *db, const struct server_config *cfg, const void *buf, size_t len,
              const struct listener_config *listener, const char *peer, struct proto_writer *out);

/* Prints the command table, one command a line: name, the right it needs ("session" when a
 * session is enough, "none" for auth.login's own check), and "write"/"read". */
void dispatch_print_commands(FILE *f);

#endif
