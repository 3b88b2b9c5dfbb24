/* One step of segments.test, run inside a network namespace: a TCP connection attempt or one
 * kura request, its result printed as "key value" lines for the shell to compare. Nothing here
 * decides pass or fail; the exit status is 0 whenever the step could be tried, 2 on misuse.
 *
 *   netns_probe tcp HOST PORT MS      connect within MS ms: "tcp connected|refused|unreachable|
 *                                     timeout|error"
 *   netns_probe ping URL MS           one auth.whoami without a token, one wait of MS ms, no
 *                                     resend: "outcome CODE" ("unavailable": no reply)
 *   netns_probe login URL USER PASSWORD
 *                                     "outcome", and on ok "tok", "user", "role", "segment",
 *                                     "rights" (comma-separated)
 *   netns_probe whoami URL TOKEN      "outcome", and on ok "user", "role", "segment"
 *   netns_probe create URL TOKEN NAME PHONE
 *                                     case.create with that customer: "outcome", "receipt"
 *   netns_probe get URL TOKEN RECEIPT case.get: "outcome", "customer_name", "phone",
 *                                     "pii_masked"
 *   netns_probe list URL TOKEN QUERY  case.list with q: "outcome", "rows" (how many)
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client.h"
#include "err.h"
#include "mp.h"
#include "proto.h"

#define PROBE_TIMEOUT_MS 5000

static int
usage(void)
{
	fprintf(stderr, "usage: netns_probe tcp HOST PORT MS | ping URL MS | login URL USER "
	                "PASSWORD | whoami URL TOKEN | create URL TOKEN NAME PHONE | get URL "
	                "TOKEN RECEIPT | list URL TOKEN QUERY\n");
	return 2;
}

/* A number in lo..hi, or -1. */
static long
number(const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return -1;
	return v;
}

/* A plain TCP connect, so that "unreachable" is shown below kura's protocol too. */
static int
probe_tcp(const char *host, const char *port_s, const char *ms_s)
{
	long port = number(port_s, 1, 65535), ms = number(ms_s, 1, 60000);
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct pollfd pfd;
	const char *res = "error";
	int fd, err = 0;
	socklen_t len = sizeof err;

	if (port < 0 || ms < 0 || inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		return usage();
	sa.sin_port = htons((uint16_t)port);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("socket");
		printf("tcp error\n");
		return 0;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0) {
		err = 0;
	} else if (errno != EINPROGRESS) {
		err = errno;
	} else {
		pfd = (struct pollfd){ .fd = fd, .events = POLLOUT };
		if (poll(&pfd, 1, (int)ms) == 0)
			err = ETIMEDOUT;
		else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
			err = errno;
	}
	close(fd);
	switch (err) {
	case 0:
		res = "connected";
		break;
	case ECONNREFUSED:
		res = "refused";
		break;
	case ENETUNREACH:
	case EHOSTUNREACH:
		res = "unreachable";
		break;
	case ETIMEDOUT:
		res = "timeout";
		break;
	default:
		break;
	}
	printf("tcp %s\n", res);
	if (err != 0)
		printf("errno %s\n", strerror(err));
	return 0;
}

/* The outcome of a call: "ok" or the reply's error code ("unavailable": no reply). */
static const char *
outcome(int rc, const struct proto_reply *rep)
{
	if (rc != 0)
		return err_code(rc);
	return rep->ok ? "ok" : err_code(rep->err);
}

/* Prints "key value" for a str under key in map, "key -" when absent or not a str. */
static void
print_str(const msgpack_object *map, const char *key)
{
	const msgpack_object *o = mp_get(map, key);

	if (o != NULL && o->type == MSGPACK_OBJECT_STR)
		printf("%s %.*s\n", key, (int)o->via.str.size, o->via.str.ptr);
	else
		printf("%s -\n", key);
}

static void
print_bool(const msgpack_object *map, const char *key)
{
	const msgpack_object *o = mp_get(map, key);

	if (o != NULL && o->type == MSGPACK_OBJECT_BOOLEAN)
		printf("%s %s\n", key, o->via.boolean ? "true" : "false");
	else
		printf("%s -\n", key);
}

/* "rights a,b,c" from the array under key. */
static void
print_list(const msgpack_object *map, const char *key)
{
	const msgpack_object *o = mp_get(map, key);

	printf("%s ", key);
	if (o != NULL && o->type == MSGPACK_OBJECT_ARRAY) {
		for (uint32_t i = 0; i < o->via.array.size; i++) {
			const msgpack_object *s = &o->via.array.ptr[i];
			if (s->type == MSGPACK_OBJECT_STR)
				printf("%s%.*s", i > 0 ? "," : "", (int)s->via.str.size,
				       s->via.str.ptr);
		}
	}
	printf("\n");
}

