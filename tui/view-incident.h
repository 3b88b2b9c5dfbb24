/* Security incidents in the client: what the list, the incident view, the dashboard and the
 * incident forms (view-incident*.c) share. */
#ifndef KURA_VIEW_INCIDENT_H
#define KURA_VIEW_INCIDENT_H

#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>

struct app;

/* The forms of one incident (view-incident-forms.c). */
enum incident_form {
	INCIDENT_FORM_STATUS,   /* incident.transition */
	INCIDENT_FORM_EDIT,     /* incident.update: the report, sharing */
	INCIDENT_FORM_FINDINGS, /* incident.update: the investigation */
	INCIDENT_FORM_LINK,     /* incident.link */
	INCIDENT_FORM_CM_ADD,   /* incident.cm_add */
	INCIDENT_FORM_CM_SET,   /* incident.cm_update */
	INCIDENT_FORM_REVIEW,   /* incident.review */
	INCIDENT_FORM_CLOSE,    /* incident.close */
};

/* Opens the report form (incident.report). Returns 0 or -1. */
int incident_report_open(struct app *app);
/* Opens form which for the incident whose incident.get reply is inc (borrowed; what the
 * form needs is copied). Returns 0, or -1 with a message on the message line. */
int incident_form_open(struct app *app, enum incident_form which, const msgpack_object *inc);
/* True when inc's actions (incident.get) hold action. */
bool incident_can(const msgpack_object *inc, const char *action);

/* Labels for people (translated) of a status, a severity, a countermeasure's state: the
 * name itself when unknown. name: borrowed. */
const char *incident_status_label(const char *name);
const char *incident_severity_label(const char *name);
const char *incident_cm_state_label(const char *name);

#endif
