/*
 * The VMM's configuration: one line per guest, started in order.
 *   guest NAME module=MODULE mode=realmode|protected|multiboot load=ADDR
 *         memory=SIZE [pages=4K|2M|1G] [test=result|contained|spin|bench|delete]
 *         [vcpus=N] [kernel-cpuid] [hostile-vmm] [disk] [max-build-calls=N] [bench-build=NAME]
 * SIZE takes a K, M or G suffix; memory= must be whole pages of pages=; vcpus= is 1 to
 * VMM_MAX_VCPUS (1 by default).  '#' starts a comment.  Pure: host-tested.
 */
#include <stddef.h>

#include "fmt.h"
#include "mem.h"
#include "vmm.h"

struct cursor {
	const char *p, *end;
	unsigned line;
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* The next word of the current line into buf; false at the end of the line. */
static bool next_word(struct cursor *c, char *buf, unsigned n)
{
	while (c->p < c->end && is_space(*c->p))
		c->p++;
	if (c->p >= c->end || *c->p == '\n' || *c->p == '#')
		return false;
	unsigned k = 0;
	while (c->p < c->end && !is_space(*c->p) && *c->p != '\n') {
		if (k + 1 < n)
			buf[k++] = *c->p;
		c->p++;
	}
	buf[k] = 0;
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
static const char *const test_names[] = { "none", "result", "contained", "spin", "bench", "delete" };
static const char *const page_names[] = { "4K", "2M", "1G" };

_Static_assert(VMM_MAX_VCPUS == 4, "apply's message names the limit");

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
		else
			return "unknown option";
		return NULL;
	}
	*eq = 0;
	const char *key = word, *val = eq + 1;
	int i;
	if (strcmp(key, "module") == 0)
		strlcpy(g->module, val, sizeof(g->module));
	else if (strcmp(key, "mode") == 0 && (i = lookup(val, mode_names, 3)) >= 0)
		g->mode = i;
	else if (strcmp(key, "test") == 0 && (i = lookup(val, test_names, 6)) >= 0)
		g->test = i;
	else if (strcmp(key, "load") == 0 && parse_size(val, &g->load))
		;
	else if (strcmp(key, "memory") == 0 && parse_size(val, &g->memory) &&
		 g->memory % 4096 == 0 && g->memory)
		;
	else if (strcmp(key, "pages") == 0 && (i = lookup(val, page_names, 3)) >= 0)
		g->page_level = i + 1;
	else if (strcmp(key, "vcpus") == 0) {
		uint64_t n;
		if (!parse_size(val, &n) || n < 1 || n > VMM_MAX_VCPUS)
			return "vcpus= must be 1 to 4:";
		g->vcpus = n;
	} else if (strcmp(key, "bench-build") == 0)
		strlcpy(g->bench_build, val, sizeof(g->bench_build));
	else if (strcmp(key, "max-build-calls") == 0 && parse_size(val, &g->max_build_calls))
		;
	else
		return "bad option";
	return NULL;
}

int guest_config_parse(const char *text, uint64_t len, struct guest_config *out, unsigned max,
		       char *err, unsigned err_len)
{
	struct cursor c = { text, text + len, 1 };
	char word[64];
	unsigned n = 0;
	for (; c.p < c.end; skip_line(&c)) {
		if (!next_word(&c, word, sizeof(word)))
			continue;
		if (strcmp(word, "guest") != 0 || !next_word(&c, word, sizeof(word)) || n == max) {
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
			char copy[64];
			strlcpy(copy, word, sizeof(copy));
			const char *why = apply(g, word);
			if (why) {
				fmt_snprintf(err, err_len, "line %u: %s '%s'", c.line, why, copy);
				return -1;
			}
		}
		if (g->memory % guest_page_bytes(g)) {
			fmt_snprintf(err, err_len, "line %u: memory= is not whole pages of pages=", c.line);
			return -1;
		}
	}
	return n;
}
