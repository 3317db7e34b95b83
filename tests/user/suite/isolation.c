/*
 * Isolation: what a VM exit, a syscall or a return to user mode leaves in
 * the processor must be the host's own, whatever a task, a VMM or a guest
 * did (docs/security.md lists the transitions).  Each case here is a
 * regression test for a hole that was found by attacking the kernel.
 *
 * For the VM cases the suite is a small VMM of its own: it builds a guest
 * of a few pages (RAM mapped in the suite too), enters it in protected or
 * long mode with SYS_VCPU_WRITE_STATE, takes its exits on an endpoint and
 * answers them, and looks at what the kernel left behind.  Without VMX or
 * SVM they skip.
 */
#include "moat/vmexit.h"
#include "suite.h"

/* The guest's memory: GUEST_PAGES pages at guest-physical 0. */
#define GUEST_PAGES 8
#define CODE_GPA    0x1000
#define DATA_GPA    0x2000 /* a counter the guests bump */
#define GDT_GPA     0x3000
#define PML4_GPA    0x4000 /* long mode: 2 MiB identity map, PML4 -> PDPT -> PD */
#define PDPT_GPA    0x5000
#define PD_GPA      0x6000
#define LDT_GPA     0x7000
#define IDT_GPA     0x7800 /* zero unless a case fills it */

/* The guest's GDT selectors (write_guest_gdt). */
#define G_CODE32 0x08
#define G_DATA   0x10
#define G_LDT    0x18
#define G_TSS    0x20
#define G_CODE64 0x28
#define G_CODE3  0x33 /* ring 3, RPL 3 */
#define G_DATA3  0x3b
#define G_CODE64_3 0x43 /* 64-bit, ring 3: SYSRET's CS with STAR[63:48] = 0x30 */
#define GDT_ENTRIES 9
#define SYSCALL64_ROUNDS 50 /* guest_syscall64's rounds of SYSCALL and SYSRET */
#define SSE_A       0x1111222233334444 /* guest_sse's values (asm numbers: no suffix) */
#define SSE_B       0x5555666677778888
#define MXCSR_GUEST 0x3f80             /* round down, all exceptions masked */
#define ASM_NUMBER(n) ASM_NUMBER_(n)
#define ASM_NUMBER_(n) #n

#define ALL_EXIT_STATE (VMG_ALL & ~VMG_REPLY_ONLY)

/* Guest code, copied to CODE_GPA: 32-bit unless it says 64. */
extern const char guest_ldt_tr[], guest_ldt_tr_end[], guest_count[], guest_count_end[];
extern const char guest_cpuid_hlt[], guest_cpuid_hlt_end[], guest_hlt64[], guest_hlt64_end[];
extern const char guest_ud2[], guest_ud2_end[], guest_db_ac[], guest_db_ac_end[];
extern const char guest_db_handler[], guest_ac_handler[];
extern const char guest_syscall64[], guest_syscall64_end[], guest_syscall64_entry[];
extern const char guest_event[], guest_event_end[], guest_event_handler[];
extern const char guest_read_dr0[], guest_read_dr0_end[];
extern const char guest_nmi[], guest_nmi_end[], guest_nmi_handler[];
extern const char guest_read_2m[], guest_read_2m_end[];
extern const char guest_share[], guest_share_end[], guest_count_at_ebx[], guest_count_at_ebx_end[];
extern const char guest_pingpong[], guest_pingpong_end[];
extern const char guest_xcr0[], guest_xcr0_end[], guest_cr8[], guest_cr8_end[];
extern const char guest_sse[], guest_sse_end[];
asm(".pushsection .text.guests, \"ax\"\n"
    ".code32\n"
    /* Loads an LDT and a TSS whose base is nowhere, then stops. */
    "guest_ldt_tr:\n"
    "	movw $0x18, %ax\n"
    "	lldt %ax\n"
    "	movw $0x20, %ax\n"
    "	ltr %ax\n"
    "	hlt\n"
    "1:	jmp 1b\n"
    "guest_ldt_tr_end:\n"
    /* Counts for ever, without an exit. */
    "guest_count:\n"
    "	incl 0x2000\n"
    "	jmp guest_count\n"
    "guest_count_end:\n"
    "guest_cpuid_hlt:\n"
    "	xorl %eax, %eax\n"
    "	cpuid\n"
    "	hlt\n"
    "1:	jmp 1b\n"
    "guest_cpuid_hlt_end:\n"
    /* Faults with no IDT to take it: a triple fault. */
    "guest_ud2:\n"
    "	ud2\n"
    "guest_ud2_end:\n"
    /*
     * Drops to ring 3 with TF and AC set, makes an access that is not
     * aligned, and counts the #AC and the #DB its handlers get (at
     * DATA_GPA + 8 and + 4, handlers in a ring-3 code segment: no TSS
     * needed), then exits with CPUID.
     */
    "guest_db_ac:\n"
    "	movw $0x3b, %ax\n"
    "	movw %ax, %ds\n"
    "	movw %ax, %es\n"
    "	pushl $0x3b\n"
    "	pushl $0x2800\n"
    "	pushl $0x40102\n"
    "	pushl $0x33\n"
    "	pushl $0x1000 + (2f - guest_db_ac)\n"
    "	iret\n"
    "2:	movl 0x2001, %eax\n"
    "	xorl %eax, %eax\n"
    "	cpuid\n"
    "1:	jmp 1b\n"
    "guest_db_handler:\n"
    "	incl 0x2004\n"
    "	andl $~0x100, 8(%esp)\n"
    "	iret\n"
    "guest_ac_handler:\n"
    "	incl 0x2008\n"
    "	andl $~0x40000, 12(%esp)\n"
    "	addl $4, %esp\n"
    "	iret\n"
    "guest_db_ac_end:\n"
    /* Spins; its NMI handler counts at DATA_GPA. */
    "guest_nmi:\n"
    "	pause\n"
    "	jmp guest_nmi\n"
    "guest_nmi_handler:\n"
    "	incl 0x2000\n"
    "	iret\n"
    "guest_nmi_end:\n"
    /* Stores its DR0 at DATA_GPA, then exits with CPUID. */
    "guest_read_dr0:\n"
    "	movl %dr0, %eax\n"
    "	movl %eax, 0x2000\n"
    "	xorl %eax, %eax\n"
    "	cpuid\n"
    "1:	jmp 1b\n"
    "guest_read_dr0_end:\n"
    /* Exits with CPUID; its interrupt handler counts at DATA_GPA. */
    "guest_event:\n"
    "	xorl %eax, %eax\n"
    "	cpuid\n"
    "1:	jmp 1b\n"
    "guest_event_handler:\n"
    "	incl 0x2000\n"
    "	iret\n"
    "guest_event_end:\n"
    /* Reads a word of a 2 MiB page at 2 MiB, then exits with it in EAX (CPUID), for ever. */
    "guest_read_2m:\n"
    "	movl 0x200010, %eax\n"
    "	cpuid\n"
    "	jmp guest_read_2m\n"
    "guest_read_2m_end:\n"
    /* Counts in the page at SHARED_GPA, then exits with CPUID (EAX: the count). */
    "guest_share:\n"
    "	incl 0x10000\n"
    "	movl 0x10000, %eax\n"
    "	cpuid\n"
    "	jmp guest_share\n"
    "guest_share_end:\n"
    /* Counts at the address in EBX, for ever. */
    "guest_count_at_ebx:\n"
    "	incl (%ebx)\n"
    "	jmp guest_count_at_ebx\n"
    "guest_count_at_ebx_end:\n"
    /*
     * vCPU EBX (0 or 1) of two: ESI rounds of waiting for the word at EDI
     * to be its own number, counting at EDI + 4 and handing the word to
     * the other; then a CPUID exit.  The wait spins without PAUSE, which
     * would exit: only a vCPU running at the same time hands it back.
     */
    "guest_pingpong:\n"
    "	cmpl %ebx, (%edi)\n"
    "	jne guest_pingpong\n"
    "	incl 4(%edi)\n"
    "	movl %ebx, %eax\n"
    "	xorl $1, %eax\n"
    "	movl %eax, (%edi)\n"
    "	decl %esi\n"
    "	jnz guest_pingpong\n"
    "	xorl %eax, %eax\n"
    "	cpuid\n"
    "1:	hlt\n"
    "	jmp 1b\n"
    "guest_pingpong_end:\n"
    ".code64\n"
    /*
     * Sets its own syscall MSRs, KERNEL_GS_BASE and TSC_AUX, then goes
     * round SYSRET to ring 3 and SYSCALL back SYSCALL64_ROUNDS times, with
     * a CPUID exit in each round.  After each exit it checks that LSTAR is
     * still its own (DATA_GPA + 8 = 1 if not); at the end it counts the
     * rounds at DATA_GPA, stores RDTSCP's TSC_AUX at DATA_GPA + 16 and halts.
     */
    "guest_syscall64:\n"
    "	movl $0xc0000081, %ecx\n" /* STAR: SYSCALL CS 0x28, SYSRET base 0x30 */
    "	xorl %eax, %eax\n"
    "	movl $0x00300028, %edx\n"
    "	wrmsr\n"
    "	movl $0xc0000082, %ecx\n" /* LSTAR */
    "	leaq guest_syscall64_entry(%rip), %rax\n"
    "	movq %rax, %rdx\n"
    "	shrq $32, %rdx\n"
    "	wrmsr\n"
    "	movl $0xc0000084, %ecx\n" /* SFMASK: IF */
    "	movl $0x200, %eax\n"
    "	xorl %edx, %edx\n"
    "	wrmsr\n"
    "	movl $0xc0000102, %ecx\n" /* KERNEL_GS_BASE */
    "	movl $0x12345678, %eax\n"
    "	wrmsr\n"
    "	movl $0xc0000103, %ecx\n" /* TSC_AUX */
    "	movl $0x2a, %eax\n"
    "	wrmsr\n"
    "	movl $0, 0x2000\n"
    "2:	leaq 3f(%rip), %rcx\n"     /* to ring 3 ... */
    "	movl $2, %r11d\n"
    "	sysretq\n"
    "3:	syscall\n"                  /* ... and back */
    "guest_syscall64_entry:\n"
    "	xorl %eax, %eax\n"
    "	cpuid\n"
    "	movl $0xc0000082, %ecx\n"
    "	rdmsr\n"
    "	shlq $32, %rdx\n"
    "	orq %rax, %rdx\n"
    "	leaq guest_syscall64_entry(%rip), %rax\n"
    "	cmpq %rax, %rdx\n"
    "	je 4f\n"
    "	movl $1, 0x2008\n"
    "4:	incl 0x2000\n"
    "	cmpl $" ASM_NUMBER(SYSCALL64_ROUNDS) ", 0x2000\n"
    "	jb 2b\n"
    "	rdtscp\n"
    "	movl %ecx, 0x2010\n"
    "	hlt\n"
    "1:	jmp 1b\n"
    "guest_syscall64_end:\n"
    "guest_hlt64:\n"
    "	hlt\n"
    "1:	jmp 1b\n"
    "guest_hlt64_end:\n"
    /*
     * Sets CR4.OSXSAVE and XCR0 = x87|SSE, stores XGETBV at DATA_GPA, makes
     * a CPUID exit, stores XGETBV again at DATA_GPA + 4 and halts.
     */
    "guest_xcr0:\n"
    "	movq %cr4, %rax\n"
    "	btsq $18, %rax\n"
    "	movq %rax, %cr4\n"
    "	xorl %ecx, %ecx\n"
    "	xorl %edx, %edx\n"
    "	movl $3, %eax\n"
    "	xsetbv\n"
    "	xorl %ecx, %ecx\n"
    "	xgetbv\n"
    "	movl %eax, 0x2000\n"
    "	xorl %eax, %eax\n"
    "	cpuid\n"
    "	xorl %ecx, %ecx\n"
    "	xgetbv\n"
    "	movl %eax, 0x2004\n"
    "	hlt\n"
    "1:	jmp 1b\n"
    "guest_xcr0_end:\n"
    /* Writes 5 to CR8 from r9 (REX.R and REX.B), reads CR8 into rbx, stores it at DATA_GPA. */
    "guest_cr8:\n"
    "	movl $5, %r9d\n"
    "	movq %r9, %cr8\n"
    "	movq %cr8, %rbx\n"
    "	movl %ebx, 0x2000\n"
    "	hlt\n"
    "1:	jmp 1b\n"
    "guest_cr8_end:\n"
    /*
     * Puts SSE_A in xmm3's low half, SSE_B in xmm15's high half and in
     * mm2, and MXCSR_GUEST in MXCSR, makes a CPUID exit, then stores xmm3
     * (DATA_GPA + 8 and + 16), xmm15's high half (+ 24), mm2 (+ 32) and
     * MXCSR (+ 4) and halts.
     */
    "guest_sse:\n"
    "	movabsq $" ASM_NUMBER(SSE_A) ", %rax\n"
    "	movq %rax, %xmm3\n"
    "	movabsq $" ASM_NUMBER(SSE_B) ", %rax\n"
    "	movq %rax, %xmm15\n"
    "	pslldq $8, %xmm15\n"
    "	movq %rax, %mm2\n"
    "	movl $" ASM_NUMBER(MXCSR_GUEST) ", 0x2000\n"
    "	ldmxcsr 0x2000\n"
    "	xorl %eax, %eax\n"
    "	cpuid\n"
    "	movq %xmm3, 0x2008\n"
    "	movhps %xmm3, 0x2010\n"
    "	movhps %xmm15, 0x2018\n"
    "	movq %mm2, 0x2020\n"
    "	stmxcsr 0x2004\n"
    "	hlt\n"
    "1:	jmp 1b\n"
    "guest_sse_end:\n"
    ".popsection\n");

