/*
 * The VMM's configuration: one line per guest, started in order.
 *   guest NAME module=MODULE mode=realmode|protected|multiboot load=ADDR
 *         memory=SIZE [pages=4K|2M|1G] [test=result|contained|spin|bench|delete|refused|
 *         debug-exit|poweroff]
 *         [vcpus=N] [cpus=C0,C1,...] [kernel-cpuid] [hostile-vmm] [disk] [max-build-calls=N] [bench-build=NAME]
 *         [timeout=SECONDS] [alone] [exit-stats] [x2apic=off] [vendor=amd] [restarts=N]
 *         [on-fault=stop|restart] [crash-vmm-after=MS] [crash-vmm-by=main|vcpu|message]
 *         [kernel=MODULE] [cmdline="..."] [modules=M1,M2,...] [initrd=MODULE]
 *         [test=console expect="TEXT"]
 * SIZE takes a K, M or G suffix; memory= must be whole pages of pages=, and
 * end below GUEST_MEMORY_MAX; vcpus= is 1 to VMM_MAX_VCPUS (1 by default);
 * cpus= lists 1 to VMM_MAX_VCPUS host CPUs (0-63), vCPU i's the i-th (in turn).
 * kernel=MODULE is module=MODULE mode=multiboot: a kernel, Multiboot or
 * Linux as its header says (guest.c); cmdline= is for either, modules= for
 * a Multiboot kernel, initrd= for a Linux one.  Double quotes group blanks into a word and are
 * dropped (cmdline="a b").  '#' starts a comment.  Pure: host-tested.
 *
 * The first error stops the parse; its message names the configuration's
 * module, the line and the option: "vmm.cfg: line 3: option 'memroy':
 * unknown".
 */
#include <stdarg.h>
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
			c->bad = "longer than a word may be";
	}
	buf[k] = 0;
	if (quoted)
		c->bad = "unterminated quote";
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
static const char *const on_fault_names[] = { "stop", "restart" };
static const char *const crash_by_names[] = { "main", "vcpu", "message" }; /* from CRASH_BY_MAIN */

const char *crash_by_name(enum crash_by by)
{
	return crash_by_names[by - CRASH_BY_MAIN];
}

_Static_assert(VMM_MAX_VCPUS == 4, "set_vcpus' message names the limit");

/*
 * Where the parse is and where its error goes: the configuration's module
 * name and the line open every message, and the option being applied
 * (key) names what is wrong.
 */
struct parser {
	struct cursor c;
	const char *file;
	const char *key;
	char *err;
	unsigned err_len;
};

/* Reports "FILE: line N: " and the message into ps->err; returns false. */
static bool __attribute__((format(printf, 2, 3))) fail(struct parser *ps, const char *fmt, ...)
{
	if (!ps->err_len)
		return false;
	int n = fmt_snprintf(ps->err, ps->err_len, "%s: line %u: ", ps->file, ps->c.line);
	if ((unsigned)n < ps->err_len) {
		va_list ap;
		va_start(ap, fmt);
		fmt_vsnprintf(ps->err + n, ps->err_len - n, fmt, ap);
		va_end(ap);
	}
	return false;
}

/* fail() for the option being applied: "option 'KEY': " and the message. */
#define fail_option(ps, fmt, ...) fail(ps, "option '%s': " fmt, (ps)->key, ##__VA_ARGS__)

/* Copies a module name (GUEST_NAME_LEN) into dst; false if it is empty or too long. */
static bool copy_name(char *dst, const char *name)
{
	return name[0] && strlcpy(dst, name, GUEST_NAME_LEN) < GUEST_NAME_LEN;
}

_Static_assert(VMM_MAX_MODULES == 8 && GUEST_NAME_LEN == 48, "the messages name the limits");
_Static_assert(GUEST_CMDLINE_LEN == 256, "set_cmdline's message names the limit");

