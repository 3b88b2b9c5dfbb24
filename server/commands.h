/* The command handlers, one file per domain; the table that names them is in dispatch.c. */
#ifndef KURA_COMMANDS_H
#define KURA_COMMANDS_H

#include "request.h"

/* auth.c */
int auth_login(struct request *r);
/* Counts a failed sign-in; called by the dispatcher after the refusal's rollback. */
void auth_login_refused(struct request *r, int err);
int auth_logout(struct request *r);
int auth_whoami(struct request *r);

/* cases.c */
int case_create(struct request *r);
int case_get(struct request *r);
int case_list(struct request *r);

/* users.c */
int user_list(struct request *r);
int user_disable(struct request *r);
int user_set_role(struct request *r);
int session_list(struct request *r);
int session_kill(struct request *r);

/* exports.c */
int export_request(struct request *r);
int export_approve(struct request *r);
int export_run(struct request *r);
int export_list(struct request *r);

/* casesheet.c */

/* incidents.c */

/* risks.c */

#endif
