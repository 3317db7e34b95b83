/*
 * The kernel-entry probe: 32-bit code written over the start of a copy of
 * the bzImage's protected-mode part (startup_32), where a boot loader
 * enters by the Linux boot protocol (flat 32-bit segments, paging off,
 * %esi the boot_params).  It prints the time-stamp counter at that first
 * instruction on COM1,
 *   moat-linux-probe: kernel entry tsc=0x0123456789abcdef
 * then ends the emulator (QEMU's isa-debug-exit at port 0xf4, Bochs's
 * shutdown port 0x8900).  Booted from an ISO the same as the native one
 * but for these bytes, it tells how many instructions the firmware and
 * GRUB took, to be subtracted from /init's count (docs/linux.md).
 */
	.code32
	.text
	.globl start
start:
	cli
	rdtsc
	mov	%eax, %edi		/* the count: ebp:edi */
	mov	%edx, %ebp
	/*
	 * Where this code runs is the loader's choice.  The boot protocol's
	 * boot_params.scratch (offset 0x1e4) is four bytes the 32-bit entry
	 * may use as a stack, as the kernel's own does, for the one call that
	 * finds it.
	 */
	lea	0x1e8(%esi), %esp
	/*
	 * COM1 at 115200 baud, 8N1: Bochs times every byte by the divisor,
	 * and the BIOS may have left none.
	 */
	mov	$0x3fb, %dx
	mov	$0x80, %al		/* DLAB: the next two set the divisor */
	out	%al, %dx
	mov	$0x3f8, %dx
	mov	$1, %al
	out	%al, %dx
	inc	%dx
	xor	%al, %al
	out	%al, %dx
	mov	$0x3fb, %dx
	mov	$0x03, %al
	out	%al, %dx
	call	1f
1:	pop	%esi
	add	$message - 1b, %esi

2:	movzbl	(%esi), %ebx		/* the message, up to its NUL */
	inc	%esi
	test	%bl, %bl
	jz	3f
	call	send
	jmp	2b

3:	mov	$16, %ecx		/* sixteen hex digits, the highest first */
4:	mov	%ebp, %ebx
	shr	$28, %ebx
	shld	$4, %edi, %ebp
	shl	$4, %edi
	add	$'0', %bl
	cmp	$'9', %bl
	jbe	5f
	add	$'a' - '9' - 1, %bl
5:	call	send
	loop	4b
	mov	$'\r', %bl
	call	send
	mov	$'\n', %bl
	call	send

	mov	$0x3fd, %dx		/* the last byte sent (bit 6: transmitter empty) */
9:	in	%dx, %al
	test	$0x40, %al
	jz	9b
	/* QEMU: any byte at 0xf4 ends it; Bochs: the bytes of "Shutdown" at 0x8900. */
	mov	$0xf4, %dx
	xor	%al, %al
	out	%al, %dx
	mov	$0x8900, %dx
6:	mov	(%esi), %al		/* %esi: past the message's NUL, at "Shutdown" */
	test	%al, %al
	jz	7f
	out	%al, %dx
	inc	%esi
	jmp	6b
7:	hlt
	jmp	7b

/* Sends %bl on COM1 once the UART can take it (line status bit 5). */
send:
	mov	$0x3fd, %dx
8:	in	%dx, %al
	test	$0x20, %al
	jz	8b
	mov	$0x3f8, %dx
	mov	%bl, %al
	out	%al, %dx
	ret

message:
	.asciz	"moat-linux-probe: kernel entry tsc=0x"
shutdown:
	.asciz	"Shutdown"
