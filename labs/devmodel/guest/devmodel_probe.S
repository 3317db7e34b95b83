/* guest: load=0x8000 mode=protected */
/*
 * devmodel_probe: what a driver does when it finds the pvpanic device,
 * and what a stray write must not do.  Reads the port (the events the
 * device supports), writes 0 and then 0xFC (bits that name no event),
 * and reads again after each: the guest must run on, and the port keep
 * reading the same.  Reports 0 (test=result).
 *
 * Failure codes (port 0xF0), each with the byte read in its low 8 bits
 * (0xFF: nothing answers the port):
 *   0x100 + byte  the first read does not give 0x03
 *   0x200 + byte  after a write of 0, a read does not give 0x03
 *   0x300 + byte  after a write of 0xFC, a read does not give 0x03
 */
#include "guest.h"
#include "devmodel.h"

	GUEST_START
	READ_EVENTS 0x100
	EVENT	0x00
	READ_EVENTS 0x200
	EVENT	0xFC
	READ_EVENTS 0x300
	xorl	%eax, %eax
	REPORT
