/* The action table: key lookup and the names the help screen shows. */
#include "config.h"

#include "keymap.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static const struct keymap_entry keymap_entries[] = {
#define KEYMAP_ENTRY(name, ctx, labeltext, helptext, ...)                                          \
	{ .action = ACT_##name,                                                                    \
	  .context = (ctx),                                                                        \
	  .keys = { __VA_ARGS__ },                                                                 \
	  .label = (labeltext),                                                                    \
	  .help = (helptext) },
	KEYMAP_ACTIONS(KEYMAP_ENTRY)
#undef KEYMAP_ENTRY
};

enum action
keymap_lookup(uint32_t key, unsigned mask)
{
	for (size_t i = 0; i < sizeof keymap_entries / sizeof keymap_entries[0]; i++) {
		const struct keymap_entry *e = &keymap_entries[i];

		if ((e->context & mask) == 0)
			continue;
		for (size_t k = 0; k < KM_NKEYS && e->keys[k] != 0; k++)
			if (e->keys[k] == key)
				return e->action;
	}
	return ACT_NONE;
}

const struct keymap_entry *
keymap_table(size_t *n)
{
	*n = sizeof keymap_entries / sizeof keymap_entries[0];
	return keymap_entries;
}

const char *
keymap_key_name(uint32_t key, char *buf, size_t size)
{
	static const struct {
		uint32_t key;
		const char *name;
	} names[] = {
		{ KFN(KEY_UP), N_("Up") },
		{ KFN(KEY_DOWN), N_("Down") },
		{ KFN(KEY_LEFT), N_("Left") },
		{ KFN(KEY_RIGHT), N_("Right") },
		{ KFN(KEY_PPAGE), N_("PgUp") },
		{ KFN(KEY_NPAGE), N_("PgDn") },
		{ KFN(KEY_HOME), N_("Home") },
		{ KFN(KEY_END), N_("End") },
		{ KFN(KEY_ENTER), N_("Enter") },
		{ KFN(KEY_BTAB), N_("Shift-Tab") },
		{ KFN(KEY_BACKSPACE), N_("Backspace") },
		{ KFN(KEY_DC), N_("Delete") },
		{ KC_CR, N_("Enter") },
		{ KC_LF, N_("Ctrl-J") },
		{ KC_TAB, N_("Tab") },
		{ KC_ESC, N_("Esc") },
		{ KC_DEL, N_("Backspace") },
		{ ' ', N_("Space") },
	};

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (names[i].key == key) {
			snprintf(buf, size, "%s", _(names[i].name));
			return buf;
		}
	}
	if ((key & KM_FN) != 0 && (key & ~KM_FN) >= (uint32_t)KEY_F(1) &&
	    (key & ~KM_FN) <= (uint32_t)KEY_F(12))
		snprintf(buf, size, "F%u", (key & ~KM_FN) - (uint32_t)KEY_F(0));
	else if (key < 0x20)
		snprintf(buf, size, "Ctrl-%c", (char)(key + '@'));
	else if (key < 0x7f)
		snprintf(buf, size, "%c", (char)key);
	else
		snprintf(buf, size, "#%x", key);
	return buf;
}

const struct keymap_entry *
keymap_entry(enum action act)
{
	for (size_t i = 0; i < sizeof keymap_entries / sizeof keymap_entries[0]; i++)
		if (keymap_entries[i].action == act)
			return &keymap_entries[i];
	return NULL;
}

const char *
keymap_keys_text(const struct keymap_entry *e, const char *sep, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t k = 0; k < KM_NKEYS && e->keys[k] != 0; k++) {
		char name[32];
		bool dup = false;

		keymap_key_name(e->keys[k], name, sizeof name);
		/* Enter arrives as CR, LF or KEY_ENTER: name it once. */
		for (size_t j = 0; j < k; j++) {
			char other[32];
			if (strcmp(keymap_key_name(e->keys[j], other, sizeof other), name) == 0)
				dup = true;
		}
		if (dup || (e->keys[k] == KC_LF && k > 0))
			continue;
		len += (size_t)snprintf(buf + len, len < size ? size - len : 0, "%s%s",
		                        len > 0 ? sep : "", name);
		if (len >= size)
			break;
	}
	return buf;
}

const char *
keymap_context_title(unsigned context)
{
	switch (context) {
	case KM_ALWAYS:
		return _("Everywhere");
	case KM_GLOBAL:
		return _("Lists and case view");
	case KM_MOVE:
		return _("Moving");
	case KM_LIST:
		return _("Case list");
	case KM_FORM:
		return _("Forms (sign-in, intake) and prompts");
	case KM_EDIT:
		return _("Editing text");
	case KM_CASE:
		return _("A case (list, queues, case view)");
	case KM_SHEET:
		return _("Case sheet, documents, work log, custody");
	case KM_TABS:
		return _("Queues");
	case KM_INCIDENT:
		return _("Security incidents");
	case KM_RISK:
		return _("Risk register: risks, assets");
	case KM_GRID:
		return _("Heat map");
	}
	return "";
}
