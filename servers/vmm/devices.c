/*
 * The guest's port and MMIO space: which model answers which address (the
 * test devices, testdev.c, first), the MMIO instruction emulation (the
 * test page, the I/O APIC and the local APICs), the ISA IRQ lines to the
 * 8259 pair and the I/O APIC, and interrupt delivery from the PIC model
 * to the BSP, as a PC wires the 8259's output to it.
 */
#include "bios.h"
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
#define IRQ_IDE        14   /* the primary ATA channel's INTRQ */
#define POST_PORT      0x80 /* POST codes: the last byte written reads back */
/*
 * System control port B: bit 0 gates the PIT's channel 2 (stored; the
 * channel counts as if it were high, as every OS sets it before counting),
 * bit 1 the speaker, bits 2-3 the parity checks (stored), bit 4 toggles
 * with the DRAM refresh every 15.085 us, bit 5 is channel 2's output:
 * what an OS times the PIT by when it calibrates the TSC (Linux does).
 */
#define PORT_B          0x61
#define PORT_B_WRITABLE 0x0f
#define PORT_B_REFRESH  0x10
#define PORT_B_OUT2     0x20
#define REFRESH_TOGGLE_HZ 66291 /* 1 / 15.085 us */
#define IOAPIC_PIN_IRQ0 2   /* the MADT's interrupt source override */

/*
 * An access changed the PIT's or the RTC's programming, or a route from
 * them to a CPU: the next exit that looks for interrupts works out their
 * deadlines again (devices_update).
 */
static void devices_timers_changed(struct guest *g)
{
	g->devices_due = 0;
}

static void uart_tx(void *ctx, uint8_t byte)
{
	struct guest *g = ctx;
	g->uart_wrote = true;
	guest_console_byte(g, byte);
}

/* The I/O APIC's interrupt messages go to the local APICs they name. */
static void ioapic_message(void *ctx, const struct apic_irq *irq)
{
	apic_deliver(ctx, irq);
}

void devices_init(struct guest *g)
{
	if (g->cfg.disk)
		ide_init(&g->ide, disk_sectors(), &disk_backend, g);
	pic_init(&g->pic);
	pit_init(&g->pit);
	g->pit_epoch = rdtsc();
	devices_timers_changed(g);
	uart_init(&g->uart, uart_tx, g);
	ioapic_init(&g->ioapic, g->cfg.vcpus, ioapic_message, g);
	acpi_pm_init(&g->pm, rdtsc(), vmm_tsc_hz());
	rtc_init(&g->rtc, rdtsc(), vmm_tsc_hz(), g->cfg.memory);
	g->kvmclock_epoch = g->rtc.base_tsc; /* the paravirtual clock's 0 is the RTC's RTC_START */
	g->kvm_wall_clock_msr = 0;
	i8042_init(&g->kbc);
	g->post_code = 0;
	fw_cfg_init(&g->fw_cfg, g->cfg.memory, g->cfg.vcpus);
}

void acpi_build(struct guest *g)
{
	struct acpi_machine m = { g->cfg.vcpus, g->cfg.vcpus, IOAPIC_BASE, APIC_BASE_DEFAULT };
	uint8_t *area = guest_ptr(g, ACPI_TABLES_GPA, ACPI_TABLES_BYTES);
	if (area)
		acpi_build_tables(area, ACPI_TABLES_GPA, ACPI_TABLES_BYTES, &m);
}

void isa_irq(struct guest *g, unsigned irq, bool level)
{
	pic_set_irq(&g->pic, irq, level);
	ioapic_set_pin(&g->ioapic, irq == IRQ_PIT ? IOAPIC_PIN_IRQ0 : irq, level);
}

/*
 * Moves typed input into the UART model and, as keys, into the 8042: as
 * much as the UART has room for, or once the guest has written to the
 * 8042 (it reads keys there), as much as one of them has room for (the
 * other drops what does not fit).
 */
void devices_pull_input(struct guest *g)
{
	if (!vmm_input_focus(g))
		return;
	uint8_t in[16];
	unsigned room = uart_rx_space(&g->uart), keys = i8042_type_room(&g->kbc);
	if (g->kbc.in_use && keys > room)
		room = keys;
	unsigned n = console_read(in, room < sizeof(in) ? room : sizeof(in));
	for (unsigned i = 0; i < n; i++) {
		uart_receive(&g->uart, in[i]);
		i8042_type(&g->kbc, in[i]);
	}
	isa_irq(g, I8042_IRQ, i8042_irq(&g->kbc));
	isa_irq(g, IRQ_COM1, uart_irq_level(&g->uart));
}

