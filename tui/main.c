/* kura, the terminal client: options and configuration, then one loop that polls the
 * terminal and the connection together, so the screen never waits on the network. */
#include "config.h"

#include <errno.h>
#include <ini.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "conn.h"
#include "draw.h"
#include "i18n.h"
#include "xmalloc.h"

#define MAIN_TICK_MS 1000 /* repaint at least this often: connection state, retry notices */

/* Set by SIGTERM and SIGHUP: leave as after q, signing out first. Only the handler writes it. */
static volatile sig_atomic_t main_stop;

static void
main_on_signal(int sig)
{
	(void)sig;
	main_stop = 1;
}

static void
main_usage(FILE *out)
{
	fprintf(out, _("Usage: kura [--server URL] [--ca FILE [--cert FILE [--key FILE]]]\n"
	               "The terminal client of kura, the operations system of a data-recovery "
	               "centre.\n\n"
	               "  -s, --server URL  the kurad to use (tcp://host:port, "
	               "tls+tcp://host:port,\n"
	               "                    ipc://path); several, separated by commas, are "
	               "used as one\n"
	               "      --ca FILE     tls+tcp://: the CA that signed the server's "
	               "certificate\n"
	               "      --cert FILE   tls+tcp://: this terminal's client certificate\n"
	               "      --key FILE    its private key (default: in the --cert file)\n"
	               "  -h, --help        show this help\n"
	               "  -V, --version     show the version\n\n"
	               "Without --server: the environment variable KURA_SERVER, else "
	               "'server = URL' in\n"
	               "~/.config/kura/kura.conf ($XDG_CONFIG_HOME/kura/kura.conf when that is "
	               "set),\n"
	               "which may also hold ca, cert and key.\n"));
}

/* What to connect to, from the options, the environment and the configuration file, in that
 * order of precedence. All owned. */
struct main_settings {
	char *server, *ca, *cert, *key;
};

static void
main_settings_fini(struct main_settings *s)
{
	free(s->server);
	free(s->ca);
	free(s->cert);
	free(s->key);
}

/* Sets *slot to an owned copy of value unless an earlier source set it already. */
static void
main_setting(char **slot, const char *value)
{
	if (*slot == NULL && value != NULL && value[0] != '\0')
		*slot = xstrdup(value);
}

/* inih handler: takes server, ca, cert and key from the top of the file or a [kura]
 * section. user: the struct main_settings being filled. */
static int
main_conf_entry(void *user, const char *section, const char *name, const char *value)
{
	struct main_settings *s = user;

	if (section[0] != '\0' && strcmp(section, "kura") != 0)
		return 1;
	if (strcmp(name, "server") == 0)
		main_setting(&s->server, value);
	else if (strcmp(name, "ca") == 0)
		main_setting(&s->ca, value);
	else if (strcmp(name, "cert") == 0)
		main_setting(&s->cert, value);
	else if (strcmp(name, "key") == 0)
		main_setting(&s->key, value);
	return 1;
}

/* Reads the configuration file into what is still unset in s. Returns the file's path,
 * owned (NULL when there is no home to look in). */
static char *
main_conf_read(struct main_settings *s)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	char *path;
	int rc;

	if (xdg != NULL && xdg[0] != '\0')
		path = xasprintf("%s/kura/kura.conf", xdg);
	else if (home != NULL && home[0] != '\0')
		path = xasprintf("%s/.config/kura/kura.conf", home);
	else
		return NULL;
	rc = ini_parse(path, main_conf_entry, s);
	if (rc > 0)
		fprintf(stderr, _("kura: %s: line %d cannot be read; ignoring it\n"), path, rc);
	return path;
}

/* Reads the options into s. Returns -1 to go on, else the exit status. */
static int
main_options(int argc, char **argv, struct main_settings *s)
{
	static const struct {
		const char *shortname, *name;
		size_t offset;
	} opts[] = {
		{ "-s", "--server", offsetof(struct main_settings, server) },
		{ NULL, "--ca", offsetof(struct main_settings, ca) },
		{ NULL, "--cert", offsetof(struct main_settings, cert) },
		{ NULL, "--key", offsetof(struct main_settings, key) },
	};

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool known = false;

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			main_usage(stdout);
			return 0;
		}
		if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
			printf("kura %s\n", PACKAGE_VERSION);
			return 0;
		}
		for (size_t o = 0; o < sizeof opts / sizeof opts[0] && !known; o++) {
			char **slot = (char **)((char *)s + opts[o].offset);
			size_t n = strlen(opts[o].name);
			const char *value = NULL;

			if ((opts[o].shortname != NULL && strcmp(a, opts[o].shortname) == 0) ||
			    strcmp(a, opts[o].name) == 0) {
				if (i + 1 >= argc)
					break;
				value = argv[++i];
			} else if (strncmp(a, opts[o].name, n) == 0 && a[n] == '=') {
				value = a + n + 1;
			} else {
				continue;
			}
			free(*slot);
			*slot = xstrdup(value);
			known = true;
		}
		if (!known) {
			fprintf(stderr, _("kura: unknown option or missing value: '%s'\n"), a);
			main_usage(stderr);
			return 2;
		}
	}
	return -1;
}

