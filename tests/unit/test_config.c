/* Host unit tests for servers/root/config.c, the root task's config parser. */
#include <string.h>

#include "../../servers/root/config.h"
#include "unit.h"

static struct config cfg;
static char err[128];

/* Parses a NUL-terminated text into cfg and err; returns config_parse's result. */
static int parse(const char *text)
{
	memset(&cfg, 0x55, sizeof(cfg)); /* garbage: the parser must set everything */
	return config_parse(text, strlen(text), &cfg, err, sizeof(err));
}

/* Whether text is rejected with exactly the message want. */
static int rejects(const char *text, const char *want)
{
	if (parse(text) != -1) {
		printf("# accepted: %s\n", text);
		return 0;
	}
	if (strcmp(err, want) != 0) {
		printf("# message \"%s\", wanted \"%s\"\n", err, want);
		return 0;
	}
	return 1;
}

static const char example[] =
	"# servers\n"
	"server echo module=echo priority=100 memory=256K\n"
	"\n"
	"server suite module=suite priority=50 memory=8M console ioports=0x40-0x43 "
	"irq=0 untyped=4M connect=echo   # the test suite\n";

TEST(config_example)
{
	const struct server_config *echo = &cfg.servers[0], *suite = &cfg.servers[1];

	CHECK_EQ(parse(example), 0);
	CHECK_STR(err, "");
	CHECK_EQ(cfg.count, 2);
	CHECK_STR(echo->name, "echo");
	CHECK_STR(echo->module, "echo");
	CHECK_EQ(echo->line, 2);
	CHECK_EQ(echo->priority, 100);
	CHECK_EQ(echo->memory, 256 * 1024);
	CHECK_EQ(echo->untyped, 0);
	CHECK(!echo->console && !echo->has_ioports && !echo->restart);
	CHECK_EQ(echo->irq_mask, 0);
	CHECK_EQ(echo->connect_count, 0);
	CHECK(echo->has_clients);
	CHECK_STR(suite->name, "suite");
	CHECK_EQ(suite->line, 4);
	CHECK_EQ(suite->priority, 50);
	CHECK_EQ(suite->memory, 8 << 20);
	CHECK(suite->console);
	CHECK(suite->has_ioports);
	CHECK_EQ(suite->io_first, 0x40);
	CHECK_EQ(suite->io_last, 0x43);
	CHECK_EQ(suite->irq_mask, 1);
	CHECK_EQ(suite->untyped, 4 << 20);
	CHECK_EQ(suite->connect_count, 1);
	CHECK_STR(suite->connect[0], "echo");
	CHECK_EQ(suite->connect_to[0], 0);
	CHECK(!suite->has_clients);
}

TEST(config_defaults)
{
	const struct server_config *s = &cfg.servers[0];

	CHECK_EQ(parse("server blink"), 0);
	CHECK_EQ(cfg.count, 1);
	CHECK_STR(s->module, "blink");
	CHECK_EQ(s->priority, CONFIG_DEFAULT_PRIORITY);
	CHECK_EQ(s->memory, CONFIG_DEFAULT_MEMORY);
	CHECK(!s->console && !s->has_ioports && !s->has_clients && !s->restart);
	CHECK_EQ(s->irq_mask, 0);
	CHECK_EQ(s->untyped, 0);
	CHECK_EQ(s->connect_count, 0);
	CHECK_EQ(s->module_count, 0);
}

TEST(config_empty_and_comments)
{
	CHECK_EQ(parse(""), 0);
	CHECK_EQ(cfg.count, 0);
	CHECK_EQ(parse("# nothing\n\n   \t# still nothing\n\n"), 0);
	CHECK_EQ(cfg.count, 0);
	CHECK_EQ(parse("server a#comment right after the name\n"), 0);
	CHECK_STR(cfg.servers[0].name, "a");
}

TEST(config_crlf_and_tabs)
{
	CHECK_EQ(parse("server a\tpriority=7\r\n\tserver b  console\r\n"), 0);
	CHECK_EQ(cfg.count, 2);
	CHECK_EQ(cfg.servers[0].priority, 7);
	CHECK(cfg.servers[1].console);
}

TEST(config_text_not_terminated)
{
	static const char text[] = "server a priority=12XXXX";

	/* The length stops before the garbage: "priority=12" must be read. */
	CHECK_EQ(config_parse(text, strlen(text) - 4, &cfg, err, sizeof(err)), 0);
	CHECK_EQ(cfg.servers[0].priority, 12);
}

