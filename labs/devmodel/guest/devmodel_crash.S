/* guest: load=0x8000 mode=protected */
/*
 * devmodel_crash: a guest that panics with a crash kernel loaded, as
 * Linux does when kdump is armed: it reads the supported events and
 * writes CRASH_LOADED, twice (a notifier that runs again must not make
 * the VMM say it again), and runs on (its crash kernel would start now).
 * The VMM says so on its console, once, and lets it run; it reports 0
 * (test=result).
 *
 * Failure codes (port 0xF0), each with the byte read in its low 8 bits
 * (0xFF: nothing answers the port):
 *   0x100 + byte  the first read does not give 0x03
 *   0x200 + byte  after the CRASH_LOADED writes, a read does not give 0x03
 */
#include "guest.h"
#include "devmodel.h"

	GUEST_START
	READ_EVENTS 0x100
	EVENT	PVPANIC_CRASH_LOADED
	EVENT	PVPANIC_CRASH_LOADED
	READ_EVENTS 0x200
	xorl	%eax, %eax
	REPORT
