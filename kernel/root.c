/*
 * The root task: the first boot module, loaded as an ELF64 executable.  It
 * receives the boot capabilities (enum root_slot in moat/abi.h), a frame
 * capability per remaining module, and all free memory as untyped
 * capabilities, all listed in its boot-information page.  From then on the
 * kernel allocates nothing: every object comes from untyped memory.
 */
#include "boot.h"
#include "cap.h"
#include "elf.h"
#include "frame.h"
#include "irq.h"
#include "lapic.h"
#include "log.h"
#include "mem.h"
#include "memory.h"
#include "root.h"
#include "task.h"
#include "thread.h"

#define ROOT_PT_PAGES      128 /* page-table quota of the root task */
#define KERNEL_RESERVE     64  /* frames kept back for the kernel's own later needs */

static struct task *root;
static struct bootinfo *bootinfo;
static uint64_t next_slot;

static uint64_t alloc_zeroed(uint64_t pages)
{
	uint64_t p = pmm_alloc_contig(&pmm, pages, 1);
	if (p)
		memset(phys_to_virt(p), 0, pages * PAGE_SIZE);
	return p;
}

static struct cap *give(uint64_t slot, struct cap value)
{
	cap_insert(0, &root->cspace[slot], &value, root);
	return &root->cspace[slot];
}

/* Copies one ELF segment into fresh frames mapped at its address with its rights. */
static bool load_segment(const struct elf_segment *seg)
{
	unsigned rights = RIGHT_R | (seg->flags & ELF_PF_W ? RIGHT_W : 0) |
			  (seg->flags & ELF_PF_X ? RIGHT_X : 0);
	uint64_t first = seg->vaddr & ~(PAGE_SIZE - 1);
	for (uint64_t va = first; va < seg->vaddr + seg->memsz; va += PAGE_SIZE) {
		uint64_t frame = alloc_zeroed(1);
		if (!frame || task_map_page(root, va, frame, rights) != OK)
			return false;
		for (uint64_t b = 0; b < PAGE_SIZE; b++) { /* the bytes of the file in this page */
			uint64_t off = va + b - seg->vaddr;
			if (va + b >= seg->vaddr && off < seg->filesz)
				((uint8_t *)phys_to_virt(frame))[b] = seg->data[off];
		}
	}
	return true;
}

static bool load_image(const struct mb2_module *m)
{
	const void *image = phys_to_virt(m->start);
	enum elf_status st = elf_check(image, m->end - m->start);
	if (st != ELF_OK) {
		log_error("root: module '%s' is not a loadable ELF64 executable: %s", m->cmdline,
			  elf_strerror(st));
		return false;
	}
	struct elf_segment seg;
	size_t cursor = 0;
	while (elf_next_segment(image, &cursor, &seg))
		if (!load_segment(&seg))
			return false;
	for (uint64_t i = 1; i <= ROOT_STACK_PAGES; i++) {
		uint64_t frame = alloc_zeroed(1);
		if (!frame || task_map_page(root, ROOT_STACK_TOP - i * PAGE_SIZE, frame,
					    RIGHT_R | RIGHT_W) != OK)
			return false;
	}
	return true;
}

/* A frame capability for a fresh page, mapped in the root at va. */
static struct cap *give_page(uint64_t slot, uint64_t va, unsigned rights)
{
	uint64_t frame = alloc_zeroed(1);
	if (!frame)
		return 0;
	struct cap *c = give(slot, (struct cap){ .type = OBJ_FRAME, .rights = rights,
						 .base = frame, .pages = 1 });
	return frame_map_task(c, root, va, rights) == OK ? c : 0;
}

static void give_devices(void)
{
	give(SLOT_CONSOLE, (struct cap){ .type = OBJ_CONSOLE, .rights = RIGHTS_ALL });
	give(SLOT_IOPORTS, (struct cap){ .type = OBJ_IOPORT, .rights = RIGHTS_ALL,
					 .ports = { .first = 0, .last = 0xffff } });
	for (unsigned i = 0; i < IRQ_LINES; i++)
		give(SLOT_IRQ_FIRST + i, (struct cap){ .type = OBJ_IRQ, .rights = RIGHTS_ALL, .irq = i });
}

