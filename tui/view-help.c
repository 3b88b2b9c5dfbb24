/* The help screen, generated from the action table in keymap.h: every key of every action,
 * one section per context. Nothing here repeats a key or a description. */
#include "config.h"

#include <stdlib.h>

#include "app.h"
#include "i18n.h"
#include "pager.h"
#include "view.h"
#include "xmalloc.h"

#define HELP_KEYS_W 26

static const struct view_hint help_hints[] = {
	{ ACT_DOWN, N_("scroll") },
	{ ACT_BACK, NULL },
	{ ACT_NONE, NULL },
};

static const unsigned help_contexts[] = { KM_LIST,   KM_CASE, KM_SHEET,    KM_TABS,
	                                  KM_RISK,   KM_GRID, KM_INCIDENT, KM_MOVE,
	                                  KM_GLOBAL, KM_FORM, KM_EDIT,     KM_ALWAYS };

static int
help_open(struct view *v, const void *arg)
{
	struct pager *p = xcalloc(1, sizeof *p);
	size_t n;
	const struct keymap_entry *table = keymap_table(&n);

	(void)arg;
	pager_init(p, HELP_KEYS_W);
	pager_add(p, 0, ROLE_NORMAL, NULL, ROLE_BIG, _("Keys"));
	for (size_t c = 0; c < sizeof help_contexts / sizeof help_contexts[0]; c++) {
		pager_blank(p);
		pager_add(p, 0, ROLE_NORMAL, NULL, ROLE_SECTION,
		          keymap_context_title(help_contexts[c]));
		for (size_t i = 0; i < n; i++) {
			char keys[128];

			if (table[i].context != help_contexts[c])
				continue;
			keymap_keys_text(&table[i], ", ", keys, sizeof keys);
			pager_add(p, 2, ROLE_KEY, keys, ROLE_NORMAL, _(table[i].help));
		}
	}
	v->priv = p;
	v->keymask = KM_ALWAYS | KM_GLOBAL | KM_MOVE;
	return 0;
}

static void
help_close(struct view *v)
{
	pager_fini(v->priv);
	free(v->priv);
}

static unsigned
help_key(struct view *v, enum action act, uint32_t key)
{
	(void)key;
	if (pager_key(v->priv, act))
		return VIEW_HANDLED;
	if (act == ACT_BACK || act == ACT_HELP)
		return VIEW_CLOSE;
	return VIEW_IGNORED;
}

static void
help_draw(struct view *v, const struct draw_rect *r)
{
	struct draw_rect body = { .y = r->y + 1, .x = r->x + 1, .h = r->h - 1, .w = r->w - 2 };

	pager_draw(v->priv, &body);
}

const struct view_ops view_help_ops = {
	.name = "help",
	.title = N_("Help"),
	.hints = help_hints,
	.open = help_open,
	.load = NULL,
	.draw = help_draw,
	.key = help_key,
	.close = help_close,
};
