/* kuractl demo up|down: a whole local kura in one directory, the embedded cluster, kurad on
 * two loopback listeners (call-centre, tech-centre), one account per role and a dozen cases
 * registered through kurad itself. A second demo up reuses everything. stdout carries only
 * the segment and account lines (for people and scripts); all else goes to stderr. */
#include "config.h"

#include <ini.h>
#include <msgpack.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "cluster.h"
#include "ctl.h"
#include "demo.h"
#include "err.h"
#include "kurad.h"
#include "migrate.h"
#include "mp.h"
#include "pg.h"
#include "users.h"
#include "util.h"
#include "xmalloc.h"

#define DEMO_PORT_DEFAULT   7401
#define DEMO_PASSWORD_CHARS 16
#define DEMO_ACCOUNTS_FILE  "demo-accounts"
#define DEMO_KURAD_CONF     "kurad.conf"
#define DEMO_KURAD_PID      "kurad.pid"
#define DEMO_KURAD_LOG      "kurad.log"
#define DEMO_KURAD_READY_S  15
#define DEMO_KURAD_STOP_S   15
#define DEMO_CLIENT_TIMEOUT 10000

/* The demo's files in DIR. */
struct demo_paths {
	char *conf, *pid, *log, *accounts;
};

static void
demo_paths_init(struct demo_paths *p, const char *dir)
{
	p->conf = path_join(dir, DEMO_KURAD_CONF);
	p->pid = path_join(dir, DEMO_KURAD_PID);
	p->log = path_join(dir, DEMO_KURAD_LOG);
	p->accounts = path_join(dir, DEMO_ACCOUNTS_FILE);
}

static void
demo_paths_fini(struct demo_paths *p)
{
	free(p->conf);
	free(p->pid);
	free(p->log);
	free(p->accounts);
}

/* ---- kurad.conf ---- */

static int
demo_conf_ini(void *user, const char *section, const char *name, const char *value)
{
	int *base = user;
	const char *colon;

	if (strcmp(section, "listener call-centre") == 0 && strcmp(name, "url") == 0 &&
	    (colon = strrchr(value, ':')) != NULL)
		*base = atoi(colon + 1);
	return 1;
}

/* The base port of an existing kurad.conf, or 0. */
static int
demo_conf_port(const char *conf)
{
	int base = 0;

	if (file_exists(conf))
		(void)ini_parse(conf, demo_conf_ini, &base);
	return base > 0 && base < 65535 ? base : 0;
}

static int
demo_conf_write(const char *conf, const char *sock, const char *app_pw, int base)
{
	char *text = xasprintf(
	    "[database]\n"
	    "conninfo = host=%s dbname=" CLUSTER_DBNAME " user=" MIGRATE_APP_ROLE " password=%s\n"
	    "[server]\n"
	    "workers = 4\n"
	    "session_idle_timeout = 1800\n"
	    "session_absolute_timeout = 43200\n"
	    "log_level = info\n"
	    "tracking_url_template = https://tracking.example.jp/?no={tracking}\n"
	    "[listener call-centre]\n"
	    "url = tcp://127.0.0.1:%d\n"
	    "events = tcp://127.0.0.1:%d\n"
	    "[listener tech-centre]\n"
	    "url = tcp://127.0.0.1:%d\n"
	    "events = tcp://127.0.0.1:%d\n",
	    sock, app_pw, base, base + 2, base + 1, base + 3);
	int rc = file_write(conf, text, 0600);

	secret_free(text);
	return rc;
}

/* ---- accounts ---- */

/* The demo passwords by demo_accounts index, from DIR/demo-accounts; the missing ones are
 * generated (fresh[i] set) and the file rewritten. */
static int
demo_passwords(const char *path, char (*pw)[DEMO_PASSWORD_CHARS + 1], bool *fresh)
{
	char *text = NULL, *line, *save = NULL, *out = NULL;
	bool any_fresh = false;
	int rc;

	rc = file_read(path, 64 * 1024, &text);
	if (rc != 0 && rc != ERR_NOT_FOUND)
		return rc;
	for (size_t i = 0; i < DEMO_NACCOUNTS; i++) {
		pw[i][0] = '\0';
		fresh[i] = false;
	}
	for (line = text != NULL ? strtok_r(text, "\n", &save) : NULL; line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');

		if (line[0] == '#' || sp == NULL || strlen(sp + 1) != DEMO_PASSWORD_CHARS)
			continue;
		*sp = '\0';
		for (size_t i = 0; i < DEMO_NACCOUNTS; i++)
			if (strcmp(line, demo_accounts[i].login) == 0)
				memcpy(pw[i], sp + 1, DEMO_PASSWORD_CHARS + 1);
	}
	for (size_t i = 0; i < DEMO_NACCOUNTS; i++) {
		if (pw[i][0] == '\0') {
			secret_generate(pw[i], DEMO_PASSWORD_CHARS);
			fresh[i] = any_fresh = true;
		}
	}
	if (any_fresh) {
		out = xstrdup("# kura demo accounts: login password (kuractl demo up)\n");
		for (size_t i = 0; i < DEMO_NACCOUNTS; i++) {
			char *more = xasprintf("%s%s %s\n", out, demo_accounts[i].login, pw[i]);
			secret_free(out);
			out = more;
		}
		rc = file_write(path, out, 0600);
	} else {
		rc = 0;
	}
	secret_free(out);
	if (text != NULL) {
		sodium_memzero(text, 64);
		free(text);
	}
	return rc;
}

