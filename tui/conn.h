/* The client's connection to kurad: one nng req0 socket used without blocking. Requests wait in
 * a queue and go out one at a time; each is resent with the same request id when its reply is
 * late (safe: writes are idempotent by id). The main loop polls conn_pollfds with stdin. */
#ifndef KURA_CONN_H
#define KURA_CONN_H

#include <msgpack.h>
#include <nng/nng.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>

#include "proto.h"
#include "tls.h"

#define CONN_TIMEOUT_MS     5000 /* a reply later than this: resend, same id */
#define CONN_UNAVAILABLE_MS 2000 /* after "unavailable": wait this long, then resend */

struct conn;

enum conn_state {
	CONN_CONNECTING, /* no connection yet, or just lost: nng is dialling */
	CONN_CONNECTED,
	CONN_OFFLINE, /* no connection for longer than CONN_TIMEOUT_MS; nng keeps dialling */
};

/* Called with each reply. rep is borrowed for the call; an undecodable reply arrives as
 * ok=false, err=ERR_INTERNAL; "unavailable" never arrives (it is retried). arg: the
 * caller's, passed back as given. */
typedef void conn_reply_fn(void *arg, const struct proto_reply *rep);
/* Sees every reply before its callback; returns false to swallow it (the callback is then not
 * called). op: the request's op, borrowed. Used for "session ended" handling in one place. */
typedef bool conn_filter_fn(void *arg, const char *op, const struct proto_reply *rep);

/* Dials url on sock without waiting for an answer: nng goes on dialling in the background.
 * A tls+tcp:// URL verifies the server against tls->ca, by the URL's host name, and
 * presents tls->cert when set. url, tls: borrowed; tls may be NULL for plain URLs.
 * Returns 0, or -1 with a message for people in err. */
int conn_dial(nng_socket sock, const char *url, const struct tls_files *tls, char *err,
              size_t errlen);
/* A connection to every URL in urls (separated by commas or spaces), not yet open: checks
 * what it can without starting nng (the URLs' form, a CA for TLS), so that the client paints
 * its first screen before nng's threads start. urls, tls: borrowed. Returns 0 with *out owned
 * by the caller, or -1 with a message in err. */
int conn_new(struct conn **out, const char *urls, const struct tls_files *tls, char *err,
             size_t errlen);
/* Opens the socket and dials every URL. tls: borrowed. Returns 0, or -1 with a message in
 * err (the connection then stays closed: free it). */
int conn_open(struct conn *c, const struct tls_files *tls, char *err, size_t errlen);
void conn_free(struct conn *c);

/* The token sent with requests built from now on. tok: borrowed, copied; NULL clears it. */
void conn_set_token(struct conn *c, const char *tok);
void conn_set_filter(struct conn *c, conn_filter_fn *fn, void *arg);

/* Starts a request: packs the envelope and returns the packer, on which the caller packs
 * exactly one object, the args map. Then conn_end queues it. op: borrowed. */
msgpack_packer *conn_begin(struct conn *c, const char *op);
/* The same with a request id of the caller's choosing: sending the very same request again
 * (say, after giving up waiting) reuses its id, so a write done once is not done twice. */
msgpack_packer *conn_begin_id(struct conn *c, const char *op, const uint8_t id[PROTO_ID_LEN]);
/* Queues the request begun last. owner: an opaque tag (borrowed) for conn_cancel; fn/arg: the
 * reply callback. */
void conn_end(struct conn *c, const void *owner, conn_reply_fn *fn, void *arg);
/* conn_begin + mp_packf(argsfmt, ...) + conn_end; argsfmt NULL sends an empty map. */
void conn_call(struct conn *c, const void *owner, conn_reply_fn *fn, void *arg, const char *op,
               const char *argsfmt, ...);

/* Drops every request of owner (NULL: every request): no callback will be made for them. */
void conn_cancel(struct conn *c, const void *owner);
/* True when owner (NULL: anyone) has a request queued or in flight. */
bool conn_busy(const struct conn *c, const void *owner);
/* True when the request in flight has gone unanswered past CONN_TIMEOUT_MS at least once. */
bool conn_retrying(const struct conn *c);
/* True when the server answered the request in flight with "unavailable" (its database is
 * away): the request is sent again every CONN_UNAVAILABLE_MS, and its callback waits. */
bool conn_unavailable(const struct conn *c);
enum conn_state conn_state(const struct conn *c);
/* How many times the connection has come up: a change means it came back, and whatever a
 * client shows may have changed meanwhile. */
unsigned conn_connects(const struct conn *c);
/* The URLs given to conn_new (borrowed from c). */
const char *conn_url(const struct conn *c);

/* Fills up to n pollfds (3 are enough) and returns how many; *timeout_ms is lowered to the
 * next deadline the connection has. */
int conn_pollfds(struct conn *c, struct pollfd *pfd, int n, int *timeout_ms);
/* Does whatever is due: receives replies (calling their callbacks), sends, resends. Returns
 * true when something a person might see changed (a reply, the connection state). */
bool conn_process(struct conn *c);

/* Milliseconds on a monotonic clock. */
int64_t conn_now_ms(void);

#endif
