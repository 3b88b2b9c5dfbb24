/* kuractl tls: a certificate authority per segment and certificates signed by it, made with
 * openssl(1), for tls+tcp:// listeners (server certificates) and their clients (client
 * certificates, required where a listener names its segment's CA in tls_client_ca). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl.h"
#include "proc.h"
#include "util.h"
#include "xmalloc.h"

#define TLS_OPENSSL "/usr/bin/openssl"

enum { TLS_OPT_CA = 0x200, TLS_OPT_CLIENT, TLS_OPT_DAYS };

/* Runs openssl with argv (argv[0] is set here). Returns 0 or -1 (reported). */
static int
tls_openssl(char **argv)
{
	struct runas self = { .drop = false };

	argv[0] = TLS_OPENSSL;
	if (access(TLS_OPENSSL, X_OK) != 0) {
		ctl_warnx("%s not found: install the Debian package openssl", TLS_OPENSSL);
		return -1;
	}
	return proc_run(&self, argv, PROC_OUT_STDERR) == 0 ? 0 : -1;
}

/* A name that is safe as a file name and a certificate subject. */
static bool
tls_name_ok(const char *s)
{
	return s[0] != '\0' && strlen(s) < 64 &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") ==
	           strlen(s) &&
	       s[0] != '.' && s[0] != '-';
}

static int
cmd_tls_ca_exec(const struct ctl_cmd *self, struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = { CTL_LONGOPT_HELP,
		                              { "name", required_argument, NULL, CTL_OPT_NAME },
		                              { "days", required_argument, NULL, TLS_OPT_DAYS },
		                              CTL_LONGOPT_END };
	const char *name = "kura", *days = "3650";
	char *crt = NULL, *key = NULL, *subject = NULL;
	int opt, rc = CTL_EXIT_FAIL;

	while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (opt == CTL_OPT_NAME)
			name = optarg;
		else if (opt == TLS_OPT_DAYS)
			days = optarg;
		else if ((rc = ctl_opt_common(self, ctl, opt, argv)) == CTL_OPT_OWN)
			return ctl_usage_error(self, "unexpected option");
		else if (rc != CTL_OPT_NEXT)
			return rc;
	}
	if (optind + 1 != argc)
		return ctl_usage_error(self, "which directory?");
	if (!tls_name_ok(name) || atoi(days) <= 0)
		return ctl_usage_error(self, "--name must be letters, digits . - _; --days > 0");
	const char *dir = argv[optind];
	crt = path_join(dir, "ca.crt");
	key = path_join(dir, "ca.key");
	if (file_exists(crt) || file_exists(key)) {
		ctl_warnx("%s already holds a CA: not overwritten", dir);
		goto out;
	}
	if (dir_make(dir, 0700) != 0)
		goto out;
	subject = xasprintf("/CN=%s CA", name);
	char *args[] = { NULL,
		         "req",
		         "-x509",
		         "-newkey",
		         "ec",
		         "-pkeyopt",
		         "ec_paramgen_curve:P-256",
		         "-nodes",
		         "-keyout",
		         key,
		         "-out",
		         crt,
		         "-days",
		         (char *)days,
		         "-subj",
		         subject,
		         "-addext",
		         "basicConstraints=critical,CA:TRUE",
		         "-addext",
		         "keyUsage=critical,keyCertSign,cRLSign",
		         NULL };
	if (tls_openssl(args) != 0 || chmod(key, 0600) != 0)
		goto out;
	fprintf(ctl->out,
	        "CA %s: %s (give it to the segment's listener as tls_client_ca and to "
	        "its clients as --ca)\nits key: %s (keep it offline)\n",
	        name, crt, key);
	rc = CTL_EXIT_OK;
out:
	free(crt), free(key), free(subject);
	return rc;
}