struct vm {
	uint64_t vcpu, space, ram, ep;
	uint64_t space_untyped; /* the untyped the space came from (vm_new with own_untyped) */
	uint8_t *mem;           /* the guest's RAM, as the suite sees it */
};

static void write_guest_gdt(uint8_t *mem)
{
	uint64_t *gdt = (uint64_t *)(mem + GDT_GPA);
	gdt[0] = 0;
	gdt[1] = 0x00cf9b000000ffffULL; /* 32-bit code */
	gdt[2] = 0x00cf93000000ffffULL; /* data */
	gdt[3] = 0x0000820070000fffULL; /* LDT at LDT_GPA */
	gdt[4] = 0x0d0089ead0000067ULL; /* a 32-bit TSS at 0x0dead000: outside the guest */
	gdt[5] = 0x00af9b000000ffffULL; /* 64-bit code */
	gdt[6] = 0x00cffb000000ffffULL; /* 32-bit code, ring 3 */
	gdt[7] = 0x00cff3000000ffffULL; /* data, ring 3 */
	gdt[8] = 0x00affb000000ffffULL; /* 64-bit code, ring 3 */
}

/* Points the guest's IDT entry `vector` at `handler` (guest code) through a ring-3 gate. */
static void set_guest_gate(uint8_t *mem, unsigned vector, const char *handler, const char *code)
{
	uint64_t offset = CODE_GPA + (uint64_t)(handler - code);
	*(uint64_t *)(mem + IDT_GPA + 8 * vector) = (offset & 0xffff) | (uint64_t)G_CODE3 << 16 |
						    0xeeULL << 40 | (offset >> 16) << 48;
}

static void write_guest_page_tables(uint8_t *mem)
{
	*(uint64_t *)(mem + PML4_GPA) = PDPT_GPA | 7;
	*(uint64_t *)(mem + PDPT_GPA) = PD_GPA | 7;
	*(uint64_t *)(mem + PD_GPA) = 0x87; /* 2 MiB, present, writable, user */
}

/*
 * A guest running `code`, not started: RAM, space, vCPU, every exit bound
 * to the endpoint m->ep with badge 1.  With own_untyped the space comes
 * from an untyped capability of its own (m->space_untyped).  0 if the
 * machine has no VMX or SVM (skip_reason set) or on failure (reported).
 */
static int vm_new(struct vm *m, const char *code, const char *end, int own_untyped)
{
	uint64_t from = SLOT_UNTYPED, st, view;
	memset(m, 0, sizeof(*m));
	m->vcpu = slot_alloc();
	st = sys_retype(SLOT_UNTYPED, OBJ_VCPU, 0, m->vcpu, 1);
	if (st == ERR_UNSUPPORTED) {
		skip_reason = "no VMX or SVM";
		return 0;
	}
	if (own_untyped) {
		m->space_untyped = from = slot_alloc();
		if (sys_retype(SLOT_UNTYPED, OBJ_UNTYPED, GPA_SPACE_BASE_PAGES + 8, from, 1) != OK)
			return 0;
	}
	m->space = slot_alloc();
	m->ep = obj_new(OBJ_ENDPOINT);
	m->mem = frame_map_new(GUEST_PAGES, RIGHT_R | RIGHT_W, &view);
	if (st != OK || !m->ep || !m->mem ||
	    sys_retype(from, OBJ_GPA_SPACE, 8, m->space, 1) != OK ||
	    !(m->ram = cap_dup(view, RIGHTS_ALL, 0)) ||
	    sys_gpa_map(m->ram, m->space, 0, RIGHT_R | RIGHT_W | RIGHT_X) != OK ||
	    sys_vcpu_configure(m->vcpu, m->space, 0) != OK)
		return 0;
	uint64_t badged = cap_dup(m->ep, RIGHT_W, 1);
	if (!badged || sys_vcpu_bind(m->vcpu, VMEXIT_DEFAULT, badged, ALL_EXIT_STATE) != OK ||
	    sys_thread_set_priority(m->vcpu, own_priority) != OK)
		return 0;
	memcpy(m->mem + CODE_GPA, code, (size_t)(end - code));
	write_guest_gdt(m->mem);
	write_guest_page_tables(m->mem);
	return 1;
}

/* Exit-protocol words of a flat 32-bit protected-mode guest at CODE_GPA, in the UTCB. */
static uint64_t *protected_mode_state(void)
{
	uint64_t *w = utcb()->mr;
	memset(w, 0, VMW_COUNT * 8);
	w[VMW_MASK] = ALL_EXIT_STATE & ~(VMG_QUAL | VMG_EVENT | VMG_MSR | VMG_DEBUG | VMG_XCR0); /* as at reset */
	w[VMW_RIP] = CODE_GPA;
	w[VMW_RFLAGS] = 2;
	w[VMW_RSP] = CODE_GPA;
	w[VMW_CR0] = 0x11; /* PE, ET */
	for (unsigned s = VMS_ES; s <= VMS_GS; s++)
		w[VMW_SEG_DESC(s)] = VM_SEG_PACK(G_DATA, 0xc093, 0xffffffff);
	w[VMW_SEG_DESC(VMS_CS)] = VM_SEG_PACK(G_CODE32, 0xc09b, 0xffffffff);
	w[VMW_SEG_DESC(VMS_TR)] = VM_SEG_PACK(0, 0x8b, 0xffff);
	w[VMW_GDTR_BASE] = GDT_GPA;
	w[VMW_GDTR_LIMIT] = GDT_ENTRIES * 8 - 1;
	w[VMW_IDTR_BASE] = IDT_GPA;
	w[VMW_IDTR_LIMIT] = 0x7ff;
	return w;
}

/* The same for a 64-bit guest with paging (CS gets `cs_ar`). */
static uint64_t *long_mode_state(uint64_t cs_ar)
{
	uint64_t *w = protected_mode_state();
	w[VMW_CR0] = 0x80000011;       /* PG, PE, ET */
	w[VMW_CR3] = PML4_GPA;
	w[VMW_CR4] = 1u << 5;          /* PAE */
	w[VMW_EFER] = EFER_SCE | EFER_LME | EFER_LMA;
	w[VMW_SEG_DESC(VMS_CS)] = VM_SEG_PACK(G_CODE64, cs_ar, 0xffffffff);
	return w;
}

/* Starts the guest in the state the UTCB holds. */
static uint64_t vm_start(struct vm *m)
{
	uint64_t st = sys_vcpu_write_state(m->vcpu);
	return st != OK ? st : sys_vcpu_run(m->vcpu);
}

/*
 * A second vCPU of m: on m's space, every exit bound to m->ep with badge
 * 2, not started.  0 on failure.
 */
static uint64_t vm_second_vcpu(struct vm *m)
{
	uint64_t v = slot_alloc(), badged;
	if (sys_retype(SLOT_UNTYPED, OBJ_VCPU, 0, v, 1) != OK ||
	    sys_vcpu_configure(v, m->space, 0) != OK || !(badged = cap_dup(m->ep, RIGHT_W, 2)) ||
	    sys_vcpu_bind(v, VMEXIT_DEFAULT, badged, ALL_EXIT_STATE) != OK ||
	    sys_thread_set_priority(v, own_priority) != OK)
		return 0;
	return v;
}

/* Waits for the guest's next exit: its words in the UTCB; the reason, or ~0 if none came. */
static uint64_t vm_next_exit(struct vm *m, uint64_t *badge)
{
	struct msg msg = { 0 };
	uint64_t st = sys_recv(m->ep, &msg, badge);
	uint64_t *w = utcb()->mr;
	if (st != OK || MSG_LABEL(msg.tag) != MSG_VMEXIT) {
		uprintf("# no VM exit came: %s, label %#lx\n", status_name(st), MSG_LABEL(msg.tag));
		return ~0ULL;
	}
	for (unsigned i = 0; i < MSG_REG_WORDS; i++)
		w[i] = msg.mr[i];
	return w[VMW_REASON];
}

/* The reply to an exit: the groups in mask (and VMR_*) from w, the replier's UTCB words. */
static struct msg vm_reply_msg(uint64_t *w, uint64_t mask)
{
	w[VMW_MASK] = mask;
	return (struct msg){ MSG_TAG(0, vm_message_words(mask), 0), { w[0], w[1], w[2], w[3] } };
}

static uint64_t vm_reply(uint64_t mask)
{
	struct msg msg = vm_reply_msg(utcb()->mr, mask);
	return sys_reply(&msg);
}

/* --- descriptor tables and segment state after a VM exit ------------------- */

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

/* A VM exit leaves the GDTR and IDTR with their real limits (VMX makes both 0xFFFF). */
static enum result vm_exit_keeps_descriptor_table_limits(void)
{
	struct vm m;
	struct desc_ptr before_gdt, before_idt, gdt, idt;
	if (!vm_new(&m, guest_cpuid_hlt, guest_cpuid_hlt_end, 0))
		return skip_reason ? SKIP : FAIL;
	asm volatile("sgdt %0; sidt %1" : "=m"(before_gdt), "=m"(before_idt));
	protected_mode_state();
	CHECK_OK(vm_start(&m));
	CHECK(vm_next_exit(&m, NULL) == VMEXIT_CPUID);
	asm volatile("sgdt %0; sidt %1" : "=m"(gdt), "=m"(idt));
	CHECK(gdt.limit == before_gdt.limit && gdt.base == before_gdt.base);
	CHECK(idt.limit == before_idt.limit && idt.base == before_idt.base);
	CHECK(gdt.limit < 0x100 && idt.limit == 0xfff);
	CHECK_OK(vm_reply(VMR_STOP));
	return PASS;
}

/*
 * A guest's LDTR and TR stay in the guest: after its exit the host's LDTR
 * is null and TR the kernel's TSS (SVM switches them only with VMLOAD and
 * VMSAVE; a stale TR with a bad base took the host down at its next trap).
 */