TEST(config_sizes)
{
	const struct server_config *s = &cfg.servers[0];

	CHECK_EQ(parse("server a memory=1M untyped=2G"), 0);
	CHECK_EQ(s->memory, 1 << 20);
	CHECK_EQ(s->untyped, 2ULL << 30);
	CHECK_EQ(parse("server a memory=0x20000 untyped=4096"), 0);
	CHECK_EQ(s->memory, 0x20000);
	CHECK_EQ(s->untyped, 4096);
	CHECK_EQ(parse("server a memory=128k untyped=8m"), 0);
	CHECK_EQ(s->memory, 128 << 10);
	CHECK_EQ(s->untyped, 8 << 20);
}

TEST(config_restart)
{
	/* A bare word, anywhere on the line, only for the server it is on. */
	CHECK_EQ(parse("server a restart\n"
		       "server b console\n"
		       "server c priority=9 restart connect=a console\n"), 0);
	CHECK(cfg.servers[0].restart && !cfg.servers[0].console);
	CHECK(!cfg.servers[1].restart && cfg.servers[1].console);
	CHECK(cfg.servers[2].restart && cfg.servers[2].console);
	CHECK_EQ(cfg.servers[2].priority, 9);
	CHECK_EQ(cfg.servers[2].connect_count, 1);
}

TEST(config_bad_restart)
{
	CHECK(rejects("server a restart=yes", "line 1: option 'restart': takes no value"));
	CHECK(rejects("server a restart=", "line 1: option 'restart': takes no value"));
	CHECK(rejects("server a restart restart", "line 1: option 'restart': given twice"));
	CHECK(rejects("server a restarts", "line 1: option 'restarts': unknown"));
	/* The word is an option only after the name. */
	CHECK_EQ(parse("server restart"), 0);
	CHECK_STR(cfg.servers[0].name, "restart");
	CHECK(!cfg.servers[0].restart);
}

TEST(config_irq_lists)
{
	CHECK_EQ(parse("server a irq=0,4 irq=15"), 0);
	CHECK_EQ(cfg.servers[0].irq_mask, (1u << 0) | (1u << 4) | (1u << 15));
}

TEST(config_ioports_single_port)
{
	CHECK_EQ(parse("server a ioports=0x3f8"), 0);
	CHECK(cfg.servers[0].has_ioports);
	CHECK_EQ(cfg.servers[0].io_first, 0x3f8);
	CHECK_EQ(cfg.servers[0].io_last, 0x3f8);
	CHECK_EQ(parse("server a ioports=0-0xffff"), 0);
	CHECK_EQ(cfg.servers[0].io_last, 0xffff);
}

TEST(config_connections)
{
	const struct server_config *c = &cfg.servers[0];

	/* A client may name servers defined after it, and itself. */
	CHECK_EQ(parse("server client connect=fs,net connect=client\n"
		       "server fs\n"
		       "server net\n"), 0);
	CHECK_EQ(c->connect_count, 3);
	CHECK_EQ(c->connect_to[0], 1);
	CHECK_EQ(c->connect_to[1], 2);
	CHECK_EQ(c->connect_to[2], 0);
	CHECK_STR(c->connect[1], "net");
	CHECK(cfg.servers[0].has_clients && cfg.servers[1].has_clients);
	CHECK(cfg.servers[2].has_clients);
	CHECK_EQ(config_find(&cfg, "net"), 2);
	CHECK_EQ(config_find(&cfg, "nope"), -1);
}

TEST(config_modules)
{
	const struct server_config *s = &cfg.servers[0];

	/* Several per list, repeated, and names that are not servers. */
	CHECK_EQ(parse("server vmm modules=guest.elf,disk-img modules=initrd\n"
		       "server b modules=guest.elf\n"), 0);
	CHECK_EQ(s->module_count, 3);
	CHECK_STR(s->modules[0], "guest.elf");
	CHECK_STR(s->modules[1], "disk-img");
	CHECK_STR(s->modules[2], "initrd");
	CHECK_STR(s->module, "vmm");
	CHECK_EQ(cfg.servers[1].module_count, 1);
	CHECK_STR(cfg.servers[1].modules[0], "guest.elf");
	CHECK(!cfg.servers[0].has_clients);
}

