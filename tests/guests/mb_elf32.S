/* guest: load=0x200000 mode=multiboot elf=32 */
/*
 * mb_elf32: a Multiboot kernel as ELF32 (i386), with no address fields in
 * its header: the VMM loads its PT_LOAD segments at their physical
 * addresses.  It checks the boot information (mbcheck.h) and reports 0.
 * Flags: page-aligned modules (bit 0) and memory information (bit 1).
 */
#define MB_HEADER_FLAGS	0x3
#define WANT_CMDLINE	"guest_mb_elf32 elf32 two  words"
#define OTHER_NAME	"guest_mb_elf64"
#define OTHER_CLASS	2
#include "guest.h"
#include "mbcheck.h"
