/* The root task: shared declarations of its parts. */
#ifndef ROOT_ROOT_H
#define ROOT_ROOT_H

#include <stdint.h>

#include "config.h"
#include "moat/abi.h"

/* Root-private windows in its own address space. */
#define ROOT_SCRATCH_VADDR 0x100000000ULL /* a new frame while the root fills it */
#define ROOT_MODULE_VADDR  0x200000000ULL /* the module being read */

#define THREAD_PAGES 1      /* a thread object's size (docs/syscalls.md) */
#define RESTART_LIMIT 3     /* restarts of a `restart` server before the root gives up */

/*
 * A server of the config and the root's capabilities for it (SLOT_NONE: none
 * yet).  Every object of one instance is retyped from pool, so revoking pool
 * deletes the instance; the endpoint and the badged fault endpoint outlive it.
 */
struct server {
	const struct server_config *cfg;
	unsigned int index;
	uint64_t endpoint;          /* its endpoint, full rights */
	uint64_t fault_ep;          /* the root's fault endpoint, badged for it, send only */
	uint64_t pool;              /* untyped memory for one instance */
	uint64_t task, thread;
	uint64_t utcb, startinfo;   /* frames */
	uint64_t entry;             /* the ELF entry point */
	int modules[CONFIG_MAX_MODULES]; /* bootinfo.modules[] index of each modules= */
	int running;
	unsigned int restarts;      /* how often it was restarted */
};

/* The badge of a server's calls and faults: 0 is the root itself. */
static inline uint64_t server_badge(const struct server *srv)
{
	return srv->index + 1;
}

static inline const struct bootinfo *boot_info(void)
{
	return (const struct bootinfo *)ROOT_BOOTINFO_VADDR;
}

/* A module mapped read-only at ROOT_MODULE_VADDR. */
struct module {
	uint64_t frame;
	uint64_t bytes;
	const void *image;
};

/*
 * alloc.c: slots and objects.  slots_reclaim frees every slot that became
 * empty; retype takes the root's untyped memory, retype_from the given one.
 */
void slots_init(uint64_t first_free);
uint64_t slot_take(void);
void slots_reclaim(void);
uint64_t retype(uint64_t type, uint64_t pages, uint64_t *slot);
uint64_t retype_from(uint64_t untyped, uint64_t type, uint64_t pages, uint64_t *slot);
uint64_t copy_to_self(uint64_t src, uint64_t rights, uint64_t badge, uint64_t *slot);
uint64_t frame_create(uint64_t untyped, uint64_t pages, const void *data, uint64_t offset,
		      uint64_t len, uint64_t *slot);

/*
 * module.c: boot modules.  module_find gives the index in bootinfo.modules[]
 * or -1; it and module_open report failures, naming who wanted the module.
 */
int module_find(const char *who, const char *name);
int module_open(const char *who, const char *name, struct module *mod);
void module_close(struct module *mod);

/* load.c: a server's memory. */
int load_check(const struct server *srv, const void *image, uint64_t bytes);
uint64_t load_table_pages(const struct server *srv, const void *image);
uint64_t load_pool_pages(const struct server *srv, const void *image);
int load_image(struct server *srv, const void *image);
int load_memory(struct server *srv);

/*
 * server.c: starting a server, and deleting a running or half-made instance
 * (its pool stays, for the next start).
 */
uint64_t server_failed(const struct server *srv, const char *what, uint64_t status);
int server_start(struct server *srv, const struct server *all, uint64_t fault_ep);
void server_teardown(struct server *srv);

#endif