/* Creates the accounts that are missing; resets those whose password was just made. */
static int
demo_users(PGconn *conn, char (*pw)[DEMO_PASSWORD_CHARS + 1], const bool *fresh)
{
	for (size_t i = 0; i < DEMO_NACCOUNTS; i++) {
		const struct demo_account *a = &demo_accounts[i];
		struct user_new u = { .login = a->login,
			              .name = a->name,
			              .role = a->role,
			              .temporary = a->temporary,
			              .password = pw[i] };
		int rc = user_create(conn, &u, fresh[i] ? USER_EXISTS_RESET : USER_EXISTS_KEEP);

		if (rc != 0)
			return rc;
	}
	return 0;
}

/* ---- cases, through kurad's case.create ---- */

/* How many cases the intake account has registered. */
static int
demo_cases_count(PGconn *conn, long *count)
{
	const char *params[1] = { demo_intake_login };
	PGresult *res;
	int rc;

	res = PQexecParams(conn,
	                   "SELECT count(*) FROM kura.cases c JOIN kura.users u "
	                   "ON u.id = c.created_by WHERE u.login = $1",
	                   1, NULL, params, NULL, NULL, 0);
	rc = pg_check(conn, res, PGRES_TUPLES_OK, "counting the demo cases");
	if (rc == 0)
		*count = atol(PQgetvalue(res, 0, 0));
	PQclear(res);
	return rc;
}

/* Packs a case's items as one msgpack array into buf, and unpacks it into unp: its strings
 * point into buf, which must outlive unp's use. */
static void
demo_items_object(const struct demo_case *dc, msgpack_sbuffer *buf, msgpack_unpacked *unp)
{
	msgpack_packer pk;
	size_t n = 0;

	while (n < DEMO_ITEMS_MAX && dc->items[n].kind != NULL)
		n++;
	msgpack_packer_init(&pk, buf, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, n);
	for (size_t i = 0; i < n; i++)
		(void)mp_packf(&pk, "{s s s s}", "kind", dc->items[i].kind, "description",
		               dc->items[i].description);
	(void)msgpack_unpack_next(unp, buf->data, buf->size, NULL);
}

static int
demo_case_create(struct kclient *c, const struct demo_case *dc)
{
	struct proto_reply rep;
	msgpack_unpacked items;
	msgpack_sbuffer buf;
	char receipt[64];
	int rc;

	msgpack_sbuffer_init(&buf);
	msgpack_unpacked_init(&items);
	demo_items_object(dc, &buf, &items);
	rc = kclient_call(c, &rep, "case.create", "{s s s s s s s s s s s o s s}", "customer_name",
	                  dc->customer, "phone", dc->phone, "email", dc->email, "address",
	                  dc->address, "medium", dc->medium, "items", &items.data, "notes",
	                  dc->notes);
	if (rc != 0) {
		ctl_warnx("kurad did not answer case.create");
	} else if (!rep.ok) {
		ctl_warnx("kurad refused case.create: %s (%s)", rep.err_msg, err_code(rep.err));
		rc = rep.err != 0 ? rep.err : ERR_INTERNAL;
	} else if (mp_strcpy(mp_get(rep.data, "receipt"), receipt, sizeof receipt) != 0) {
		ctl_warnx("kurad's case.create reply has no receipt number");
		rc = ERR_INTERNAL;
	} else {
		ctl_warnx("registered case %s", receipt);
	}
	proto_reply_fini(&rep);
	msgpack_unpacked_destroy(&items);
	msgpack_sbuffer_destroy(&buf);
	return rc;
}

