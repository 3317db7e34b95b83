/* guest: load=0x8000 mode=protected */
/*
 * greeting: program the 16550 UART at COM1 (115200 8N1, FIFOs on) and print
 * "Hello from a Moat guest!\r\n" by polling LSR.THRE, then report 0.
 *
 * Failure codes (port 0xF0):
 *   1  LSR.THRE never became set (100000 polls) before a character
 */
	.code32
	.text
	.globl	start

	.set	COM1, 0x3F8
	.set	RESULT_PORT, 0xF0

start:
	cld
	/* IER = 0: no UART interrupts */
	movw	$COM1 + 1, %dx
	xorb	%al, %al
	outb	%al, %dx
	/* LCR = DLAB: expose the divisor latch */
	movw	$COM1 + 3, %dx
	movb	$0x80, %al
	outb	%al, %dx
	/* divisor = 1 (115200 baud): DLL = 1, DLM = 0 */
	movw	$COM1 + 0, %dx
	movb	$0x01, %al
	outb	%al, %dx
	movw	$COM1 + 1, %dx
	xorb	%al, %al
	outb	%al, %dx
	/* LCR = 8 data bits, no parity, 1 stop bit, DLAB off */
	movw	$COM1 + 3, %dx
	movb	$0x03, %al
	outb	%al, %dx
	/* FCR: enable and clear FIFOs, 14-byte trigger */
	movw	$COM1 + 2, %dx
	movb	$0xC7, %al
	outb	%al, %dx
	/* MCR: DTR | RTS */
	movw	$COM1 + 4, %dx
	movb	$0x03, %al
	outb	%al, %dx

	movl	$message, %esi
1:	lodsb
	testb	%al, %al
	jz	2f
	call	putc
	jmp	1b
2:	xorl	%eax, %eax		/* all characters sent: pass */

report:
	movw	$RESULT_PORT, %dx
	outl	%eax, %dx
	cli
3:	hlt
	jmp	3b

/* putc: send the byte in AL once the transmit holding register is empty */
putc:
	movb	%al, %ah
	movl	$100000, %ecx
	movw	$COM1 + 5, %dx		/* LSR */
1:	inb	%dx, %al
	testb	$0x20, %al		/* THRE */
	jnz	2f
	loop	1b
	movl	$1, %eax
	jmp	report
2:	movw	$COM1, %dx		/* THR */
	movb	%ah, %al
	outb	%al, %dx
	ret

message:
	.ascii	"Hello from a Moat guest!\r\n"
	.byte	0
