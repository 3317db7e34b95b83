/*
 * The VMM's configuration: one line per guest, started in order.
 *   guest NAME module=MODULE mode=realmode|protected|multiboot load=ADDR
 *         memory=SIZE [pages=4K|2M|1G] [test=result|contained|spin|bench|delete|refused|
 *         debug-exit|poweroff]
 *         [vcpus=N] [kernel-cpuid] [hostile-vmm] [disk] [max-build-calls=N] [bench-build=NAME]
 *         [timeout=SECONDS] [alone] [exit-stats] [x2apic=off] [restarts=N]
 *         [kernel=MODULE] [cmdline="..."] [modules=M1,M2,...] [initrd=MODULE]
 *         [test=console expect="TEXT"]
 * SIZE takes a K, M or G suffix; memory= must be whole pages of pages=, and
 * end below GUEST_MEMORY_MAX; vcpus= is 1 to VMM_MAX_VCPUS (1 by default).
 * kernel=MODULE is module=MODULE mode=multiboot: a kernel, Multiboot or
 * Linux as its header says (guest.c); cmdline= is for either, modules= for
 * a Multiboot kernel, initrd= for a Linux one.  Double quotes group blanks into a word and are
 * dropped (cmdline="a b").  '#' starts a comment.  Pure: host-tested.
 */
#include <stddef.h>

#include "fmt.h"
#include "mem.h"
#include "vmm.h"
#include "array.h"

struct cursor {
	const char *p, *end;
	unsigned line;
	const char *bad; /* what is wrong with the last word, or NULL */
};

#define WORD_MAX (GUEST_CMDLINE_LEN + 16) /* the longest word: cmdline="..." */

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/*
 * The next word of the current line into buf, up to a blank outside double
 * quotes; false at the end of the line.  A word longer than buf or with an
 * unterminated quote sets c->bad.
 */
static bool next_word(struct cursor *c, char *buf, unsigned n)
{
	while (c->p < c->end && is_space(*c->p))
		c->p++;
	if (c->p >= c->end || *c->p == '\n' || *c->p == '#')
		return false;
	unsigned k = 0;
	bool quoted = false;
	for (; c->p < c->end && *c->p != '\n' && (quoted || !is_space(*c->p)); c->p++) {
		if (*c->p == '"')
			quoted = !quoted;
		else if (k + 1 < n)
			buf[k++] = *c->p;
		else
			c->bad = "word too long";
	}
	buf[k] = 0;
	if (quoted)
		c->bad = "unterminated quote in";
	return true;
}

static void skip_line(struct cursor *c)
{
	while (c->p < c->end && *c->p != '\n')
		c->p++;
	if (c->p < c->end)
		c->p++;
	c->line++;
}

/* Parses a number with an optional K/M suffix; false if malformed. */
static bool parse_size(const char *s, uint64_t *out)
{
	uint64_t v = 0, base = 10;
	if (s[0] == '0' && s[1] == 'x') {
		base = 16;
		s += 2;
	}
	if (!*s)
		return false;
	for (; *s; s++) {
		unsigned d;
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			break;
		v = v * base + d;
	}
	if (*s == 'K' && !s[1])
		v <<= 10;
	else if (*s == 'M' && !s[1])
		v <<= 20;
	else if (*s == 'G' && !s[1])
		v <<= 30;
	else if (*s)
		return false;
	*out = v;
	return true;
}

/* The index of word in names[], or -1. */
static int lookup(const char *word, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(word, names[i]) == 0)
			return i;
	return -1;
}

static const char *const mode_names[] = { "realmode", "protected", "multiboot" };
static const char *const test_names[] = { "none",  "result", "contained", "spin", "bench",
					   "delete", "refused", "debug-exit", "poweroff", "console" };
static const char *const page_names[] = { "4K", "2M", "1G" };

_Static_assert(VMM_MAX_VCPUS == 4, "apply's message names the limit");

/* Copies a module name (GUEST_NAME_LEN) into dst; false if it is empty or too long. */
static bool copy_name(char *dst, const char *name)
{
	return name[0] && strlcpy(dst, name, GUEST_NAME_LEN) < GUEST_NAME_LEN;
}

/* Appends the comma-separated names of modules= to g's; an error message or NULL. */
static const char *add_modules(struct guest_config *g, char *list)
{
	for (char *name = list, *next; name; name = next) {
		for (next = name; *next && *next != ','; next++)
			;
		if (*next)
			*next++ = 0; /* the next name follows the comma */
		else
			next = NULL; /* that was the last */
		if (g->module_count == VMM_MAX_MODULES)
			return "modules= names more than 8 modules:";
		if (!copy_name(g->modules[g->module_count++], name))
			return "modules= needs names of 1 to 47 characters:";
	}
	return NULL;
}

_Static_assert(VMM_MAX_MODULES == 8 && GUEST_NAME_LEN == 48, "add_modules' messages name the limits");
_Static_assert(GUEST_CMDLINE_LEN == 256, "apply's message names the limit");