static enum result guest_ldt_and_tss_stay_in_the_guest(void)
{
	struct vm m;
	uint64_t ldtr = ~0ULL, tr = 0, broken = 1;
	if (!vm_new(&m, guest_ldt_tr, guest_ldt_tr_end, 0))
		return skip_reason ? SKIP : FAIL;
	protected_mode_state();
	CHECK_OK(vm_start(&m));
	CHECK(vm_next_exit(&m, NULL) == VMEXIT_HLT);
	asm volatile("sldt %0; str %1" : "=r"(ldtr), "=r"(tr));
	CHECK(ldtr == 0);
	CHECK(tr == 0x28);
	yield_n(3); /* traps from user mode find the host's TSS */
	CHECK_OK(sys_debug_check(SLOT_CONSOLE, &broken));
	CHECK(broken == 0);
	/* and the guest's own stay its own */
	uint64_t *w = utcb()->mr;
	CHECK(VM_SEG_SEL(w[VMW_SEG_DESC(VMS_LDTR)]) == G_LDT && w[VMW_SEG_BASE(VMS_LDTR)] == LDT_GPA);
	CHECK(VM_SEG_SEL(w[VMW_SEG_DESC(VMS_TR)]) == G_TSS && w[VMW_SEG_BASE(VMS_TR)] == 0x0dead000);
	CHECK_OK(vm_reply(VMR_STOP));
	return PASS;
}

/*
 * A 64-bit guest owns its syscall MSRs, KERNEL_GS_BASE and TSC_AUX: it
 * sets them and runs SYSCALL and SYSRET with no exit for them, while the
 * host serves its own syscalls at every exit in between (each host
 * syscall would land in the guest's LSTAR if the exit left it), and the
 * host's values are back after each exit (the invariant checker compares
 * them with boot's; RDTSCP here reads the host's TSC_AUX, 0).  The
 * exit message carries the guest's values (VMG_MSR).  Under SVM the
 * TSC_AUX write exits (svm.c): answered here as a VMM would.
 */
static enum result guest_msrs_stay_the_guests(void)
{
	struct vm m;
	uint64_t broken = 1, reason;
	unsigned rounds = 0;
	if (!vm_new(&m, guest_syscall64, guest_syscall64_end, 0))
		return skip_reason ? SKIP : FAIL;
	uint32_t *data = (uint32_t *)(m.mem + DATA_GPA);
	long_mode_state(0xa09b);
	CHECK_OK(vm_start(&m));
	uint64_t *w = utcb()->mr;
	while ((reason = vm_next_exit(&m, NULL)) == VMEXIT_CPUID || reason == VMEXIT_WRMSR) {
		if (reason == VMEXIT_WRMSR) {
			CHECK((uint32_t)w[VMW_RCX] == MSR_TSC_AUX && !rounds);
			w[VMW_TSC_AUX] = (uint32_t)w[VMW_RAX];
		} else {
			rounds++;
			CHECK_OK(sys_debug_check(SLOT_CONSOLE, &broken));
			CHECK(broken == 0);
			uint32_t aux = ~0u;
			asm volatile("rdtscp" : "=c"(aux) : : "rax", "rdx");
			CHECK(aux == 0);
		}
		w[VMW_RIP] += 2;
		CHECK_OK(vm_reply(VMG_RIP | (reason == VMEXIT_WRMSR ? VMG_MSR : 0)));
	}
	if (reason != VMEXIT_HLT)
		uprintf("# exit %#lx at rip %#lx after %u rounds, qual %#lx\n", reason, w[VMW_RIP], rounds, w[VMW_QUAL]);
	CHECK(reason == VMEXIT_HLT);
	CHECK(rounds == SYSCALL64_ROUNDS && data[0] == rounds);
	CHECK(data[2] == 0);     /* LSTAR was the guest's after every exit */
	CHECK(data[4] == 0x2a);  /* and RDTSCP read the guest's TSC_AUX */
	CHECK(w[VMW_STAR] == 0x0030002800000000ULL && w[VMW_SFMASK] == 0x200);
	CHECK(w[VMW_LSTAR] == CODE_GPA + (uint64_t)(guest_syscall64_entry - guest_syscall64));
	CHECK(w[VMW_KERNEL_GS_BASE] == 0x12345678 && w[VMW_TSC_AUX] == 0x2a);
	CHECK_OK(vm_reply(VMR_STOP));
	return PASS;
}

/*
 * An event whose delivery an exit interrupts is delivered at the next
 * entry, exactly once, though the VMM's reply does not inject it again:
 * an interrupt injected into a guest whose stack page is missing exits
 * (GPA fault, IDT-vectoring information naming the interrupt), the
 * "VMM" maps the page and replies with nothing, and the handler runs once.
 */
#define EVENT_VECTOR 0x40
#define STACK_GPA    0xf000 /* past the guest's RAM until the test maps it */

static enum result interrupted_event_arrives_once(void)
{
	struct vm m;
	uint64_t stack_view;
	if (!vm_new(&m, guest_event, guest_event_end, 0))
		return skip_reason ? SKIP : FAIL;
	uint32_t *data = (uint32_t *)(m.mem + DATA_GPA);
	uint64_t handler = CODE_GPA + (uint64_t)(guest_event_handler - guest_event);
	*(uint64_t *)(m.mem + IDT_GPA + 8 * EVENT_VECTOR) =
		(handler & 0xffff) | (uint64_t)G_CODE32 << 16 | 0x8eULL << 40 | (handler >> 16) << 48;
	uint64_t *w = protected_mode_state();
	w[VMW_RSP] = STACK_GPA + PAGE_BYTES;
	w[VMW_RFLAGS] = 0x202;
	w[VMW_INJECT_INFO] = VM_EVENT_VALID | VM_EVENT_EXTERNAL | EVENT_VECTOR;
	w[VMW_MASK] |= VMG_INJECT;
	CHECK_OK(vm_start(&m));
	CHECK(vm_next_exit(&m, NULL) == VMEXIT_GPA_FAULT);
	CHECK((w[VMW_GPA] & ~0xfffULL) == STACK_GPA);
	CHECK((w[VMW_IDT_VECTORING_INFO] & (VM_EVENT_VALID | 0x7ff)) ==
	      (VM_EVENT_VALID | VM_EVENT_EXTERNAL | EVENT_VECTOR));
	CHECK(data[0] == 0);
	CHECK(frame_map_new(1, RIGHT_R | RIGHT_W, &stack_view) != 0);
	uint64_t stack = cap_dup(stack_view, RIGHTS_ALL, 0); /* a frame capability maps once */
	CHECK(stack != 0);
	CHECK_OK(sys_gpa_map(stack, m.space, STACK_GPA, RIGHT_R | RIGHT_W));
	CHECK_OK(vm_reply(0)); /* no injection: the kernel's re-injection delivers it */
	CHECK(vm_next_exit(&m, NULL) == VMEXIT_CPUID);
	CHECK(data[0] == 1);
	CHECK_OK(vm_reply(VMR_STOP));
	return PASS;
}

/*
 * The debug registers are each vCPU's own: one guest arms a breakpoint in
 * DR0 (so the kernel loads it into the CPU before its entry), and another
 * guest's MOV from DR0 afterwards exits (VMEXIT_MOV_DR, qualification in
 * VMX's layout on both backends) instead of reading the CPU's, and gets
 * its own DR0, 0, from the exit message.  (SVM once let guests read and
 * write DR0-3 directly: no intercept.)
 */
static enum result debug_registers_are_the_vcpus(void)
{
	struct vm a, b;
	if (!vm_new(&a, guest_cpuid_hlt, guest_cpuid_hlt_end, 0) ||
	    !vm_new(&b, guest_read_dr0, guest_read_dr0_end, 0))
		return skip_reason ? SKIP : FAIL;
	uint64_t *w = protected_mode_state();
	w[VMW_MASK] |= VMG_DEBUG;
	w[VMW_DR0] = 0xdead0000;
	w[VMW_DR6] = 0xffff0ff0;
	w[VMW_DR7] = 0x401; /* L0: an execute breakpoint where the guest never runs */
	CHECK_OK(vm_start(&a));
	CHECK(vm_next_exit(&a, NULL) == VMEXIT_CPUID);
	CHECK(w[VMW_DR0] == 0xdead0000 && w[VMW_DR7] == 0x401); /* a's own, round trip */
	CHECK_OK(vm_reply(VMR_STOP));
	protected_mode_state();
	CHECK_OK(vm_start(&b));
	CHECK(vm_next_exit(&b, NULL) == VMEXIT_MOV_DR);
	CHECK(DR_QUAL_DR(w[VMW_QUAL]) == 0 && (w[VMW_QUAL] & DR_QUAL_FROM_DR) &&
	      DR_QUAL_GPR(w[VMW_QUAL]) == 0 && w[VMW_INSN_LEN] == 3);
	CHECK(w[VMW_DR0] == 0 && w[VMW_DR7] == 0x400); /* b's own: the reset values */
	w[VMW_RAX] = w[VMW_DR0];
	w[VMW_RIP] += w[VMW_INSN_LEN];
	CHECK_OK(vm_reply(VMG_GPR_ACDB | VMG_RIP));
	CHECK(vm_next_exit(&b, NULL) == VMEXIT_CPUID);
	CHECK(*(uint32_t *)(b.mem + DATA_GPA) == 0);
	CHECK_OK(vm_reply(VMR_STOP));
	return PASS;
}

/* The XCR0 this thread runs with, or 0 where the kernel leaves XSAVE off. */
static uint64_t host_xcr0(void)
{
	uint32_t a = 1, b, c = 0, d;
	asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	if (!(c & (1u << 27))) /* OSXSAVE */
		return 0;
	asm volatile("xgetbv" : "=a"(a), "=d"(d) : "c"(0));
	return a | (uint64_t)d << 32;
}

/* Answers a MOV to CR4 (VMX: OSXSAVE is the kernel's bit; SVM: every write exits) as a VMM does. */
static bool answer_cr4_write(uint64_t *w)
{
	uint64_t q = w[VMW_QUAL];
	if ((q & 15) != 4 || (q & 0x30) || ((q >> 8) & 15) != 0) /* MOV to CR4 from rax */
		return false;
	w[VMW_CR4] = w[VMW_RAX];
	w[VMW_RIP] += w[VMW_INSN_LEN];
	return vm_reply(VMG_CR | VMG_RIP) == OK;
}

/*
 * XCR0 is the vCPU's: the guest's XSETBV(x87|SSE), once the VMM takes it
 * (VMG_XCR0), is what its XGETBV reads, before and after another exit,
 * while the host runs with its own XCR0 at that exit (the invariant
 * checker and this thread's XGETBV).  A reply with an XCR0 XSETBV would
 * refuse (no x87, a component the kernel does not switch) is refused:
 * the kernel loads it itself.  Under QEMU, whose SVM lets XSETBV through
 * without the intercept, the guest's value comes with the next exit.
 */
static enum result guest_xcr0_is_the_vcpus(void)
{
	struct vm m;
	uint64_t host = host_xcr0(), broken = 1, reason;
	if (!host) {
		skip_reason = "the kernel uses no XSAVE";
		return SKIP;
	}
	if (!vm_new(&m, guest_xcr0, guest_xcr0_end, 0))
		return skip_reason ? SKIP : FAIL;
	uint32_t *data = (uint32_t *)(m.mem + DATA_GPA);
	uint64_t *w = long_mode_state(0xa09b);
	CHECK_OK(vm_start(&m));
	while ((reason = vm_next_exit(&m, NULL)) == VMEXIT_CR_ACCESS)
		CHECK(answer_cr4_write(w));
	if (reason == VMEXIT_XSETBV) {
		CHECK(w[VMW_RAX] == 3 && w[VMW_XCR0] == XCR0_RESET && w[VMW_INSN_LEN] == 3);
		w[VMW_XCR0] = 3;
		w[VMW_RIP] += 3;
		CHECK_OK(vm_reply(VMG_XCR0 | VMG_RIP));
		reason = vm_next_exit(&m, NULL);
	}
	CHECK(reason == VMEXIT_CPUID);
	CHECK(w[VMW_XCR0] == 3 && data[0] == 3);
	CHECK(host_xcr0() == host);
	CHECK_OK(sys_debug_check(SLOT_CONSOLE, &broken));
	CHECK(broken == 0);
	w[VMW_XCR0] = XCR0_SSE;
	CHECK(vm_reply(VMG_XCR0) == ERR_INVALID_ARG);
	w[VMW_XCR0] = host | 1ULL << 9; /* PKRU, which the kernel never switches */
	CHECK(vm_reply(VMG_XCR0) == ERR_INVALID_ARG);
	w[VMW_XCR0] = 3;
	w[VMW_RIP] += 2;
	CHECK_OK(vm_reply(VMG_RIP));
	CHECK(vm_next_exit(&m, NULL) == VMEXIT_HLT);
	CHECK(data[1] == 3);
	CHECK_OK(vm_reply(VMR_STOP));
	return PASS;
}

