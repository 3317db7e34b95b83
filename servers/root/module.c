/* The boot modules: found by name in the boot information, mapped read-only. */
#include "mem.h"
#include "moat/syscall.h"
#include "moat/user.h"
#include "root.h"

/* Whether a module command line ("NAME ARGS") names the module name. */
static int module_is(const char *cmdline, const char *name)
{
	size_t len = strlen(name);
	size_t max = sizeof(boot_info()->modules[0].name);

	if (len >= max || strncmp(cmdline, name, len) != 0)
		return 0;
	return cmdline[len] == '\0' || cmdline[len] == ' ';
}

int module_find(const char *who, const char *name)
{
	const struct bootinfo *bi = boot_info();

	for (uint64_t i = 0; i < bi->module_count && i < BOOTINFO_MAX_MODULES; i++)
		if (module_is(bi->modules[i].name, name))
			return (int)i;
	uprintf("root: %s: no module named %s\n", who, name);
	return -1;
}

int module_open(const char *who, const char *name, struct module *mod)
{
	const struct bootinfo *bi = boot_info();
	int i = module_find(who, name);
	uint64_t st;

	if (i < 0)
		return -1;
	mod->frame = bi->module_first + (uint64_t)i;
	mod->bytes = bi->modules[i].bytes;
	mod->image = (const void *)ROOT_MODULE_VADDR;
	st = sys_map(mod->frame, TASK_SELF, ROOT_MODULE_VADDR, RIGHT_R);
	if (st == OK)
		return 0;
	uprintf("root: %s: cannot map module %s: %s\n", who, name, status_name(st));
	return -1;
}

void module_close(struct module *mod)
{
	sys_unmap(mod->frame);
}