/* A module name into dst, or the error. */
static bool set_name(struct parser *ps, char *dst, const char *val)
{
	return copy_name(dst, val) ||
	       fail_option(ps, "'%s' is not a module name of 1 to 47 characters", val);
}

/*
 * An option's setter: applies val to g, or reports what is wrong with it
 * through fail_option and returns false.
 */
typedef bool (*option_set)(struct parser *ps, struct guest_config *g, const char *val);

static bool set_module(struct parser *ps, struct guest_config *g, const char *val)
{
	return set_name(ps, g->module, val);
}

static bool set_kernel(struct parser *ps, struct guest_config *g, const char *val)
{
	g->mode = MODE_MULTIBOOT;
	return set_name(ps, g->module, val);
}

static bool set_initrd(struct parser *ps, struct guest_config *g, const char *val)
{
	return set_name(ps, g->initrd, val);
}

static bool set_expect(struct parser *ps, struct guest_config *g, const char *val)
{
	return (val[0] && strlcpy(g->expect, val, sizeof(g->expect)) < sizeof(g->expect)) ||
	       fail_option(ps, "needs 1 to 63 characters");
}

static bool set_cmdline(struct parser *ps, struct guest_config *g, const char *val)
{
	return strlcpy(g->cmdline, val, sizeof(g->cmdline)) < sizeof(g->cmdline) ||
	       fail_option(ps, "longer than 255 characters");
}

/* Appends the comma-separated names of modules= to g's. */
static bool set_modules(struct parser *ps, struct guest_config *g, const char *val)
{
	char list[WORD_MAX];
	strlcpy(list, val, sizeof(list));
	for (char *name = list, *next; name; name = next) {
		for (next = name; *next && *next != ','; next++)
			;
		if (*next)
			*next++ = 0; /* the next name follows the comma */
		else
			next = NULL; /* that was the last */
		if (g->module_count == VMM_MAX_MODULES)
			return fail_option(ps, "more than 8 modules in '%s'", val);
		if (!copy_name(g->modules[g->module_count++], name))
			return fail_option(ps, "'%s' is not a list of names of 1 to 47 characters", val);
	}
	return true;
}

static bool set_memory(struct parser *ps, struct guest_config *g, const char *val)
{
	if (!parse_size(val, &g->memory))
		return fail_option(ps, "'%s' is not a size (bytes, or a number with K, M or G)", val);
	if (!g->memory || g->memory % 4096)
		return fail_option(ps, "'%s' is not a non-zero multiple of 4K", val);
	return true;
}

static bool set_vcpus(struct parser *ps, struct guest_config *g, const char *val)
{
	uint64_t n;
	if (!parse_size(val, &n) || n < 1 || n > VMM_MAX_VCPUS)
		return fail_option(ps, "'%s' is not 1 to 4", val);
	g->vcpus = n;
	return true;
}

/* cpus=C0,C1,...: the host CPU of each vCPU in turn (the kernel refuses one that runs no threads). */
static bool set_cpus(struct parser *ps, struct guest_config *g, const char *val)
{
	g->cpu_count = 0;
	for (const char *p = val;;) {
		unsigned n = 0, digits = 0;
		for (; *p >= '0' && *p <= '9' && digits < 3; p++, digits++)
			n = 10 * n + (unsigned)(*p - '0');
		if (!digits || n > 63 || (*p && *p != ','))
			return fail_option(ps, "'%s' is not a list of CPU numbers (0 to 63)", val);
		if (g->cpu_count == VMM_MAX_VCPUS)
			return fail_option(ps, "more than 4 CPUs in '%s'", val);
		g->cpus[g->cpu_count++] = (uint8_t)n;
		if (!*p++)
			return true;
	}
}

static bool set_bench_build(struct parser *ps, struct guest_config *g, const char *val)
{
	return set_name(ps, g->bench_build, val);
}

