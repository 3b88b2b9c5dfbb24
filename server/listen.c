/* Starting a listener of a segment (see listen.h). */
#include "config.h"

#include "listen.h"

#include "log.h"
#include "tls.h"

int
listen_start(nng_socket s, const struct listener_config *lc, const char *url, size_t max_message,
             nng_listener *out)
{
	nng_listener l;
	int rv;

	if ((rv = nng_listener_create(&l, s, url)) != 0)
		goto fail;
	if (max_message > 0 && (rv = nng_listener_set_size(l, NNG_OPT_RECVMAXSZ, max_message)) != 0)
		goto fail_close;
	if (tls_url(url)) {
		struct tls_files files = { .cert = lc->tls_cert,
			                   .key = lc->tls_key,
			                   .ca = lc->tls_client_ca };
		nng_tls_config *cfg;
		char err[256];

		if (tls_config_new(&cfg, true, &files, err, sizeof err) != 0) {
			log_error("segment %s: %s", lc->segment, err);
			nng_listener_close(l);
			return -1;
		}
		/* The listener holds its own reference. */
		rv = nng_listener_set_ptr(l, NNG_OPT_TLS_CONFIG, cfg);
		nng_tls_config_free(cfg);
		if (rv != 0)
			goto fail_close;
	}
	if ((rv = nng_listener_start(l, 0)) != 0)
		goto fail_close;
	*out = l;
	return 0;
fail_close:
	nng_listener_close(l);
fail:
	log_error("cannot listen on %s (segment %s): %s", url, lc->segment, nng_strerror(rv));
	return -1;
}
