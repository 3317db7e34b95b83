/* guest: load=0x8000 mode=protected */
/*
 * outside_ram (hostile): stores to guest-physical 0x40000000, far above the
 * 1 MiB of guest RAM and not the scratch MMIO page.  The VMM must treat the
 * access as a fatal guest error, stop the guest and report it.
 *
 * Failure codes (port 0xF0): none expected.
 *   1  the store completed and the guest kept running
 */
#include "guest.h"

	.code32
	.text
	.globl	start

	.set	UNBACKED, 0x40000000

start:
	cli
	movl	$0xDEADBEEF, UNBACKED
	movl	$1, %eax		/* still running: report failure */
	REPORT