static bool set_vendor(struct parser *ps, struct guest_config *g, const char *val)
{
	if (strcmp(val, "amd") != 0)
		return fail_option(ps, "'%s' is not amd (the CPU's own vendor is the default)", val);
	g->vendor_amd = true;
	return true;
}

static bool set_x2apic(struct parser *ps, struct guest_config *g, const char *val)
{
	if (strcmp(val, "off") != 0)
		return fail_option(ps, "'%s' is not off (on is the default)", val);
	g->no_x2apic = true;
	return true;
}

/*
 * An option of a guest line: key=value or a bare key.  Either set applies
 * it, or it goes to offset field of struct guest_config: a flag (a bare
 * key), a choice (the value one of names[], stored as first plus its
 * index) or a number.
 */
struct option {
	const char *key;
	bool takes_value;
	option_set set;
	size_t field;
	const char *const *names;
	int n_names, first;
};

#define SETTER(k, fn) { .key = k, .takes_value = true, .set = fn }
#define NUMBER(k, member) \
	{ .key = k, .takes_value = true, .field = offsetof(struct guest_config, member) }
#define FLAG(k, member) { .key = k, .field = offsetof(struct guest_config, member) }
#define CHOICE(k, member, list, first_value)                                                \
	{ .key = k, .takes_value = true, .field = offsetof(struct guest_config, member), \
	  .names = list, .n_names = ARRAY_LEN(list), .first = first_value }
_Static_assert(sizeof(enum guest_mode) == sizeof(int) && sizeof(enum guest_test) == sizeof(int) &&
		       sizeof(enum guest_on_fault) == sizeof(int) &&
		       sizeof(enum crash_by) == sizeof(int),
	       "a choice is stored as an int");

static const struct option options[] = {
	SETTER("module", set_module),
	SETTER("kernel", set_kernel),
	SETTER("initrd", set_initrd),
	SETTER("expect", set_expect),
	SETTER("cmdline", set_cmdline),
	SETTER("modules", set_modules),
	SETTER("memory", set_memory),
	SETTER("vcpus", set_vcpus),
	SETTER("cpus", set_cpus),
	SETTER("bench-build", set_bench_build),
	SETTER("x2apic", set_x2apic),
	SETTER("vendor", set_vendor),
	CHOICE("mode", mode, mode_names, 0),
	CHOICE("test", test, test_names, 0),
	CHOICE("pages", page_level, page_names, 1),
	CHOICE("on-fault", on_fault, on_fault_names, ON_FAULT_STOP),
	CHOICE("crash-vmm-by", crash_by, crash_by_names, CRASH_BY_MAIN),
	NUMBER("load", load),
	NUMBER("timeout", timeout_s),
	NUMBER("max-build-calls", max_build_calls),
	NUMBER("restarts", max_restarts),
	NUMBER("crash-vmm-after", crash_vmm_ms),
	FLAG("kernel-cpuid", kernel_cpuid),
	FLAG("hostile-vmm", hostile),
	FLAG("disk", disk),
	FLAG("alone", alone),
	FLAG("exit-stats", exit_stats),
};

/* Stores first plus the index of val in o's names at *field, or the error listing them. */
static bool set_choice(struct parser *ps, const struct option *o, int *field, const char *val)
{
	int i = lookup(val, o->names, o->n_names);
	if (i >= 0) {
		*field = o->first + i;
		return true;
	}
	char list[128] = "";
	for (int k = 0; k < o->n_names; k++)
		fmt_snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", k ? ", " : "",
			     o->names[k]);
	return fail_option(ps, "'%s' is not one of %s", val, list);
}

/* Applies option o with val (NULL for a bare key) to g; false (and the error) if it is wrong. */
static bool apply_option(struct parser *ps, const struct option *o, struct guest_config *g,
			 const char *val)
{
	if (!!val != o->takes_value)
		return fail_option(ps, "%s", o->takes_value ? "needs a value" : "takes no value");
	if (o->set)
		return o->set(ps, g, val);
	char *field = (char *)g + o->field;
	if (!val) {
		*(bool *)field = true;
		return true;
	}
	if (o->names)
		return set_choice(ps, o, (int *)field, val);
	return parse_size(val, (uint64_t *)field) || fail_option(ps, "'%s' is not a number", val);
}

