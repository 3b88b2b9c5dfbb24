/* Every user action, its keys and its help text, defined once (tig's request table): the key
 * handler looks keys up here and the help screen is generated from it. */
#ifndef KURA_KEYMAP_H
#define KURA_KEYMAP_H

#include <curses.h> /* KEY_* codes only: only draw.c calls curses */
#include <stddef.h>
#include <stdint.h>

#include "i18n.h"

/* A key as read from the terminal: a character, or a curses KEY_* code with KM_FN set so the
 * two never collide (curses codes overlap Latin-1 and other characters). */
#define KM_FN    0x40000000u
#define KFN(k)   ((uint32_t)(k) | KM_FN)
#define KCTRL(c) ((uint32_t)((c)&0x1f))
#define KC_ESC   0x1bu
#define KC_TAB   0x09u
#define KC_CR    0x0du
#define KC_LF    0x0au
#define KC_DEL   0x7fu
#define KM_NKEYS 6 /* the most keys one action has, plus the terminating 0 */

/* Key contexts: a view says which apply to it at the moment (struct view.keymask); the help
 * screen has one section per context, in this order. */
enum keymap_context {
	KM_ALWAYS = 1 << 0, /* every view, forms included */
	KM_GLOBAL = 1 << 1, /* views that are not forms */
	KM_MOVE = 1 << 2,   /* views with rows to move through */
	KM_LIST = 1 << 3,   /* the case list */
	KM_FORM = 1 << 4,   /* the sign-in and intake forms, and prompts */
	KM_EDIT = 1 << 5,   /* editing text in a field */
	KM_CASE = 1 << 6,   /* a case selected or open: case list, queues, case view */
	KM_SHEET = 1 << 7,  /* the case sheet and its records (documents, work log, custody) */
	KM_TABS = 1 << 8,   /* views with tabs (the queues) */
	/* security incidents: their list, one incident, the dashboard */
	KM_INCIDENT = 1 << 11,

	/* The risk register. */
	KM_RISK = 1 << 12, /* risks, a risk, assets, an asset */
	KM_GRID = 1 << 13, /* the heat map */
};

/*
 * X(name, context, label, help, keys...)
 *   name     the action is ACT_<name>
 *   context  one keymap_context: where the action applies and where help lists it
 *   label    a word or two for the key hints under each screen
 *   help     what it does, for the help screen
 *   keys     up to five keys, the first one shown first
 * The first action of a context that has the key wins; keep contexts that a view combines
 * free of clashes (a form does not combine KM_MOVE with KM_EDIT, for example).
 */
