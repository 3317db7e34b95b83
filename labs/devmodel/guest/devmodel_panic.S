/* guest: load=0x8000 mode=protected */
/*
 * devmodel_panic: a guest that panics and tells the hypervisor, as
 * Linux's pvpanic driver does: it prints its panic line on COM1, checks
 * that the port reads the events the device supports, and writes
 * PANICKED.  The VMM must stop it at that write and count it as failed
 * ("vmm: guest NAME panicked (pvpanic)"): it is a guest without test=,
 * ended by its panic.
 *
 * Failure codes (port 0xF0; any is a failure of the VMM's, not of this guest):
 *   1             the guest ran on after writing PANICKED
 *   0x100 + byte  the read of the port gave that byte, not 0x03 (0xFF:
 *                 nothing answers the port)
 */
#include "guest.h"
#include "devmodel.h"

	GUEST_START
	movl	$message, %esi
	call	puts
	READ_EVENTS 0x100
	EVENT	PVPANIC_PANICKED
	FAIL	1
	REPORT

	PUTS_FUNCTION

message:
	.ascii	"Kernel panic - not syncing: devmodel lab: telling the VMM (pvpanic)\r\n"
	.byte	0