TEST(config_modules_limit)
{
	char text[CONFIG_MAX_MODULES * 8 + 32] = "server a modules=m0";
	char want[64];

	for (int i = 1; i < CONFIG_MAX_MODULES; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text), ",m%d", i);
	CHECK_EQ(parse(text), 0);
	CHECK_EQ(cfg.servers[0].module_count, CONFIG_MAX_MODULES);
	snprintf(want, sizeof(want), "m%d", CONFIG_MAX_MODULES - 1);
	CHECK_STR(cfg.servers[0].modules[CONFIG_MAX_MODULES - 1], want);
	strcat(text, " modules=one-more");
	snprintf(want, sizeof(want), "line 1: option 'modules': more than %d modules", CONFIG_MAX_MODULES);
	CHECK(rejects(text, want));
}

TEST(config_bad_modules)
{
	CHECK(rejects("server a modules=", "line 1: option 'modules': empty item in list ''"));
	CHECK(rejects("server a modules=x,", "line 1: option 'modules': empty item in list 'x,'"));
	CHECK(rejects("server a modules=x,,y", "line 1: option 'modules': empty item in list 'x,,y'"));
	CHECK(rejects("server a modules", "line 1: option 'modules': needs a value"));
	CHECK(rejects("server a modules=x,x", "line 1: option 'modules': x given twice"));
	CHECK(rejects("server a modules=x modules=x", "line 1: option 'modules': x given twice"));
	CHECK(rejects("server a modules=a/b", "line 1: option 'modules': name 'a/b': bad character"));
	CHECK(rejects("server a modules=abcdefghijabcdefghijabcdefghij12",
		      "line 1: option 'modules': name 'abcdefghijabcdefghijabcdefghij12': names have 1 to 31 "
		      "characters"));
}

TEST(config_bad_lines)
{
	CHECK(rejects("\nservre a\n", "line 2: expected 'server', found 'servre'"));
	CHECK(rejects("server\n", "line 1: server needs a name"));
	CHECK(rejects("server a/b", "line 1: server 'a/b': bad character"));
	CHECK(rejects("server abcdefghijabcdefghijabcdefghij12",
		      "line 1: server 'abcdefghijabcdefghijabcdefghij12': names have 1 to 31 "
		      "characters"));
	CHECK(rejects("server a\nserver a\n", "line 2: server a defined twice"));
}

TEST(config_bad_options)
{
	CHECK(rejects("server a\nserver b colour=red", "line 2: option 'colour': unknown"));
	CHECK(rejects("server a memory", "line 1: option 'memory': needs a value"));
	CHECK(rejects("server a console=yes", "line 1: option 'console': takes no value"));
	CHECK(rejects("server a console console", "line 1: option 'console': given twice"));
	CHECK(rejects("server a module=x module=y", "line 1: option 'module': given twice"));
	CHECK(rejects("server a module=",
		      "line 1: option 'module': name '': names have 1 to 31 characters"));
}

TEST(config_bad_priority)
{
	CHECK(rejects("server a priority=256", "line 1: option 'priority': '256' is not 0 to 255"));
	CHECK(rejects("server a priority=-1", "line 1: option 'priority': '-1' is not 0 to 255"));
	CHECK(rejects("server a priority=0x", "line 1: option 'priority': '0x' is not 0 to 255"));
	CHECK(rejects("server a priority=1a", "line 1: option 'priority': '1a' is not 0 to 255"));
}

TEST(config_bad_sizes)
{
	CHECK(rejects("server a memory=100000",
		      "line 1: option 'memory': 100000 is not a non-zero multiple of 4K"));
	CHECK(rejects("server a memory=16K", "line 1: option 'memory': 16K is not 64K to 512M"));
	CHECK(rejects("server a memory=1G", "line 1: option 'memory': 1G is not 64K to 512M"));
	CHECK(rejects("server a memory=4T", "line 1: option 'memory': bad size '4T'"));
	CHECK(rejects("server a memory=K", "line 1: option 'memory': bad size 'K'"));
	CHECK(rejects("server a untyped=99999999999999999999",
		      "line 1: option 'untyped': bad size '99999999999999999999'"));
	CHECK(rejects("server a untyped=17179869184G", /* 2^34 G overflows */
		      "line 1: option 'untyped': bad size '17179869184G'"));
	CHECK(rejects("server a untyped=0",
		      "line 1: option 'untyped': 0 is not a non-zero multiple of 4K"));
}

TEST(config_bad_ioports)
{
	CHECK(rejects("server a ioports=0x43-0x40",
		      "line 1: option 'ioports': '0x43-0x40' is not a port range within 0-0xffff"));
	CHECK(rejects("server a ioports=0-0x10000",
		      "line 1: option 'ioports': '0-0x10000' is not a port range within 0-0xffff"));
	CHECK(rejects("server a ioports=1-",
		      "line 1: option 'ioports': '1-' is not a port range within 0-0xffff"));
	CHECK(rejects("server a ioports=1 ioports=2", "line 1: option 'ioports': given twice"));
}

