/* TLS listeners: the client verifies the server, and a listener that names its segment's CA
 * takes only clients with a certificate that CA signed. Argument: the directory that tls.test
 * filled with CAs, certificates and the URLs. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "client.h"
#include "err.h"
#include "mp.h"
#include "../tap.h"

static const char *dir, *user, *password;
static char cc_url[128], tc_url[128], plain_url[128];

static char *
path(const char *name)
{
	static char buf[8][512];
	static int n;
	char *p = buf[n++ % 8];

	snprintf(p, 512, "%s/%s", dir, name);
	return p;
}

/* Signs in with the given TLS files; returns the reply's error (0: signed in) or
 * ERR_UNAVAILABLE when no reply came (the handshake was refused). */
static int
try_login(const char *url, const char *cert, const char *key, const char *ca, const char *name)
{
	struct tls_files files = { cert ? path(cert) : NULL, key ? path(key) : NULL,
		                   ca ? path(ca) : NULL, name };
	struct kclient *c;
	int rc;

	if (kclient_open_tls(&c, url, 1500, &files) != 0)
		return ERR_BAD_REQUEST;
	rc = kclient_login(c, user, password);
	kclient_free(c);
	return rc;
}

int
main(int argc, char **argv)
{
	if (argc != 5)
		tap_bail("usage: test_tls DIR BASEPORT USER PASSWORD");
	dir = argv[1];
	int base = atoi(argv[2]);
	user = argv[3];
	password = argv[4];
	snprintf(cc_url, sizeof cc_url, "tls+tcp://127.0.0.1:%d", base);
	snprintf(tc_url, sizeof tc_url, "tls+tcp://127.0.0.1:%d", base + 1);
	snprintf(plain_url, sizeof plain_url, "tcp://127.0.0.1:%d", base);

	is_int(try_login(cc_url, "sato.crt", "sato.key", "cc-ca/ca.crt", NULL), 0,
	       "call centre: a client certificate from the call-centre CA signs in");
	is_int(try_login(cc_url, NULL, NULL, "cc-ca/ca.crt", NULL), ERR_UNAVAILABLE,
	       "call centre: without a client certificate the handshake is refused");
	is_int(try_login(cc_url, "tc-user.crt", "tc-user.key", "cc-ca/ca.crt", NULL),
	       ERR_UNAVAILABLE, "call centre: a certificate of the tech-centre CA is refused");
	is_int(try_login(cc_url, "sato.crt", "sato.key", "tc-ca/ca.crt", NULL), ERR_UNAVAILABLE,
	       "the client refuses a server its CA did not sign");
	is_int(try_login(cc_url, "sato.crt", "sato.key", "cc-ca/ca.crt", "kura.example"),
	       ERR_UNAVAILABLE, "the client refuses a server certificate for another name");
	is_int(try_login(plain_url, NULL, NULL, NULL, NULL), ERR_UNAVAILABLE,
	       "plain TCP to a TLS listener gets no answer");
	is_int(try_login(tc_url, NULL, NULL, "cc-ca/ca.crt", NULL), ERR_FORBIDDEN,
	       "tech centre (no client CA): the operator's TLS session reaches kurad, and the "
	       "segment's rights refuse the operator");
	return tap_done();
}