/*
 * A VMM reads and writes its vCPU's XMM registers and MXCSR at an exit
 * (SYS_THREAD_READ_REGS/WRITE_REGS with REGS_SSE), and its x87/MMX state
 * (REGS_X87), although the guest's values are still in the CPU's
 * registers then (this suite uses no SSE or MMX): it reads the guest's,
 * and the guest goes on with the ones written.  A MXCSR with a reserved
 * bit, which the kernel's FXRSTOR/XRSTOR would fault on, is refused and
 * changes nothing; REGS_X87's MXCSR bytes are not written at all.
 */
static enum result vmm_reaches_the_guests_sse_registers(void)
{
	struct vm m;
	if (!vm_new(&m, guest_sse, guest_sse_end, 0))
		return skip_reason ? SKIP : FAIL;
	uint64_t *w = long_mode_state(0xa09b), exit_words[VMW_COUNT], a = SSE_A, b = SSE_B;
	w[VMW_CR4] |= CR4_OSFXSR;
	CHECK_OK(vm_start(&m));
	CHECK(vm_next_exit(&m, NULL) == VMEXIT_CPUID);
	memcpy(exit_words, w, sizeof(exit_words)); /* the SSE words go where the message was */
	struct vm_sse_regs *sse = (struct vm_sse_regs *)w;
	CHECK_OK(sys_vcpu_read_sse(m.vcpu));
	CHECK(sse->xmm[3][0] == a && sse->xmm[3][1] == 0);
	CHECK(sse->xmm[15][0] == 0 && sse->xmm[15][1] == b);
	CHECK(sse->mxcsr == MXCSR_GUEST);
	sse->mxcsr = 1u << 16;
	sse->xmm[3][0] = 0;
	CHECK(sys_vcpu_write_sse(m.vcpu) == ERR_INVALID_ARG);
	CHECK(sys_thread_read_regs(m.vcpu) == ERR_WRONG_TYPE); /* REGS_USER: threads only */
	CHECK_OK(sys_vcpu_read_sse(m.vcpu));
	CHECK(sse->xmm[3][0] == a && sse->mxcsr == MXCSR_GUEST);
	sse->xmm[3][0] = ~a;
	sse->xmm[3][1] = ~b;
	sse->xmm[15][1] = a;
	sse->mxcsr = 0x5f80; /* round up */
	CHECK_OK(sys_vcpu_write_sse(m.vcpu));
	struct vm_x87_regs *x87 = (struct vm_x87_regs *)w;
	CHECK_OK(sys_vcpu_read_x87(m.vcpu));
	CHECK(((x87->image[0] >> 11) & 7) == 0); /* MMX leaves TOP 0: ST2 is MM2 */
	CHECK(x87->image[8] == b); /* (bits 79:64 are all ones on hardware, 0 under QEMU 7.2) */
	CHECK((x87->image[3] & 0xffffffff) == 0x5f80); /* MXCSR, as just written */
	x87->image[8] = ~b;
	x87->image[3] = ~0ULL; /* MXCSR's bytes: ignored */
	CHECK_OK(sys_vcpu_write_x87(m.vcpu));
	memcpy(w, exit_words, sizeof(exit_words));
	w[VMW_RIP] += 2;
	CHECK_OK(vm_reply(VMG_RIP));
	CHECK(vm_next_exit(&m, NULL) == VMEXIT_HLT);
	uint64_t *data = (uint64_t *)(m.mem + DATA_GPA);
	CHECK(data[1] == ~a && data[2] == ~b && data[3] == a && data[4] == ~b);
	CHECK((uint32_t)(data[0] >> 32) == 0x5f80);
	CHECK_OK(vm_reply(VMR_STOP));
	return PASS;
}

/*
 * MOV to and from CR8 exits on both backends as VMEXIT_CR_ACCESS in VMX's
 * layout (register 8, direction, GPR), so the VMM's local APIC keeps the
 * TPR: on SVM the kernel intercepts both and decodes the MOV (REX.R
 * names CR8, REX.B r9), where before they went to the VMCB's V_TPR.
 */
static enum result guest_cr8_reaches_the_vmm(void)
{
	struct vm m;
	if (!vm_new(&m, guest_cr8, guest_cr8_end, 0))
		return skip_reason ? SKIP : FAIL;
	uint64_t *w = long_mode_state(0xa09b);
	CHECK_OK(vm_start(&m));
	CHECK(vm_next_exit(&m, NULL) == VMEXIT_CR_ACCESS);
	CHECK(w[VMW_QUAL] == (8 | 9 << 8) && w[VMW_INSN_LEN] == 4 && w[VMW_R9] == 5);
	w[VMW_RIP] += 4;
	CHECK_OK(vm_reply(VMG_RIP));
	CHECK(vm_next_exit(&m, NULL) == VMEXIT_CR_ACCESS);
	CHECK(w[VMW_QUAL] == (8 | 1 << 4 | 3 << 8) && w[VMW_INSN_LEN] == 4);
	w[VMW_RBX] = 0xa;
	w[VMW_RIP] += 4;
	CHECK_OK(vm_reply(VMG_GPR_ACDB | VMG_RIP));
	CHECK(vm_next_exit(&m, NULL) == VMEXIT_HLT);
	CHECK(*(uint32_t *)(m.mem + DATA_GPA) == 0xa);
	CHECK_OK(vm_reply(VMR_STOP));
	return PASS;
}

/*
 * The NMI window on both backends (SVM has none of its own: the kernel
 * tracks the blocking an injected NMI makes until the guest's IRET).
 * Asked for while nothing blocks, it exits before the guest runs; asked
 * for with an NMI injected, it exits once the handler's IRET is done,
 * with the handler run once and the guest back in its loop.
 */
static enum result nmi_window_opens_after_the_handlers_iret(void)
{
	struct vm m;
	if (!vm_new(&m, guest_nmi, guest_nmi_end, 0))
		return skip_reason ? SKIP : FAIL;
	uint32_t *count = (uint32_t *)(m.mem + DATA_GPA);
	uint64_t handler = CODE_GPA + (uint64_t)(guest_nmi_handler - guest_nmi);
	*(uint64_t *)(m.mem + IDT_GPA + 8 * 2) =
		(handler & 0xffff) | (uint64_t)G_CODE32 << 16 | 0x8eULL << 40 | (handler >> 16) << 48;
	uint64_t *w = protected_mode_state();
	w[VMW_MASK] |= VMG_CONTROLS;
	w[VMW_CONTROLS] = VMC_NMI_WINDOW;
	CHECK_OK(vm_start(&m));
	CHECK(vm_next_exit(&m, NULL) == VMEXIT_NMI_WINDOW);
	CHECK(w[VMW_RIP] == CODE_GPA && *count == 0);
	w[VMW_INJECT_INFO] = VM_EVENT_VALID | (2u << 8) | 2; /* an NMI */
	w[VMW_INJECT_ERROR] = 0;
	w[VMW_CONTROLS] = VMC_NMI_WINDOW;
	CHECK_OK(vm_reply(VMG_INJECT | VMG_CONTROLS));
	CHECK(vm_next_exit(&m, NULL) == VMEXIT_NMI_WINDOW);
	CHECK(*count == 1);
	CHECK(w[VMW_RIP] >= CODE_GPA && w[VMW_RIP] < handler); /* back in its loop */
	CHECK(!(w[VMW_RFLAGS] & RFLAGS_TF)); /* the kernel's single step left no trace */
	CHECK_OK(vm_reply(VMR_STOP));
	return PASS;
}

/*
 * An NMI window asked for in an STI shadow opens after the shadow's
 * instruction, not before it: the VMM injects no NMI in a shadow, and a
 * window that opened there had it ask again at once, for ever (SVM, where
 * the kernel makes the window: it steps over that instruction; the
 * kvm-unit-tests case xapic's test_sti_nmi hung on it).
 */
static enum result nmi_window_waits_out_an_sti_shadow(void)
{
	struct vm m;
	if (!vm_new(&m, guest_count, guest_count_end, 0))
		return skip_reason ? SKIP : FAIL;
	uint32_t *count = (uint32_t *)(m.mem + DATA_GPA);
	uint64_t *w = protected_mode_state();
	w[VMW_RFLAGS] = 0x202; /* IF: an STI shadow needs it */
	w[VMW_INTR_STATE] = VM_INTR_STI_SHADOW;
	w[VMW_MASK] |= VMG_CONTROLS;
	w[VMW_CONTROLS] = VMC_NMI_WINDOW;
	CHECK_OK(vm_start(&m));
	CHECK(vm_next_exit(&m, NULL) == VMEXIT_NMI_WINDOW);
	CHECK(w[VMW_RIP] == CODE_GPA + 6 && *count == 1); /* after the shadow's incl, no later */
	CHECK(!(w[VMW_INTR_STATE] & VM_INTR_SHADOWS));
	CHECK(!(w[VMW_RFLAGS] & RFLAGS_TF)); /* the kernel's single step left no trace */
	CHECK_OK(vm_reply(VMR_STOP));
	return PASS;
}

/*
 * A HLT that is the first instruction after an entry in an STI shadow
 * exits in the shadow, and the exit says so: the instruction did not
 * end, so the shadow is still there for the VMM, which injects nothing
 * in one.  QEMU's VMRUN drops the shadow and reported none (the kernel
 * puts it back there: vcpu_svm.c, "QEMU's lost shadow").
 */
static enum result exit_before_the_first_instruction_keeps_the_shadow(void)
{
	struct vm m;
	if (!vm_new(&m, guest_cpuid_hlt, guest_cpuid_hlt_end, 0))
		return skip_reason ? SKIP : FAIL;
	uint64_t *w = protected_mode_state();
	w[VMW_RFLAGS] = 0x202; /* IF: an STI shadow needs it */
	CHECK_OK(vm_start(&m));
	CHECK(vm_next_exit(&m, NULL) == VMEXIT_CPUID);
	w[VMW_RIP] += 2;
	w[VMW_INTR_STATE] = VM_INTR_STI_SHADOW;
	CHECK_OK(vm_reply(VMG_RIP | VMG_STATE));
	CHECK(vm_next_exit(&m, NULL) == VMEXIT_HLT);
	CHECK(w[VMW_RIP] == CODE_GPA + 4);
	CHECK(w[VMW_INTR_STATE] & VM_INTR_STI_SHADOW);
	CHECK_OK(vm_reply(VMR_STOP));
	return PASS;
}

/*
 * An interrupt window asked for while the guest can already take an
 * interrupt is open at the entry: the exit comes before the guest's first
 * instruction (its CPUID would exit otherwise).  Bochs's SVM took its
 * VINTR exit only once the guest changed IF (kernel/vcpu_svm.c,
 * intr_window_open).
 */
