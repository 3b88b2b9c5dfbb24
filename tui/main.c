/* kura, the terminal client: options and configuration, then one loop that polls the
 * terminal and the connection together, so the screen never waits on the network. */
#include "config.h"

#include <errno.h>
#include <ini.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
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
	fprintf(out, _("Usage: kura [--server URL]\n"
	               "The terminal client of kura, the operations system of a data-recovery "
	               "centre.\n\n"
	               "  -s, --server URL  the kurad to use (tcp://host:port, tls+tcp://..., "
	               "ipc://...);\n"
	               "                    several, separated by commas, are tried as one\n"
	               "  -h, --help        show this help\n"
	               "  -V, --version     show the version\n\n"
	               "Without --server: the environment variable KURA_SERVER, else "
	               "'server = URL' in\n"
	               "~/.config/kura/kura.conf ($XDG_CONFIG_HOME/kura/kura.conf when that is "
	               "set).\n"));
}

/* inih handler: takes "server" from the top of the file or a [kura] section. user: a char **
 * that receives an owned copy (a later line replaces an earlier one). */
static int
main_conf_entry(void *user, const char *section, const char *name, const char *value)
{
	char **server = user;

	if (strcmp(name, "server") == 0 && (section[0] == '\0' || strcmp(section, "kura") == 0)) {
		free(*server);
		*server = xstrdup(value);
	}
	return 1;
}

/* The server from the configuration file, returned owned, or NULL. *path gets the file
 * looked at (owned). */
static char *
main_conf_server(char **path)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	char *server = NULL;
	int rc;

	if (xdg != NULL && xdg[0] != '\0')
		*path = xasprintf("%s/kura/kura.conf", xdg);
	else if (home != NULL && home[0] != '\0')
		*path = xasprintf("%s/.config/kura/kura.conf", home);
	else
		return NULL;
	rc = ini_parse(*path, main_conf_entry, &server);
	if (rc > 0)
		fprintf(stderr, _("kura: %s: line %d cannot be read; ignoring it\n"), *path, rc);
	return server;
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
	char *server = NULL, *conf = NULL;
	const char *why = NULL;
	struct conn *conn;
	struct app app;
	int rc;

	setlocale(LC_ALL, "");
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			main_usage(stdout);
			return 0;
		} else if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
			printf("kura %s\n", PACKAGE_VERSION);
			return 0;
		} else if ((strcmp(a, "-s") == 0 || strcmp(a, "--server") == 0) && i + 1 < argc) {
			free(server);
			server = xstrdup(argv[++i]);
		} else if (strncmp(a, "--server=", 9) == 0) {
			free(server);
			server = xstrdup(a + 9);
		} else {
			fprintf(stderr, _("kura: unknown option '%s'\n"), a);
			main_usage(stderr);
			return 2;
		}
	}
	if (server == NULL && getenv("KURA_SERVER") != NULL && getenv("KURA_SERVER")[0] != '\0')
		server = xstrdup(getenv("KURA_SERVER"));
	if (server == NULL)
		server = main_conf_server(&conf);
	if (server == NULL) {
		fprintf(stderr,
		        _("kura: no server given. Use --server URL, set KURA_SERVER, or write\n"
		          "      server = tcp://host:port\n"
		          "in %s\n"),
		        conf != NULL ? conf : "~/.config/kura/kura.conf");
		free(conf);
		return 2;
	}
	free(conf);
	if (conn_new(&conn, server, &why) != 0) {
		fprintf(stderr, _("kura: cannot use the server address '%s': %s\n"), server, why);
		free(server);
		return 2;
	}
	free(server);
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "%s", _("kura: needs a terminal\n"));
		conn_free(conn);
		return 2;
	}
	if (draw_init() != 0) {
		fprintf(stderr, "%s", _("kura: cannot set up the terminal\n"));
		conn_free(conn);
		return 1;
	}
	{
		struct sigaction sa;

		memset(&sa, 0, sizeof sa);
		sa.sa_handler = main_on_signal;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
	}
	app_init(&app, conn);
	app_push(&app, &view_login_ops, NULL);
	rc = main_loop(&app);
	draw_fini();
	app_fini(&app);
	return rc == 0 ? 0 : 1;
}
