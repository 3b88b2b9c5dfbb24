/* The command handlers, one file per domain; the table that names them is in dispatch.c. */
#ifndef KURA_COMMANDS_H
#define KURA_COMMANDS_H

#include "request.h"

/* auth.c */
int auth_login(struct request *r);
/* Counts a failed sign-in; called by the dispatcher after the refusal's rollback. */
int auth_login_refused(struct request *r, int err);
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
int case_stamp(struct request *r);
int case_sheet(struct request *r);
int case_note(struct request *r);
int case_notes_seen(struct request *r);
int case_queue(struct request *r);
int case_reply(struct request *r);
int case_ship(struct request *r);
int case_custody(struct request *r);
int custody_move(struct request *r);
int custody_ledger(struct request *r);
int location_list(struct request *r);
int location_add(struct request *r);
int device_list(struct request *r);
int device_add(struct request *r);
int device_report(struct request *r);
int worklog_add(struct request *r);
int worklog_list(struct request *r);
int document_issue(struct request *r);
int document_approve(struct request *r);
int document_list(struct request *r);
int document_get(struct request *r);

/* incidents.c */
int incident_categories(struct request *r);
int incident_category_add(struct request *r);
int incident_report(struct request *r);
int incident_list(struct request *r);
int incident_get(struct request *r);
int incident_update(struct request *r);
int incident_link(struct request *r);
int incident_transition(struct request *r);
int incident_review(struct request *r);
int incident_close(struct request *r);
int incident_cm_add(struct request *r);
int incident_cm_update(struct request *r);
int incident_dashboard(struct request *r);
int incident_document(struct request *r);
int incident_csv(struct request *r);

/* risks.c */
int asset_create(struct request *r);
int asset_update(struct request *r);
int asset_get(struct request *r);
int asset_list(struct request *r);
int risk_create(struct request *r);
int risk_update(struct request *r);
int risk_accept(struct request *r);
int risk_review(struct request *r);
int risk_get(struct request *r);
int risk_list(struct request *r);
int risk_due(struct request *r);
int risk_matrix(struct request *r);
int risk_matrix_set(struct request *r);
int risk_cadence_set(struct request *r);
int risk_export(struct request *r);
int control_list(struct request *r);
int risk_link_incident(struct request *r);
int risk_unlink_incident(struct request *r);

#endif
