/* Marks user-visible strings for translation. gettext is not wired in yet: _() is the identity,
 * so every message already passes through the one place a catalogue lookup will go. */
#ifndef KURA_I18N_H
#define KURA_I18N_H

#define _(s)  (s)
#define N_(s) (s) /* marks a string in a static table; translate it where it is shown */

#endif
