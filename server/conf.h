/* kurad.conf: database, server limits and listeners (docs/kurad.conf.5). */
#ifndef KURA_CONF_H
#define KURA_CONF_H

#include <stddef.h>

#include "log.h"

#define CONFIG_MAX_LISTENERS 16

struct listener_config {
	char *segment; /* from the section name "[listener SEGMENT]" */
	char *url;
	char *events; /* PUB URL for this segment's change events; NULL: none */
	/* TLS (for tls+tcp:// URLs): certificate and key files; with client_ca set, clients
	 * must present a certificate signed by that CA (the segment's own). */
	char *tls_cert;
	char *tls_key;
	char *tls_client_ca;
};

struct server_config {
	char *conninfo;
	int workers;
	int session_idle_timeout;     /* seconds */
	int session_absolute_timeout; /* seconds */
	int export_approval_ttl;      /* seconds an export approval stays valid */
	int image_retention_days;     /* days a shipped case's image is kept before erasure */
	char *tracking_url_template;  /* "{tracking}" is replaced; NULL: no tracking URLs */
	size_t max_message;           /* bytes; NNG_OPT_RECVMAXSZ and the decoder's limit */
	enum log_level log_level;
	struct listener_config listeners[CONFIG_MAX_LISTENERS];
	size_t nlisteners;
};

/* Reads path into cfg (which it initialises with defaults first). On failure, writes a
 * message for the administrator to err and returns -1. */
int conf_load(struct server_config *cfg, const char *path, char *err, size_t errlen);
void conf_fini(struct server_config *cfg);

#endif
