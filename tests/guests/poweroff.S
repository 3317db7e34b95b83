/* guest: load=0x8000 mode=protected */
/*
 * poweroff: turns the machine off the way an ACPI OS does, by the
 * numbers the platform guest checks in the tables (the FADT's PM1a
 * control block 0x604, the DSDT's \_S5 sleep type 5): SLP_TYP first, then
 * SLP_TYP with SLP_EN.  The VMM ends it as powered off (test=poweroff).
 *
 * Failure codes (port 0xF0):
 *   1  PM1a control does not read SCI_EN
 *   2  SLP_TYP written without SLP_EN stopped the machine, or does not read back
 *   3  the machine ran on after SLP_EN
 */
#include "guest.h"

	.code32
	.text
	.globl	start

	.set	PM1A_CNT, 0x604
	.set	SCI_EN, 0x0001
	.set	SLP_EN, 0x2000
	.set	SLP_TYP_S5, 5 << 10

start:
	cli
	movw	$PM1A_CNT, %dx
	inw	%dx, %ax
	testw	$SCI_EN, %ax
	jnz	1f
	FAIL	1
1:	movw	$SLP_TYP_S5 | SCI_EN, %ax
	outw	%ax, %dx
	inw	%dx, %ax
	cmpw	$SLP_TYP_S5 | SCI_EN, %ax
	je	2f
	FAIL	2
2:	movw	$SLP_TYP_S5 | SLP_EN | SCI_EN, %ax
	outw	%ax, %dx
	FAIL	3
	REPORT
