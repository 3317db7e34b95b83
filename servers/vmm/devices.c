/*
 * The guest's port and MMIO space: which model answers which address (the
 * test devices, testdev.c, first), the MMIO instruction emulation (the
 * test page and the local APICs), and interrupt delivery from the PIC
 * model to the BSP, as a PC wires the 8259's output to it.
 */
#include "mem.h"
#include "moat/syscall.h"
#include "moat/user.h"
#include "vmm.h"
#include "vtime.h"
#include "x86regs.h"

#define PIC_MASTER     0x20 /* 2 ports each */
#define PIC_SLAVE      0xa0
#define PIT_PORTS      0x40 /* 4 ports */
#define COM1           0x3f8
#define UART_LSR       5    /* the UART's line status register */
#define IRQ_PIT        0
#define IRQ_COM1       4

static void uart_tx(void *ctx, uint8_t byte)
{
	guest_console_byte(ctx, byte);
}

void devices_init(struct guest *g)
{
	if (g->cfg.disk)
		ide_init(&g->ide, disk_sectors(), &disk_backend, g);
	pic_init(&g->pic);
	pit_init(&g->pit);
	uart_init(&g->uart, uart_tx, g);
	fw_cfg_init(&g->fw_cfg, g->cfg.memory, g->cfg.vcpus);
}

/* Moves typed input into the UART model, as much as it has room for (if it has the focus). */
void devices_pull_input(struct guest *g)
{
	if (!vmm_input_focus(g))
		return;
	uint8_t in[16];
	unsigned room = uart_rx_space(&g->uart);
	unsigned n = console_read(in, room < sizeof(in) ? room : sizeof(in));
	for (unsigned i = 0; i < n; i++)
		uart_receive(&g->uart, in[i]);
}

static bool is_pic_port(uint16_t port)
{
	return (port & ~1u) == PIC_MASTER || (port & ~1u) == PIC_SLAVE;
}

static bool is_pit_port(uint16_t port)
{
	return port >= PIT_PORTS && port < PIT_PORTS + 4;
}

static uint8_t read_byte(struct guest *g, uint16_t port)
{
	uint8_t v;
	if (is_pic_port(port))
		return pic_read(&g->pic, port);
	if (is_pit_port(port))
		return pit_read(&g->pit, port);
	if (port >= COM1 && port < COM1 + 8) {
		if (port == COM1 + UART_LSR) /* the guest looks for input */
			devices_pull_input(g);
		return uart_read(&g->uart, port - COM1);
	}
	if (port == FW_CFG_PORT_DATA)
		return fw_cfg_read(&g->fw_cfg);
	if (testdev_read_byte(g, port, &v))
		return v;
	return 0xff; /* nothing there: an open bus */
}

static void write_byte(struct guest *g, uint16_t port, uint8_t v)
{
	if (is_pic_port(port))
		pic_write(&g->pic, port, v);
	else if (is_pit_port(port))
		pit_write(&g->pit, port, v);
	else if (port >= COM1 && port < COM1 + 8)
		uart_write(&g->uart, port - COM1, v);
	else
		testdev_write_byte(g, port, v);
}

static bool is_disk_port(struct guest *g, uint16_t port)
{
	return g->cfg.disk && port >= IDE_PORT_DATA && port <= IDE_PORT_STATUS;
}

/* A wider access reaches the bytes at port, port + 1, ... as on the ISA bus (but the disk's). */
uint32_t port_read(struct guest *g, uint16_t port, unsigned size)
{
	uint32_t v = 0;
	if (is_disk_port(g, port))
		return ide_read(&g->ide, port, size);
	if (testdev_port_read(g, port, size, &v))
		return v;
	for (unsigned i = 0; i < size; i++)
		v |= (uint32_t)read_byte(g, port + i) << (8 * i);
	return v;
}

void port_write(struct guest *g, uint16_t port, unsigned size, uint32_t value)
{
	if (is_disk_port(g, port)) {
		ide_write(&g->ide, port, size, value);
		return;
	}
	if (testdev_port_write(g, port, size, value))
		return;
	if (port == FW_CFG_PORT_SELECTOR && size == 2) { /* the key is one 16-bit write */
		fw_cfg_select(&g->fw_cfg, (uint16_t)value);
		return;
	}
	for (unsigned i = 0; i < size; i++)
		write_byte(g, port + i, value >> (8 * i));
	pic_set_irq(&g->pic, IRQ_COM1, uart_irq_level(&g->uart));
}

