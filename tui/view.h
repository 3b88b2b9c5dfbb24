/* A view is one screen (sign-in, case list, one case, intake form, help) behind struct
 * view_ops, as in tig. Views keep their rows as data and paint through draw.h only. */
#ifndef KURA_VIEW_H
#define KURA_VIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "draw.h"
#include "keymap.h"

struct app;
struct view;

/* What a key handler did, as bits (htop's HandlerResult). The screen is repainted after
 * every key, so there is no bit for that. */
enum view_result {
	VIEW_IGNORED = 0,
	VIEW_HANDLED = 1 << 0,
	VIEW_CLOSE = 1 << 1, /* close this view, showing the one below */
};

/* One key hint under the view: the action's keys and a word or two (NULL: the table's). */
struct view_hint {
	enum action action;
	const char *label; /* untranslated */
};

struct view_ops {
	const char *name;  /* for messages and the title bar; untranslated */
	const char *title; /* untranslated */
	/* The hint line, ended by ACT_NONE. */
	const struct view_hint *hints;
	/* Sets v->priv up. arg: the view's own (a receipt number for the case view); borrowed.
	 * Returns 0 or -1 (the view is then not shown). */
	int (*open)(struct view *v, const void *arg);
	/* Asks the server for the view's data (again). focus: a receipt number to show when it
	 * arrives, or NULL; borrowed. */
	void (*load)(struct view *v, const char *focus);
	/* Paints the view into r. */
	void (*draw)(struct view *v, const struct draw_rect *r);
	/* Handles an action from v->keymask's contexts, or with ACT_NONE a key bound to none
	 * of them (text, in a form). Returns enum view_result bits. */
	unsigned (*key)(struct view *v, enum action act, uint32_t key);
	/* Frees v->priv. Requests of v have already been cancelled. */
	void (*close)(struct view *v);
	/* Optional: something changed on the server (events.h): topic "case" with a receipt
	 * number, or "resync" when anything may have. topic and id: borrowed. */
	void (*event)(struct view *v, const char *topic, const char *id);
};

struct view {
	const struct view_ops *ops;
	struct app *app; /* borrowed */
	void *priv;      /* owned, through ops->close */
	unsigned keymask;
	const struct view_hint *hints; /* the hint line now; starts as ops->hints */
	const char *title;             /* the title bar now (untranslated); starts as ops->title */
	bool closing;                  /* closed at the end of this turn of the main loop */
	char *close_focus;             /* owned; given to the load of the view shown next */
};

extern const struct view_ops view_login_ops;
extern const struct view_ops view_cases_ops;
extern const struct view_ops view_case_ops;
extern const struct view_ops view_intake_ops;
extern const struct view_ops view_help_ops;
/* The case sheet and its records (arg: a receipt number); the custody view without one is
 * the ledger; a document is "RECEIPT\nKIND\nVERSION"; a form takes a struct form_open. */
extern const struct view_ops view_casesheet_ops;
extern const struct view_ops view_queue_ops;
extern const struct view_ops view_custody_ops;
extern const struct view_ops view_documents_ops;
extern const struct view_ops view_document_ops;
extern const struct view_ops view_worklog_ops;
extern const struct view_ops view_form_ops;
/* Security incidents (view-incident*.c): the list, one incident (arg: its id as text), the
 * dashboard; incident_global_key opens the list (I) or the report form (F9) from anywhere. */
extern const struct view_ops view_incidents_ops;
extern const struct view_ops view_incident_ops;
extern const struct view_ops view_incident_dash_ops;
void incident_global_key(struct app *app, enum action act);

/* The risk register (arg: NULL; a risk or an asset: its id; the list also "due",
 * "cell L I inherent|residual" or "asset ID NAME"); the colour of a level. */
extern const struct view_ops view_risks_ops;
extern const struct view_ops view_risk_ops;
extern const struct view_ops view_assets_ops;
extern const struct view_ops view_asset_ops;
extern const struct view_ops view_heatmap_ops;
enum draw_role view_risk_level_role(const char *level);

#endif