static int
main_loop(struct app *app)
{
	bool tty_gone = false;

	while (!app->quit) {
		struct pollfd pfd[5];
		int timeout = MAIN_TICK_MS, n, rc;
		uint32_t key;

		if (app->redraw)
			app_draw(app);
		/* A terminal that hung up stays readable forever: stop polling it. */
		pfd[0] = (struct pollfd){ .fd = tty_gone ? -1 : STDIN_FILENO, .events = POLLIN };
		n = 1 + conn_pollfds(app->conn, pfd + 1, 3, &timeout);
		if (app->events != NULL)
			events_pollfd(app->events, &pfd[n++]);
		if (app->quitting) {
			int64_t left = app->quit_deadline - conn_now_ms();
			if (left < timeout)
				timeout = left > 0 ? (int)left : 0;
		}
		rc = poll(pfd, (nfds_t)n, timeout);
		if (rc < 0 && errno != EINTR)
			return -1;
		if (rc == 0)
			app->redraw = true; /* time-based states ("offline") may have changed */
		/* The terminal went away (the SSH connection dropped) or we were told to stop:
		 * sign out, so that the session does not outlive its terminal. */
		if (pfd[0].revents & (POLLHUP | POLLERR | POLLNVAL))
			tty_gone = true;
		if ((tty_gone || main_stop) && !app->quitting)
			app_quit(app);
		/* EINTR too: a resize arrives as a signal, then as KEY_RESIZE. Settled after
		 * each key: a view closed by one key must not take the next. */
		while (!app->quit && !tty_gone && draw_read_key(&key)) {
			app_key(app, key);
			app_settle(app);
		}
		if (conn_process(app->conn))
			app->redraw = true;
		if (app->events != NULL)
			events_process(app->events, app_event, app);
		app_settle(app);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct main_settings set = { 0 };
	struct tls_files tls = { 0 };
	char *conf = NULL, err[256];
	struct conn *conn = NULL;
	struct app app;
	int rc;

	setlocale(LC_ALL, "");
	if ((rc = main_options(argc, argv, &set)) >= 0)
		goto out;
	main_setting(&set.server, getenv("KURA_SERVER"));
	conf = main_conf_read(&set);
	rc = 2;
	if (set.server == NULL) {
		fprintf(stderr,
		        _("kura: no server given. Use --server URL, set KURA_SERVER, or write\n"
		          "      server = tcp://host:port\n"
		          "in %s\n"),
		        conf != NULL ? conf : "~/.config/kura/kura.conf");
		goto out;
	}
	tls = (struct tls_files){ .ca = set.ca, .cert = set.cert, .key = set.key };
	if (conn_new(&conn, set.server, &tls, err, sizeof err) != 0) {
		fprintf(stderr, _("kura: cannot use the server address '%s': %s\n"), set.server,
		        err);
		goto out;
	}
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "%s", _("kura: needs a terminal\n"));
		goto out;
	}
	if (draw_init() != 0) {
		fprintf(stderr, "%s", _("kura: cannot set up the terminal\n"));
		rc = 1;
		goto out;
	}
	{
		struct sigaction sa;

		memset(&sa, 0, sizeof sa);
		sa.sa_handler = main_on_signal;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
	}
	app_init(&app, conn, &tls); /* tls points into set, which outlives app */
	app_push(&app, &view_login_ops, NULL);
	/* The sign-in screen first: starting nng's threads and dialling take longer than all
	 * the rest of the start. */
	app_draw(&app);
	if (conn_open(conn, &tls, err, sizeof err) != 0) {
		draw_fini();
		fprintf(stderr, _("kura: cannot use the server address '%s': %s\n"), set.server,
		        err);
		rc = 2;
	} else {
		rc = main_loop(&app) == 0 ? 0 : 1;
		draw_fini();
		/* Signed out and the terminal restored: leave now. Closing the event socket can
		 * wait many seconds in nng 1.5 (about one sign-out in five, 18 s each time), and
		 * the end of the process releases the sockets and memory all the same. */
		fflush(NULL);
		_exit(rc);
	}
	conn = NULL;
	app_fini(&app);
out:
	conn_free(conn);
	free(conf);
	main_settings_fini(&set);
	return rc;
}