static int
probe_ping(const char *url, const char *ms_s)
{
	long ms = number(ms_s, 1, 60000);
	uint8_t id[PROTO_ID_LEN];
	struct proto_writer w;
	struct proto_reply rep;
	struct kclient *c;
	int rc;

	if (ms < 0)
		return usage();
	if (kclient_open(&c, url, (int)ms) != 0) {
		printf("outcome unavailable\n");
		return 0;
	}
	proto_new_id(id);
	proto_writer_init(&w);
	proto_request_begin(&w, id, "auth.whoami", NULL);
	msgpack_pack_map(&w.pk, 0);
	rc = kclient_raw(c, &rep, w.buf.data, w.buf.size);
	printf("outcome %s\n", outcome(rc, &rep));
	proto_reply_fini(&rep);
	proto_writer_fini(&w);
	kclient_free(c);
	return 0;
}

int
main(int argc, char **argv)
{
	struct proto_reply rep;
	struct kclient *c;
	const char *cmd;
	int rc;

	if (argc < 2)
		return usage();
	cmd = argv[1];
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(cmd, "tcp") == 0)
		return argc == 5 ? probe_tcp(argv[2], argv[3], argv[4]) : usage();
	if (strcmp(cmd, "ping") == 0)
		return argc == 4 ? probe_ping(argv[2], argv[3]) : usage();
	if (argc < 4)
		return usage();
	if (kclient_open(&c, argv[2], PROBE_TIMEOUT_MS) != 0) {
		printf("outcome unavailable\n");
		return 0;
	}
	if (strcmp(cmd, "login") == 0 && argc == 5) {
		rc = kclient_call(c, &rep, "auth.login", "{s s s s}", "user", argv[3], "password",
		                  argv[4]);
		printf("outcome %s\n", outcome(rc, &rep));
		if (rc == 0 && rep.ok) {
			print_str(rep.data, "tok");
			print_str(rep.data, "user");
			print_str(rep.data, "role");
			print_str(rep.data, "segment");
			print_list(rep.data, "rights");
		}
	} else if (strcmp(cmd, "whoami") == 0 && argc == 4) {
		kclient_set_token(c, argv[3]);
		rc = kclient_call(c, &rep, "auth.whoami", NULL);
		printf("outcome %s\n", outcome(rc, &rep));
		if (rc == 0 && rep.ok) {
			print_str(rep.data, "user");
			print_str(rep.data, "role");
			print_str(rep.data, "segment");
		}
	} else if (strcmp(cmd, "create") == 0 && argc == 6) {
		kclient_set_token(c, argv[3]);
		rc = kclient_call(c, &rep, "case.create", "{s s s s s s s [{s s s s}]}",
		                  "customer_name", argv[4], "phone", argv[5], "medium",
		                  "USBメモリ 32GB (segments.test)", "items", "kind", "medium",
		                  "description", "USBメモリ");
		printf("outcome %s\n", outcome(rc, &rep));
		if (rc == 0 && rep.ok)
			print_str(rep.data, "receipt");
	} else if (strcmp(cmd, "get") == 0 && argc == 5) {
		kclient_set_token(c, argv[3]);
		rc = kclient_call(c, &rep, "case.get", "{s s}", "receipt", argv[4]);
		printf("outcome %s\n", outcome(rc, &rep));
		if (rc == 0 && rep.ok) {
			print_str(rep.data, "customer_name");
			print_str(rep.data, "phone");
			print_bool(rep.data, "pii_masked");
		}
	} else if (strcmp(cmd, "list") == 0 && argc == 5) {
		const msgpack_object *rows;

		kclient_set_token(c, argv[3]);
		rc = kclient_call(c, &rep, "case.list", "{s s}", "q", argv[4]);
		printf("outcome %s\n", outcome(rc, &rep));
		if (rc == 0 && rep.ok) {
			rows = mp_get(rep.data, "rows");
			printf("rows %u\n", rows != NULL && rows->type == MSGPACK_OBJECT_ARRAY
			                        ? (unsigned)rows->via.array.size
			                        : 0u);
		}
	} else {
		kclient_free(c);
		return usage();
	}
	proto_reply_fini(&rep);
	kclient_free(c);
	return 0;
}
