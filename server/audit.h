/* The audit log: one row per request, allowed or refused. */
#ifndef KURA_AUDIT_H
#define KURA_AUDIT_H

#include "request.h"

/* Writes the audit row of r in the current transaction (or on its own when none is open),
 * and takes the transaction's change events into r->events: it is the last statement before
 * COMMIT. op and outcome: borrowed. Returns 0 or an enum kura_err. */
int audit_write(struct request *r, const char *op, const char *outcome);
/* Writes the audit row of r's success, and with it the record in kura.pii_reads that r's
 * reply holds the personal data of r->pii_cases when there are any. Returns 0 or an enum
 * kura_err. */
int audit_ok(struct request *r, const char *op);

#endif
