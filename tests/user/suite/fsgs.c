/*
 * A thread's own FS and GS bases (kernel/fsgs.h).  With FSGSBASE a task
 * writes both itself (WRFSBASE, WRGSBASE).  A thread must find its own
 * again after syscalls, IPC, faults and preemption; no other thread or
 * task may see them; and the kernel, whose GS base is its own per-CPU
 * pointer while it runs (kernel/percpu.h), must never use the task's:
 * a task may aim its GS base at kernel memory, or at a struct cpu it
 * forged in its own memory, before any way into the kernel.
 */
#include "suite.h"

/* Canonical user-half values nothing maps: only the bases themselves carry them. */
#define FS_MINE  0x00001f5b05e00000ULL
#define GS_MINE  0x00006a5b05e00000ULL
#define SPIN_A   0x0000123456789000ULL /* both bases of one spinner, and of the other */
#define SPIN_B   0x0000654321abc000ULL
#define CHILD_BASE 0x00003ab1de000000ULL /* snip_read_bases: its FS; its GS is 0x1000 more */
#define KERNEL_ADDRESS 0xffffffff80100000ULL /* the kernel image (kernel/layout.h) */
#define PREEMPTIONS 3 /* times each spinning helper must be preempted */
#define SPIN_SECONDS 4

/* The CPU has FSGSBASE (CPUID.7.0:EBX bit 0); the kernel then enables it. */
static int fsgsbase_usable(void)
{
	uint32_t max, a, b, c, d;

	asm volatile("cpuid" : "=a"(max), "=b"(b), "=c"(c), "=d"(d) : "a"(0), "c"(0));
	if (max < 7)
		return 0;
	asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(7), "c"(0));
	return b & 1;
}

static uint64_t read_fs(void)
{
	uint64_t v;

	asm volatile("rdfsbase %0" : "=r"(v));
	return v;
}

static uint64_t read_gs(void)
{
	uint64_t v;

	asm volatile("rdgsbase %0" : "=r"(v));
	return v;
}

static void write_bases(uint64_t fs, uint64_t gs)
{
	asm volatile("wrfsbase %0; wrgsbase %1" : : "r"(fs), "r"(gs) : "memory");
}

static int bases_are(uint64_t fs, uint64_t gs)
{
	return read_fs() == fs && read_gs() == gs;
}

/*
 * Spins with its own bases arg[0], arg[1], making no syscall, until it has
 * been preempted PREEMPTIONS times: it sees that from the counter of the
 * other spinner (arg[2]), which can move only while this one is off the
 * CPU.  Reports the bases it started with (value[1], value[2]), the rounds
 * in which its own were gone (value[0]) and its preemptions (status);
 * value[3] is its own counter.
 */
static void spin_with_bases(struct helper *h)
{
	const volatile uint64_t *other = (const volatile uint64_t *)h->arg[2];
	uint64_t fs = h->arg[0], gs = h->arg[1], seen = *other, preempted = 0, lost = 0;
	uint64_t end = rdtsc() + SPIN_SECONDS * tsc_hz();

	h->value[1] = read_fs();
	h->value[2] = read_gs();
	write_bases(fs, gs);
	while (preempted < PREEMPTIONS && rdtsc() < end) {
		h->value[3]++;
		if (!bases_are(fs, gs))
			lost++;
		if (*other != seen) {
			seen = *other;
			preempted++;
		}
	}
	h->value[0] = lost;
	h->status = preempted;
	write_bases(0, 0);
}

/*
 * Two helpers spin at the suite's priority, each with its own bases (fs
 * and gs the same value): each is preempted by the timer, finds its own
 * bases all along, and started with none.
 */
static enum result spinners_keep_bases(uint64_t base_a, uint64_t base_b)
{
	struct helper *a = helper_prepare(SLOT_NONE), *b = helper_prepare(SLOT_NONE);

	CHECK_MADE(a && b);
	a->arg[2] = (uint64_t)&b->value[3];
	b->arg[2] = (uint64_t)&a->value[3];
	CHECK_MADE(helper_go(a, spin_with_bases, base_a, base_a));
	CHECK_MADE(helper_go(b, spin_with_bases, base_b, base_b));
	CHECK(helper_wait(a, HELPER_DONE) && helper_wait(b, HELPER_DONE));
	uprintf("# spinners preempted %lu and %lu times\n", a->status, b->status);
	CHECK(a->status >= PREEMPTIONS - 1 && b->status >= PREEMPTIONS - 1);
	CHECK(a->value[0] == 0 && b->value[0] == 0);
	CHECK(a->value[1] == 0 && a->value[2] == 0 && b->value[1] == 0 && b->value[2] == 0);
	return PASS;
}