static enum result interrupt_window_open_at_entry_exits_first(void)
{
	struct vm m;
	if (!vm_new(&m, guest_cpuid_hlt, guest_cpuid_hlt_end, 0))
		return skip_reason ? SKIP : FAIL;
	uint64_t *w = protected_mode_state();
	w[VMW_RFLAGS] = 0x202; /* IF, no shadow */
	w[VMW_MASK] |= VMG_CONTROLS;
	w[VMW_CONTROLS] = VMC_INTR_WINDOW;
	CHECK_OK(vm_start(&m));
	CHECK(vm_next_exit(&m, NULL) == VMEXIT_INTERRUPT_WINDOW);
	CHECK(w[VMW_RIP] == CODE_GPA);
	w[VMW_CONTROLS] = 0; /* no window now: the guest runs to its CPUID */
	CHECK_OK(vm_reply(VMG_CONTROLS));
	CHECK(vm_next_exit(&m, NULL) == VMEXIT_CPUID);
	CHECK_OK(vm_reply(VMR_STOP));
	return PASS;
}

/* --- guest-physical spaces ------------------------------------------------- */

/*
 * Revoking the untyped memory a running vCPU's space came from stops the
 * vCPU: it never runs on the freed tables (whoever retypes that memory next
 * could otherwise write the tables its guest walks).
 */
static enum result revoked_space_stops_its_vcpu(void)
{
	struct vm m;
	volatile uint32_t *counter;
	if (!vm_new(&m, guest_count, guest_count_end, 1))
		return skip_reason ? SKIP : FAIL;
	counter = (volatile uint32_t *)(m.mem + DATA_GPA);
	protected_mode_state()[VMW_RFLAGS] = 0x202; /* IF: Bochs's SVM preempts only such guests */
	CHECK_OK(vm_start(&m));
	CHECK(wait_change((volatile uint64_t *)counter, 0));
	CHECK_OK(sys_cap_revoke(m.space_untyped));
	CHECK(cap_type(m.space) == OBJ_NONE);
	yield_n(4);
	uint32_t after = *counter;
	yield_n(20);
	CHECK(*counter == after);
	/* not even an exit: a guest entered on the old tables would fault in them */
	struct msg msg = { 0 };
	uint64_t badge;
	CHECK_ST(sys_nb_recv(m.ep, &msg, &badge), ERR_WOULD_BLOCK);
	CHECK_ST(sys_vcpu_run(m.vcpu), ERR_INVALID_ARG); /* no guest memory until configured again */
	return PASS;
}

/* --- entries that fail ------------------------------------------------------ */

/*
 * A guest whose first entry fails (a 64-bit code segment with D set) is
 * reported as an entry failure with its own state, not the host's, and
 * runs once the VMM corrects the state (VMX: the next entry is a VMLAUNCH
 * again, not a VMRESUME of a VMCS that was never launched).
 */
static enum result failed_first_entry_can_be_retried(void)
{
	struct vm m;
	if (!vm_new(&m, guest_hlt64, guest_hlt64_end, 0))
		return skip_reason ? SKIP : FAIL;
	long_mode_state(0xe09b); /* L and D: invalid */
	CHECK_OK(vm_start(&m));
	uint64_t reason = vm_next_exit(&m, NULL), *w = utcb()->mr;
	CHECK(reason == (VMEXIT_ENTRY_FAILURE | VMEXIT_INVALID_STATE));
	CHECK(w[VMW_RIP] == CODE_GPA);
	CHECK(w[VMW_CR3] == PML4_GPA);
	CHECK(w[VMW_GDTR_BASE] == GDT_GPA && w[VMW_IDTR_BASE] == IDT_GPA);
	CHECK(VM_SEG_SEL(w[VMW_SEG_DESC(VMS_CS)]) == G_CODE64);
	w[VMW_SEG_DESC(VMS_CS)] = VM_SEG_PACK(G_CODE64, 0xa09b, 0xffffffff);
	CHECK_OK(vm_reply(VMG_SEG));
	CHECK(vm_next_exit(&m, NULL) == VMEXIT_HLT);
	CHECK(w[VMW_RIP] == CODE_GPA + 1 || w[VMW_RIP] == CODE_GPA);
	CHECK_OK(vm_reply(VMR_STOP));
	return PASS;
}

/*
 * The same after the guest has run: the entry that fails is a VMRESUME on
 * VMX, which leaves the VMCS launched, so the next entry must be a
 * VMRESUME again.  (It was a VMLAUNCH once, which failed for good with
 * VM-instruction error 5, and the guest never ran again.)
 */
static enum result failed_later_entry_can_be_retried(void)
{
	struct vm m;
	if (!vm_new(&m, guest_hlt64, guest_hlt64_end, 0))
		return skip_reason ? SKIP : FAIL;
	long_mode_state(0xa09b);
	CHECK_OK(vm_start(&m));
	uint64_t *w = utcb()->mr;
	CHECK(vm_next_exit(&m, NULL) == VMEXIT_HLT);
	w[VMW_RIP] = CODE_GPA;
	w[VMW_SEG_DESC(VMS_CS)] = VM_SEG_PACK(G_CODE64, 0xe09b, 0xffffffff); /* L and D */
	CHECK_OK(vm_reply(VMG_SEG | VMG_RIP));
	CHECK(vm_next_exit(&m, NULL) == (VMEXIT_ENTRY_FAILURE | VMEXIT_INVALID_STATE));
	for (unsigned i = 0; i < 3; i++) { /* each retry finds the guest as it was */
		CHECK(w[VMW_RIP] == CODE_GPA);
		w[VMW_SEG_DESC(VMS_CS)] = VM_SEG_PACK(G_CODE64, 0xa09b, 0xffffffff);
		CHECK_OK(vm_reply(VMG_SEG));
		CHECK(vm_next_exit(&m, NULL) == VMEXIT_HLT);
		w[VMW_RIP] = CODE_GPA;
		CHECK_OK(vm_reply(VMG_RIP));
		CHECK(vm_next_exit(&m, NULL) == VMEXIT_HLT);
		w[VMW_RIP] = CODE_GPA;
		w[VMW_SEG_DESC(VMS_CS)] = VM_SEG_PACK(G_CODE64, 0xe09b, 0xffffffff);
		CHECK_OK(vm_reply(VMG_SEG | VMG_RIP));
		CHECK(vm_next_exit(&m, NULL) == (VMEXIT_ENTRY_FAILURE | VMEXIT_INVALID_STATE));
	}
	CHECK_OK(vm_reply(VMR_STOP));
	return PASS;
}

/*
 * A guest that faults with nothing in its IDT triple-faults, and only the
 * guest stops (Bochs's AMD CPU stopped the whole machine when the kernel
 * delivered the #DF such a guest cannot take).
 */
static enum result fault_without_idt_is_a_triple_fault(void)
{
	struct vm m;
	if (!vm_new(&m, guest_ud2, guest_ud2_end, 0))
		return skip_reason ? SKIP : FAIL;
	protected_mode_state();
	CHECK_OK(vm_start(&m));
	CHECK(vm_next_exit(&m, NULL) == VMEXIT_TRIPLE_FAULT);
	CHECK_OK(vm_reply(VMR_STOP));
	return PASS;
}

/*
 * #DB and #AC exit to the kernel (so that no guest can loop the CPU in
 * their delivery), and the kernel hands each straight back: the guest's
 * own handlers see exactly the exceptions it caused.
 */
static enum result debug_and_alignment_exceptions_reach_the_guest(void)
{
	struct vm m;
	if (!vm_new(&m, guest_db_ac, guest_db_ac_end, 0))
		return skip_reason ? SKIP : FAIL;
	set_guest_gate(m.mem, 1, guest_db_handler, guest_db_ac);
	set_guest_gate(m.mem, 17, guest_ac_handler, guest_db_ac);
	protected_mode_state()[VMW_CR0] = 0x40011; /* AM, ET, PE */
	CHECK_OK(vm_start(&m));
	CHECK(vm_next_exit(&m, NULL) == VMEXIT_CPUID);
	const volatile uint32_t *count = (const volatile uint32_t *)(m.mem + DATA_GPA);
	CHECK(count[1] >= 1); /* #DB */
	CHECK_OK(vm_reply(VMR_STOP));
	if (count[2] == 0)
		SKIP("the CPU raised no #AC (QEMU's emulation has no alignment checks)");
	CHECK(count[2] == 1);
	return PASS;
}

/* A protected-mode guest at its first exit, CPUID: where the injection cases reply. */
static enum result stopped_at_cpuid(struct vm *m)
{
	if (!vm_new(m, guest_cpuid_hlt, guest_cpuid_hlt_end, 0))
		return skip_reason ? SKIP : FAIL;
	protected_mode_state();
	CHECK_OK(vm_start(m));
	CHECK(vm_next_exit(m, NULL) == VMEXIT_CPUID);
	return PASS;
}

/* It is an error to inject a software interrupt without the length of its instruction. */
static enum result software_injection_needs_a_length(void)
{
	struct vm m;
	enum result started = stopped_at_cpuid(&m);
	if (started != PASS)
		return started;
	uint64_t *w = utcb()->mr;
	w[VMW_INJECT_INFO] = (1u << 31) | (4u << 8) | 0x80; /* int $0x80 */
	w[VMW_INJECT_ERROR] = 0;
	w[VMW_INSN_LEN] = 0;
	CHECK_ST(vm_reply(VMG_INJECT), ERR_INVALID_ARG);
	w[VMW_INSN_LEN] = 16;
	CHECK_ST(vm_reply(VMG_INJECT), ERR_INVALID_ARG);
	CHECK_OK(vm_reply(VMR_STOP));
	return PASS;
}

/*
 * An injected exception that pushes an error code must deliver one, of 16
 * bits, in protected mode (and none in real mode, the VM suite's realmode
 * guest): the reply is refused, where VMX's entry would have failed with
 * VM-instruction error 7 and told the VMM only that it failed, and SVM's
 * would have given the guest a frame its handler does not expect.
 */
static enum result injection_error_code_follows_the_guests_mode(void)
{
	struct vm m;
	enum result started = stopped_at_cpuid(&m);
	if (started != PASS)
		return started;
	uint64_t *w = utcb()->mr;
	w[VMW_INJECT_INFO] = (1u << 31) | (3u << 8) | 13; /* #GP without its error code */
	w[VMW_INJECT_ERROR] = 0;
	w[VMW_INSN_LEN] = 0;
	CHECK_ST(vm_reply(VMG_INJECT), ERR_INVALID_ARG);
	w[VMW_INJECT_INFO] |= 1u << 11;
	w[VMW_INJECT_ERROR] = 0x10000; /* wider than 16 bits */
	CHECK_ST(vm_reply(VMG_INJECT), ERR_INVALID_ARG);
	w[VMW_INJECT_ERROR] = 0; /* as it should be: entered (no IDT: the guest shuts down) */
	CHECK_OK(vm_reply(VMG_INJECT));
	uint64_t reason = vm_next_exit(&m, NULL);
	CHECK(reason && !(reason & VMEXIT_ENTRY_FAILURE));
	CHECK_OK(vm_reply(VMR_STOP));
	return PASS;
}

/*
 * It is an error to ask the shipped kernel to answer a guest's CPUID itself:
 * VCPU_KERNEL_CPUID is for the measurement kernel only (docs/testing.md).
 * The refusal leaves the vCPU as it was, so its CPUID still comes here.
 */
static enum result kernel_cpuid_is_refused(void)
{
	struct vm m;
	if (!vm_new(&m, guest_cpuid_hlt, guest_cpuid_hlt_end, 0))
		return skip_reason ? SKIP : FAIL;
	CHECK_ST(sys_vcpu_configure(m.vcpu, m.space, VCPU_KERNEL_CPUID), ERR_UNSUPPORTED);
	protected_mode_state();
	CHECK_OK(vm_start(&m));
	CHECK(vm_next_exit(&m, NULL) == VMEXIT_CPUID);
	CHECK_OK(vm_reply(VMR_STOP));
	return PASS;
}

/* --- bindings and replies --------------------------------------------------- */

