/* guest: load=0x100000 mode=multiboot */
/*
 * mb_cmdline: a Multiboot (v1) kernel of the kind a user brings, as small as
 * one can be: loaded at 1 MiB through its header's address fields, it
 * prints "mb_cmdline: command line: " and the command line its boot loader
 * gave it on COM1 (polling the UART, as a kernel on a PC would), then
 * reports 0.  The guestcmd test (tests/guestcmd.sh) boots it with
 * `make iso GUEST=...` and looks for the line.
 *
 * Failure codes (port 0xF0):
 *   1  EAX != 0x2BADB002 at entry
 *   2  info.flags bit 2 (cmdline) clear
 */
#include "guest.h"

	.code32
	.text
	.globl	start

	MULTIBOOT_HEADER

start:
	MB_CMDLINE %edi
	movl	$hello, %esi
	call	puts
	movl	%edi, %esi
	call	puts
	movl	$crlf, %esi
	call	puts
	xorl	%eax, %eax		/* pass */

	REPORT

	PUTS_FUNCTION

hello:	.asciz	"mb_cmdline: command line: "
crlf:	.asciz	"\r\n"

	.balign	16
stack:	.fill	512, 1, 0
stack_top:
