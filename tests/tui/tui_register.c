/* Registers one case through the protocol, as a second client would, and prints its receipt
 * number: live-tmux.test uses it to make a change the client under test did not make.
 * Arguments: URL USER PASSWORD CUSTOMER MEDIUM. */
#include "config.h"

#include <stdio.h>

#include "client.h"
#include "err.h"
#include "mp.h"

int
main(int argc, char **argv)
{
	struct kclient *c;
	struct proto_reply rep;
	char receipt[32];
	int rc;

	if (argc != 6) {
		fprintf(stderr, "usage: tui_register URL USER PASSWORD CUSTOMER MEDIUM\n");
		return 2;
	}
	if (kclient_open(&c, argv[1], 5000) != 0 ||
	    (rc = kclient_login(c, argv[2], argv[3])) != 0) {
		fprintf(stderr, "tui_register: cannot sign in\n");
		return 1;
	}
	rc = kclient_call(c, &rep, "case.create", "{s s s s s [{s s s s}]}", "customer_name",
	                  argv[4], "medium", argv[5], "items", "kind", "medium", "description",
	                  argv[5]);
	if (rc != 0 || !rep.ok || mp_strcpy(mp_get(rep.data, "receipt"), receipt, sizeof receipt)) {
		fprintf(stderr, "tui_register: %s\n", rc ? err_code(rc) : rep.err_msg);
		return 1;
	}
	printf("%s\n", receipt);
	proto_reply_fini(&rep);
	kclient_free(c);
	return 0;
}