/* An exit reason that was bound and then unbound goes to the default binding again. */
static enum result unbound_exit_reason_goes_to_the_default(void)
{
	struct vm m;
	uint64_t badge = 0;
	if (!vm_new(&m, guest_cpuid_hlt, guest_cpuid_hlt_end, 0))
		return skip_reason ? SKIP : FAIL;
	uint64_t for_cpuid = cap_dup(m.ep, RIGHT_W, 2), for_hlt = cap_dup(m.ep, RIGHT_W, 3);
	CHECK_MADE(for_cpuid && for_hlt);
	CHECK_OK(sys_vcpu_bind(m.vcpu, VMEXIT_CPUID, for_cpuid, VMG_GPR_ACDB | VMG_RIP));
	CHECK_OK(sys_vcpu_bind(m.vcpu, VMEXIT_CPUID, SLOT_NONE, 0));
	CHECK_OK(sys_vcpu_bind(m.vcpu, VMEXIT_HLT, for_hlt, VMG_RIP)); /* takes the freed slot */
	protected_mode_state();
	CHECK_OK(vm_start(&m));
	CHECK(vm_next_exit(&m, &badge) == VMEXIT_CPUID);
	CHECK(badge == 1);
	CHECK(utcb()->mr[VMW_MASK] == ALL_EXIT_STATE);
	CHECK_OK(vm_reply(VMR_STOP));
	return PASS;
}

/* Takes one exit on arg[0], answers it with a reserved RFLAGS bit, then stops the vCPU. */
static void take_exit_and_refuse(struct helper *h)
{
	struct msg msg = { 0 };
	uint64_t badge, *w = h->u->mr;
	h->status = sys_recv(h->arg[0], &msg, &badge);
	if (h->status == OK) {
		for (unsigned i = 0; i < MSG_REG_WORDS; i++)
			w[i] = msg.mr[i];
		w[VMW_RFLAGS] = 2 | (1u << 15);
		msg = vm_reply_msg(w, VMG_RFLAGS);
		h->value[0] = sys_reply_recv(h->arg[0], &msg, &badge);
	}
	h->state = 1;
	msg = vm_reply_msg(w, VMR_STOP);
	h->value[1] = sys_reply(&msg);
	h->state = 2;
}

/*
 * A reply the kernel refuses through SYS_REPLY_RECV returns the error and
 * receives nothing; the vCPU keeps waiting for a good answer.
 */
static enum result refused_reply_recv_keeps_the_vcpu_waiting(void)
{
	struct vm m;
	struct helper *h;
	if (!vm_new(&m, guest_cpuid_hlt, guest_cpuid_hlt_end, 0))
		return skip_reason ? SKIP : FAIL;
	protected_mode_state();
	CHECK_OK(vm_start(&m));
	CHECK_MADE(h = helper_start(take_exit_and_refuse, SLOT_NONE, m.ep, 0));
	CHECK(helper_wait(h, 2));
	CHECK_OK(h->status);
	CHECK_ST(h->value[0], ERR_INVALID_ARG);
	CHECK_OK(h->value[1]); /* the vCPU still waited for its answer */
	return PASS;
}

/* --- syscalls and the way back to user mode --------------------------------- */

static void mark_ran(struct helper *h)
{
	h->state = 1;
}

/*
 * A caller's RFLAGS.NT does not reach the kernel: with NT set, the
 * kernel's next iretq (here, into a thread that starts) faults in ring 0.
 * The caller gets its own flags back.
 */
static enum result syscall_leaves_nt_to_the_caller(void)
{
	uint64_t flags;
	struct helper *h = helper_start(mark_ran, SLOT_NONE, 0, 0);
	CHECK_MADE(h);
	asm volatile("pushfq; orq %1, (%%rsp); popfq\n\t"
		     "movl %2, %%eax\n\t"
		     "syscall\n\t"
		     "pushfq; popq %0\n\t"
		     "pushfq; andq %3, (%%rsp); popfq"
		     : "=r"(flags)
		     : "i"(RFLAGS_NT), "i"(SYS_YIELD), "i"(~RFLAGS_NT)
		     : "rax", "rcx", "r11", "memory", "cc");
	CHECK(flags & RFLAGS_NT);
	CHECK(helper_wait(h, HELPER_DONE));
	return PASS;
}

/*
 * Nothing user-level lives in the last page below the canonical boundary,
 * so the rip after a syscall is always canonical (Intel's sysret faults in
 * ring 0, on the user's stack, otherwise).
 */
static enum result top_user_page_is_out_of_reach(void)
{
	const uint64_t top_page = 0x00007ffffffff000ULL;
	uint64_t frame = frame_new(1), t = obj_new(OBJ_THREAD);
	CHECK_MADE(frame && t);
	CHECK_ST(sys_map(frame, TASK_SELF, top_page, RIGHT_R | RIGHT_X), ERR_BAD_ADDRESS);
	CHECK_OK(sys_thread_configure(t, SLOT_SELF_TASK, SLOT_NONE, SLOT_NONE));
	CHECK_ST(sys_thread_start(t, top_page + 0xffe, 0, 0), ERR_BAD_ADDRESS);
	return PASS;
}

/* --- interrupts while a guest spins ------------------------------------------ */

/* Whether the CPU is Intel's (VMX: the preemption timer ends a guest's slice). */
static int cpu_is_intel(void)
{
	uint32_t a, b, c, d;
	asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0), "c"(0));
	return b == 0x756e6547 && d == 0x49656e69 && c == 0x6c65746e; /* "GenuineIntel" */
}

/*
 * A guest spinning below the suite does not keep an interrupt from waking
 * the suite.  On VMX the guest keeps IF=0: Bochs 2.7 then exits for no
 * pending interrupt, and only the end of the vCPU's slice (the preemption
 * timer's exit, which opens an interrupt window before the scheduler
 * chooses) lets IRQ 0 in; without that window the suite waited for ever.
 * SVM has no such timer, so there the guest keeps IF=1 and each interrupt
 * exits (Bochs's SVM exits for none while IF=0: docs/vm-exit-protocol.md).
 */
static enum result interrupt_wakes_a_thread_above_a_spinning_guest(void)
{
	struct vm m;
	uint64_t bits = 0, ntfn = obj_new(OBJ_NOTIFICATION);
	if (own_priority == 0 || !holds_irq(0) || !holds_ports(PIT_CH0, PIT_CMD))
		SKIP("the suite holds no IRQ 0 or PIT ports, or runs at priority 0");
	if (!vm_new(&m, guest_count, guest_count_end, 0))
		return skip_reason ? SKIP : FAIL;
	volatile uint32_t *counter = (volatile uint32_t *)(m.mem + DATA_GPA);
	CHECK_MADE(ntfn);
	CHECK_OK(sys_thread_set_priority(m.vcpu, own_priority - 1));
	protected_mode_state()[VMW_RFLAGS] = cpu_is_intel() ? 2 : 0x202;
	CHECK_OK(sys_irq_bind(SLOT_IRQ_FIRST, ntfn));
	CHECK_OK(vm_start(&m));
	pit_program(PIT_PERIODIC, 1193); /* 1 ms */
	for (unsigned i = 0; i < 3; i++) { /* the guest runs whenever the suite waits */
		CHECK_OK(sys_wait(ntfn, &bits));
		CHECK_OK(sys_irq_ack(SLOT_IRQ_FIRST));
	}
	pit_stop();
	CHECK(*counter != 0);
	CHECK_OK(sys_thread_suspend(m.vcpu));
	CHECK_OK(sys_cap_delete(ntfn)); /* frees IRQ 0 for the next case */
	return PASS;
}

/* --- large guest pages ----------------------------------------------------- */

#define LARGE_GPA 0x200000ULL /* the guest reads LARGE_GPA + 0x10 */

/*
 * Resumes a guest stopped at guest_read_2m's CPUID, and says where it exits
 * next: CPUID with the word it read in EAX (*eax), or a refused access.
 */
static uint64_t read_2m_again(struct vm *m, uint64_t *eax)
{
	uint64_t badge, *w = utcb()->mr;
	if (w[VMW_REASON] == VMEXIT_CPUID)
		w[VMW_RIP] += 2;
	if (vm_reply(VMG_RIP) != OK)
		return ~0ULL;
	uint64_t reason = vm_next_exit(m, &badge);
	*eax = w[VMW_RAX];
	return reason;
}

/*
 * A 2 MiB leaf in a guest's space goes away at once, TLB included, when
 * its frame is unmapped and when the untyped memory it came from is
 * revoked while mapped: the guest's next read is refused, never served
 * from a stale translation.
 */
static enum result large_guest_page_goes_on_unmap_and_revoke(void)
{
	struct vm m;
	uint64_t ut = slot_alloc(), frame = slot_alloc(), view, badge, eax = 0;
	const uint64_t two = FRAME_2M_PAGES * (uint64_t)PAGE_BYTES;
	const uint64_t va = 0x40000000ULL + 8 * two; /* past memory.c's large frames */
	if (!vm_new(&m, guest_read_2m, guest_read_2m_end, 0))
		return skip_reason ? SKIP : FAIL;
	CHECK_OK(sys_retype(SLOT_UNTYPED, OBJ_UNTYPED, 2 * FRAME_2M_PAGES, ut, 1));
	CHECK_OK(sys_retype(ut, OBJ_FRAME_2M, FRAME_2M_PAGES, frame, 1));
	CHECK_MADE(view = cap_dup(frame, RIGHT_R | RIGHT_W, 0));
	CHECK_OK(sys_map(view, TASK_SELF, va, RIGHT_R | RIGHT_W));
	volatile uint32_t *word = (volatile uint32_t *)(va + 0x10);
	*word = 0x5a5a1234;
	CHECK_OK(sys_gpa_map(frame, m.space, LARGE_GPA, RIGHT_R | RIGHT_W));
	protected_mode_state();
	CHECK_OK(vm_start(&m));
	CHECK(vm_next_exit(&m, &badge) == VMEXIT_CPUID);
	CHECK(utcb()->mr[VMW_RAX] == 0x5a5a1234);
	*word = 2;
	CHECK(read_2m_again(&m, &eax) == VMEXIT_CPUID && eax == 2);
	CHECK_OK(sys_unmap(frame));
	CHECK(read_2m_again(&m, &eax) == VMEXIT_GPA_FAULT);
	CHECK(utcb()->mr[VMW_GPA] == LARGE_GPA + 0x10);
	CHECK_OK(sys_gpa_map(frame, m.space, LARGE_GPA, RIGHT_R | RIGHT_W));
	CHECK(read_2m_again(&m, &eax) == VMEXIT_CPUID && eax == 2); /* the same frame again */
	CHECK_OK(sys_cap_revoke(ut)); /* frame and view go, mapped */
	CHECK(cap_type(frame) == OBJ_NONE && cap_type(view) == OBJ_NONE);
	CHECK(read_2m_again(&m, &eax) == VMEXIT_GPA_FAULT);
	CHECK(utcb()->mr[VMW_GPA] == LARGE_GPA + 0x10);
	CHECK_OK(vm_reply(VMR_STOP));
	return PASS;
}

/* --- several vCPUs on one space --------------------------------------------- */

#define SHARED_GPA 0x10000ULL /* a page of its own, past the guest's RAM */

/*
 * Runs a stopped guest_share vCPU for one round and stops it again: the
 * exit's reason and badge, and the count it read (EAX) in *count.
 */
static uint64_t share_round(struct vm *m, uint64_t vcpu, uint64_t *badge, uint64_t *count)
{
	uint64_t *w = utcb()->mr;
	if (sys_vcpu_run(vcpu) != OK)
		return ~0ULL;
	uint64_t reason = vm_next_exit(m, badge);
	*count = (uint32_t)w[VMW_RAX];
	if (reason == VMEXIT_CPUID)
		w[VMW_RIP] += 2;
	return vm_reply(VMG_RIP | VMR_STOP) == OK ? reason : ~0ULL;
}