TEST(config_bad_irqs)
{
	CHECK(rejects("server a irq=16", "line 1: option 'irq': '16' is not 0 to 15"));
	CHECK(rejects("server a irq=1,1", "line 1: option 'irq': 1 given twice"));
	CHECK(rejects("server a irq=1 irq=1", "line 1: option 'irq': 1 given twice"));
	CHECK(rejects("server a irq=1,,2", "line 1: option 'irq': empty item in list '1,,2'"));
	CHECK(rejects("server a irq=1,", "line 1: option 'irq': empty item in list '1,'"));
}

TEST(config_bad_connections)
{
	CHECK(rejects("server a\nserver b connect=a\nserver c connect=nope\n",
		      "line 3: option 'connect': no such server 'nope'"));
	CHECK(rejects("server a\nserver b connect=a,a", "line 2: option 'connect': a given twice"));
	CHECK(rejects("server a connect=a,b,c,d,e,f,g,h,i",
		      "line 1: option 'connect': more than 8 connections"));
}

TEST(config_too_many_servers)
{
	char text[CONFIG_MAX_SERVERS * 16 + 32] = "";
	char want[64];

	for (int i = 0; i <= CONFIG_MAX_SERVERS; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "server s%d\n", i);
	snprintf(want, sizeof(want), "line %d: more than %d servers", CONFIG_MAX_SERVERS + 1,
		 CONFIG_MAX_SERVERS);
	CHECK(rejects(text, want));
}

TEST(config_error_buffer_small)
{
	char small[8];

	CHECK_EQ(config_parse("server a colour", 15, &cfg, small, sizeof(small)), -1);
	CHECK_STR(small, "line 1:");
	CHECK_EQ(config_parse("server a colour", 15, &cfg, NULL, 0), -1);
}

/* A disk= region of server i's connection k, or NULL. */
static const struct blk_region *region_of(unsigned int i, unsigned int k)
{
	const struct config_disk *d = config_connection_disk(&cfg.servers[i], k);

	return d ? &d->region : NULL;
}

static const char regions[] =
	"server ata\n"
	"server a disk=ata:0+1000 connect=serial,ata\n" /* the option may come first */
	"server b connect=ata disk=ata:1000+0x200\n"
	"server c connect=ata disk=ata:1M+2M\n"          /* bytes: whole sectors */
	"server d connect=ata disk=ata:1G+0xfe00000\n"   /* to LBA28's last sector */
	"server e connect=ata\n"                         /* none: the whole disk */
	"server serial\n";

TEST(config_disk_regions)
{
	CHECK_EQ(parse(regions), 0);
	CHECK_EQ(cfg.servers[1].disk_count, 1);
	CHECK_STR(cfg.servers[1].disks[0].server, "ata");
	CHECK(region_of(1, 0) == NULL); /* its connection to serial */
	CHECK(region_of(1, 1) != NULL);
	CHECK_EQ(region_of(1, 1)->first, 0);
	CHECK_EQ(region_of(1, 1)->sectors, 1000);
	CHECK_EQ(region_of(2, 0)->first, 1000);
	CHECK_EQ(region_of(2, 0)->sectors, 0x200);
	CHECK_EQ(region_of(3, 0)->first, 2048);
	CHECK_EQ(region_of(3, 0)->sectors, 4096);
	CHECK_EQ(region_of(4, 0)->first, 1u << 21);
	CHECK_EQ(region_of(4, 0)->sectors, (1u << 28) - (1u << 21));
	CHECK_EQ(cfg.servers[5].disk_count, 0);
	CHECK(region_of(5, 0) == NULL);
}

static const char two_disks[] =
	"server a connect=x,y disk=x:0+0x10000000 disk=y:0+1\n" /* all of LBA28 */
	"server b connect=y,x disk=y:1+1\n"
	"server x\nserver y\n";

TEST(config_disk_regions_per_server)
{
	/* Regions on two servers' disks may use the same sectors. */
	CHECK_EQ(parse(two_disks), 0);
	CHECK_EQ(region_of(0, 0)->sectors, 1u << 28);
	CHECK_EQ(region_of(0, 1)->first, 0);
	CHECK_EQ(region_of(0, 1)->sectors, 1);
	CHECK_EQ(region_of(1, 0)->first, 1);
	CHECK(region_of(1, 1) == NULL);
}

