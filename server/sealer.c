/* The audit sealer (see sealer.h). */
#include "config.h"

#include "sealer.h"

#include <stddef.h>

struct sealer *
sealer_start(const struct server_config *cfg)
{
	(void)cfg;
	return NULL;
}

void
sealer_stop(struct sealer *s)
{
	(void)s;
}