/*
 * Two vCPUs on one guest-physical space see each other's writes and the
 * VMM's, and when the page they share is unmapped both fault on it: the
 * flush reaches the vCPU that did not run when the page went, never
 * leaving it a stale translation (VMX: INVEPT of every context; SVM: each
 * vCPU flushes its ASID at its next VMRUN).
 */
static enum result two_vcpus_share_a_space_and_its_unmap(void)
{
	struct vm m;
	uint64_t view, frame, badge, count;
	if (!vm_new(&m, guest_share, guest_share_end, 0))
		return skip_reason ? SKIP : FAIL;
	uint64_t cpu[2] = { m.vcpu, vm_second_vcpu(&m) };
	volatile uint32_t *shared = frame_map_new(1, RIGHT_R | RIGHT_W, &view);
	CHECK_MADE(cpu[1]);
	CHECK_MADE(shared);
	CHECK_MADE(frame = cap_dup(view, RIGHTS_ALL, 0));
	CHECK_OK(sys_gpa_map(frame, m.space, SHARED_GPA, RIGHT_R | RIGHT_W));
	for (unsigned i = 0; i < 2; i++) {
		protected_mode_state();
		CHECK_OK(sys_vcpu_write_state(cpu[i]));
	}
	for (unsigned i = 0; i < 3; i++) { /* the count goes on from the other vCPU's */
		CHECK(share_round(&m, cpu[i % 2], &badge, &count) == VMEXIT_CPUID);
		CHECK(badge == 1 + i % 2 && count == i + 1);
	}
	CHECK(*shared == 3);
	*shared = 10;
	CHECK(share_round(&m, cpu[1], &badge, &count) == VMEXIT_CPUID && count == 11);
	CHECK_OK(sys_unmap(frame));
	for (unsigned i = 0; i < 2; i++) {
		CHECK(share_round(&m, cpu[i], &badge, &count) == VMEXIT_GPA_FAULT);
		CHECK(badge == 1 + i && utcb()->mr[VMW_GPA] == SHARED_GPA);
	}
	CHECK(*shared == 11);
	return PASS;
}

/*
 * Runs m's vCPU and a second one on its space (cpu[0], cpu[1]), each
 * counting at DATA_GPA + 8 * its index, with `rflags`; cpu[0] with exit
 * deadline d (none for WAIT_FOREVER).  0 on failure (reported).
 */
static int start_two_counters(struct vm *m, uint64_t cpu[2], uint64_t rflags, uint64_t d)
{
	cpu[0] = m->vcpu;
	cpu[1] = vm_second_vcpu(m);
	if (!cpu[1])
		return 0;
	for (unsigned i = 0; i < 2; i++) {
		uint64_t *w = protected_mode_state();
		w[VMW_RFLAGS] = rflags;
		w[VMW_RBX] = DATA_GPA + 8 * i;
		w[VMW_MASK] |= i == 0 && d != WAIT_FOREVER ? VMG_DEADLINE : 0;
		w[VMW_DEADLINE] = d;
		if (sys_vcpu_write_state(cpu[i]) != OK || sys_vcpu_run(cpu[i]) != OK)
			return 0;
	}
	return 1;
}

/*
 * A recall stops the vCPU it names alone: while it waits in its recall
 * exit, the other vCPU of the same guest keeps running.  Both spin with
 * IF=1: Bochs's SVM ends the slice of no guest that keeps IF=0.
 */
static enum result recalling_one_vcpu_leaves_the_other_running(void)
{
	struct vm m;
	uint64_t badge, cpu[2];
	if (!vm_new(&m, guest_count_at_ebx, guest_count_at_ebx_end, 0))
		return skip_reason ? SKIP : FAIL;
	volatile uint64_t *counts = (volatile uint64_t *)(m.mem + DATA_GPA);
	CHECK(start_two_counters(&m, cpu, 0x202, WAIT_FOREVER));
	CHECK(wait_change(&counts[0], 0) && wait_change(&counts[1], 0));
	CHECK_OK(sys_vcpu_recall(cpu[0]));
	CHECK(vm_next_exit(&m, &badge) == VMEXIT_RECALL && badge == 1);
	uint64_t first = counts[0];
	CHECK(wait_change(&counts[1], counts[1]));
	CHECK(counts[0] == first);
	CHECK_OK(vm_reply(VMR_STOP));
	CHECK_OK(sys_vcpu_recall(cpu[1]));
	CHECK(vm_next_exit(&m, &badge) == VMEXIT_RECALL && badge == 2);
	CHECK_OK(vm_reply(VMR_STOP));
	return PASS;
}

/* Yields until *v changes; 0 after a few seconds (under emulation) of TSC time. */
static int spin_until_change32(volatile uint32_t *v)
{
	uint32_t old = *v;
	for (uint64_t t0 = rdtsc(); *v == old;) {
		if (rdtsc() - t0 > 4000000000ULL)
			return 0;
		sys_yield();
	}
	return 1;
}

/*
 * A guest for the cases with two CPUs: one that counts at the address in
 * EBX (guest_count_at_ebx), not started.  PASS when made; SKIP with one
 * CPU or no VMX or SVM; FAIL on failure.
 */
static enum result counter_vm_for_two_cpus(struct vm *m)
{
	if (CPUS_RUNNING() < 2)
		SKIP("one CPU runs threads (the emulator has one, or cpus=1)");
	if (!vm_new(m, guest_count_at_ebx, guest_count_at_ebx_end, 0))
		return skip_reason ? SKIP : FAIL;
	return PASS;
}

/*
 * A VMM on another CPU than its vCPU (which stays on CPU 0): the vCPU's
 * exits reach it there, its replies resume the vCPU, and its recall
 * reaches the running vCPU at once (an IPI makes it exit), not at the
 * end of its time slice: each of three recalls within 4 ms, where one
 * taken at the slice's end would come after 20 ms at worst, 10 on
 * average.  (Where the CPUs run in turns, the time is not held to that.)
 */
static enum result vmm_on_another_cpu_runs_and_recalls_its_vcpu(void)
{
	struct vm m;
	uint64_t badge;
	enum result made = counter_vm_for_two_cpus(&m);
	if (made != PASS)
		return made;
	volatile uint64_t *count = (volatile uint64_t *)(m.mem + DATA_GPA);
	CHECK_OK(sys_thread_set_cpu(SLOT_SELF_THREAD, 1));
	uint64_t *w = protected_mode_state();
	w[VMW_RFLAGS] = 0x202; /* IF=1: Bochs makes an interrupt exit only then */
	w[VMW_RBX] = DATA_GPA;
	CHECK_OK(vm_start(&m));
	for (int i = 0; i < 3; i++) {
		CHECK(wait_change(count, *count));
		uint64_t t0 = rdtsc();
		CHECK_OK(sys_vcpu_recall(m.vcpu));
		CHECK(vm_next_exit(&m, &badge) == VMEXIT_RECALL && badge == 1);
		uint64_t took = rdtsc() - t0;
		if (took > tsc_hz() / 250 && !under_a_hypervisor()) {
			uprintf("# recall %d took %lu TSC counts (%lu a second)\n", i, took, tsc_hz());
			return FAIL;
		}
		CHECK_OK(vm_reply(0)); /* resumed, as it was */
	}
	CHECK_OK(sys_vcpu_recall(m.vcpu));
	CHECK(vm_next_exit(&m, &badge) == VMEXIT_RECALL);
	CHECK_OK(vm_reply(VMR_STOP));
	return PASS;
}

/*
 * A guest page unmapped while the guest uses it on another CPU: the VMM
 * on CPU 1, its vCPU counting in the page on CPU 0.  Once the unmap
 * returns, the guest has not one more write there (its CPU's cached
 * translations went with it: INVEPT there, or on SVM an exit and a flush
 * of the ASID at the next VMRUN), and its next write is a fault.
 */
static enum result guest_unmap_reaches_a_vcpu_on_another_cpu(void)
{
	struct vm m;
	uint64_t view, frame, badge;
	enum result made = counter_vm_for_two_cpus(&m);
	if (made != PASS)
		return made;
	volatile uint32_t *shared = frame_map_new(1, RIGHT_R | RIGHT_W, &view);
	CHECK_MADE(shared);
	CHECK_MADE(frame = cap_dup(view, RIGHTS_ALL, 0));
	CHECK_OK(sys_gpa_map(frame, m.space, SHARED_GPA, RIGHT_R | RIGHT_W));
	CHECK_OK(sys_thread_set_cpu(SLOT_SELF_THREAD, 1));
	uint64_t *w = protected_mode_state();
	w[VMW_RFLAGS] = 0x202;
	w[VMW_RBX] = SHARED_GPA;
	CHECK_OK(vm_start(&m));
	CHECK(spin_until_change32(shared));
	CHECK_OK(sys_unmap(frame));
	uint32_t left = *shared;
	CHECK(vm_next_exit(&m, &badge) == VMEXIT_GPA_FAULT && utcb()->mr[VMW_GPA] == SHARED_GPA);
	if (*shared != left) {
		uprintf("# the guest wrote the page %u times after the unmap\n", *shared - left);
		return FAIL;
	}
	CHECK_OK(vm_reply(VMR_STOP));
	return PASS;
}

/*
 * A vCPU moved between the two CPUs while its guest runs, twenty times:
 * it counts on after each move (VMX: VMCLEARed on the old CPU, launched
 * again on the new one with the host fields that name it; SVM: the VMCB
 * goes along, the ASID flushed there).  Then moved while it waits in an
 * exit: the VMM's reply reaches it on its new CPU, and its registers are
 * the ones it had.
 */
static enum result vcpu_moves_between_cpus_and_counts_on(void)
{
	struct vm m;
	uint64_t badge;
	enum result made = counter_vm_for_two_cpus(&m);
	if (made != PASS)
		return made;
	volatile uint32_t *count = (volatile uint32_t *)(m.mem + DATA_GPA);
	uint64_t *w = protected_mode_state();
	w[VMW_RFLAGS] = 0x202;
	w[VMW_RBX] = DATA_GPA;
	CHECK_OK(vm_start(&m));
	for (unsigned i = 1; i <= 20; i++) {
		CHECK_OK(sys_thread_set_cpu(m.vcpu, i % 2));
		CHECK(spin_until_change32(count));
	}
	CHECK_OK(sys_vcpu_recall(m.vcpu));
	CHECK(vm_next_exit(&m, &badge) == VMEXIT_RECALL && utcb()->mr[VMW_RBX] == DATA_GPA);
	CHECK_OK(sys_thread_set_cpu(m.vcpu, 1));
	CHECK_OK(vm_reply(0)); /* resumed, on CPU 1 now */
	CHECK(spin_until_change32(count));
	CHECK_OK(sys_vcpu_recall(m.vcpu));
	CHECK(vm_next_exit(&m, &badge) == VMEXIT_RECALL && utcb()->mr[VMW_RBX] == DATA_GPA);
	CHECK_OK(vm_reply(VMR_STOP));
	return PASS;
}

/*
 * vm_next_exit, but 0 (reported) once the TSC passes `until`: the suite
 * sleeps 10 ms between looks, on one notification of its own (a fresh one
 * for each sleep, sleep_until's way, ran the case out of slots after a few
 * hundred, and the suite then spun above the vCPU it waited for).
 */
static uint64_t vm_next_exit_until(struct vm *m, uint64_t *badge, uint64_t until)
{
	struct msg msg = { 0 };
	uint64_t nap = obj_new(OBJ_NOTIFICATION), st;
	if (!nap)
		return 0;
	while (sys_nb_recv(m->ep, &msg, badge) != OK) {
		if (rdtsc() > until) {
			uprintf("# no VM exit came in time\n");
			return 0;
		}
		st = sys_wait_until(nap, rdtsc() + tsc_hz() / 100, 0);
		if (st != ERR_TIMEOUT) {
			uprintf("# the sleep between two looks ended with %s\n", status_name(st));
			return 0;
		}
	}
	uint64_t *w = utcb()->mr;
	for (unsigned i = 0; i < MSG_REG_WORDS; i++)
		w[i] = msg.mr[i];
	return MSG_LABEL(msg.tag) == MSG_VMEXIT ? w[VMW_REASON] : 0;
}

