/*
 * printf-style formatting without libc, usable in the kernel and on the host.
 *
 * Conversions: %d %i %u %x %X %o %c %s %p %%.  Flags: '-' '0' '+' ' ' '#'.
 * Width and precision may be given as '*'.  Length modifiers: hh h l ll z
 * (and j t).  %s of NULL prints "(null)"; %p prints "0x" and 16 lowercase
 * hex digits.  An unknown conversion is printed verbatim ("%q" -> "%q").
 * There is no floating point.
 */
#ifndef LIB_FMT_H
#define LIB_FMT_H

#include <stdarg.h>
#include <stddef.h>

/* Receives each output character in order; arg is passed through untouched. */
typedef void (*fmt_putc_fn)(void *arg, char c);

/* Formats fmt with ap through out(arg, c); returns the number of chars emitted. */
int fmt_vformat(fmt_putc_fn out, void *arg, const char *fmt, va_list ap);

/*
 * C99 vsnprintf: writes at most size - 1 chars and a NUL when size > 0 (buf may
 * be NULL when size is 0); returns the length the full output would have had.
 */
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/* fmt_vsnprintf with variadic arguments. */
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
