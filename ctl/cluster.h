/* The embedded PostgreSQL cluster of a kura directory: initdb, pg_ctl, and the owner role. */
#ifndef KURA_CTL_CLUSTER_H
#define KURA_CTL_CLUSTER_H

#include <stdbool.h>
#include <stdio.h>

#include "proc.h"

#define CLUSTER_DBNAME    "kura"
#define CLUSTER_OWNER     "kura_owner"
#define CLUSTER_SUPERUSER "postgres"
#define CLUSTER_PORT      "5432"

/* Where a directory's cluster lives. Usually inside DIR; elsewhere when the PostgreSQL
 * user cannot reach DIR or its socket path would be too long (recorded in DIR/cluster). */
struct cluster {
	char *dir;  /* absolute DIR */
	char *data; /* data directory */
	char *sock; /* unix socket directory */
	char *log;  /* server log */
	struct runas as;
};

/* Loads the cluster of dir (borrowed). Returns 0, ERR_NOT_FOUND when dir has none (not
 * reported), or another error (reported). cluster_fini must be called either way. */
int cluster_load(struct cluster *cl, const char *dir);
void cluster_fini(struct cluster *cl);

/* Creates what is missing of dir's cluster: directories, initdb, the owner role and the
 * database with DIR/owner.conninfo. Leaves the server running or not as it found it.
 * Reports to out. Returns 0 or an error (reported). */
int cluster_init(const char *dir, FILE *out);
/* Sets *running. Returns 0 or an error (reported). */
int cluster_status(const struct cluster *cl, bool *running);
/* Starts the server unless it runs (*started says whether this call started it; may be
 * NULL). Returns 0 or an error (reported, with the end of the server log). */
int cluster_start(const struct cluster *cl, bool *started);
/* Stops the server (fast shutdown) if it runs. Returns 0 or an error (reported). */
int cluster_stop(const struct cluster *cl);

#endif