#define PINGPONG_ROUNDS 50

/*
 * Two vCPUs of one guest on CPUs 0 and 1 run at the same time: they hand
 * a word in shared guest memory back and forth PINGPONG_ROUNDS times
 * each, spinning while they wait.  vCPU 0 has the higher priority, so on
 * one CPU it would spin for ever and vCPU 1 never run: the rounds end
 * only if each runs on its own CPU, at once.
 */
static enum result two_vcpus_run_at_once_on_two_cpus(void)
{
	struct vm m;
	uint64_t cpu[2], badge;
	if (CPUS_RUNNING() < 2)
		SKIP("one CPU runs threads (the emulator has one, or cpus=1)");
	if (!vm_new(&m, guest_pingpong, guest_pingpong_end, 0))
		return skip_reason ? SKIP : FAIL;
	cpu[0] = m.vcpu;
	CHECK_MADE(cpu[1] = vm_second_vcpu(&m));
	volatile uint32_t *words = (volatile uint32_t *)(m.mem + DATA_GPA);
	for (unsigned i = 0; i < 2; i++) {
		uint64_t *w = protected_mode_state();
		w[VMW_RFLAGS] = 0x202;
		w[VMW_RBX] = i;
		w[VMW_RDI] = DATA_GPA;
		w[VMW_RSI] = PINGPONG_ROUNDS;
		CHECK_OK(sys_vcpu_write_state(cpu[i]));
		CHECK_OK(sys_thread_set_priority(cpu[i], own_priority - 1 - i));
		CHECK_OK(sys_thread_set_cpu(cpu[i], i));
	}
	for (unsigned i = 0; i < 2; i++)
		CHECK_OK(sys_vcpu_run(cpu[i]));
	uint64_t until = rdtsc() + 20 * tsc_hz();
	for (unsigned i = 0; i < 2; i++) {
		if (vm_next_exit_until(&m, &badge, until) != VMEXIT_CPUID) {
			uprintf("# %u rounds of %u, the word at vCPU %u\n", words[1],
				2 * PINGPONG_ROUNDS, words[0]);
			return FAIL;
		}
		CHECK_OK(vm_reply(VMR_STOP));
	}
	CHECK(words[1] == 2 * PINGPONG_ROUNDS);
	return PASS;
}

/* --- exit deadlines -------------------------------------------------------- */

/* Replies with the exit deadline d (and the groups in mask). */
static uint64_t vm_reply_deadline(uint64_t mask, uint64_t d)
{
	utcb()->mr[VMW_DEADLINE] = d;
	return vm_reply(mask | VMG_DEADLINE);
}

/*
 * A guest counting at DATA_GPA, not started, its first state in the UTCB
 * with exit deadline d: IF=0 on VMX (Bochs then exits for no interrupt
 * of the host's), IF=1 on SVM (Bochs's SVM ends no slice of a guest that
 * keeps IF=0).  0 as vm_new.
 */
static int counting_vm_with_deadline(struct vm *m, uint64_t d)
{
	if (!vm_new(m, guest_count, guest_count_end, 0))
		return 0;
	uint64_t *w = protected_mode_state();
	w[VMW_RFLAGS] = cpu_is_intel() ? 2 : 0x202;
	w[VMW_MASK] |= VMG_DEADLINE;
	w[VMW_DEADLINE] = d;
	return 1;
}

/*
 * An exit deadline already past makes the vCPU exit at once, before its
 * guest runs an instruction; one to come makes a guest that never exits
 * by itself (it counts, with IF=0 on VMX: no interrupt of the host's
 * ends it there under Bochs) exit at that TSC and not before.
 */
static enum result exit_deadline_past_exits_at_once_and_one_to_come_on_time(void)
{
	struct vm m;
	if (!counting_vm_with_deadline(&m, 1))
		return skip_reason ? SKIP : FAIL;
	volatile uint32_t *counter = (volatile uint32_t *)(m.mem + DATA_GPA);
	CHECK_OK(vm_start(&m));
	CHECK(vm_next_exit(&m, NULL) == VMEXIT_DEADLINE);
	CHECK(*counter == 0);
	for (unsigned i = 0; i < 3; i++) {
		uint64_t d = rdtsc() + tsc_hz() / 1000, before = *counter; /* 1 ms */
		CHECK_OK(vm_reply_deadline(0, d));
		CHECK(vm_next_exit(&m, NULL) == VMEXIT_DEADLINE);
		CHECK(rdtsc() >= d);
		CHECK(*counter != before);
	}
	CHECK_OK(vm_reply(VMR_STOP));
	return PASS;
}

/*
 * A deadline replaced by none (WAIT_FOREVER) makes no exit: the guest
 * runs well past it, and its next exit is the recall the suite asks for.
 */
static enum result no_exit_deadline_makes_no_deadline_exit(void)
{
	struct vm m;
	uint64_t d = rdtsc() + tsc_hz() / 1000;
	if (!counting_vm_with_deadline(&m, d))
		return skip_reason ? SKIP : FAIL;
	volatile uint32_t *counter = (volatile uint32_t *)(m.mem + DATA_GPA);
	CHECK_OK(sys_vcpu_recall(m.vcpu)); /* exits before it enters */
	CHECK_OK(vm_start(&m));
	CHECK(vm_next_exit(&m, NULL) == VMEXIT_RECALL);
	CHECK_OK(vm_reply_deadline(0, WAIT_FOREVER));
	CHECK(sleep_until(d + tsc_hz() / 200)); /* 5 ms past it */
	CHECK(*counter != 0);
	CHECK_OK(sys_vcpu_recall(m.vcpu));
	CHECK(vm_next_exit(&m, NULL) == VMEXIT_RECALL);
	CHECK_OK(vm_reply(VMR_STOP));
	return PASS;
}

/*
 * A deadline makes its own vCPU exit and nothing else: of two vCPUs on
 * one space, the one with deadlines (each 1 ms on) exits at each, the
 * other runs on without an exit until it is recalled, and a timed wait
 * of the suite's ends on time meanwhile.  Deleting a vCPU whose deadline
 * is still to come takes it off the kernel's timeout list (the
 * invariant checker walks the list).
 */
static enum result exit_deadline_is_its_own_vcpus_alone(void)
{
	struct vm m;
	uint64_t badge, broken = 1, cpu[2];
	if (!vm_new(&m, guest_count_at_ebx, guest_count_at_ebx_end, 0))
		return skip_reason ? SKIP : FAIL;
	volatile uint64_t *counts = (volatile uint64_t *)(m.mem + DATA_GPA);
	CHECK(start_two_counters(&m, cpu, cpu_is_intel() ? 2 : 0x202, rdtsc() + tsc_hz() / 1000));
	for (unsigned i = 0; i < 5; i++) {
		CHECK(vm_next_exit(&m, &badge) == VMEXIT_DEADLINE && badge == 1);
		CHECK_OK(vm_reply_deadline(0, rdtsc() + tsc_hz() / 1000));
	}
	CHECK(sleep_until(rdtsc() + tsc_hz() / 1000));
	CHECK(counts[1] != 0);
	CHECK(vm_next_exit(&m, &badge) == VMEXIT_DEADLINE && badge == 1);
	CHECK_OK(vm_reply_deadline(VMR_STOP, rdtsc() + 10 * tsc_hz())); /* 10 s on */
	CHECK_OK(sys_vcpu_recall(cpu[1]));
	CHECK(vm_next_exit(&m, &badge) == VMEXIT_RECALL && badge == 2);
	CHECK_OK(vm_reply(VMR_STOP));
	CHECK_OK(sys_cap_delete(cpu[0]));
	CHECK_OK(sys_debug_check(SLOT_CONSOLE, &broken));
	CHECK(broken == 0);
	CHECK(sleep_until(rdtsc() + tsc_hz() / 1000));
	return PASS;
}

static const struct test_case cases[] = {
	{ "syscall_leaves_nt_to_the_caller", syscall_leaves_nt_to_the_caller },
	{ "top_user_page_is_out_of_reach", top_user_page_is_out_of_reach },
	{ "vm_exit_keeps_descriptor_table_limits", vm_exit_keeps_descriptor_table_limits },
	{ "guest_ldt_and_tss_stay_in_the_guest", guest_ldt_and_tss_stay_in_the_guest },
	{ "guest_msrs_stay_the_guests", guest_msrs_stay_the_guests },
	{ "interrupted_event_arrives_once", interrupted_event_arrives_once },
	{ "debug_registers_are_the_vcpus", debug_registers_are_the_vcpus },
	{ "guest_xcr0_is_the_vcpus", guest_xcr0_is_the_vcpus },
	{ "guest_cr8_reaches_the_vmm", guest_cr8_reaches_the_vmm },
	{ "vmm_reaches_the_guests_sse_registers", vmm_reaches_the_guests_sse_registers },
	{ "nmi_window_opens_after_the_handlers_iret", nmi_window_opens_after_the_handlers_iret },
	{ "nmi_window_waits_out_an_sti_shadow", nmi_window_waits_out_an_sti_shadow },
	{ "exit_before_the_first_instruction_keeps_the_shadow",
	  exit_before_the_first_instruction_keeps_the_shadow },
	{ "interrupt_window_open_at_entry_exits_first", interrupt_window_open_at_entry_exits_first },
	{ "revoked_space_stops_its_vcpu", revoked_space_stops_its_vcpu },
	{ "failed_first_entry_can_be_retried", failed_first_entry_can_be_retried },
	{ "failed_later_entry_can_be_retried", failed_later_entry_can_be_retried },
	{ "fault_without_idt_is_a_triple_fault", fault_without_idt_is_a_triple_fault },
	{ "debug_and_alignment_exceptions_reach_the_guest",
	  debug_and_alignment_exceptions_reach_the_guest },
	{ "software_injection_needs_a_length", software_injection_needs_a_length },
	{ "injection_error_code_follows_the_guests_mode", injection_error_code_follows_the_guests_mode },
	{ "kernel_cpuid_is_refused", kernel_cpuid_is_refused },
	{ "unbound_exit_reason_goes_to_the_default", unbound_exit_reason_goes_to_the_default },
	{ "refused_reply_recv_keeps_the_vcpu_waiting", refused_reply_recv_keeps_the_vcpu_waiting },
	{ "interrupt_wakes_a_thread_above_a_spinning_guest",
	  interrupt_wakes_a_thread_above_a_spinning_guest },
	{ "large_guest_page_goes_on_unmap_and_revoke", large_guest_page_goes_on_unmap_and_revoke },
	{ "two_vcpus_share_a_space_and_its_unmap", two_vcpus_share_a_space_and_its_unmap },
	{ "vmm_on_another_cpu_runs_and_recalls_its_vcpu", vmm_on_another_cpu_runs_and_recalls_its_vcpu },
	{ "guest_unmap_reaches_a_vcpu_on_another_cpu", guest_unmap_reaches_a_vcpu_on_another_cpu },
	{ "vcpu_moves_between_cpus_and_counts_on", vcpu_moves_between_cpus_and_counts_on },
	{ "two_vcpus_run_at_once_on_two_cpus", two_vcpus_run_at_once_on_two_cpus },
	{ "recalling_one_vcpu_leaves_the_other_running",
	  recalling_one_vcpu_leaves_the_other_running },
	{ "exit_deadline_past_exits_at_once_and_one_to_come_on_time",
	  exit_deadline_past_exits_at_once_and_one_to_come_on_time },
	{ "no_exit_deadline_makes_no_deadline_exit", no_exit_deadline_makes_no_deadline_exit },
	{ "exit_deadline_is_its_own_vcpus_alone", exit_deadline_is_its_own_vcpus_alone },
};

const struct test_group isolation_group = GROUP(cases);