static int
cmd_tls_cert_exec(const struct ctl_cmd *self, struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = { CTL_LONGOPT_HELP,
		                              { "name", required_argument, NULL, CTL_OPT_NAME },
		                              { "ca", required_argument, NULL, TLS_OPT_CA },
		                              { "client", no_argument, NULL, TLS_OPT_CLIENT },
		                              { "days", required_argument, NULL, TLS_OPT_DAYS },
		                              CTL_LONGOPT_END };
	const char *name = NULL, *ca = NULL, *days = "825";
	bool client = false;
	char *crt = NULL, *key = NULL, *csr = NULL, *ext = NULL, *ca_crt = NULL, *ca_key = NULL;
	char *subject = NULL, *ext_text = NULL;
	int opt, rc = CTL_EXIT_FAIL;

	while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (opt == CTL_OPT_NAME)
			name = optarg;
		else if (opt == TLS_OPT_CA)
			ca = optarg;
		else if (opt == TLS_OPT_CLIENT)
			client = true;
		else if (opt == TLS_OPT_DAYS)
			days = optarg;
		else if ((rc = ctl_opt_common(self, ctl, opt, argv)) == CTL_OPT_OWN)
			return ctl_usage_error(self, "unexpected option");
		else if (rc != CTL_OPT_NEXT)
			return rc;
	}
	if (optind + 1 != argc)
		return ctl_usage_error(self, "which directory?");
	if (name == NULL || ca == NULL)
		return ctl_usage_error(self, "--name and --ca are required");
	if (!tls_name_ok(name) || atoi(days) <= 0)
		return ctl_usage_error(self, "--name must be letters, digits . - _; --days > 0");
	const char *dir = argv[optind];
	ca_crt = path_join(ca, "ca.crt");
	ca_key = path_join(ca, "ca.key");
	if (!file_exists(ca_crt) || !file_exists(ca_key)) {
		ctl_warnx("%s holds no CA: make one with kuractl tls ca %s", ca, ca);
		goto out;
	}
	if (dir_make(dir, 0700) != 0)
		goto out;
	char *base = xasprintf("%s/%s", dir, name);
	crt = xasprintf("%s.crt", base);
	key = xasprintf("%s.key", base);
	csr = xasprintf("%s.csr", base);
	ext = xasprintf("%s.ext", base);
	free(base);
	if (file_exists(crt)) {
		ctl_warnx("%s exists: not overwritten", crt);
		goto out;
	}
	/* The name both as DNS (what mbedTLS compares, textually) and, for an address, as IP. */
	bool address = strspn(name, "0123456789.") == strlen(name) || strchr(name, ':') != NULL;
	ext_text = client ? xstrdup("extendedKeyUsage=clientAuth\n")
	                  : xasprintf("extendedKeyUsage=serverAuth\nsubjectAltName=DNS:%s%s%s\n",
	                              name, address ? ",IP:" : "", address ? name : "");
	subject = xasprintf("/CN=%s", name);
	if (file_write(ext, ext_text, 0600) != 0)
		goto out;
	char *req[] = { NULL,     "req",      "-newkey",
		        "ec",     "-pkeyopt", "ec_paramgen_curve:P-256",
		        "-nodes", "-keyout",  key,
		        "-out",   csr,        "-subj",
		        subject,  NULL };
	char *sign[] = { NULL,   "x509", "-req",   "-in",        csr,
		         "-CA",  ca_crt, "-CAkey", ca_key,       "-CAcreateserial",
		         "-out", crt,    "-days",  (char *)days, "-extfile",
		         ext,    NULL };
	if (tls_openssl(req) != 0 || chmod(key, 0600) != 0 || tls_openssl(sign) != 0)
		goto out;
	fprintf(ctl->out, "%s certificate for %s: %s\nits key: %s\n", client ? "client" : "server",
	        name, crt, key);
	rc = CTL_EXIT_OK;
out:
	if (csr != NULL)
		unlink(csr);
	if (ext != NULL)
		unlink(ext);
	free(crt), free(key), free(csr), free(ext), free(ca_crt), free(ca_key);
	free(subject), free(ext_text);
	return rc;
}

const struct ctl_cmd ctl_cmd_tls_ca = {
	.group = "tls",
	.name = "ca",
	.usage = "DIR [--name NAME] [--days N]",
	.summary = "Make a certificate authority (for one segment) in DIR.",
	.help = "Writes DIR/ca.crt and DIR/ca.key (mode 0600; keep it offline), an EC P-256 CA\n"
	        "named \"NAME CA\" (default kura), valid N days (default 3650). Give ca.crt to\n"
	        "a listener as tls_client_ca to require client certificates it signed, and to\n"
	        "clients (kura --ca) to verify servers it signed. Never overwrites.\n",
	.exec = cmd_tls_ca_exec,
};

const struct ctl_cmd ctl_cmd_tls_cert = {
	.group = "tls",
	.name = "cert",
	.usage = "DIR --ca CADIR --name NAME [--client] [--days N]",
	.summary = "Make a server (or client) certificate signed by the CA in CADIR.",
	.help = "Writes DIR/NAME.crt and DIR/NAME.key (mode 0600). A server certificate carries\n"
	        "NAME (the host name or address clients dial) as its subject and subjectAltName;\n"
	        "give it to a listener as tls_cert and tls_key. With --client, a client\n"
	        "certificate for the person or terminal NAME (kura --cert, --key). Valid N days\n"
	        "(default 825). Never overwrites.\n",
	.exec = cmd_tls_cert_exec,
};
