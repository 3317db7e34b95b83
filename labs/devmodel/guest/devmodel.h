/*
 * devmodel.h: what the devmodel lab's guests share: the pvpanic port and
 * its event bits, as the lab fixes them (labs/devmodel/README.md), and
 * READ_EVENTS.  Constants and macros only, like tests/guests/guest.h,
 * which each guest includes first.
 */
	.set	PVPANIC_PORT, 0x505
	.set	PVPANIC_PANICKED, 0x01
	.set	PVPANIC_CRASH_LOADED, 0x02
	.set	PVPANIC_EVENTS, 0x03	/* what a read must give */

/*
 * READ_EVENTS base: AL = a byte read of the port; unless it reads
 * PVPANIC_EVENTS, fails with base + the byte read (0xFF: an open bus,
 * nothing answers the port).  Clobbers EAX, DX.
 */
.macro	READ_EVENTS base
	movw	$PVPANIC_PORT, %dx
	inb	%dx, %al
	cmpb	$PVPANIC_EVENTS, %al
	je	.Lread\@
	movzbl	%al, %eax
	addl	$\base, %eax
	jmp	report
.Lread\@:
.endm

/* EVENT value: a byte write of value to the port (clobbers AL, DX) */
.macro	EVENT value
	movw	$PVPANIC_PORT, %dx
	movb	$\value, %al
	outb	%al, %dx
.endm