/* Registers the demo cases not yet there, as the intake operator. */
static int
demo_cases_make(PGconn *conn, const char *url, const char *password)
{
	struct kclient *c = NULL;
	struct proto_reply rep;
	long count = 0;
	int rc;

	rc = demo_cases_count(conn, &count);
	if (rc != 0 || (size_t)count >= demo_ncases)
		return rc;
	rc = kclient_open(&c, url, DEMO_CLIENT_TIMEOUT);
	if (rc != 0) {
		ctl_warnx("cannot open a connection to kurad at %s", url);
		return rc;
	}
	rc = kclient_login(c, demo_intake_login, password);
	if (rc != 0) {
		ctl_warnx("cannot sign in to kurad at %s as %s: %s", url, demo_intake_login,
		          err_message(rc));
		goto out;
	}
	for (size_t i = (size_t)count; i < demo_ncases && rc == 0; i++)
		rc = demo_case_create(c, &demo_cases[i]);
	if (kclient_call(c, &rep, "auth.logout", NULL) == 0)
		proto_reply_fini(&rep);
out:
	kclient_free(c);
	return rc;
}

/* ---- demo up ---- */

static int
demo_up(struct ctl *ctl, int port)
{
	char pw[DEMO_NACCOUNTS][DEMO_PASSWORD_CHARS + 1];
	bool fresh[DEMO_NACCOUNTS];
	char *schema = NULL, *app_pw = NULL, *call = NULL, *tech = NULL;
	struct demo_paths p = { 0 };
	struct cluster cl = { 0 };
	PGconn *conn = NULL;
	size_t intake = 0;
	int rc, base;
	pid_t pid;

	rc = cluster_init(ctl->dir, stderr);
	if (rc != 0)
		goto out;
	rc = cluster_load(&cl, ctl->dir);
	if (rc == 0)
		rc = cluster_start(&cl, NULL);
	if (rc != 0)
		goto out;
	schema = migrate_schema_dir(ctl);
	if (schema == NULL) {
		rc = ERR_NOT_FOUND;
		goto out;
	}
	rc = pg_open_owner(ctl, &conn);
	if (rc == 0)
		rc = migrate_run(conn, schema, stderr);
	if (rc == 0)
		rc = migrate_app_login(conn, cl.dir, &app_pw);
	if (rc != 0)
		goto out;

	demo_paths_init(&p, cl.dir);
	rc = demo_passwords(p.accounts, pw, fresh);
	if (rc == 0)
		rc = demo_users(conn, pw, fresh);
	if (rc != 0)
		goto out;

	base = demo_conf_port(p.conf);
	pid = kurad_running(p.pid, p.conf);
	if (pid > 0 && port > 0 && port != base) {
		ctl_warnx("kurad of %s already runs on port %d: stop it first with: kuractl demo "
		          "down %s",
		          ctl->dir, base, ctl->dir);
		rc = ERR_CONFLICT;
		goto out;
	}
	if (port > 0)
		base = port;
	else if (base == 0)
		base = DEMO_PORT_DEFAULT;
	if (pid > 0) {
		ctl_warnx("kurad is already running (pid %ld)", (long)pid);
	} else {
		rc = demo_conf_write(p.conf, cl.sock, app_pw, base);
		if (rc == 0)
			rc = kurad_start(p.conf, p.pid, p.log, DEMO_KURAD_READY_S, &pid);
		if (rc != 0)
			goto out;
		ctl_warnx("kurad started (pid %ld, log in %s)", (long)pid, p.log);
	}
	call = xasprintf("tcp://127.0.0.1:%d", base);
	tech = xasprintf("tcp://127.0.0.1:%d", base + 1);
	while (strcmp(demo_accounts[intake].login, demo_intake_login) != 0)
		intake++;
	rc = demo_cases_make(conn, call, pw[intake]);
	if (rc != 0)
		goto out;

	printf("segment call-centre %s\n", call);
	printf("segment tech-centre %s\n", tech);
	for (size_t i = 0; i < DEMO_NACCOUNTS; i++)
		printf("account %s %s %s%s\n", demo_accounts[i].login, demo_accounts[i].role, pw[i],
		       demo_accounts[i].temporary ? " temporary" : "");
	if (fflush(stdout) != 0) {
		ctl_warn("cannot write the demo's accounts");
		rc = ERR_INTERNAL;
	}
out:
	sodium_memzero(pw, sizeof pw);
	free(tech);
	free(call);
	demo_paths_fini(&p);
	PQfinish(conn);
	secret_free(app_pw);
	free(schema);
	cluster_fini(&cl);
	return rc;
}