#define KEYMAP_ACTIONS(X)                                                                          \
	X(RISKS, KM_GLOBAL, N_("risk register"),                                                   \
	  N_("The risk register (managers and auditors): risks, assets, heat map"), 'R')           \
	X(RISK_OPEN, KM_RISK, N_("open"), N_("Open the selected risk or asset"), KC_CR, KC_LF,     \
	  KFN(KEY_ENTER))                                                                          \
	X(RISK_LEVEL, KM_RISK, N_("level"),                                                        \
	  N_("Filter by level: critical, high, medium, low, then any"), 'l')                       \
	X(RISK_OWNER, KM_RISK, N_("owner"), N_("Filter by owner: each owner in turn, then any"),   \
	  'o')                                                                                     \
	X(RISK_TREATMENT, KM_RISK, N_("treatment"),                                                \
	  N_("Filter by treatment: mitigate, accept, transfer, avoid, none, then any"), 't')       \
	X(RISK_OVERDUE, KM_RISK, N_("overdue"), N_("Only risks whose review is overdue (on/off)"), \
	  'd')                                                                                     \
	X(RISK_DUE, KM_RISK, N_("due"),                                                            \
	  N_("Managers: reviews past their date and acceptances that have expired"), 'u')          \
	X(RISK_HEATMAP, KM_RISK, N_("heat map"),                                                   \
	  N_("The heat map: the matrix with the count of risks in each cell"), 'm')                \
	X(RISK_ASSETS, KM_RISK, N_("assets"), N_("The information assets and their risks"), 'a')   \
	X(RISK_EXPORT, KM_RISK, N_("export"),                                                      \
	  N_("Save the register and the statement of applicability as CSV in ~/kura-export"), 'x') \
	X(RISK_REVIEW, KM_RISK, N_("review"),                                                      \
	  N_("Review the risk: its scores now, what was found, the date (managers)"), 'v')         \
	X(RISK_ACCEPT, KM_RISK, N_("accept"),                                                      \
	  N_("Accept the risk until a date, saying why (managers)"), 'A')                          \
	X(RISK_LINK, KM_RISK, N_("link incident"),                                                 \
	  N_("Link the risk to an incident that revealed it, by the incident's number"), 'i')      \
	X(GRID_LEFT, KM_GRID, N_("left"), N_("The cell to the left (lower likelihood)"),           \
	  KFN(KEY_LEFT), 'h')                                                                      \
	X(GRID_RIGHT, KM_GRID, N_("right"), N_("The cell to the right (higher likelihood)"),       \
	  KFN(KEY_RIGHT), 'l')                                                                     \
	X(GRID_SWITCH, KM_GRID, N_("inherent/residual"),                                           \
	  N_("Move between the grid before treatment and the one after"), KC_TAB, 'i')             \
	X(GRID_OPEN, KM_GRID, N_("list"), N_("List the cell's risks, to open one"), KC_CR, KC_LF,  \
	  KFN(KEY_ENTER))                                                                          \
	X(REDRAW, KM_ALWAYS, N_("redraw"), N_("Redraw the screen"), KCTRL('L'))                    \
	X(HELP, KM_GLOBAL, N_("help"), N_("Show this help"), '?', KFN(KEY_F(1)))                   \
	X(BACK, KM_GLOBAL, N_("back"),                                                             \
	  N_("Go back; on the case list q signs out and quits, Esc clears a search"), 'q', KC_ESC) \
	X(REFRESH, KM_GLOBAL, N_("refresh"), N_("Load again from the server"), 'r', KFN(KEY_F(5))) \
	X(UP, KM_MOVE, N_("up"), N_("Move up one line"), KFN(KEY_UP), 'k')                         \
	X(DOWN, KM_MOVE, N_("down"), N_("Move down one line"), KFN(KEY_DOWN), 'j')                 \
	X(PAGE_UP, KM_MOVE, N_("page up"), N_("Move up one page"), KFN(KEY_PPAGE), KCTRL('B'))     \
	X(PAGE_DOWN, KM_MOVE, N_("page down"), N_("Move down one page"), KFN(KEY_NPAGE),           \
	  KCTRL('F'), ' ')                                                                         \
	X(TOP, KM_MOVE, N_("top"), N_("Go to the top"), 'g', KFN(KEY_HOME))                        \
	X(BOTTOM, KM_MOVE, N_("bottom"), N_("Go to the bottom (the case list loads every page)"),  \
	  'G', KFN(KEY_END))                                                                       \
	X(OPEN, KM_LIST, N_("open"), N_("Open the selected case"), KC_CR, KC_LF, KFN(KEY_ENTER))   \
	X(SEARCH, KM_LIST, N_("search"),                                                           \
	  N_("Search receipt number, medium, notes, customer; empty clears"), '/')                 \
	X(NEW_CASE, KM_LIST, N_("new case"), N_("Register a new case (intake form)"), 'n')         \
	X(NEXT_FIELD, KM_FORM, N_("next field"), N_("Next field"), KC_TAB)                         \
	X(PREV_FIELD, KM_FORM, N_("previous field"), N_("Previous field"), KFN(KEY_BTAB))          \
	X(SUBMIT, KM_FORM, N_("submit"), N_("Submit the form (sign in, register)"), KFN(KEY_F(2)), \
	  KCTRL('S'))                                                                              \
	X(ENTER, KM_FORM, N_("next"),                                                              \
	  N_("Next field; a new line in multi-line fields; sign in from the password"), KC_CR,     \
	  KC_LF, KFN(KEY_ENTER))                                                                   \
	X(CANCEL, KM_FORM, N_("cancel"),                                                           \
	  N_("Leave the form (asks first when something was typed); quit at sign-in"), KC_ESC)     \
	X(EDIT_LEFT, KM_EDIT, N_("left"), N_("Cursor one character left"), KFN(KEY_LEFT),          \
	  KCTRL('B'))                                                                              \
	X(EDIT_RIGHT, KM_EDIT, N_("right"), N_("Cursor one character right"), KFN(KEY_RIGHT),      \
	  KCTRL('F'))                                                                              \
	X(EDIT_UP, KM_EDIT, N_("line up"), N_("Line up (or the previous field)"), KFN(KEY_UP),     \
	  KCTRL('P'))                                                                              \
	X(EDIT_DOWN, KM_EDIT, N_("line down"), N_("Line down (or the next field)"), KFN(KEY_DOWN), \
	  KCTRL('N'))                                                                              \
	X(EDIT_HOME, KM_EDIT, N_("line start"), N_("Start of the line"), KFN(KEY_HOME),            \
	  KCTRL('A'))                                                                              \
	X(EDIT_END, KM_EDIT, N_("line end"), N_("End of the line"), KFN(KEY_END), KCTRL('E'))      \
	X(EDIT_BACKSPACE, KM_EDIT, N_("delete back"),                                              \
	  N_("Delete the character before the cursor"), KFN(KEY_BACKSPACE), KC_DEL, KCTRL('H'))    \
	X(EDIT_DELETE, KM_EDIT, N_("delete"), N_("Delete the character under the cursor"),         \
	  KFN(KEY_DC), KCTRL('D'))                                                                 \
	X(EDIT_KILL, KM_EDIT, N_("clear line"), N_("Delete to the start of the line"), KCTRL('U')) \
	X(SHEET, KM_CASE, N_("case sheet"), N_("Open the case sheet (現品票): stages, stamps"),    \
	  's')                                                                                     \
	X(NOTE, KM_CASE, N_("add note"), N_("Add a note to the case (read on the other network)"), \
	  'a')                                                                                     \
	X(QUEUES, KM_CASE, N_("my queues"),                                                        \
	  N_("Your work queues: awaiting reply, new notes, my cases, erasure due, shipment"), 'w') \
	X(LEDGER, KM_CASE, N_("custody ledger"),                                                   \
	  N_("The custody ledger: media held now, per location"), 'c')                             \
	X(STAMP, KM_SHEET, N_("stamp"),                                                            \
	  N_("Stamp the current stage: type or scan the receipt number again"), 's')               \
	X(REPLY, KM_SHEET, N_("customer reply"),                                                   \
	  N_("Record the customer's reply (decision, fax date)"), 'y')                             \
	X(SHIP, KM_SHEET, N_("shipment"),                                                          \
	  N_("Record the shipment (carrier, tracking) or the repair-centre transfer"), 'h')        \
	X(WORKLOG, KM_SHEET, N_("work log"), N_("The case's analysis work log"), 'w')              \
	X(DOCUMENTS, KM_SHEET, N_("documents"),                                                    \
	  N_("Report, estimate, data list: versions, SHA-256, approval"), 'd')                     \
	X(CUSTODY, KM_SHEET, N_("custody"),                                                        \
	  N_("The case's custody history (receipt-and-return record)"), 'c')                       \
	X(PRINT, KM_SHEET, N_("print"),                                                            \
	  N_("Print (to a file, or to lp): the case sheet and labels, or the record shown"), 'p')  \
	X(SHOW, KM_SHEET, N_("show"), N_("Show the selected document or entry in full"), KC_CR,    \
	  KC_LF, KFN(KEY_ENTER))                                                                   \
	X(ADD, KM_SHEET, N_("add"), N_("Add: a work-log entry, a new document version"), 'a')      \
	X(APPROVE, KM_SHEET, N_("approve"), N_("Approve the selected document version"), 'A')      \
	X(NEXT_TAB, KM_TABS, N_("next tab"), N_("Next tab"), KC_TAB, KFN(KEY_RIGHT), 'l')          \
	X(PREV_TAB, KM_TABS, N_("previous tab"), N_("Previous tab"), KFN(KEY_BTAB), KFN(KEY_LEFT)) \
	X(REPORT_INCIDENT, KM_ALWAYS, N_("report incident"),                                       \
	  N_("Report a security incident or weakness, from anywhere"), KFN(KEY_F(9)), KCTRL('R'))  \
	X(INCIDENTS, KM_GLOBAL, N_("incidents"), N_("Security incidents: the list"), 'I')          \
	X(INC_OPEN, KM_INCIDENT, N_("open"), N_("Open the selected incident"), KC_CR, KC_LF,       \
	  KFN(KEY_ENTER))                                                                          \
	X(INC_STATUS, KM_INCIDENT, N_("status"), N_("List: which status (open, all, each)"), 's')  \
	X(INC_CATEGORY, KM_INCIDENT, N_("category"), N_("List: which category"), 'c')              \
	X(INC_SEVERITY, KM_INCIDENT, N_("severity"), N_("List: which severity"), 'v')              \
	X(INC_AGE, KM_INCIDENT, N_("age"), N_("List: how long ago reported"), 'a')                 \
	X(INC_MINE, KM_INCIDENT, N_("mine"), N_("List: only the incidents you reported"), 'm')     \
	X(INC_SORT, KM_INCIDENT, N_("sort"), N_("List: newest, oldest, severity, last change"),    \
	  'o')                                                                                     \
	X(INC_DASHBOARD, KM_INCIDENT, N_("dashboard"),                                             \
	  N_("Open incidents by category and age, overdue countermeasures"), 'd')                  \
	X(INC_CSV, KM_INCIDENT, N_("CSV"), N_("Save the list as CSV"), 'x')                        \
	X(INC_ACT, KM_INCIDENT, N_("status"),                                                      \
	  N_("Incident: triage, investigate, treat, resolve, reject or reopen"), 't')              \
	X(INC_EDIT, KM_INCIDENT, N_("edit"), N_("Incident: edit the report, share it"), 'e')       \
	X(INC_FINDINGS, KM_INCIDENT, N_("investigation"),                                          \
	  N_("Incident: facts, cause, scope of impact, recurrence prevention"), 'f')               \
	X(INC_LINK, KM_INCIDENT, N_("link"),                                                       \
	  N_("Incident: link or unlink a case, device or asset; mark a case affected"), 'l')       \
	X(INC_CM_ADD, KM_INCIDENT, N_("add countermeasure"), N_("Incident: add a countermeasure"), \
	  '+')                                                                                     \
	X(INC_CM_SET, KM_INCIDENT, N_("countermeasure"),                                           \
	  N_("Incident: a countermeasure's state, owner or due date"), 'u')                        \
	X(INC_REVIEW, KM_INCIDENT, N_("review"),                                                   \
	  N_("Incident: record the review of a resolved incident"), 'V')                           \
	X(INC_CLOSE, KM_INCIDENT, N_("close"), N_("Incident: close it after the review"), 'C')     \
	X(INC_PRINT, KM_INCIDENT, N_("print"),                                                     \
	  N_("Incident: print or save its report (情報セキュリティインシデント報告書)"), 'p')