static const char adjacent[] =
	"server ata\n"
	"server a connect=ata disk=ata:100+50\n"
	"server b connect=ata disk=ata:150+50\n"
	"server c connect=ata disk=ata:50+50\n";

TEST(config_disk_regions_overlap)
{
	/* It is an error for two clients' regions of one server's disk to share a sector. */
	CHECK(rejects("server ata\n"
		      "server a connect=ata disk=ata:100+50\n"
		      "server b connect=ata disk=ata:149+10\n",
		      "line 3: disk=ata: sectors 149-158 overlap server a's (sectors 100-149, line 2)"));
	CHECK(rejects("server ata\n"
		      "server a connect=ata disk=ata:100+50\n"
		      "server b connect=ata disk=ata:0+101\n",
		      "line 3: disk=ata: sectors 0-100 overlap server a's (sectors 100-149, line 2)"));
	/* Inside another, and around it; the later line is the one named. */
	CHECK(rejects("server a connect=ata disk=ata:0+1M\n"
		      "server ata\n"
		      "server b connect=ata disk=ata:5+1\n",
		      "line 3: disk=ata: sectors 5-5 overlap server a's (sectors 0-2047, line 1)"));
	CHECK(rejects("server a connect=ata disk=ata:5+1\n"
		      "server ata\n"
		      "server b connect=ata disk=ata:0+1M\n",
		      "line 3: disk=ata: sectors 0-2047 overlap server a's (sectors 5-5, line 1)"));
	/* Adjacent regions do not overlap. */
	CHECK_EQ(parse(adjacent), 0);
	CHECK_EQ(cfg.count, 4);
}

/* Regions the parser refuses, each with its message. */
static const struct {
	const char *text, *message;
} bad_disks[] = {
	{ "server a disk=ata", "line 1: option 'disk': 'ata' is not SERVER:FIRST+SECTORS" },
	{ "server a disk=ata:0", "line 1: option 'disk': 'ata:0' is not SERVER:FIRST+SECTORS" },
	{ "server a disk", "line 1: option 'disk': needs a value" },
	{ "server a disk=a/b:0+1", "line 1: option 'disk': name 'a/b': bad character" },
	{ "server a disk=:0+1", "line 1: option 'disk': name '': names have 1 to 31 characters" },
	{ "server a disk=ata:+1", "line 1: option 'disk': bad sector number or count in '+1'" },
	{ "server a disk=ata:0+", "line 1: option 'disk': bad sector number or count in '0+'" },
	{ "server a disk=ata:x+1", "line 1: option 'disk': bad sector number or count in 'x+1'" },
	{ "server a disk=ata:0+4T", "line 1: option 'disk': bad sector number or count in '0+4T'" },
	{ "server a disk=ata:0+-1", "line 1: option 'disk': bad sector number or count in '0+-1'" },
	{ "server a disk=ata:0+99999999999999999999",
	  "line 1: option 'disk': bad sector number or count in '0+99999999999999999999'" },
	{ "server a disk=ata:7+0", "line 1: option 'disk': '7+0' has no sectors" },
	{ "server a disk=ata:0+0K", "line 1: option 'disk': '0+0K' has no sectors" },
	/* Past LBA28: by one sector, by a start alone, by a sum that would wrap 32 bits. */
	{ "server a disk=ata:1+0x10000000",
	  "line 1: option 'disk': '1+0x10000000' ends past LBA28's 268435456 sectors" },
	{ "server a disk=ata:0x10000000+1",
	  "line 1: option 'disk': '0x10000000+1' ends past LBA28's 268435456 sectors" },
	{ "server a disk=ata:0xffffffff+2",
	  "line 1: option 'disk': '0xffffffff+2' ends past LBA28's 268435456 sectors" },
	{ "server a disk=ata:128G+1", "line 1: option 'disk': '128G+1' ends past LBA28's 268435456 sectors" },
	{ "server a disk=ata:0+1 disk=ata:1+1", "line 1: option 'disk': ata given twice" },
	{ "server a disk=a:0+1 disk=b:0+1 disk=c:0+1 disk=d:0+1 disk=e:0+1 disk=f:0+1 "
	  "disk=g:0+1 disk=h:0+1 disk=i:0+1", "line 1: option 'disk': more than 8 disk regions" },
	/* Only for a connection of the same line. */
	{ "server ata\nserver a disk=ata:0+1\n", "line 2: disk=ata: not connected to ata (connect=)" },
	{ "server ata\nserver a connect=ata disk=atb:0+1\nserver atb\n",
	  "line 2: disk=atb: not connected to atb (connect=)" },
};