/* The MMIO pages: the test page (testdev.c) and the exiting vCPU's local APIC (smp.c). */
static bool is_mmio_page(struct exit_ctx *x, uint64_t gpa)
{
	return (gpa >= MMIO_TEST_PAGE && gpa - MMIO_TEST_PAGE < PAGE_BYTES) || smp_lapic_page(x, gpa);
}

/* size bytes at gpa, on an MMIO page, read (or written from *v) on its device. */
static void mmio_device(struct exit_ctx *x, uint64_t gpa, unsigned size, bool write, uint64_t *v)
{
	if (smp_lapic_page(x, gpa)) {
		smp_lapic_access(x, gpa, size, write, v);
		return;
	}
	uint64_t off = gpa - MMIO_TEST_PAGE;
	for (unsigned i = 0; i < size; i++)
		if (write)
			testdev_mmio_write(x->g, off + i, *v >> (8 * i));
		else
			*v |= (uint64_t)testdev_mmio_read(x->g, off + i) << (8 * i);
}

/* An access emulate.c makes at gpa (size bytes, on one page): to the device there, if any. */
bool mmio_rw(struct exit_ctx *x, uint64_t gpa, unsigned size, bool write, uint64_t *v)
{
	if (!is_mmio_page(x, gpa))
		return false;
	mmio_device(x, gpa, size, write, v);
	return true;
}

/* An EPT violation on an MMIO page: the instruction at the guest's rip emulated (emulate.c). */
bool mmio_access(struct exit_ctx *x)
{
	if (!is_mmio_page(x, x->w[VMW_GPA]))
		return false;
	emulate_mmio(x);
	return true;
}

/* Whether the PIC has an interrupt for the guest: the PIT's edges, or the UART's line. */
static bool interrupt_due(struct guest *g)
{
	while (pit_take_irq0_edges(&g->pit)) {
		pic_set_irq(&g->pic, IRQ_PIT, true); /* an edge */
		pic_set_irq(&g->pic, IRQ_PIT, false);
	}
	pic_set_irq(&g->pic, IRQ_COM1, uart_irq_level(&g->uart));
	return pic_pending_vector(&g->pic) >= 0;
}

/* The PIC's interrupts reach the BSP (through LINT0, vlapic_accepts_pic). */
bool vcpu_wakes(struct guest *g, unsigned c)
{
	return g->cpu[c].init_pending || vcpu_lapic_pending(g, c) ||
	       (c == 0 && interrupt_due(g) && vlapic_accepts_pic(&g->cpu[0].lapic));
}

/* The host TSC of the PIT's next interrupt, which counts only while the BSP halts. */
static uint64_t pit_deadline(struct guest *g)
{
	uint64_t clocks = pit_ticks_until_irq0(&g->pit), hz = vmm_tsc_hz();
	if (clocks == UINT64_MAX)
		return WAIT_FOREVER;
	return hz ? g->cpu[0].halt_start + pit_clocks_to_tsc(clocks, hz) : 0;
}

uint64_t vcpu_next_deadline(struct guest *g, unsigned c)
{
	bool pic = c == 0 && vlapic_accepts_pic(&g->cpu[0].lapic);
	uint64_t pit = pic ? pit_deadline(g) : WAIT_FOREVER, lapic = vcpu_lapic_deadline(g, c);
	return pit < lapic ? pit : lapic;
}

/*
 * The exiting vCPU halted with interrupts on: its thread sleeps (a timed
 * wait, in host TSC time, with the guest's lock given up) until the
 * vCPU's next timer deadline (the PIT's for the BSP, its local APIC
 * timer's), or until vcpu_kick wakes it for an interrupt or an INIT
 * (vcpu_wakes).  The PIT keeps its own time, which runs only while the
 * BSP halts: at its deadline it runs on by exactly the clocks it had to
 * go, and its interrupt is due; a halt that ends otherwise (input that
 * raises an interrupt the PIC lets through, the APIC timer, an IPI) runs
 * it on by the time slept; other input sleeps on.  The BSP of a guest
 * with no other vCPU and no timer to come stays awake (exits.c stops it
 * if nothing else is pending); other vCPUs sleep until kicked.  Without
 * the TSC's rate, virtual time jumps to the PIT's interrupt.
 */