/* Applies one key=value word to g; returns an error message or NULL. */
static const char *apply(struct guest_config *g, char *word)
{
	char *eq = word;
	while (*eq && *eq != '=')
		eq++;
	if (!*eq) {
		if (strcmp(word, "kernel-cpuid") == 0)
			g->kernel_cpuid = true;
		else if (strcmp(word, "hostile-vmm") == 0)
			g->hostile = true;
		else if (strcmp(word, "disk") == 0)
			g->disk = true;
		else if (strcmp(word, "alone") == 0)
			g->alone = true;
		else if (strcmp(word, "exit-stats") == 0)
			g->exit_stats = true;
		else
			return "unknown option";
		return NULL;
	}
	*eq = 0;
	const char *key = word, *val = eq + 1;
	int i;
	if (strcmp(key, "module") == 0 && copy_name(g->module, val))
		;
	else if (strcmp(key, "kernel") == 0 && copy_name(g->module, val))
		g->mode = MODE_MULTIBOOT;
	else if (strcmp(key, "initrd") == 0) {
		if (!copy_name(g->initrd, val))
			return "initrd= needs a name of 1 to 47 characters:";
	} else if (strcmp(key, "expect") == 0) {
		if (!val[0] || strlcpy(g->expect, val, sizeof(g->expect)) >= sizeof(g->expect))
			return "expect= needs 1 to 63 characters:";
	} else if (strcmp(key, "cmdline") == 0) {
		if (strlcpy(g->cmdline, val, sizeof(g->cmdline)) >= sizeof(g->cmdline))
			return "cmdline= is longer than 255 characters:";
	} else if (strcmp(key, "modules") == 0) {
		const char *why = add_modules(g, eq + 1);
		if (why)
			return why;
	} else if (strcmp(key, "mode") == 0 && (i = lookup(val, mode_names, ARRAY_LEN(mode_names))) >= 0)
		g->mode = i;
	else if (strcmp(key, "test") == 0 && (i = lookup(val, test_names, ARRAY_LEN(test_names))) >= 0)
		g->test = i;
	else if (strcmp(key, "load") == 0 && parse_size(val, &g->load))
		;
	else if (strcmp(key, "memory") == 0 && parse_size(val, &g->memory) &&
		 g->memory % 4096 == 0 && g->memory)
		;
	else if (strcmp(key, "pages") == 0 && (i = lookup(val, page_names, ARRAY_LEN(page_names))) >= 0)
		g->page_level = i + 1;
	else if (strcmp(key, "vcpus") == 0) {
		uint64_t n;
		if (!parse_size(val, &n) || n < 1 || n > VMM_MAX_VCPUS)
			return "vcpus= must be 1 to 4:";
		g->vcpus = n;
	} else if (strcmp(key, "bench-build") == 0)
		strlcpy(g->bench_build, val, sizeof(g->bench_build));
	else if (strcmp(key, "timeout") == 0 && parse_size(val, &g->timeout_s))
		;
	else if (strcmp(key, "x2apic") == 0 && strcmp(val, "off") == 0)
		g->no_x2apic = true;
	else if (strcmp(key, "max-build-calls") == 0 && parse_size(val, &g->max_build_calls))
		;
	else if (strcmp(key, "restarts") == 0 && parse_size(val, &g->max_restarts))
		;
	else
		return "bad option";
	return NULL;
}

_Static_assert(GUEST_MEMORY_MAX == 0xfeb00000ULL, "check_guest's message names the limit");

/* What is wrong with a whole guest line, or NULL. */
static const char *check_guest(const struct guest_config *g)
{
	if (g->memory % guest_page_bytes(g))
		return "memory= is not whole pages of pages=";
	if (g->memory > GUEST_MEMORY_MAX)
		return "memory= reaches the devices at 0xfeb00000: at most 4075M";
	if (g->mode != MODE_MULTIBOOT && (g->cmdline[0] || g->module_count || g->initrd[0]))
		return "cmdline=, modules= and initrd= are for kernels (kernel=)";
	if ((g->test == TEST_CONSOLE) != !!g->expect[0])
		return "test=console and expect= go together";
	if (g->module_count && g->initrd[0])
		return "modules= is for a Multiboot kernel, initrd= for a Linux one: not both";
	return NULL;
}

int guest_config_parse(const char *text, uint64_t len, struct guest_config *out, unsigned max,
		       char *err, unsigned err_len)
{
	struct cursor c = { text, text + len, 1, NULL };
	char word[WORD_MAX];
	unsigned n = 0;
	for (; c.p < c.end; skip_line(&c)) {
		if (!next_word(&c, word, sizeof(word)))
			continue;
		if (strcmp(word, "guest") != 0 || !next_word(&c, word, sizeof(word)) || c.bad ||
		    n == max) {
			fmt_snprintf(err, err_len, "line %u: expected 'guest NAME ...'", c.line);
			return -1;
		}
		struct guest_config *g = &out[n++];
		memset(g, 0, sizeof(*g));
		strlcpy(g->name, word, sizeof(g->name));
		strlcpy(g->module, word, sizeof(g->module));
		g->mode = MODE_PROTECTED;
		g->memory = 1 << 20;
		g->page_level = 1;
		g->vcpus = 1;
		while (next_word(&c, word, sizeof(word))) {
			char copy[WORD_MAX];
			strlcpy(copy, word, sizeof(copy));
			const char *why = c.bad ? c.bad : apply(g, word);
			if (why) {
				fmt_snprintf(err, err_len, "line %u: %s '%s'", c.line, why, copy);
				return -1;
			}
		}
		const char *why = check_guest(g);
		if (why) {
			fmt_snprintf(err, err_len, "line %u: %s", c.line, why);
			return -1;
		}
	}
	return n;
}