/* Parses [DIR] [--dir DIR] plus --port for up. */
static int
demo_options(const struct ctl_cmd *self, struct ctl *ctl, int argc, char **argv, int *port)
{
	static const struct option opts[] = { CTL_LONGOPT_HELP,
		                              CTL_LONGOPT_DIR,
		                              CTL_LONGOPT_SCHEMA,
		                              { "port", required_argument, NULL, CTL_OPT_PORT },
		                              CTL_LONGOPT_END };
	int opt, rc;

	while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		rc = ctl_opt_common(self, ctl, opt, argv);
		if (rc == CTL_OPT_NEXT)
			continue;
		if (rc != CTL_OPT_OWN)
			return rc;
		if (opt == CTL_OPT_PORT && port != NULL) {
			char *end;
			long v = strtol(optarg, &end, 10);

			if (end == optarg || *end != '\0' || v < 1 || v > 65534)
				return ctl_usage_error(self, "--port wants a port from 1 to 65534");
			*port = (int)v;
		} else {
			return ctl_usage_error(self, "unexpected option --port");
		}
	}
	if (optind < argc)
		ctl->dir = argv[optind++];
	if (optind < argc)
		return ctl_usage_error(self, "unexpected argument '%s'", argv[optind]);
	return CTL_OPT_NEXT;
}

static int
cmd_demo_up_exec(const struct ctl_cmd *self, struct ctl *ctl, int argc, char **argv)
{
	int port = 0, rc = demo_options(self, ctl, argc, argv, &port);

	if (rc != CTL_OPT_NEXT)
		return rc;
	/* Reports of the steps go to stderr: stdout is for the lines demo up promises. */
	ctl->out = stderr;
	return demo_up(ctl, port) == 0 ? CTL_EXIT_OK : CTL_EXIT_FAIL;
}

static int
cmd_demo_down_exec(const struct ctl_cmd *self, struct ctl *ctl, int argc, char **argv)
{
	struct demo_paths p = { 0 };
	struct cluster cl = { 0 };
	pid_t pid;
	int rc = demo_options(self, ctl, argc, argv, NULL);

	if (rc != CTL_OPT_NEXT)
		return rc;
	rc = cluster_load(&cl, ctl->dir);
	if (rc == ERR_NOT_FOUND) {
		ctl_warnx("there is no demo in %s", ctl->dir);
		rc = 0;
		goto out;
	}
	if (rc != 0)
		goto out;
	demo_paths_init(&p, cl.dir);
	pid = kurad_running(p.pid, p.conf);
	if (pid > 0) {
		rc = kurad_stop(pid, DEMO_KURAD_STOP_S);
		fprintf(ctl->out, "kurad stopped (pid %ld)\n", (long)pid);
	} else {
		fprintf(ctl->out, "kurad was not running\n");
	}
	if (cluster_stop(&cl) != 0)
		rc = ERR_INTERNAL;
	else
		fprintf(ctl->out, "PostgreSQL stopped\n");
out:
	demo_paths_fini(&p);
	cluster_fini(&cl);
	return rc == 0 ? CTL_EXIT_OK : CTL_EXIT_FAIL;
}

const struct ctl_cmd ctl_cmd_demo_up = {
	.group = "demo",
	.name = "up",
	.usage = "[DIR] [--port BASE]",
	.summary = "Bring up a whole local kura in DIR: database, kurad, accounts, cases.",
	.help =
	    "Initialises, starts and migrates the embedded cluster of DIR (default " CTL_DEFAULT_DIR
	    "),\n"
	    "writes DIR/kurad.conf and starts kurad with listeners for the call-centre on\n"
	    "tcp://127.0.0.1:BASE and the tech-centre on BASE+1 (default 7401), their change\n"
	    "events on BASE+2 and BASE+3, creates one account per role plus a temporary\n"
	    "operator (passwords kept in DIR/demo-accounts, mode 0600) and registers a dozen\n"
	    "cases through kurad. Then prints, one per line:\n"
	    "  segment call-centre URL\n"
	    "  segment tech-centre URL\n"
	    "  account LOGIN ROLE PASSWORD [temporary]\n"
	    "Everything else goes to standard error. A second run reuses DIR and starts what\n"
	    "is stopped. The kurad beside kuractl is used, else the one on PATH.\n\n"
	    "  --port BASE   the call-centre port; the tech-centre gets BASE+1, the events\n"
	    "                BASE+2 and BASE+3\n"
	    "  --schema DIR  the migrations (see kuractl db migrate --help)\n",
	.exec = cmd_demo_up_exec,
};

const struct ctl_cmd ctl_cmd_demo_down = {
	.group = "demo",
	.name = "down",
	.usage = "[DIR]",
	.summary = "Stop the demo's kurad (SIGTERM) and its PostgreSQL; DIR stays as it is.",
	.help = "kuractl demo up DIR starts it all again with the same accounts and cases.\n"
	        "Remove DIR to start afresh.\n",
	.exec = cmd_demo_down_exec,
};
