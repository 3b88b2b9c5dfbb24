/* kurad.conf parsing with inih. */
#include "config.h"

#include "conf.h"

#include <ini.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

struct conf_parse {
	struct server_config *cfg;
	char *err;
	size_t errlen;
};

static int
conf_int(const char *value, int min, int max, int *out)
{
	char *end;
	long v = strtol(value, &end, 10);

	if (*value == '\0' || *end != '\0' || v < min || v > max)
		return -1;
	*out = (int)v;
	return 0;
}

/* The listener of a segment's section, created on first sight; NULL when there are too many. */
static struct listener_config *
conf_listener(struct server_config *cfg, const char *segment)
{
	for (size_t i = 0; i < cfg->nlisteners; i++)
		if (strcmp(cfg->listeners[i].segment, segment) == 0)
			return &cfg->listeners[i];
	if (cfg->nlisteners == CONFIG_MAX_LISTENERS)
		return NULL;
	cfg->listeners[cfg->nlisteners].segment = xstrdup(segment);
	return &cfg->listeners[cfg->nlisteners++];
}

/* A listener needs a url; TLS settings go with tls+tcp:// URLs only, and such a URL needs a
 * certificate. */
static int
conf_listener_check(const struct listener_config *lc, char *err, size_t errlen, const char *path)
{
	bool tls = lc->url != NULL && strncmp(lc->url, "tls+", 4) == 0;
	bool events_tls = lc->events != NULL && strncmp(lc->events, "tls+", 4) == 0;

	if (lc->url == NULL)
		snprintf(err, errlen, "%s: [listener %s] has no url", path, lc->segment);
	else if ((tls || events_tls) && lc->tls_cert == NULL)
		snprintf(err, errlen, "%s: [listener %s] uses TLS but has no tls_cert", path,
		         lc->segment);
	else if (!tls && !events_tls && (lc->tls_cert || lc->tls_key || lc->tls_client_ca))
		snprintf(err, errlen, "%s: [listener %s] has TLS settings but no tls+tcp:// url",
		         path, lc->segment);
	else if (lc->events != NULL && tls != events_tls)
		snprintf(err, errlen, "%s: [listener %s]: url and events must both use TLS or not",
		         path, lc->segment);
	else
		return 0;
	return -1;
}

/* inih handler: returns 0 to stop with an error. */
static int
conf_handler(void *user, const char *section, const char *name, const char *value)
{
	struct conf_parse *p = user;
	struct server_config *cfg = p->cfg;
	int rc = 0, v = 0;

	if (strcmp(section, "database") == 0 && strcmp(name, "conninfo") == 0) {
		free(cfg->conninfo);
		cfg->conninfo = xstrdup(value);
	} else if (strcmp(section, "server") == 0 && strcmp(name, "workers") == 0) {
		rc = conf_int(value, 1, 256, &cfg->workers);
	} else if (strcmp(section, "server") == 0 && strcmp(name, "session_idle_timeout") == 0) {
		rc = conf_int(value, 10, 7 * 86400, &cfg->session_idle_timeout);
	} else if (strcmp(section, "server") == 0 &&
	           strcmp(name, "session_absolute_timeout") == 0) {
		rc = conf_int(value, 60, 30 * 86400, &cfg->session_absolute_timeout);
	} else if (strcmp(section, "server") == 0 && strcmp(name, "image_retention_days") == 0) {
		rc = conf_int(value, 0, 3650, &cfg->image_retention_days);
	} else if (strcmp(section, "server") == 0 && strcmp(name, "tracking_url_template") == 0) {
		free(cfg->tracking_url_template);
		cfg->tracking_url_template = xstrdup(value);
		if (strstr(value, "{tracking}") == NULL)
			rc = -1;
	} else if (strcmp(section, "server") == 0 && strcmp(name, "export_approval_ttl") == 0) {
		rc = conf_int(value, 60, 7 * 86400, &cfg->export_approval_ttl);
	} else if (strcmp(section, "server") == 0 && strcmp(name, "max_message") == 0) {
		rc = conf_int(value, 4096, 64 << 20, &v);
		cfg->max_message = (size_t)v;
	} else if (strcmp(section, "server") == 0 && strcmp(name, "log_level") == 0) {
		static const char *levels[] = { "error", "warn", "info", "debug" };
		rc = -1;
		for (int i = 0; i < 4; i++)
			if (strcmp(value, levels[i]) == 0) {
				cfg->log_level = (enum log_level)i;
				rc = 0;
			}
	} else if (strncmp(section, "listener ", 9) == 0) {
		struct listener_config *lc = conf_listener(cfg, section + 9);
		char **field = NULL;

		if (lc == NULL) {
			snprintf(p->err, p->errlen, "too many listeners (at most %d)",
			         CONFIG_MAX_LISTENERS);
			return 0;
		}
		if (strcmp(name, "url") == 0)
			field = &lc->url;
		else if (strcmp(name, "events") == 0)
			field = &lc->events;
		else if (strcmp(name, "tls_cert") == 0)
			field = &lc->tls_cert;
		else if (strcmp(name, "tls_key") == 0)
			field = &lc->tls_key;
		else if (strcmp(name, "tls_client_ca") == 0)
			field = &lc->tls_client_ca;
		if (field == NULL) {
			snprintf(p->err, p->errlen, "unknown setting [%s] %s", section, name);
			return 0;
		}
		free(*field);
		*field = xstrdup(value);
	} else {
		snprintf(p->err, p->errlen, "unknown setting [%s] %s", section, name);
		return 0;
	}
	if (rc != 0) {
		snprintf(p->err, p->errlen, "invalid value for [%s] %s: %s", section, name, value);
		return 0;
	}
	return 1;
}

int
conf_load(struct server_config *cfg, const char *path, char *err, size_t errlen)
{
	struct conf_parse p = { cfg, err, errlen };
	int line;

	memset(cfg, 0, sizeof *cfg);
	cfg->workers = 4;
	cfg->session_idle_timeout = 1800;
	cfg->session_absolute_timeout = 12 * 3600;
	cfg->export_approval_ttl = 30 * 60;
	cfg->image_retention_days = 5;
	cfg->max_message = 1u << 20;
	cfg->log_level = LOG_LEVEL_INFO;
	err[0] = '\0';

	line = ini_parse(path, conf_handler, &p);
	if (line == -1) {
		snprintf(err, errlen, "%s: cannot open", path);
		return -1;
	}
	if (line != 0) {
		char why[256];
		snprintf(why, sizeof why, "%s", err[0] ? err : "syntax error");
		snprintf(err, errlen, "%s:%d: %s", path, line, why);
		return -1;
	}
	if (cfg->conninfo == NULL) {
		snprintf(err, errlen, "%s: [database] conninfo is required", path);
		return -1;
	}
	for (size_t i = 0; i < cfg->nlisteners; i++)
		if (conf_listener_check(&cfg->listeners[i], err, errlen, path) != 0)
			return -1;
	if (cfg->nlisteners == 0) {
		snprintf(err, errlen, "%s: at least one [listener SEGMENT] with a url is required",
		         path);
		return -1;
	}
	return 0;
}

void
conf_fini(struct server_config *cfg)
{
	free(cfg->conninfo);
	free(cfg->tracking_url_template);
	for (size_t i = 0; i < cfg->nlisteners; i++) {
		free(cfg->listeners[i].segment);
		free(cfg->listeners[i].url);
		free(cfg->listeners[i].events);
		free(cfg->listeners[i].tls_cert);
		free(cfg->listeners[i].tls_key);
		free(cfg->listeners[i].tls_client_ca);
	}
	memset(cfg, 0, sizeof *cfg);
}