/*
 * Input arrived (a recall, a wake from a halt): taken now only by a guest
 * that listens for it by interrupt, its UART's receive interrupt on or its
 * 8042 in use.  A guest that polls takes it when it reads LSR or the
 * 8042's status; taking it earlier would hand a guest that has finished
 * with the console (it is only writing its last words) the line typed for
 * the next one, lost when it ends.
 */
void devices_offer_input(struct guest *g)
{
	if (uart_rx_raises_irq(&g->uart) || g->kbc.in_use)
		devices_pull_input(g);
}

static bool is_pic_port(uint16_t port)
{
	return (port & ~1u) == PIC_MASTER || (port & ~1u) == PIC_SLAVE;
}

static bool is_pit_port(uint16_t port)
{
	return port >= PIT_PORTS && port < PIT_PORTS + 4;
}

static bool is_kbc_port(uint16_t port)
{
	return port == I8042_DATA_PORT || port == I8042_COMMAND_PORT || port == PORT_A_PORT;
}

static bool is_rtc_port(uint16_t port)
{
	return port == RTC_INDEX_PORT || port == RTC_DATA_PORT;
}

static bool is_pm_port(uint16_t port)
{
	return port >= ACPI_PM_BASE && port < ACPI_PM_BASE + ACPI_PM_BYTES;
}

/* After an access to the 8042 or the RTC: their IRQ lines as the access left them. */
static uint8_t kbc_access(struct guest *g, uint16_t port, bool write, uint8_t v)
{
	if (write)
		i8042_write(&g->kbc, port, v);
	else
		v = i8042_read(&g->kbc, port);
	isa_irq(g, I8042_IRQ, i8042_irq(&g->kbc));
	return v;
}

static uint8_t rtc_access(struct guest *g, uint16_t port, bool write, uint8_t v)
{
	devices_timers_changed(g); /* a write, or a read of C, moves its next interrupt */
	if (write)
		rtc_write(&g->rtc, port, v, rdtsc());
	else
		v = rtc_read(&g->rtc, port, rdtsc());
	isa_irq(g, RTC_IRQ, rtc_irq(&g->rtc));
	return v;
}

/* The PIT brought up to the host TSC (vtime.h): its clocks count from devices_init on. */
static void pit_sync(struct guest *g)
{
	pit_follow_tsc(&g->pit, rdtsc() - g->pit_epoch, vmm_tsc_hz());
}

/*
 * A write lands at the clock it happens: a count loads on the clock after
 * it.  (A read only runs the PIT on: its next IRQ 0 edge stays where it
 * was, test_pit8254.c.)
 */
static void pit_access_write(struct guest *g, uint16_t port, uint8_t v)
{
	devices_timers_changed(g);
	pit_sync(g);
	pit_write(&g->pit, port, v);
}

/*
 * A Multiboot kernel finds what a BIOS leaves (bios.h): the real-mode
 * vector table and its handlers, the PIT's channel 0 at 18.2 Hz (mode 3,
 * count 65536) and IRQ 0 unmasked at the 8259 (the cascade already is).
 * Before the image is loaded: an image that overlaps wins.
 */
void devices_bios_state(struct guest *g)
{
	uint8_t *low = guest_ptr(g, 0, BIOS_LOW_BYTES);
	if (low)
		bios_write_ivt(low);
	pit_access_write(g, PIT_CONTROL_PORT, PIT_SELECT(0) | PIT_ACCESS_LOHI | PIT_MODE(3));
	pit_access_write(g, PIT_COUNTER0_PORT, 0);
	pit_access_write(g, PIT_COUNTER0_PORT, 0);
	pic_write(&g->pic, PIC_MASTER + 1, (uint8_t)~(1u << IRQ_PIT | 1u << 2));
}

