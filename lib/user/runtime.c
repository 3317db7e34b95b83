/* The user runtime: startup information, program exit and status names. */
#include "mem.h"
#include "moat/syscall.h"
#include "moat/user.h"

const struct startinfo *startinfo(void)
{
	const struct startinfo *info = (const struct startinfo *)USER_STARTINFO_VADDR;

	/* The root task has its boot information at this address instead. */
	return info->magic == STARTINFO_MAGIC ? info : NULL;
}

const char *program_name(void)
{
	const struct startinfo *info = startinfo();

	return info ? info->name : "root";
}

uint64_t fault_endpoint_slot(void)
{
	const struct startinfo *info = startinfo();

	return info && info->has_fault_endpoint ? SLOT_FAULT : SLOT_NONE;
}

uint64_t connection_slot(const char *name)
{
	const struct startinfo *info = startinfo();

	if (!info)
		return SLOT_NONE;
	for (uint64_t i = 0; i < info->connect_count && i < STARTINFO_MAX_CONNECT; i++)
		if (strncmp(info->connect[i], name, STARTINFO_NAME_LEN) == 0)
			return SLOT_CONNECT_FIRST + i;
	return SLOT_NONE;
}

uint64_t module_slot(const char *name, uint64_t *bytes)
{
	const struct startinfo *info = startinfo();

	if (!info)
		return SLOT_NONE;
	for (uint64_t i = 0; i < info->module_count && i < STARTINFO_MAX_MODULES; i++) {
		if (strncmp(info->modules[i].name, name, STARTINFO_NAME_LEN) != 0)
			continue;
		if (bytes)
			*bytes = info->modules[i].bytes;
		return SLOT_MODULE_FIRST + i;
	}
	return SLOT_NONE;
}

void task_exit(int status)
{
	uprintf("%s: exited with status %d\n", program_name(), status);
	for (;;) {
		sys_thread_suspend(SLOT_SELF_THREAD);
		sys_yield(); /* only reached if the thread slot was taken away */
	}
}

static const char *const status_names[ERR_COUNT] = {
	[OK] = "OK",
	[ERR_INVALID_SYSCALL] = "ERR_INVALID_SYSCALL",
	[ERR_INVALID_ARG] = "ERR_INVALID_ARG",
	[ERR_INVALID_SLOT] = "ERR_INVALID_SLOT",
	[ERR_EMPTY_SLOT] = "ERR_EMPTY_SLOT",
	[ERR_SLOT_OCCUPIED] = "ERR_SLOT_OCCUPIED",
	[ERR_WRONG_TYPE] = "ERR_WRONG_TYPE",
	[ERR_NO_RIGHTS] = "ERR_NO_RIGHTS",
	[ERR_NO_MEMORY] = "ERR_NO_MEMORY",
	[ERR_BAD_ADDRESS] = "ERR_BAD_ADDRESS",
	[ERR_WOULD_BLOCK] = "ERR_WOULD_BLOCK",
	[ERR_NO_REPLY] = "ERR_NO_REPLY",
	[ERR_DELETED] = "ERR_DELETED",
	[ERR_BUSY] = "ERR_BUSY",
	[ERR_CANCELED] = "ERR_CANCELED",
	[ERR_UNSUPPORTED] = "ERR_UNSUPPORTED",
	[ERR_TIMEOUT] = "ERR_TIMEOUT",
};

const char *status_name(uint64_t status)
{
	if (status < ERR_COUNT && status_names[status])
		return status_names[status];
	return "(unknown status)";
}