TEST(config_bad_disk_regions)
{
	for (unsigned int i = 0; i < sizeof(bad_disks) / sizeof(bad_disks[0]); i++)
		CHECK(rejects(bad_disks[i].text, bad_disks[i].message));
}

/* docs/root-task.md's examples of disk regions: two VMMs' halves, and an overlap it refuses. */
static const char doc_regions[] =
	"server ata module=ata ioports=0x1f0-0x1f7 priority=90 console restart\n"
	"server vmm_a module=vmm memory=1M untyped=64M connect=ata disk=ata:0+1G "
	"modules=vmm_a.cfg,kernel\n"
	"server vmm_b module=vmm memory=1M untyped=64M connect=ata disk=ata:1G+1G "
	"modules=vmm_b.cfg,kernel\n";

static const char doc_overlap[] =
	"server ata\nserver x\nserver y\n"
	"server owner connect=ata disk=ata:1000+500\n"
	"server intruder connect=ata disk=ata:500+600\n";

TEST(config_disk_regions_documented)
{
	CHECK_EQ(parse(doc_regions), 0);
	CHECK_EQ(region_of(1, 0)->first, 0);
	CHECK_EQ(region_of(1, 0)->sectors, 2097152);
	CHECK_EQ(region_of(2, 0)->first, 2097152);
	CHECK_EQ(region_of(2, 0)->sectors, 2097152);
	CHECK(rejects(doc_overlap, "line 5: disk=ata: sectors 500-1099 overlap server owner's "
				   "(sectors 1000-1499, line 4)"));
}

TEST(config_budget)
{
	/* Times in us, ms or s; background and sched_control are bare words. */
	CHECK_EQ(parse("server a budget=3ms/10ms background\n"
		       "server b budget=500us/1s sched_control\n"
		       "server c\n"), 0);
	CHECK_EQ(cfg.servers[0].budget_us, 3000);
	CHECK_EQ(cfg.servers[0].period_us, 10000);
	CHECK(cfg.servers[0].background && !cfg.servers[0].sched_control);
	CHECK_EQ(cfg.servers[1].budget_us, 500);
	CHECK_EQ(cfg.servers[1].period_us, 1000000);
	CHECK(!cfg.servers[1].background && cfg.servers[1].sched_control);
	/* No budget= is no budget: the server runs as its priority says. */
	CHECK_EQ(cfg.servers[2].budget_us, 0);
	CHECK(!cfg.servers[2].background && !cfg.servers[2].sched_control);
	/* A budget may be its whole period. */
	CHECK_EQ(parse("server a budget=10ms/10ms"), 0);
}

static const struct {
	const char *text, *message;
} bad_budgets[] = {
	{ "server a budget=3ms", "line 1: option 'budget': '3ms' is not BUDGET/PERIOD" },
	{ "server a budget=3/10ms",
	  "line 1: option 'budget': bad time in '3/10ms' (a number and us, ms or s)" },
	{ "server a budget=3ms/10m",
	  "line 1: option 'budget': bad time in '3ms/10m' (a number and us, ms or s)" },
	{ "server a budget=ms/10ms",
	  "line 1: option 'budget': bad time in 'ms/10ms' (a number and us, ms or s)" },
	{ "server a budget=20ms/10ms",
	  "line 1: option 'budget': budget 20ms is longer than its period 10ms" },
	{ "server a budget=0ms/10ms", "line 1: option 'budget': budget 0ms is shorter than 100us" },
	{ "server a budget=99us/10ms", "line 1: option 'budget': budget 99us is shorter than 100us" },
	{ "server a budget=1ms/2s", "line 1: option 'budget': period 2s is longer than 1000ms" },
	{ "server a budget=1ms/10ms budget=2ms/10ms", "line 1: option 'budget': given twice" },
	{ "server a budget", "line 1: option 'budget': needs a value" },
	{ "server a\nserver b background",
	  "line 2: option 'background': needs a budget= (without one the server is never held back)" },
	{ "server a background=yes", "line 1: option 'background': takes no value" },
	{ "server a sched_control=1", "line 1: option 'sched_control': takes no value" },
};

TEST(config_bad_budgets)
{
	for (unsigned int i = 0; i < sizeof(bad_budgets) / sizeof(bad_budgets[0]); i++)
		CHECK(rejects(bad_budgets[i].text, bad_budgets[i].message));
}