/* A call to echo, which must answer as ever; 1 if it did (or there is no echo). */
static int echo_answers(void)
{
	uint64_t echo = connection_slot("echo");
	struct msg m = msg(41, 1, 7, 0, 0, 0);

	if (echo == SLOT_NONE)
		return 1; /* the yield and the check still ran */
	return sys_call(echo, &m) == OK && MSG_LABEL(m.tag) == 42 && m.mr[0] == 7;
}

/*
 * Sets its bases arg[0], arg[1], then yields, calls echo and has the
 * kernel check its state: value[0] has a bit for each step after which
 * its bases were gone (1, 2, 4), 8 if echo did not answer, 16 if the
 * check failed; value[1], value[2] are the bases it started with.
 */
static void syscalls_with_bases(struct helper *h)
{
	uint64_t fs = h->arg[0], gs = h->arg[1], lost = 0, broken = 1;

	h->value[1] = read_fs();
	h->value[2] = read_gs();
	write_bases(fs, gs);
	sys_yield();
	lost |= bases_are(fs, gs) ? 0 : 1;
	lost |= echo_answers() ? 0 : 8;
	lost |= bases_are(fs, gs) ? 0 : 2;
	lost |= sys_debug_check(SLOT_CONSOLE, &broken) == OK && broken == 0 ? 0 : 16;
	lost |= bases_are(fs, gs) ? 0 : 4;
	h->value[0] = lost;
	write_bases(0, 0);
}

/* A new thread with bases fs, gs keeps them across syscalls, and started with none. */
static enum result bases_survive_syscalls(uint64_t fs, uint64_t gs)
{
	struct helper *h = helper_start(syscalls_with_bases, SLOT_NONE, fs, gs);

	CHECK_MADE(h);
	CHECK(helper_wait(h, HELPER_DONE));
	if (h->value[0])
		uprintf("# bases %#lx/%#lx: lost or failed, bits %#lx\n", fs, gs, h->value[0]);
	CHECK(h->value[0] == 0);
	CHECK(h->value[1] == 0 && h->value[2] == 0);
	return PASS;
}

/*
 * (The suite's own thread never uses its bases: once a thread does, each
 * switch to or from it costs a save and a load, and the suite's last
 * group measures IPC.)
 */
static enum result fs_gs_bases_survive_syscalls_ipc_and_preemption(void)
{
	if (!fsgsbase_usable())
		SKIP("the CPU has no FSGSBASE: a task's bases are always 0");
	CHECK(bases_survive_syscalls(FS_MINE, GS_MINE) == PASS);
	return spinners_keep_bases(SPIN_A, SPIN_B);
}

static volatile uint64_t holder_stop;

/* Holds its bases arg[0], arg[1] and yields until holder_stop; value[0]: rounds they were gone. */
static void hold_bases(struct helper *h)
{
	uint64_t lost = 0;

	write_bases(h->arg[0], h->arg[1]);
	h->state = 1;
	while (!holder_stop) {
		sys_yield();
		if (!bases_are(h->arg[0], h->arg[1]))
			lost++;
	}
	h->value[0] = lost;
	write_bases(0, 0);
}

/*
 * Another task starts with bases 0, not those of a thread of the suite
 * that holds its own and yields beside it; the bases it sets reach
 * neither that thread nor the suite, and it finds them again after the
 * others ran.
 */
static enum result other_task_sees_only_its_own_bases(void)
{
	uint64_t ep = obj_new(OBJ_ENDPOINT), badge;
	struct child c;
	struct helper *holder;
	struct msg m = { 0 }, first, second;

