/* kuractl audit verify and audit export: the audit log's hash chain checked row by row, and
 * its sealed rows written as JSON lines for a separate log store (docs/audit.md). */
#ifndef KURA_CTL_AUDIT_H
#define KURA_CTL_AUDIT_H

#include "ctl.h"

extern const struct ctl_cmd ctl_cmd_audit_verify;
extern const struct ctl_cmd ctl_cmd_audit_export;

#endif
