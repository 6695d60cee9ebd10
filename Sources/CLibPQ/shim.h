// libpq, PostgreSQL's C client, as Swift sees it. Nothing is wrapped: every function
// the Postgres module calls is a real function, and the constants it needs are plain
// integer macros or enums that Swift imports as they are. Add a `static inline`
// wrapper here (prefixed `vh_`, with an explicit return type) only for what Swift
// cannot call directly.
#ifndef VIDEOHOOKD_CLIBPQ_SHIM_H
#define VIDEOHOOKD_CLIBPQ_SHIM_H

#include <libpq-fe.h>

#endif