static void give_modules(void)
{
	bootinfo->module_first = next_slot;
	for (unsigned i = 1; i < boot_info.n_modules && i <= BOOTINFO_MAX_MODULES; i++) {
		const struct mb2_module *m = &boot_info.modules[i];
		uint64_t pages = (m->end - m->start + PAGE_SIZE - 1) / PAGE_SIZE;
		give(next_slot++, (struct cap){ .type = OBJ_FRAME, .rights = RIGHTS_ALL,
						.base = m->start & ~(PAGE_SIZE - 1), .pages = pages });
		bootinfo->modules[i - 1].bytes = m->end - m->start;
		strlcpy(bootinfo->modules[i - 1].name, m->cmdline,
			     sizeof(bootinfo->modules[i - 1].name));
		bootinfo->module_count++;
	}
}

/* Every frame still free becomes untyped memory of the root, one capability per run. */
static void give_untyped(void)
{
	uint64_t reserve[KERNEL_RESERVE], run_start = 0, run_end = 0, total = 0;
	for (int i = 0; i < KERNEL_RESERVE; i++)
		reserve[i] = pmm_alloc(&pmm);
	bootinfo->untyped_first = next_slot;
	for (;;) {
		uint64_t f = pmm_alloc(&pmm);
		if (f && f == run_end) {
			run_end += PAGE_SIZE;
			continue;
		}
		if (run_end > run_start && bootinfo->untyped_count < BOOTINFO_MAX_UNTYPED) {
			uint64_t n = bootinfo->untyped_count++;
			uint64_t pages = (run_end - run_start) / PAGE_SIZE;
			give(next_slot++, (struct cap){ .type = OBJ_UNTYPED, .rights = RIGHTS_ALL,
							.base = run_start, .pages = pages });
			bootinfo->untyped[n].phys = run_start;
			bootinfo->untyped[n].pages = pages;
			total += pages;
		}
		if (!f)
			break;
		run_start = f;
		run_end = f + PAGE_SIZE;
	}
	for (int i = 0; i < KERNEL_RESERVE; i++)
		if (reserve[i])
			pmm_free(&pmm, reserve[i]);
	log_info("root: %lu KiB of untyped memory in %lu capabilities", total * 4,
		 bootinfo->untyped_count);
}

bool root_task_create(void)
{
	if (boot_info.n_modules == 0) {
		log_error("root: no boot modules; the first module must be the root task");
		return false;
	}
	uint64_t tphys = alloc_zeroed(TASK_BASE_PAGES + ROOT_PT_PAGES);
	uint64_t thphys = alloc_zeroed(1);
	if (!tphys || !thphys) {
		log_error("root: out of memory for the root task");
		return false;
	}
	root = task_create(tphys, TASK_BASE_PAGES + ROOT_PT_PAGES);
	struct thread *th = thread_create(thphys);
	if (!load_image(&boot_info.modules[0]))
		return false;

	give(SLOT_ROOT_TASK, (struct cap){ .type = OBJ_TASK, .rights = RIGHTS_ALL,
					   .task = root });
	give(SLOT_ROOT_THREAD, (struct cap){ .type = OBJ_THREAD, .rights = RIGHTS_ALL,
					     .thread = th });
	struct cap *utcb = give_page(SLOT_ROOT_UTCB, ROOT_UTCB_VADDR, RIGHT_R | RIGHT_W);
	struct cap *bi = give_page(SLOT_ROOT_BOOTINFO, ROOT_BOOTINFO_VADDR, RIGHT_R);
	if (!utcb || !bi) {
		log_error("root: out of memory for the root task");
		return false;
	}
	bootinfo = phys_to_virt(bi->base);
	bootinfo->magic = BOOTINFO_MAGIC;
	bootinfo->tsc_hz = tsc_rate;
	give_devices();
	next_slot = SLOT_FIRST_FREE_FIXED;
	give_modules();
	give_untyped();
	/* After every other slot, so that adding it numbered none of them anew. */
	bootinfo->sched_control_slot = next_slot;
	give(next_slot++, (struct cap){ .type = OBJ_SCHED_CONTROL, .rights = RIGHTS_ALL });
	bootinfo->first_free_slot = next_slot;

	cap_derive(utcb, &th->utcb, RIGHTS_ALL, 0, 0);
	th->priority = PRIORITY_MAX;
	th->started = true;
	thread_set_task(th, root);
	thread_start(th, elf_entry(phys_to_virt(boot_info.modules[0].start)), ROOT_STACK_TOP,
		     ROOT_BOOTINFO_VADDR);
	log_info("root: started '%s' with %lu capabilities", boot_info.modules[0].cmdline,
		 next_slot - 1);
	return true;
}
