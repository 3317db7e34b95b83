/*
 * The root task's config parser (format: docs/root-task.md).  Works on a
 * text that need not be NUL-terminated; stops at the first error.
 */
#include <stdarg.h>
#include <stddef.h>

#include "config.h"
#include "fmt.h"
#include "mem.h"
#include "array.h"

/* A word of the config text (not NUL-terminated). */
struct word {
	const char *s;
	size_t len;
};

/* printf arguments for "%.*s" of a word. */
#define WORD_ARG(w) (int)(w).len, (w).s

struct parser {
	struct config *cfg;
	unsigned int line;
	unsigned int seen;   /* options given on this line, bit per option */
	const char *key;     /* the option being parsed, for its errors */
	char *err;
	size_t err_len;
};

/* An option of a server line: key=value (parsed by parse) or a bare key (sets a flag). */
struct option {
	const char *key;
	int takes_value;
	int repeatable;
	int (*parse)(struct parser *ps, struct server_config *srv, struct word value);
	size_t flag;         /* bare key: offsetof the int it sets to 1 */
};

/* Reports an error on the current line; returns -1. */
static int __attribute__((format(printf, 2, 3))) fail(struct parser *ps, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (ps->err_len == 0)
		return -1;
	n = fmt_snprintf(ps->err, ps->err_len, "line %u: ", ps->line);
	if ((size_t)n < ps->err_len) {
		va_start(ap, fmt);
		fmt_vsnprintf(ps->err + n, ps->err_len - n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* fail() for the option being parsed: "option 'KEY': " and the message. */
#define fail_option(ps, fmt, ...) fail(ps, "option '%s': " fmt, (ps)->key, ##__VA_ARGS__)

/* Whether w is exactly the string s. */
static int word_is(struct word w, const char *s)
{
	return w.len == strlen(s) && memcmp(w.s, s, w.len) == 0;
}

/* Splits w at its first c into *head and *tail; returns whether c occurs. */
static int word_split(struct word w, char c, struct word *head, struct word *tail)
{
	for (size_t i = 0; i < w.len; i++) {
		if (w.s[i] == c) {
			*head = (struct word){ w.s, i };
			*tail = (struct word){ w.s + i + 1, w.len - i - 1 };
			return 1;
		}
	}
	*head = w;
	*tail = (struct word){ w.s + w.len, 0 };
	return 0;
}

/* Whether c separates words. */
static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Takes the next word of [*p, end) into *w; returns 0 at the end. */
static int next_word(const char **p, const char *end, struct word *w)
{
	const char *s = *p;

	while (s < end && is_space(*s))
		s++;
	w->s = s;
	while (s < end && !is_space(*s))
		s++;
	w->len = (size_t)(s - w->s);
	*p = s;
	return w->len > 0;
}

/* The value of digit c in base, or -1. */
static int digit_value(char c, unsigned int base)
{
	int v = -1;

	if (c >= '0' && c <= '9')
		v = c - '0';
	else if (c >= 'a' && c <= 'f')
		v = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		v = c - 'A' + 10;
	return v >= 0 && (unsigned int)v < base ? v : -1;
}

/* Parses all of w as a decimal or 0x-hex number; returns 0 if it is none or overflows. */
static int word_number(struct word w, uint64_t *out)
{
	unsigned int base = 10;
	uint64_t v = 0;
	int d;

	if (w.len > 2 && w.s[0] == '0' && (w.s[1] == 'x' || w.s[1] == 'X')) {
		base = 16;
		w.s += 2;
		w.len -= 2;
	}
	if (w.len == 0)
		return 0;
	for (size_t i = 0; i < w.len; i++) {
		d = digit_value(w.s[i], base);
		if (d < 0 || v > (UINT64_MAX - (uint64_t)d) / base)
			return 0;
		v = v * base + (uint64_t)d;
	}
	*out = v;
	return 1;
}

/* The power of two a size suffix (K, M or G, binary) stands for, or 0 if c is none. */
static unsigned int suffix_shift(char c)
{
	if (c == 'K' || c == 'k')
		return 10;
	if (c == 'M' || c == 'm')
		return 20;
	if (c == 'G' || c == 'g')
		return 30;
	return 0;
}

/* Parses a size: a number with an optional K, M or G (binary) suffix. */
static int word_size(struct word w, uint64_t *out)
{
	unsigned int shift = suffix_shift(w.len ? w.s[w.len - 1] : 0);

	if (shift)
		w.len--;
	if (!word_number(w, out) || *out > (UINT64_MAX >> shift))
		return 0;
	*out <<= shift;
	return 1;
}

/* Whether c may appear in a name. */
static int is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c == '.';
}

/*
 * Copies a valid name into buf[CONFIG_NAME_LEN]: a server's (option NULL)
 * or one an option gives.
 */
static int copy_name(struct parser *ps, struct word w, char *buf, const char *option)
{
	char what[CONFIG_NAME_LEN + 16] = "server";

	if (option)
		fmt_snprintf(what, sizeof(what), "option '%s': name", option);
	if (w.len == 0 || w.len >= CONFIG_NAME_LEN)
		return fail(ps, "%s '%.*s': names have 1 to %d characters", what, WORD_ARG(w),
			    CONFIG_NAME_LEN - 1);
	for (size_t i = 0; i < w.len; i++)
		if (!is_name_char(w.s[i]))
			return fail(ps, "%s '%.*s': bad character", what, WORD_ARG(w));
	memcpy(buf, w.s, w.len);
	buf[w.len] = '\0';
	return 0;
}

/* Parses a size value that must be a non-zero multiple of the page size. */
static int parse_pages_size(struct parser *ps, struct word w, uint64_t *out)
{
	if (!word_size(w, out))
		return fail_option(ps, "bad size '%.*s'", WORD_ARG(w));
	if (*out == 0 || *out % PAGE_BYTES)
		return fail_option(ps, "%.*s is not a non-zero multiple of 4K", WORD_ARG(w));
	return 0;
}

static int opt_module(struct parser *ps, struct server_config *srv, struct word value)
{
	return copy_name(ps, value, srv->module, ps->key);
}

static int opt_priority(struct parser *ps, struct server_config *srv, struct word value)
{
	if (!word_number(value, &srv->priority) || srv->priority > PRIORITY_MAX)
		return fail_option(ps, "'%.*s' is not 0 to %d", WORD_ARG(value), PRIORITY_MAX);
	return 0;
}

/*
 * cpu=N: a number the kernel may still refuse (a CPU that runs no
 * threads on this machine): the server's start then fails, saying so.
 */
static int opt_cpu(struct parser *ps, struct server_config *srv, struct word value)
{
	if (!word_number(value, &srv->cpu) || srv->cpu >= CONFIG_MAX_CPUS)
		return fail_option(ps, "'%.*s' is not 0 to %d", WORD_ARG(value), CONFIG_MAX_CPUS - 1);
	return 0;
}

static int opt_memory(struct parser *ps, struct server_config *srv, struct word value)
{
	if (parse_pages_size(ps, value, &srv->memory) < 0)
		return -1;
	if (srv->memory < USER_STACK_BYTES || srv->memory > USER_HEAP_MAX)
		return fail_option(ps, "%.*s is not %lluK to %lluM", WORD_ARG(value),
			    (unsigned long long)USER_STACK_BYTES >> 10,
			    (unsigned long long)USER_HEAP_MAX >> 20);
	return 0;
}

static int opt_untyped(struct parser *ps, struct server_config *srv, struct word value)
{
	return parse_pages_size(ps, value, &srv->untyped);
}

/* ioports=FIRST-LAST or ioports=PORT. */
static int opt_ioports(struct parser *ps, struct server_config *srv, struct word value)
{
	struct word first, last;

	if (!word_split(value, '-', &first, &last))
		last = first;
	if (!word_number(first, &srv->io_first) || !word_number(last, &srv->io_last) ||
	    srv->io_first > srv->io_last || srv->io_last > 0xffff)
		return fail_option(ps, "'%.*s' is not a port range within 0-0xffff",
			    WORD_ARG(value));
	srv->has_ioports = 1;
	return 0;
}

/* One item of irq=N,N,... */
static int add_irq(struct parser *ps, struct server_config *srv, struct word item)
{
	uint64_t irq;

	if (!word_number(item, &irq) || irq >= CONFIG_IRQ_COUNT)
		return fail_option(ps, "'%.*s' is not 0 to %d", WORD_ARG(item), CONFIG_IRQ_COUNT - 1);
	if (srv->irq_mask & (1u << irq))
		return fail_option(ps, "%llu given twice", (unsigned long long)irq);
	srv->irq_mask |= 1u << irq;
	return 0;
}

/*
 * Appends a name to a server's list of names (the option connect= or
 * modules=): what names the items in the "more than" error.
 */
static int add_name(struct parser *ps, struct word item, char (*list)[CONFIG_NAME_LEN],
		    unsigned int *count, unsigned int max, const char *what)
{
	char name[CONFIG_NAME_LEN];

	if (copy_name(ps, item, name, ps->key) < 0)
		return -1;
	for (unsigned int i = 0; i < *count; i++)
		if (strcmp(list[i], name) == 0)
			return fail_option(ps, "%s given twice", name);
	if (*count == max)
		return fail_option(ps, "more than %u %s", max, what);
	memcpy(list[(*count)++], name, sizeof(name));
	return 0;
}

/* One item of connect=NAME,NAME,...; the names are resolved after the last line. */
static int add_connect(struct parser *ps, struct server_config *srv, struct word item)
{
	return add_name(ps, item, srv->connect, &srv->connect_count, CONFIG_MAX_CONNECT,
			"connections");
}

/* One item of modules=NAME,NAME,...; the root looks the modules up when it starts the server. */
static int add_module(struct parser *ps, struct server_config *srv, struct word item)
{
	return add_name(ps, item, srv->modules, &srv->module_count, CONFIG_MAX_MODULES,
			"modules");
}

/* Calls add on each item of a comma-separated list. */
static int for_each_item(struct parser *ps, struct server_config *srv, struct word list,
			 int (*add)(struct parser *, struct server_config *, struct word))
{
	struct word item, rest = list;
	int more;

	do {
		more = word_split(rest, ',', &item, &rest);
		if (item.len == 0)
			return fail_option(ps, "empty item in list '%.*s'", WORD_ARG(list));
		if (add(ps, srv, item) < 0)
			return -1;
	} while (more);
	return 0;
}

static int opt_irq(struct parser *ps, struct server_config *srv, struct word value)
{
	return for_each_item(ps, srv, value, add_irq);
}

static int opt_connect(struct parser *ps, struct server_config *srv, struct word value)
{
	return for_each_item(ps, srv, value, add_connect);
}

static int opt_modules(struct parser *ps, struct server_config *srv, struct word value)
{
	return for_each_item(ps, srv, value, add_module);
}

/*
 * A sector number or count: a plain number counts sectors; one with a K, M
 * or G suffix is a size in bytes, always a whole number of sectors.
 */
static int word_sectors(struct word w, uint64_t *out)
{
	if (!suffix_shift(w.len ? w.s[w.len - 1] : 0))
		return word_number(w, out);
	if (!word_size(w, out))
		return 0;
	*out /= BLK_SECTOR_BYTES;
	return 1;
}

/* disk=SERVER:FIRST+SECTORS: confines this server's connection to SERVER to a region. */
static int opt_disk(struct parser *ps, struct server_config *srv, struct word value)
{
	struct word name, span, first, count;
	struct config_disk *d;
	uint64_t lba, sectors;

	if (!word_split(value, ':', &name, &span) || !word_split(span, '+', &first, &count))
		return fail_option(ps, "'%.*s' is not SERVER:FIRST+SECTORS", WORD_ARG(value));
	if (srv->disk_count == CONFIG_MAX_CONNECT)
		return fail_option(ps, "more than %u disk regions", CONFIG_MAX_CONNECT);
	d = &srv->disks[srv->disk_count];
	if (copy_name(ps, name, d->server, "disk") < 0)
		return -1;
	for (unsigned int i = 0; i < srv->disk_count; i++)
		if (strcmp(srv->disks[i].server, d->server) == 0)
			return fail_option(ps, "%s given twice", d->server);
	if (!word_sectors(first, &lba) || !word_sectors(count, &sectors))
		return fail_option(ps, "bad sector number or count in '%.*s'", WORD_ARG(span));
	if (sectors == 0)
		return fail_option(ps, "'%.*s' has no sectors", WORD_ARG(span));
	if (lba > BLK_LBA28_SECTORS || sectors > BLK_LBA28_SECTORS - lba)
		return fail_option(ps, "'%.*s' ends past LBA28's %llu sectors", WORD_ARG(span),
			    (unsigned long long)BLK_LBA28_SECTORS);
	d->region = (struct blk_region){ .first = (uint32_t)lba, .sectors = (uint32_t)sectors };
	srv->disk_count++;
	return 0;
}

/* Parses a time: a number with the unit us, ms or s, into microseconds. */
static int word_time_us(struct word w, uint64_t *out)
{
	static const struct {
		const char *unit;
		uint64_t us;
	} units[] = { { "us", 1 }, { "ms", 1000 }, { "s", 1000000 } }; /* "s" last: "ms" ends so too */

	for (unsigned int i = 0; i < ARRAY_LEN(units); i++) {
		size_t n = strlen(units[i].unit);
		struct word num = { w.s, w.len - n };

		if (w.len <= n || memcmp(w.s + num.len, units[i].unit, n) != 0)
			continue;
		return word_number(num, out) && *out <= UINT64_MAX / units[i].us &&
		       (*out *= units[i].us, 1);
	}
	return 0;
}

/* budget=TIME/TIME: a CPU budget per period (SYS_TASK_SET_BUDGET's limits). */
static int opt_budget(struct parser *ps, struct server_config *srv, struct word value)
{
	struct word budget, period;

	if (!word_split(value, '/', &budget, &period))
		return fail_option(ps, "'%.*s' is not BUDGET/PERIOD", WORD_ARG(value));
	if (!word_time_us(budget, &srv->budget_us) || !word_time_us(period, &srv->period_us))
		return fail_option(ps, "bad time in '%.*s' (a number and us, ms or s)",
				   WORD_ARG(value));
	if (srv->period_us > BUDGET_MAX_PERIOD_US)
		return fail_option(ps, "period %.*s is longer than %ums", WORD_ARG(period),
				   BUDGET_MAX_PERIOD_US / 1000);
	if (srv->budget_us < BUDGET_MIN_US)
		return fail_option(ps, "budget %.*s is shorter than %uus", WORD_ARG(budget),
				   BUDGET_MIN_US);
	if (srv->budget_us > srv->period_us)
		return fail_option(ps, "budget %.*s is longer than its period %.*s", WORD_ARG(budget),
				   WORD_ARG(period));
	return 0;
}

static const struct option options[] = {
	{ "module", 1, 0, opt_module, 0 },
	{ "priority", 1, 0, opt_priority, 0 },
	{ "cpu", 1, 0, opt_cpu, 0 },
	{ "memory", 1, 0, opt_memory, 0 },
	{ "untyped", 1, 0, opt_untyped, 0 },
	{ "console", 0, 0, NULL, offsetof(struct server_config, console) },
	{ "console_driver", 0, 0, NULL, offsetof(struct server_config, console_driver) },
	{ "restart", 0, 0, NULL, offsetof(struct server_config, restart) },
	{ "ioports", 1, 0, opt_ioports, 0 },
	{ "irq", 1, 1, opt_irq, 0 },
	{ "connect", 1, 1, opt_connect, 0 },
	{ "modules", 1, 1, opt_modules, 0 },
	{ "disk", 1, 1, opt_disk, 0 },
	{ "budget", 1, 0, opt_budget, 0 },
	{ "background", 0, 0, NULL, offsetof(struct server_config, background) },
	{ "sched_control", 0, 0, NULL, offsetof(struct server_config, sched_control) },
};

/* Sets the flag at offset in srv (a bare key such as console). */
static int set_flag(struct server_config *srv, size_t offset)
{
	*(int *)((char *)srv + offset) = 1;
	return 0;
}

/* Parses one key or key=value word of a server line. */
static int parse_option(struct parser *ps, struct server_config *srv, struct word w)
{
	struct word key, value;
	int has_value = word_split(w, '=', &key, &value);

	for (unsigned int i = 0; i < ARRAY_LEN(options); i++) {
		const struct option *opt = &options[i];

		if (!word_is(key, opt->key))
			continue;
		ps->key = opt->key;
		if (has_value != opt->takes_value)
			return fail_option(ps, "%s", opt->takes_value ? "needs a value" :
					   "takes no value");
		if (!opt->repeatable && (ps->seen & (1u << i)))
			return fail_option(ps, "given twice");
		ps->seen |= 1u << i;
		return opt->parse ? opt->parse(ps, srv, value) : set_flag(srv, opt->flag);
	}
	return fail(ps, "option '%.*s': unknown", WORD_ARG(key));
}

/* Adds a server with the default settings; NULL (and an error) if it cannot. */
static struct server_config *add_server(struct parser *ps, struct word name)
{
	struct config *cfg = ps->cfg;
	struct server_config *srv;

	if (cfg->count == CONFIG_MAX_SERVERS) {
		fail(ps, "more than %d servers", CONFIG_MAX_SERVERS);
		return NULL;
	}
	srv = &cfg->servers[cfg->count];
	memset(srv, 0, sizeof(*srv));
	if (copy_name(ps, name, srv->name, NULL) < 0)
		return NULL;
	if (config_find(cfg, srv->name) >= 0) {
		fail(ps, "server %s defined twice", srv->name);
		return NULL;
	}
	memcpy(srv->module, srv->name, sizeof(srv->module));
	srv->line = ps->line;
	srv->priority = CONFIG_DEFAULT_PRIORITY;
	srv->memory = CONFIG_DEFAULT_MEMORY;
	cfg->count++;
	return srv;
}

/* Parses one line, comment already cut off: blank, or `server NAME OPTION...`. */
static int parse_line(struct parser *ps, const char *p, const char *end)
{
	struct server_config *srv;
	struct word w;

	if (!next_word(&p, end, &w))
		return 0;
	if (!word_is(w, "server"))
		return fail(ps, "expected 'server', found '%.*s'", WORD_ARG(w));
	if (!next_word(&p, end, &w))
		return fail(ps, "server needs a name");
	srv = add_server(ps, w);
	if (!srv)
		return -1;
	ps->seen = 0;
	while (next_word(&p, end, &w))
		if (parse_option(ps, srv, w) < 0)
			return -1;
	if (srv->background && !srv->budget_us) {
		ps->key = "background";
		return fail_option(ps, "needs a budget= (without one the server is never held back)");
	}
	return 0;
}

/* Resolves every connect= name to a server index and marks the servers with clients. */
static int resolve_connections(struct parser *ps)
{
	struct config *cfg = ps->cfg;

	for (unsigned int i = 0; i < cfg->count; i++) {
		struct server_config *srv = &cfg->servers[i];

		for (unsigned int k = 0; k < srv->connect_count; k++) {
			int to = config_find(cfg, srv->connect[k]);

			if (to < 0) {
				ps->line = srv->line;
				ps->key = "connect";
				return fail_option(ps, "no such server '%s'", srv->connect[k]);
			}
			srv->connect_to[k] = (unsigned int)to;
			cfg->servers[to].has_clients = 1;
		}
	}
	return 0;
}

/* Whether two regions share a sector. */
static int regions_overlap(const struct blk_region *a, const struct blk_region *b)
{
	return (uint64_t)a->first < (uint64_t)b->first + b->sectors &&
	       (uint64_t)b->first < (uint64_t)a->first + a->sectors;
}

/* Refuses a region of srv (on disk d) that shares a sector with one of an earlier server. */
static int check_overlap(struct parser *ps, unsigned int index, const struct config_disk *d)
{
	const struct config *cfg = ps->cfg;
	unsigned int to = cfg->servers[index].connect_to[d->connection];

	for (unsigned int i = 0; i < index; i++) {
		const struct server_config *other = &cfg->servers[i];

		for (unsigned int k = 0; k < other->disk_count; k++) {
			const struct config_disk *o = &other->disks[k];

			if (other->connect_to[o->connection] != to ||
			    !regions_overlap(&d->region, &o->region))
				continue;
			return fail(ps, "disk=%s: sectors %u-%u overlap server %s's (sectors %u-%u, line %u)",
				    d->server, d->region.first, d->region.first + d->region.sectors - 1,
				    other->name, o->region.first,
				    o->region.first + o->region.sectors - 1, other->line);
		}
	}
	return 0;
}

/* Ties every disk= to its connection and refuses regions of one server's disk that overlap. */
static int resolve_disks(struct parser *ps)
{
	struct config *cfg = ps->cfg;

	for (unsigned int i = 0; i < cfg->count; i++) {
		struct server_config *srv = &cfg->servers[i];

		ps->line = srv->line;
		for (unsigned int k = 0; k < srv->disk_count; k++) {
			struct config_disk *d = &srv->disks[k];
			unsigned int c = 0;

			while (c < srv->connect_count && strcmp(srv->connect[c], d->server) != 0)
				c++;
			if (c == srv->connect_count)
				return fail(ps, "disk=%s: not connected to %s (connect=)", d->server,
					    d->server);
			d->connection = c;
			if (check_overlap(ps, i, d) < 0)
				return -1;
		}
	}
	return 0;
}

int config_parse(const char *text, size_t len, struct config *cfg, char *err, size_t err_len)
{
	struct parser ps = { .cfg = cfg, .err = err, .err_len = err_len };
	const char *end = text + len;

	if (err_len)
		err[0] = '\0';
	cfg->count = 0;
	while (text < end) {
		const char *eol = text, *cut;

		while (eol < end && *eol != '\n')
			eol++;
		for (cut = text; cut < eol && *cut != '#'; cut++)
			;
		ps.line++;
		if (parse_line(&ps, text, cut) < 0)
			return -1;
		text = eol < end ? eol + 1 : end;
	}
	if (resolve_connections(&ps) < 0)
		return -1;
	return resolve_disks(&ps);
}

const struct config_disk *config_connection_disk(const struct server_config *srv, unsigned int k)
{
	for (unsigned int i = 0; i < srv->disk_count; i++)
		if (srv->disks[i].connection == k)
			return &srv->disks[i];
	return NULL;
}

int config_find(const struct config *cfg, const char *name)
{
	for (unsigned int i = 0; i < cfg->count; i++)
		if (strcmp(cfg->servers[i].name, name) == 0)
			return (int)i;
	return -1;
}