enum action {
	ACT_NONE = 0,
#define KEYMAP_ENUM(name, ctx, label, help, ...) ACT_##name,
	KEYMAP_ACTIONS(KEYMAP_ENUM)
#undef KEYMAP_ENUM
	    ACT_COUNT
};

struct keymap_entry {
	enum action action;
	unsigned context;
	uint32_t keys[KM_NKEYS]; /* 0-terminated */
	const char *label;       /* untranslated */
	const char *help;        /* untranslated */
};

/* The action bound to key in any of the contexts in mask, or ACT_NONE. */
enum action keymap_lookup(uint32_t key, unsigned mask);
/* The whole table, in definition order; *n gets its length. */
const struct keymap_entry *keymap_table(size_t *n);
/* A person's name for key ("Up", "Ctrl-S", "F2", "q"), written to buf. Returns buf. */
const char *keymap_key_name(uint32_t key, char *buf, size_t size);
/* The keys of an entry joined by sep (", " or "/") into buf. Returns buf. */
const char *keymap_keys_text(const struct keymap_entry *e, const char *sep, char *buf, size_t size);
/* The entry of an action (never NULL for a defined action). */
const struct keymap_entry *keymap_entry(enum action act);
/* The title of a context's help section. */
const char *keymap_context_title(unsigned context);

#endif