	if (!fsgsbase_usable())
		SKIP("the CPU has no FSGSBASE: a task's bases are always 0");
	CHECK_MADE(ep);
	CHECK_MADE(child_create(&c, snip_read_bases, snip_read_bases_end - snip_read_bases, ep));
	CHECK_OK(sys_cap_copy(ep, c.task, CHILD_EP_SLOT, RIGHT_W, 0));
	holder_stop = 0;
	CHECK_MADE(holder = helper_start(hold_bases, SLOT_NONE, FS_MINE, GS_MINE));
	CHECK(helper_wait(holder, 1));
	CHECK_OK(child_start(&c, CHILD_BASE));
	uint64_t st1 = sys_recv(ep, &m, &badge);
	first = m;
	yield_n(3); /* the holder runs with its bases between the child's steps */
	m = msg(0, 0, 0, 0, 0, 0);
	uint64_t st2 = sys_reply_recv(ep, &m, &badge);
	second = m;
	yield_n(3);
	m = msg(0, 0, 0, 0, 0, 0);
	uint64_t st3 = sys_reply_recv(ep, &m, &badge);
	holder_stop = 1;
	CHECK(helper_wait(holder, HELPER_DONE));
	CHECK_OK(st1);
	CHECK(MSG_LABEL(first.tag) == 1 && first.mr[0] == 0 && first.mr[1] == 0);
	CHECK_OK(st2);
	CHECK(MSG_LABEL(second.tag) == 2);
	CHECK_OK(st3);
	CHECK(MSG_LABEL(m.tag) == 3);
	CHECK(m.mr[0] == CHILD_BASE && m.mr[1] == CHILD_BASE + 0x1000);
	CHECK(holder->value[0] == 0);
	return PASS;
}

/*
 * Faults with hostile bases: for each of arg[0..2], sets it as both bases
 * and runs ud2, which its handler answers by resuming it after the ud2;
 * value[i] is 1 if it found the bases arg[i] again there.
 */
static __attribute__((noinline)) void fault_with_bases(struct helper *h)
{
	for (unsigned int i = 0; i < 3; i++) {
		write_bases(h->arg[i], h->arg[i]);
		h->state = 1;
		asm volatile("ud2\n\t"
			     ".globl fsgs_after_ud2\n"
			     "fsgs_after_ud2:" ::: "memory");
		h->value[i] = bases_are(h->arg[i], h->arg[i]);
		write_bases(0, 0);
	}
}

extern const char fsgs_after_ud2[];

/* Each #UD goes to the handler, which resumes the helper: its bases come back as it left them. */
static enum result faults_keep_bases(const uint64_t base[3])
{
	uint64_t ep = obj_new(OBJ_ENDPOINT), badge;
	struct helper *h = helper_prepare(ep);
	struct msg m = { 0 };

	CHECK_MADE(ep && h);
	h->arg[2] = base[2];
	CHECK_MADE(helper_go(h, fault_with_bases, base[0], base[1]));
	for (unsigned int i = 0; i < 3; i++) {
		CHECK_OK(sys_recv(ep, &m, &badge));
		CHECK(MSG_LABEL(m.tag) == MSG_FAULT && m.mr[0] == 6);
		m = msg(0, 1, (uint64_t)fsgs_after_ud2, 0, 0, 0);
		CHECK_OK(sys_reply(&m));
	}
	CHECK(helper_wait(h, HELPER_DONE));
	CHECK(h->value[0] == 1 && h->value[1] == 1 && h->value[2] == 1);
	return PASS;
}

/* A page of the suite's that looks like a struct cpu: every word points back into it. */
static uint64_t forged_cpu[512] __attribute__((aligned(4096)));

/*
 * With its GS base at kernel memory, at a forged struct cpu, or at an
 * address nothing maps, a task makes syscalls, IPC, a fault and is
 * preempted: the kernel uses only its own GS base (the check of its state
 * says so), keeps running, and gives the task its value back every time.
 * Without the SWAPGS of any of these ways in or out, this ends in a
 * kernel fault or the task gets the kernel's pointer back.
 */
static enum result kernel_ignores_a_hostile_gs_base(void)
{
	const uint64_t hostile[] = { KERNEL_ADDRESS, (uint64_t)forged_cpu, 0x1000 };

	if (!fsgsbase_usable())
		SKIP("the CPU has no FSGSBASE: a task cannot set its GS base");
	for (unsigned int i = 0; i < ARRAY_LEN(forged_cpu); i++)
		forged_cpu[i] = (uint64_t)forged_cpu + 64 * (i % 64);
	for (unsigned int i = 0; i < ARRAY_LEN(hostile); i++)
		CHECK(bases_survive_syscalls(hostile[i], hostile[i]) == PASS);
	CHECK(faults_keep_bases(hostile) == PASS);
	return spinners_keep_bases(KERNEL_ADDRESS, (uint64_t)forged_cpu);
}

static const struct test_case cases[] = {
	{ "fs_gs_bases_survive_syscalls_ipc_and_preemption",
	  fs_gs_bases_survive_syscalls_ipc_and_preemption },
	{ "other_task_sees_only_its_own_bases", other_task_sees_only_its_own_bases },
	{ "kernel_ignores_a_hostile_gs_base", kernel_ignores_a_hostile_gs_base },
};

const struct test_group fsgs_group = GROUP(cases);
