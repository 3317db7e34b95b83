#ifndef KERNEL_ROOT_H
#define KERNEL_ROOT_H

#include <stdbool.h>

/*
 * Builds the root task from the first boot module and hands it every boot
 * capability and all free memory.  Returns false (after saying why) when
 * there is no valid root task to run.
 */
bool root_task_create(void);

#endif