static uint8_t read_byte(struct guest *g, uint16_t port)
{
	uint8_t v;
	if (is_pic_port(port))
		return pic_read(&g->pic, port);
	if (is_pit_port(port)) {
		pit_sync(g);
		return pit_read(&g->pit, port);
	}
	if (port == PORT_B) {
		pit_sync(g);
		uint64_t toggles = tsc_to_clocks(rdtsc() - g->pit_epoch, vmm_tsc_hz(), REFRESH_TOGGLE_HZ);
		return (g->port_b & PORT_B_WRITABLE) | (toggles & 1 ? PORT_B_REFRESH : 0) |
		       (pit_output(&g->pit, 2) ? PORT_B_OUT2 : 0);
	}
	if (port == I8042_COMMAND_PORT && !g->kbc.count)
		devices_pull_input(g); /* the guest looks for keys */
	if (is_kbc_port(port))
		return kbc_access(g, port, false, 0);
	if (is_rtc_port(port))
		return rtc_access(g, port, false, 0);
	if (port == POST_PORT)
		return g->post_code;
	if (port >= COM1 && port < COM1 + 8) {
		if (port == COM1 + UART_LSR) /* the guest looks for input */
			devices_pull_input(g);
		v = uart_read(&g->uart, port - COM1);
		/*
		 * Two LSR reads with no byte sent between, nothing received: the
		 * guest polls for input, not for room to send (a sender writes
		 * after each read), so its prompt or echo must show now.
		 */
		if (port == COM1 + UART_LSR) {
			if (!(v & UART_LSR_DR) && !g->uart_wrote)
				guest_console_flush(g);
			g->uart_wrote = false;
		}
		isa_irq(g, IRQ_COM1, uart_irq_level(&g->uart)); /* reading RBR or IIR may lower it */
		return v;
	}
	if (port == FW_CFG_PORT_DATA)
		return fw_cfg_read(&g->fw_cfg);
	if (testdev_read_byte(g, port, &v))
		return v;
	return 0xff; /* nothing there: an open bus */
}

static void write_byte(struct guest *g, uint16_t port, uint8_t v)
{
	if (is_pic_port(port)) {
		pic_write(&g->pic, port, v);
		devices_timers_changed(g); /* a mask may have changed a timer's route */
	} else if (is_pit_port(port))
		pit_access_write(g, port, v);
	else if (is_kbc_port(port))
		kbc_access(g, port, true, v);
	else if (is_rtc_port(port))
		rtc_access(g, port, true, v);
	else if (port == POST_PORT)
		g->post_code = v;
	else if (port == PORT_B)
		g->port_b = v & PORT_B_WRITABLE;
	else if (port >= COM1 && port < COM1 + 8)
		uart_write(&g->uart, port - COM1, v);
	else
		testdev_write_byte(g, port, v);
}

static bool is_disk_port(struct guest *g, uint16_t port)
{
	return g->cfg.disk && ide_port(port);
}

/* A wider access reaches the bytes at port, port + 1, ... as on the ISA bus (but the disk's). */
uint32_t port_read(struct guest *g, uint16_t port, unsigned size)
{
	uint32_t v = 0;
	if (is_disk_port(g, port)) { /* reading the status lowers INTRQ */
		v = ide_read(&g->ide, port, size);
		isa_irq(g, IRQ_IDE, ide_irq_level(&g->ide));
		return v;
	}
	if (is_pm_port(port)) /* one instant for all its bytes */
		return acpi_pm_read(&g->pm, port - ACPI_PM_BASE, size, rdtsc());
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
		isa_irq(g, IRQ_IDE, ide_irq_level(&g->ide));
		return;
	}
	if (is_pm_port(port)) {
		acpi_pm_write(&g->pm, port - ACPI_PM_BASE, size, value, rdtsc());
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
	isa_irq(g, IRQ_COM1, uart_irq_level(&g->uart));
}

/*
 * The MMIO pages: the test page and pc-testdev's IORAM (testdev.c), the
 * I/O APIC and the exiting vCPU's local APIC (smp.c).
 */
static bool is_mmio_page(struct exit_ctx *x, uint64_t gpa)
{
	return (gpa >= MMIO_TEST_PAGE && gpa - MMIO_TEST_PAGE < PAGE_BYTES) ||
	       (gpa >= IORAM_BASE && gpa - IORAM_BASE < IORAM_BYTES) ||
	       (gpa >= IOAPIC_BASE && gpa - IOAPIC_BASE < PAGE_BYTES) || smp_lapic_page(x, gpa);
}

/*
 * Byte off of the I/O APIC's page, size bytes: a read gives the bytes of
 * the 32-bit register there, and only an aligned 32-bit write counts.
 */
