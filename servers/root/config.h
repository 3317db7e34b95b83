/*
 * The root task's configuration: which servers to start and with what
 * authority.  A pure parser, unit-tested on the host; docs/root-task.md
 * describes the format.
 */
#ifndef ROOT_CONFIG_H
#define ROOT_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "moat/block.h"
#include "moat/user.h"

#define CONFIG_MAX_SERVERS      16
#define CONFIG_NAME_LEN         STARTINFO_NAME_LEN
#define CONFIG_MAX_CONNECT      STARTINFO_MAX_CONNECT
#define CONFIG_MAX_MODULES      STARTINFO_MAX_MODULES
#define CONFIG_IRQ_COUNT        16
#define CONFIG_DEFAULT_PRIORITY 100
#define CONFIG_MAX_CPUS 16 /* the kernel keeps at most 16 processors (MAX_CPUS) */
#define CONFIG_DEFAULT_MEMORY   (USER_STACK_BYTES + 0x10000)

/* disk=SERVER:FIRST+SECTORS: the region of SERVER's disk that this server's connection reaches. */
struct config_disk {
	char server[CONFIG_NAME_LEN];
	unsigned int connection;             /* its index in connect[], once resolved */
	struct blk_region region;
};

/* One `server` line. */
struct server_config {
	char name[CONFIG_NAME_LEN];
	char module[CONFIG_NAME_LEN];        /* defaults to the name */
	unsigned int line;                   /* where it was defined */
	uint64_t priority;
	uint64_t cpu;                        /* the CPU its first thread runs on (its own start theirs) */
	uint64_t memory;                     /* bytes of stack + heap, page multiple */
	uint64_t untyped;                    /* bytes of own untyped memory, 0 = none */
	int console;                         /* may write to the debug console */
	int console_driver;                  /* and take the kernel's output over (COM1's driver) */
	int restart;                         /* restarted from its module when it faults */
	int has_ioports;
	uint64_t io_first, io_last;
	uint32_t irq_mask;                   /* bit n: IRQ n */
	int has_clients;                     /* some server connects to this one */
	unsigned int connect_count;
	char connect[CONFIG_MAX_CONNECT][CONFIG_NAME_LEN];
	unsigned int connect_to[CONFIG_MAX_CONNECT]; /* server indices of connect[] */
	unsigned int module_count;           /* modules=: boot modules it gets a frame of */
	char modules[CONFIG_MAX_MODULES][CONFIG_NAME_LEN];
	uint64_t budget_us, period_us;       /* budget=: CPU time per period; 0: unlimited */
	int background;                      /* runs on when its budget is used up and the CPU idles */
	int sched_control;                   /* may set budgets (a copy of the root's sched control) */
	unsigned int disk_count;             /* disk=: at most one per connection */
	struct config_disk disks[CONFIG_MAX_CONNECT];
};

struct config {
	unsigned int count;
	struct server_config servers[CONFIG_MAX_SERVERS];
};

/*
 * Parses the config text[0 .. len).  Returns 0, or -1 with a message such as
 * "line 3: unknown key 'colour'" in err (always NUL-terminated if err_len > 0).
 */
int config_parse(const char *text, size_t len, struct config *cfg, char *err, size_t err_len);

/* The disk region of srv's connection k (its badge says so), or NULL: the whole disk. */
const struct config_disk *config_connection_disk(const struct server_config *srv, unsigned int k);

/* The index of the server called name, or -1. */
int config_find(const struct config *cfg, const char *name);

#endif