void devices_halt(struct guest *g)
{
	unsigned c = guest_exit_cpu(g);
	uint64_t start = g->cpu[c].halt_start = rdtsc(), clocks = pit_ticks_until_irq0(&g->pit);
	uint64_t hz = vmm_tsc_hz();
	while (!vcpu_wakes(g, c)) {
		uint64_t deadline = vcpu_next_deadline(g, c);
		if (deadline == WAIT_FOREVER && c == 0 && g->cfg.vcpus == 1)
			return; /* nothing will come (another vCPU might send an IPI) */
		bool timeout = vcpu_sleep_until(g, deadline);
		if (timeout && c == 0 && deadline == pit_deadline(g)) { /* the PIT's interrupt is due */
			g->halt_late = hz ? rdtsc() - deadline : UINT64_MAX;
			pit_advance(&g->pit, clocks);
			interrupt_due(g);
			return;
		}
		if (c != 0 || timeout)
			continue;
		devices_pull_input(g); /* woken by input, or an event */
	}
	if (c == 0 && clocks != UINT64_MAX) { /* woken before the PIT's interrupt */
		uint64_t slept = tsc_to_pit_clocks(rdtsc() - start, hz);
		pit_advance(&g->pit, slept < clocks ? slept : clocks);
		g->halt_late = 0;
	}
}

/* An interrupt can be injected now: IF set, no shadow, no other event on its way in. */
static bool interrupt_window_open(const struct exit_ctx *x, bool event_busy)
{
	const uint64_t *w = x->w;
	return (w[VMW_RFLAGS] & RFLAGS_IF) && !(w[VMW_INTR_STATE] & VM_INTR_SHADOWS) && !event_busy;
}

static void inject_event(struct exit_ctx *x, uint32_t info)
{
	x->w[VMW_INJECT_INFO] = VM_EVENT_VALID | info;
	x->w[VMW_INJECT_ERROR] = 0;
	x->reply |= VMG_INJECT;
}

/*
 * Delivers the exiting vCPU's next event if it can take it now, or asks
 * for an exit as soon as it can: an NMI first (injected at an NMI-window
 * exit, where the kernel has seen the guest's NMI blocking end; no
 * interrupt overtakes it meanwhile, as an OS may count on), then the
 * highest vector its local APIC lets through, then the PIC's, which
 * reaches the BSP through LINT0 (vlapic_accepts_pic).  Needs the RFLAGS,
 * STATE and EVENT groups (an event the exit interrupted goes first).
 */
void inject_pending_interrupt(struct exit_ctx *x)
{
	struct guest *g = x->g;
	uint64_t *w = x->w;
	unsigned c = exit_cpu(x);
	struct vlapic *l = &g->cpu[c].lapic;
	pic_set_irq(&g->pic, IRQ_COM1, uart_irq_level(&g->uart));
	vcpu_lapic_update(g, c);
	w[VMW_CONTROLS] = 0;
	x->reply |= VMG_CONTROLS;
	bool requeued = (w[VMW_MASK] & VMG_EVENT) && (w[VMW_IDT_VECTORING_INFO] & VM_EVENT_VALID);
	bool busy = (x->reply & VMG_INJECT) || requeued; /* the interrupted event goes first */
	if (l->nmi_pending) {
		bool nmi_window = (w[VMW_REASON] & 0xffff) == VMEXIT_NMI_WINDOW;
		if (!nmi_window || busy || (w[VMW_INTR_STATE] & VM_INTR_SHADOWS)) {
			w[VMW_CONTROLS] |= VMC_NMI_WINDOW; /* and no interrupt before it */
			return;
		}
		inject_event(x, VM_EVENT_NMI | 2);
		l->nmi_pending = false;
		busy = true;
	}
	bool pic = c == 0 && vlapic_accepts_pic(l) && pic_pending_vector(&g->pic) >= 0;
	if (vlapic_pending_vector(l) < 0 && !pic)
		return;
	if (!interrupt_window_open(x, busy)) {
		w[VMW_CONTROLS] |= VMC_INTR_WINDOW;
		return;
	}
	uint8_t vector = vlapic_pending_vector(l) >= 0 ? vlapic_acknowledge(l)
						       : (uint8_t)pic_acknowledge(&g->pic);
	inject_event(x, VM_EVENT_EXTERNAL | vector);
}
