/* Running kurad in the background for the demo: start it, know whether it runs, stop it. */
#ifndef KURA_CTL_KURAD_H
#define KURA_CTL_KURAD_H

#include <sys/types.h>

/* The kurad serving conf (both paths borrowed): the pid in pidfile when that process lives
 * and has conf among its arguments; 0 otherwise. */
pid_t kurad_running(const char *pidfile, const char *conf);
/* Starts "kurad -c conf --pidfile pidfile" (the kurad beside kuractl, else from PATH) in a
 * session of its own, its output appended to log, and waits up to timeout_s seconds for the
 * pid file, which kurad writes once it listens. Returns 0 with *pid set, or an error
 * (reported, with the end of the log). */
int kurad_start(const char *conf, const char *pidfile, const char *log, int timeout_s, pid_t *pid);
/* SIGTERM, then waits up to timeout_s seconds; SIGKILL after that. Returns 0, or
 * ERR_INTERNAL when it had to be killed (reported). */
int kurad_stop(pid_t pid, int timeout_s);

#endif