static void ioapic_access(struct guest *g, uint64_t off, unsigned size, bool write, uint64_t *v)
{
	if (!write)
		*v = ioapic_mmio_read(&g->ioapic, off & ~3ULL) >> (8 * (off & 3));
	else if (size == 4 && !(off & 3)) {
		ioapic_mmio_write(&g->ioapic, off, (uint32_t)*v);
		devices_timers_changed(g); /* a mask may have changed a timer's route */
	}
}

/* size bytes at gpa, on an MMIO page, read (or written from *v) on its device. */
static void mmio_device(struct exit_ctx *x, uint64_t gpa, unsigned size, bool write, uint64_t *v)
{
	if (smp_lapic_page(x, gpa)) {
		smp_lapic_access(x, gpa, size, write, v);
		return;
	}
	if (gpa >= IORAM_BASE) {
		if (!testdev_ioram_rw(x->g, gpa - IORAM_BASE, size, write, v))
			guest_stop(x, "no memory left for pc-testdev's IORAM", gpa);
		return;
	}
	if (gpa >= IOAPIC_BASE) {
		ioapic_access(x->g, gpa - IOAPIC_BASE, size, write, v);
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

/* Whether ISA line irq reaches a CPU: unmasked at the 8259 (for a BSP taking it) or the I/O APIC. */
static bool isa_irq_unmasked(struct guest *g, unsigned irq)
{
	const struct pic8259 *chip = irq < 8 ? &g->pic.master : &g->pic.slave;
	bool pic = vlapic_accepts_pic(&g->cpu[0].lapic) && !(chip->imr & (1u << (irq & 7))) &&
		   (irq < 8 || !(g->pic.master.imr & (1u << 2)));
	unsigned pin = irq == IRQ_PIT ? IOAPIC_PIN_IRQ0 : irq;
	return pic || !(g->ioapic.redir[pin] & IOAPIC_MASKED);
}

static uint64_t earlier(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/*
 * The platform timers brought up to host TSC now, and their ISA lines
 * driven as that leaves them: the PIT's rising edges since the last time
 * (any number of them one edge, as the 8259's IRR and the I/O APIC latch
 * one), the RTC's IRQ 8.  Then when they next interrupt (g->pit_due,
 * rtc_due, devices_due) and when that reaches a CPU (platform_due).
 */
static void devices_update(struct guest *g, uint64_t now)
{
	pit_follow_tsc(&g->pit, now - g->pit_epoch, vmm_tsc_hz());
	if (pit_take_irq0_edges(&g->pit)) {
		isa_irq(g, IRQ_PIT, true); /* an edge */
		isa_irq(g, IRQ_PIT, false);
	}
	rtc_poll(&g->rtc, now);
	isa_irq(g, RTC_IRQ, rtc_irq(&g->rtc));
	uint64_t pit = pit_irq0_due_tsc(&g->pit, vmm_tsc_hz());
	g->pit_due = pit == UINT64_MAX ? WAIT_FOREVER : g->pit_epoch + pit;
	g->rtc_due = rtc_next_deadline(&g->rtc, now); /* UINT64_MAX is WAIT_FOREVER */
	g->devices_due = earlier(g->pit_due, g->rtc_due);
	g->platform_pic = vlapic_accepts_pic(&g->cpu[0].lapic);
	g->platform_due = earlier(isa_irq_unmasked(g, IRQ_PIT) ? g->pit_due : WAIT_FOREVER,
				  isa_irq_unmasked(g, RTC_IRQ) ? g->rtc_due : WAIT_FOREVER);
}

/*
 * The timers that vCPU c sees brought up to the host TSC, at each exit
 * that may deliver an interrupt (inject_pending_interrupt) and in a halt,
 * so that time runs as the TSC does, whoever exits.  Only where their time
 * has come: before devices_due and its local APIC timer's deadline,
 * catching up would change nothing a guest sees (an access to a timer
 * brings it up to date itself).  The BSP's platform_due is worked out
 * again as well when its local APIC changed whether it takes the PIC.
 */
static void timers_catch_up(struct guest *g, unsigned c)
{
	uint64_t now = rdtsc();
	if (now >= g->devices_due ||
	    (c == 0 && vlapic_accepts_pic(&g->cpu[0].lapic) != g->platform_pic))
		devices_update(g, now);
	vcpu_lapic_update(g, c);
}

/* The PIC's interrupts reach the BSP (through LINT0, vlapic_accepts_pic). */
bool vcpu_wakes(struct guest *g, unsigned c)
{
	timers_catch_up(g, c); /* first: an edge through the I/O APIC lands in a local APIC */
	return g->cpu[c].init_pending || vcpu_lapic_pending(g, c) ||
	       (c == 0 && vlapic_accepts_pic(&g->cpu[0].lapic) && pic_pending_vector(&g->pic) >= 0);
}

/*
 * Valid after timers_catch_up(g, c): its local APIC timer's next interrupt
 * and, for the BSP, the platform timers' that reach a CPU.
 */
uint64_t vcpu_next_deadline(struct guest *g, unsigned c)
{
	uint64_t lapic = vcpu_lapic_deadline(g, c);
	return c != 0 ? lapic : earlier(lapic, g->platform_due);
}

/*
 * The exiting vCPU halted with interrupts on: its thread sleeps (a timed
 * wait, in host TSC time, with the guest's lock given up) until the
 * vCPU's next timer deadline (the PIT's and the RTC's for the BSP, its
 * local APIC timer's), or until vcpu_kick wakes it for an interrupt or an
 * INIT (vcpu_wakes).  The timers run on TSC time whether anyone halts or
 * not: nothing jumps here, and a wake-up finds them where the TSC has
 * taken them.  The BSP of a guest with no other vCPU and no timer to
 * come stays awake (exits.c stops it if nothing else is pending); other
 * vCPUs sleep until kicked.  g->halt_late says how late the last sleep
 * that ran to its deadline woke (testdev.c).
 */
void devices_halt(struct guest *g)
{
	unsigned c = guest_exit_cpu(g);
	g->halt_late = 0;
	while (!vcpu_wakes(g, c)) {
		uint64_t deadline = vcpu_next_deadline(g, c);
		if (deadline == WAIT_FOREVER && c == 0 && g->cfg.vcpus == 1)
			return; /* nothing will come (another vCPU might send an IPI) */
		if (vcpu_sleep_until(g, deadline)) {
			g->halt_late = rdtsc() - deadline;
			continue;
		}
		if (c == 0)
			devices_offer_input(g); /* woken by input, or an event */
	}
}

/*
 * The exiting vCPU's exit deadline (docs/vm-exit-protocol.md) set to its
 * next timer deadline, so that a guest spinning with no exit gets its
 * timer interrupts on time.  The kernel keeps a deadline until it fires
 * or the next one replaces it: the reply carries it only when it changed
 * (a fired one is gone: exit_deadline_fired).
 */
static void arm_exit_deadline(struct exit_ctx *x)
{
	struct guest_vcpu *v = &x->g->cpu[exit_cpu(x)];
	uint64_t d = vcpu_next_deadline(x->g, exit_cpu(x));
	if (d == v->exit_deadline)
		return;
	v->exit_deadline = d;
	x->w[VMW_DEADLINE] = d;
	x->reply |= VMG_DEADLINE;
}

void exit_deadline_fired(struct exit_ctx *x)
{
	x->g->cpu[exit_cpu(x)].exit_deadline = WAIT_FOREVER;
	inject_pending_interrupt(x);
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
 * interrupt overtakes it meanwhile, as an OS may count on; after one, the
 * VMM asks for the window that opens at its handler's IRET, until which
 * the local APIC latches one NMI, not two: vlapic.h), then the
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
	timers_catch_up(g, c);
	arm_exit_deadline(x);
	w[VMW_CONTROLS] = guest_controls(g);
	x->reply |= VMG_CONTROLS;
	bool requeued = (w[VMW_MASK] & VMG_EVENT) && (w[VMW_IDT_VECTORING_INFO] & VM_EVENT_VALID);
	bool busy = (x->reply & VMG_INJECT) || requeued; /* the interrupted event goes first */
	bool nmi_window = (w[VMW_REASON] & 0xffff) == VMEXIT_NMI_WINDOW;
	if (nmi_window)
		l->nmi_in_service = false; /* the guest's NMI blocking ended */
	if (l->nmi_pending) {
		if (!nmi_window || l->nmi_in_service || busy || (w[VMW_INTR_STATE] & VM_INTR_SHADOWS)) {
			w[VMW_CONTROLS] |= VMC_NMI_WINDOW; /* and no interrupt before it */
			return;
		}
		inject_event(x, VM_EVENT_NMI | 2);
		l->nmi_pending--;
		l->nmi_in_service = true;
		busy = true;
	}
	if (l->nmi_in_service) /* its IRET's window tells when one more NMI may wait again */
		w[VMW_CONTROLS] |= VMC_NMI_WINDOW;
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
