/* migrations.h — the numbered schema migrations, compiled in from sql/. */
#ifndef IP_MIGRATIONS_H
#define IP_MIGRATIONS_H

#include <stddef.h>

struct migration {
	const char *name;
	const char *sql;
};

extern const struct migration migrations[];
extern const size_t migration_count;

#endif
