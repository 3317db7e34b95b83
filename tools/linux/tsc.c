/*
 * tsc: prints its arguments and the time-stamp counter, "ARGS tsc=N", for
 * the initramfs's /init.  Under Bochs the TSC counts instructions since the
 * machine was switched on, under QEMU -icount shift=S instructions times
 * 2^S: /init's first line is then the instruction count at which the
 * kernel reached /init (docs/linux.md, "Measuring").  busybox has no way to
 * read the TSC, so this is the one program in the initramfs of our own.
 *
 * Freestanding (no C library: it runs in an initramfs that has none) and
 * static; it starts at _start with argc and argv on the stack.
 */
typedef unsigned long u64;

static long sys3(long nr, long a, long b, long c)
{
	long ret;

	__asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return ret;
}

#define SYS_write 1
#define SYS_exit 60

static u64 rdtsc(void)
{
	unsigned lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (u64)hi << 32 | lo;
}

/* Appends s at *p; returns the new end. */
static char *append(char *p, const char *end, const char *s)
{
	while (*s && p < end)
		*p++ = *s++;
	return p;
}

/* Called from _start with the stack's argc and argv; never returns. */
__attribute__((used, noreturn)) static void tsc_main(long argc, char **argv)
{
	u64 tsc = rdtsc(); /* first: the count is when /init got here */
	char line[512], digits[21];
	char *p = line, *end = line + sizeof line - 32;
	int n = 0;

	for (long i = 1; i < argc; i++) {
		p = append(p, end, argv[i]);
		p = append(p, end, " ");
	}
	do {
		digits[n++] = (char)('0' + tsc % 10);
		tsc /= 10;
	} while (tsc);
	p = append(p, line + sizeof line, "tsc=");
	while (n)
		*p++ = digits[--n];
	*p++ = '\n';
	long r = sys3(SYS_write, 1, (long)line, p - line);
	sys3(SYS_exit, r == p - line ? 0 : 1, 0, 0);
	__builtin_unreachable();
}

__asm__(".globl _start\n"
	"_start:\n"
	"	mov (%rsp), %rdi\n"	/* argc */
	"	lea 8(%rsp), %rsi\n"	/* argv */
	"	and $-16, %rsp\n"
	"	call tsc_main\n");
