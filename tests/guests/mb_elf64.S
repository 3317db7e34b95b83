/* guest: load=0x300000 mode=multiboot elf=64 */
/*
 * mb_elf64: the checks of mb_elf32 (mbcheck.h) in an ELF64 (x86-64)
 * kernel, entered in 32-bit protected mode as Multiboot says.  Its header
 * also asks for a video mode (bit 2), which the VMM notes and ignores.
 */
#define MB_HEADER_FLAGS	0x7
#define WANT_CMDLINE	"guest_mb_elf64 one"
#define OTHER_NAME	"guest_mb_elf32"
#define OTHER_CLASS	1
#include "guest.h"
#include "mbcheck.h"
