/*
 * Kernel command line parsing.  The kernel has no libc, so the few string
 * loops needed are written here; tokens are handled as (pointer, length)
 * slices of the command line and never copied unless asked for.
 */
#include <stdbool.h>
#include <stddef.h>

#include "cmdline.h"
#include "fmt.h"
#include "log.h"

/* One token: key is key_len chars; value is val_len chars, NULL for a bare key. */
struct token {
	const char *text;
	size_t len;
	const char *key;
	size_t key_len;
	const char *val;
	size_t val_len;
};

/* True for the characters that separate tokens. */
static bool is_sep(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Finds the next token at or after *p, splitting it at its first '=', and
 * advances *p past it.  Returns false when only separators remain.
 */
static bool next_token(const char **p, struct token *t)
{
	const char *s = *p;
	size_t i;

	while (is_sep(*s))
		s++;
	if (!*s)
		return false;
	t->text = s;
	for (t->len = 0; s[t->len] && !is_sep(s[t->len]); t->len++)
		;
	t->key = s;
	for (i = 0; i < t->len && s[i] != '='; i++)
		;
	t->key_len = i;
	if (i < t->len) {
		t->val = s + i + 1;
		t->val_len = t->len - i - 1;
	} else {
		t->val = NULL;
		t->val_len = 0;
	}
	*p = s + t->len;
	return true;
}

/* True if the len chars at s equal the NUL-terminated string word. */
static bool slice_eq(const char *s, size_t len, const char *word)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (word[i] != s[i]) /* also stops at word's NUL */
			return false;
	}
	return word[len] == '\0';
}

/* Copies len chars of s into buf as a string truncated to n - 1; n may be 0. */
static void slice_copy(char *buf, size_t n, const char *s, size_t len)
{
	size_t i;

	if (n == 0)
		return;
	if (len > n - 1)
		len = n - 1;
	for (i = 0; i < len; i++)
		buf[i] = s[i];
	buf[len] = '\0';
}

/* See cmdline.h.  Scans every token so that the last occurrence wins. */
bool cmdline_get(const char *cmdline, const char *key, char *buf, size_t n)
{
	const char *p = cmdline;
	struct token t;
	bool found = false;

	if (!cmdline || !key)
		return false;
	while (next_token(&p, &t)) {
		if (!slice_eq(t.key, t.key_len, key))
			continue;
		found = true;
		slice_copy(buf, n, t.val ? t.val : "", t.val_len);
	}
	return found;
}

/* Where options_parse sends its problem reports, and how many it sent. */
struct reporter {
	void (*fn)(void *arg, const char *msg);
	void *arg;
	int count;
};

/* Reports one problem: what, then the token quoted (token need not be terminated). */
static void problem(struct reporter *r, const char *what, const struct token *t)
{
	char msg[96];

	r->count++;
	if (!r->fn)
		return;
	fmt_snprintf(msg, sizeof(msg), "%s '%.*s'", what, (int)t->len, t->text);
	r->fn(r->arg, msg);
}

/* Maps a loglevel value (name or digit) to its enum log_level; -1 if bad. */
static int parse_log_level(const char *s, size_t len)
{
	static const char *const names[] = {
		[LOG_ERROR] = "error",
		[LOG_WARN] = "warn",
		[LOG_INFO] = "info",
		[LOG_DEBUG] = "debug",
	};
	int i;

	for (i = 0; i <= LOG_DEBUG; i++) {
		if (slice_eq(s, len, names[i]))
			return i;
	}
	if (len == 1 && s[0] >= '0' && s[0] <= '0' + LOG_DEBUG)
		return s[0] - '0';
	return -1;
}

/* Applies one loglevel token; a bad or missing value is reported. */
static void opt_loglevel(struct kernel_options *o, const struct token *t,
			 struct reporter *r)
{
	int level = t->val ? parse_log_level(t->val, t->val_len) : -1;

	if (level < 0)
		problem(r, "bad loglevel", t);
	else
		o->log_level = level;
}

/* Applies one test token; a missing, empty or over-long name is reported. */
static void opt_test(struct kernel_options *o, const struct token *t, struct reporter *r)
{
	if (!t->val || t->val_len == 0)
		problem(r, "missing test suite name", t);
	else if (t->val_len >= sizeof(o->test_suite))
		problem(r, "test suite name too long", t);
	else
		slice_copy(o->test_suite, sizeof(o->test_suite), t->val, t->val_len);
}

/* Applies one cpus token: a decimal count from 1 to 999. */
static void opt_cpus(struct kernel_options *o, const struct token *t, struct reporter *r)
{
	unsigned n = 0;
	size_t i;

	for (i = 0; t->val && i < t->val_len && i < 3 && t->val[i] >= '0' && t->val[i] <= '9'; i++)
		n = n * 10 + (unsigned)(t->val[i] - '0');
	if (!t->val || i == 0 || i != t->val_len || n == 0)
		problem(r, "bad cpus (a count from 1 to 999)", t);
	else
		o->max_cpus = n;
}

/* Applies one acpi token: only "off" is known. */
static void opt_acpi(struct kernel_options *o, const struct token *t, struct reporter *r)
{
	if (!t->val || !slice_eq(t->val, t->val_len, "off"))
		problem(r, "bad acpi (only acpi=off)", t);
	else
		o->no_acpi = true;
}

/* Applies one ioapic token: only "off" is known. */
static void opt_ioapic(struct kernel_options *o, const struct token *t, struct reporter *r)
{
	if (!t->val || !slice_eq(t->val, t->val_len, "off"))
		problem(r, "bad ioapic (only ioapic=off)", t);
	else
		o->no_ioapic = true;
}

/* See cmdline.h. */
int options_parse(const char *cmdline, struct kernel_options *o,
		  void (*report)(void *arg, const char *msg), void *arg)
{
	struct reporter r = { .fn = report, .arg = arg, .count = 0 };
	const char *p = cmdline;
	struct token t;

	o->log_level = LOG_INFO;
	o->test_suite[0] = '\0';
	o->max_cpus = 0;
	o->no_acpi = false;
	o->no_ioapic = false;
	if (!cmdline)
		return 0;
	while (next_token(&p, &t)) {
		if (slice_eq(t.key, t.key_len, "loglevel"))
			opt_loglevel(o, &t, &r);
		else if (slice_eq(t.key, t.key_len, "test"))
			opt_test(o, &t, &r);
		else if (slice_eq(t.key, t.key_len, "cpus"))
			opt_cpus(o, &t, &r);
		else if (slice_eq(t.key, t.key_len, "acpi"))
			opt_acpi(o, &t, &r);
		else if (slice_eq(t.key, t.key_len, "ioapic"))
			opt_ioapic(o, &t, &r);
		else
			problem(&r, "unknown option", &t);
	}
	return r.count;
}
