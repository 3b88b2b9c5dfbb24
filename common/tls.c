/* TLS configurations for nng (see tls.h). */
#include "config.h"

#include "tls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

/* Reads a whole PEM file into an owned, NUL-terminated string, or NULL. */
static char *
tls_read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long len;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 && len < (1 << 20) &&
	    fseek(f, 0, SEEK_SET) == 0) {
		buf = xmalloc((size_t)len + 1);
		if (fread(buf, 1, (size_t)len, f) != (size_t)len) {
			free(buf);
			buf = NULL;
		} else {
			buf[len] = '\0';
		}
	}
	fclose(f);
	return buf;
}

int
tls_config_new(nng_tls_config **out, bool server, const struct tls_files *files, char *err,
               size_t errlen)
{
	nng_tls_config *cfg = NULL;
	char *cert = NULL, *key = NULL;
	int rv;

	*out = NULL;
	if (!server && files->ca == NULL) {
		snprintf(err, errlen, "a CA file is needed to verify the server");
		return -1;
	}
	if ((rv = nng_tls_config_alloc(&cfg, server ? NNG_TLS_MODE_SERVER : NNG_TLS_MODE_CLIENT)) !=
	    0) {
		snprintf(err, errlen, "TLS: %s", nng_strerror(rv));
		return -1;
	}
	if (files->cert != NULL) {
		const char *key_path = files->key != NULL ? files->key : files->cert;

		if ((cert = tls_read_file(files->cert)) == NULL ||
		    (key = tls_read_file(key_path)) == NULL) {
			snprintf(err, errlen, "cannot read %s",
			         cert == NULL ? files->cert : key_path);
			goto fail;
		}
		if ((rv = nng_tls_config_own_cert(cfg, cert, key, NULL)) != 0) {
			snprintf(err, errlen, "%s / %s: not a usable certificate and key: %s",
			         files->cert, key_path, nng_strerror(rv));
			goto fail;
		}
	} else if (server) {
		snprintf(err, errlen, "a TLS listener needs a certificate (tls_cert)");
		goto fail;
	}
	if (files->ca != NULL) {
		if ((rv = nng_tls_config_ca_file(cfg, files->ca)) != 0) {
			snprintf(err, errlen, "%s: not a usable CA file: %s", files->ca,
			         nng_strerror(rv));
			goto fail;
		}
	}
	/* Clients always verify the server; servers verify clients when given their CA. */
	rv = nng_tls_config_auth_mode(cfg, files->ca != NULL ? NNG_TLS_AUTH_MODE_REQUIRED
	                                                     : NNG_TLS_AUTH_MODE_NONE);
	if (rv == 0 && !server && files->server_name != NULL)
		rv = nng_tls_config_server_name(cfg, files->server_name);
	if (rv == 0)
		rv = nng_tls_config_version(cfg, NNG_TLS_1_2, NNG_TLS_1_3);
	if (rv != 0 && rv != NNG_ENOTSUP) {
		snprintf(err, errlen, "TLS: %s", nng_strerror(rv));
		goto fail;
	}
	if (rv == NNG_ENOTSUP) /* no TLS 1.3 in this mbedTLS: 1.2 only */
		(void)nng_tls_config_version(cfg, NNG_TLS_1_2, NNG_TLS_1_2);
	if (key != NULL) {
		memset(key, 0, strlen(key));
		free(key);
	}
	free(cert);
	*out = cfg;
	return 0;
fail:
	if (key != NULL) {
		memset(key, 0, strlen(key));
		free(key);
	}
	free(cert);
	nng_tls_config_free(cfg);
	return -1;
}

bool
tls_url(const char *url)
{
	return strncmp(url, "tls+", 4) == 0;
}

void
tls_url_host(const char *url, char *out, size_t size)
{
	const char *p = strstr(url, "://");
	size_t len;

	p = p != NULL ? p + 3 : url;
	if (*p == '[') { /* [v6]:port */
		const char *end = strchr(p, ']');
		p++;
		len = end != NULL ? (size_t)(end - p) : strlen(p);
	} else {
		const char *colon = strrchr(p, ':');
		len = colon != NULL ? (size_t)(colon - p) : strlen(p);
	}
	snprintf(out, size, "%.*s", (int)len, p);
}