/* Applies one key=value or bare word to g; false (and the error) if it is wrong. */
static bool apply(struct parser *ps, struct guest_config *g, char *word)
{
	char *eq = word;
	while (*eq && *eq != '=')
		eq++;
	const char *val = *eq ? eq + 1 : NULL;
	*eq = 0;
	ps->key = word;
	if (ps->c.bad)
		return fail_option(ps, "%s", ps->c.bad);
	for (unsigned i = 0; i < ARRAY_LEN(options); i++)
		if (strcmp(word, options[i].key) == 0)
			return apply_option(ps, &options[i], g, val);
	return fail_option(ps, "unknown");
}

_Static_assert(GUEST_MEMORY_MAX == 0xfeb00000ULL, "check_guest's message names the limit");

/* Checks a whole guest line; false (and the error, naming an option) if it is wrong. */
static bool check_guest(struct parser *ps, const struct guest_config *g)
{
	if (g->memory % guest_page_bytes(g))
		return fail(ps, "option 'memory': not whole pages of pages=");
	if (g->memory > GUEST_MEMORY_MAX)
		return fail(ps, "option 'memory': reaches the devices at 0xfeb00000: at most 4075M");
	if (g->mode != MODE_MULTIBOOT && (g->cmdline[0] || g->module_count || g->initrd[0]))
		return fail(ps, "options 'cmdline', 'modules' and 'initrd' are for kernels (kernel=)");
	if ((g->test == TEST_CONSOLE) != !!g->expect[0])
		return fail(ps, "options 'test=console' and 'expect' go together");
	/* no hidden limit: the line says how often a fault may restart the guest */
	if (g->on_fault == ON_FAULT_RESTART && !g->max_restarts)
		return fail(ps, "option 'on-fault=restart' needs 'restarts=N' (how often, at least 1)");
	if (g->crash_by != CRASH_BY_DEFAULT && !g->crash_vmm_ms)
		return fail(ps, "option 'crash-vmm-by' needs 'crash-vmm-after=MS' (when)");
	if (g->module_count && g->initrd[0])
		return fail(ps, "options 'modules' (a Multiboot kernel's) and 'initrd' (a Linux "
			    "one's): not both");
	return true;
}

/* Starts guest g named name with the defaults. */
static void guest_defaults(struct guest_config *g, const char *name)
{
	memset(g, 0, sizeof(*g));
	strlcpy(g->name, name, sizeof(g->name));
	strlcpy(g->module, name, sizeof(g->module));
	g->mode = MODE_PROTECTED;
	g->memory = 1 << 20;
	g->page_level = 1;
	g->vcpus = 1;
}

int guest_config_parse(const char *file, const char *text, uint64_t len,
		       struct guest_config *out, unsigned max, char *err, unsigned err_len)
{
	struct parser ps = { { text, text + len, 1, NULL }, file, NULL, err, err_len };
	struct cursor *c = &ps.c;
	char word[WORD_MAX];
	unsigned n = 0;
	if (err_len)
		err[0] = 0;
	for (; c->p < c->end; skip_line(c)) {
		if (!next_word(c, word, sizeof(word)))
			continue;
		if (strcmp(word, "guest") != 0 || !next_word(c, word, sizeof(word)) || c->bad)
			return fail(&ps, "expected 'guest NAME ...'"), -1;
		if (n == max)
			return fail(&ps, "more than %u guests", max), -1;
		struct guest_config *g = &out[n++];
		guest_defaults(g, word);
		while (next_word(c, word, sizeof(word)))
			if (!apply(&ps, g, word))
				return -1;
		if (!check_guest(&ps, g))
			return -1;
	}
	return n;
}
