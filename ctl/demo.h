/* The demo's people and cases: fictitious, Japanese, enough to show every role and view. */
#ifndef KURA_CTL_DEMO_H
#define KURA_CTL_DEMO_H

#include <stdbool.h>
#include <stddef.h>

struct demo_account {
	const char *login;
	const char *name;
	const char *role;
	bool temporary;
};

#define DEMO_ITEMS_MAX 4

struct demo_item {
	const char *kind; /* medium, accessory, request_form, packing, other */
	const char *description;
};

struct demo_case {
	const char *customer;
	const char *phone;
	const char *email;
	const char *address;
	const char *medium;
	struct demo_item items[DEMO_ITEMS_MAX]; /* ends at the first without a kind */
	const char *notes;
};

#define DEMO_NACCOUNTS 7
extern const struct demo_account demo_accounts[DEMO_NACCOUNTS];
/* The account that registers the demo cases through kurad. */
extern const char demo_intake_login[];
extern const struct demo_case demo_cases[];
extern const size_t demo_ncases;

#endif
