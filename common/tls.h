/* TLS configurations for nng's tls+tcp transport (mbedTLS underneath), shared by kurad,
 * kura and the test client, so that every side verifies its peer the same way. */
#ifndef KURA_TLS_H
#define KURA_TLS_H

#include <nng/nng.h>
#include <nng/supplemental/tls/tls.h>
#include <stdbool.h>
#include <stddef.h>

struct tls_files {
	const char *cert;        /* PEM: our certificate (chain); NULL: none */
	const char *key;         /* PEM: its private key; NULL: in the cert file */
	const char *ca;          /* PEM: the CA our peer's certificate must chain to */
	const char *server_name; /* clients: the name the server's certificate must carry */
};

/* Builds a configuration. A server with ca set requires a client certificate signed by it;
 * a client always verifies the server against ca (which it needs). files: borrowed.
 * Returns 0 with *out owned (nng_tls_config_free), or -1 with a message in err. */
int tls_config_new(nng_tls_config **out, bool server, const struct tls_files *files, char *err,
                   size_t errlen);

/* True when url uses TLS ("tls+tcp://..."). */
bool tls_url(const char *url);
/* Copies the host part of a tls+tcp:// or tcp:// URL into out (for server-name checks). */
void tls_url_host(const char *url, char *out, size_t size);

#endif
