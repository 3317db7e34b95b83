/* Runs every registered host unit test, or only the one named on the command line. */
#include "unit.h"

static struct unit_case *cases, **tail = &cases;
static int current_failed;

void unit_register(struct unit_case *c)
{
	*tail = c; /* keep file order: constructors run in definition order */
	tail = &c->next;
}

void unit_fail(const char *file, int line, const char *what)
{
	printf("# %s:%d: check failed: %s\n", file, line, what);
	current_failed = 1;
}

int main(int argc, char **argv)
{
	int n = 0, failed = 0;
	for (struct unit_case *c = cases; c; c = c->next) {
		if (argc > 1 && strcmp(argv[1], c->name) != 0)
			continue;
		current_failed = 0;
		c->fn();
		n++;
		printf("%s %d %s\n", current_failed ? "not ok" : "ok", n, c->name);
		failed += current_failed;
	}
	if (argc > 1 && n == 0) {
		printf("no test named %s\n", argv[1]);
		return 2;
	}
	return failed ? 1 : 0;
}
