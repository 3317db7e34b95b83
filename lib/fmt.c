/*
 * printf-style formatting without libc.  One format specification is parsed
 * into a struct fmt_spec, its argument is fetched according to the length
 * modifier, and the text is emitted with padding through the output callback.
 */
#include <stdbool.h>
#include <stdint.h>

#include "fmt.h"

/* Where the characters go and how many have been emitted so far. */
struct fmt_sink {
	fmt_putc_fn out;
	void *arg;
	int count;
};

enum fmt_len { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z, LEN_J, LEN_T };

/* One parsed "%..." specification. */
struct fmt_spec {
	bool left;	/* '-': pad on the right */
	bool zero;	/* '0': pad numbers with zeros */
	bool plus;	/* '+': always print a sign */
	bool space;	/* ' ': space in place of a '+' */
	bool alt;	/* '#': 0x / leading 0 */
	int width;	/* minimum field width, 0 if none */
	int prec;	/* precision, -1 if none */
	enum fmt_len len;
	char conv;	/* conversion character, 0 if the format ended early */
};

/* Emits one character and counts it. */
static void sink_put(struct fmt_sink *s, char c)
{
	s->out(s->arg, c);
	s->count++;
}

/* Emits c n times; n <= 0 emits nothing. */
static void sink_repeat(struct fmt_sink *s, char c, int n)
{
	while (n-- > 0)
		sink_put(s, c);
}

/* Emits exactly n chars of str; str need not be NUL-terminated. */
static void sink_write(struct fmt_sink *s, const char *str, int n)
{
	for (int i = 0; i < n; i++)
		sink_put(s, str[i]);
}

/* Parses a decimal number at *p (which must start with a digit), advancing *p. */
static int parse_num(const char **p)
{
	int v = 0;

	while (**p >= '0' && **p <= '9') {
		if (v < 100000000) /* clamp absurd widths rather than overflow */
			v = v * 10 + (**p - '0');
		(*p)++;
	}
	return v;
}

/* Parses flags at *p, advancing past them. */
static void parse_flags(const char **p, struct fmt_spec *sp)
{
	for (;; (*p)++) {
		switch (**p) {
		case '-': sp->left = true; break;
		case '0': sp->zero = true; break;
		case '+': sp->plus = true; break;
		case ' ': sp->space = true; break;
		case '#': sp->alt = true; break;
		default: return;
		}
	}
}

/* Parses a length modifier at *p, advancing past it. */
static enum fmt_len parse_len(const char **p)
{
	switch (**p) {
	case 'h':
		(*p)++;
		if (**p == 'h') {
			(*p)++;
			return LEN_HH;
		}
		return LEN_H;
	case 'l':
		(*p)++;
		if (**p == 'l') {
			(*p)++;
			return LEN_LL;
		}
		return LEN_L;
	case 'z': (*p)++; return LEN_Z;
	case 'j': (*p)++; return LEN_J;
	case 't': (*p)++; return LEN_T;
	default: return LEN_NONE;
	}
}

/*
 * Parses the specification after a '%' at *p (pointing just past the '%'),
 * taking '*' width and precision from ap.  On return *p points past the
 * conversion character, or at the terminating NUL if the format ended early.
 */
static void parse_spec(const char **p, struct fmt_spec *sp, va_list *ap)
{
	*sp = (struct fmt_spec){ .prec = -1 };
	parse_flags(p, sp);
	if (**p == '*') {
		(*p)++;
		sp->width = va_arg(*ap, int);
		if (sp->width < 0) { /* a negative '*' width means left-justify */
			sp->left = true;
			sp->width = sp->width == INT32_MIN ? INT32_MAX : -sp->width;
		}
	} else if (**p >= '0' && **p <= '9') {
		sp->width = parse_num(p);
	}
	if (**p == '.') {
		(*p)++;
		if (**p == '*') {
			(*p)++;
			sp->prec = va_arg(*ap, int);
			if (sp->prec < 0) /* a negative '*' precision means none */
				sp->prec = -1;
		} else {
			sp->prec = parse_num(p); /* "." alone means precision 0 */
		}
	}
	sp->len = parse_len(p);
	sp->conv = **p;
	if (**p)
		(*p)++;
}

/* Fetches a signed integer argument of the size sp->len names. */
static int64_t fetch_signed(const struct fmt_spec *sp, va_list *ap)
{
	switch (sp->len) {
	case LEN_HH: return (signed char)va_arg(*ap, int);
	case LEN_H: return (short)va_arg(*ap, int);
	case LEN_L: return va_arg(*ap, long);
	case LEN_LL: return va_arg(*ap, long long);
	case LEN_Z: return (int64_t)va_arg(*ap, size_t);
	case LEN_J: return va_arg(*ap, intmax_t);
	case LEN_T: return va_arg(*ap, ptrdiff_t);
	default: return va_arg(*ap, int);
	}
}

/* Fetches an unsigned integer argument of the size sp->len names. */
static uint64_t fetch_unsigned(const struct fmt_spec *sp, va_list *ap)
{
	switch (sp->len) {
	case LEN_HH: return (unsigned char)va_arg(*ap, unsigned int);
	case LEN_H: return (unsigned short)va_arg(*ap, unsigned int);
	case LEN_L: return va_arg(*ap, unsigned long);
	case LEN_LL: return va_arg(*ap, unsigned long long);
	case LEN_Z: return va_arg(*ap, size_t);
	case LEN_J: return va_arg(*ap, uintmax_t);
	case LEN_T: return (uint64_t)va_arg(*ap, ptrdiff_t);
	default: return va_arg(*ap, unsigned int);
	}
}

/*
 * Writes the digits of v in base (8, 10 or 16) backwards ending just before
 * end, which must have at least 22 chars of room before it; returns the
 * number of digits (0 for v == 0).
 */
static int utoa_rev(char *end, uint64_t v, unsigned int base, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	int n = 0;

	while (v) {
		*--end = digits[v % base];
		v /= base;
		n++;
	}
	return n;
}

/* Emits the leading padding for a right-justified field of len chars. */
static void pad_before(struct fmt_sink *s, const struct fmt_spec *sp, int len)
{
	if (!sp->left)
		sink_repeat(s, ' ', sp->width - len);
}

/* Emits the trailing padding for a left-justified field of len chars. */
static void pad_after(struct fmt_sink *s, const struct fmt_spec *sp, int len)
{
	if (sp->left)
		sink_repeat(s, ' ', sp->width - len);
}

/*
 * Emits an integer: magnitude v, sign character sign (0 for none), in base.
 * Precision is the minimum digit count (precision 0 and v 0 print no digits);
 * the '0' flag pads with zeros only when there is no precision or '-'.
 */
static void emit_int(struct fmt_sink *s, const struct fmt_spec *sp, uint64_t v,
		     char sign, unsigned int base, bool upper)
{
	char buf[24];
	const char *prefix = "";
	int ndig, zeros, total, plen;

	ndig = utoa_rev(buf + sizeof(buf), v, base, upper);
	if (v == 0 && sp->prec < 0) /* plain 0 still prints a digit */
		buf[sizeof(buf) - ++ndig] = '0';
	zeros = sp->prec > ndig ? sp->prec - ndig : 0;
	if (sp->alt && base == 16 && v != 0)
		prefix = upper ? "0X" : "0x";
	if (sp->alt && base == 8 && zeros == 0 &&
	    (ndig == 0 || buf[sizeof(buf) - ndig] != '0'))
		zeros = 1; /* '#' with octal guarantees a leading 0 */
	plen = prefix[0] ? 2 : 0;
	total = (sign ? 1 : 0) + plen + zeros + ndig;
	if (sp->zero && !sp->left && sp->prec < 0 && sp->width > total) {
		zeros += sp->width - total;
		total = sp->width;
	}
	pad_before(s, sp, total);
	if (sign)
		sink_put(s, sign);
	sink_write(s, prefix, plen);
	sink_repeat(s, '0', zeros);
	sink_write(s, buf + sizeof(buf) - ndig, ndig);
	pad_after(s, sp, total);
}

/* Emits a signed conversion (%d %i), handling INT64_MIN without overflow. */
static void emit_signed(struct fmt_sink *s, const struct fmt_spec *sp, int64_t v)
{
	uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	char sign = 0;

	if (v < 0)
		sign = '-';
	else if (sp->plus)
		sign = '+';
	else if (sp->space)
		sign = ' ';
	emit_int(s, sp, mag, sign, 10, false);
}

/* Emits %s: at most prec chars of str (NULL prints "(null)"). */
static void emit_str(struct fmt_sink *s, const struct fmt_spec *sp, const char *str)
{
	int len = 0;

	if (!str)
		str = "(null)";
	/* stop at the precision: the string need not be terminated past it */
	while ((sp->prec < 0 || len < sp->prec) && str[len])
		len++;
	pad_before(s, sp, len);
	sink_write(s, str, len);
	pad_after(s, sp, len);
}

/* Emits %p: "0x" and all 16 lowercase hex digits, padded to the width. */
static void emit_ptr(struct fmt_sink *s, const struct fmt_spec *sp, const void *p)
{
	uint64_t v = (uint64_t)(uintptr_t)p;
	int total = 18;

	pad_before(s, sp, total);
	sink_write(s, "0x", 2);
	for (int shift = 60; shift >= 0; shift -= 4)
		sink_put(s, "0123456789abcdef"[(v >> shift) & 0xf]);
	pad_after(s, sp, total);
}

/* Emits the argument of one parsed specification; start..end is its text. */
static void emit_conv(struct fmt_sink *s, const struct fmt_spec *sp, va_list *ap,
		      const char *start, const char *end)
{
	char c;

	switch (sp->conv) {
	case 'd':
	case 'i':
		emit_signed(s, sp, fetch_signed(sp, ap));
		break;
	case 'u':
		emit_int(s, sp, fetch_unsigned(sp, ap), 0, 10, false);
		break;
	case 'x':
	case 'X':
		emit_int(s, sp, fetch_unsigned(sp, ap), 0, 16, sp->conv == 'X');
		break;
	case 'o':
		emit_int(s, sp, fetch_unsigned(sp, ap), 0, 8, false);
		break;
	case 'c':
		c = (char)va_arg(*ap, int);
		pad_before(s, sp, 1);
		sink_put(s, c);
		pad_after(s, sp, 1);
		break;
	case 's':
		emit_str(s, sp, va_arg(*ap, const char *));
		break;
	case 'p':
		emit_ptr(s, sp, va_arg(*ap, const void *));
		break;
	case '%':
		sink_put(s, '%');
		break;
	default:
		/* unknown or truncated: show the specification as written */
		sink_write(s, start, (int)(end - start));
		break;
	}
}

/* Formats fmt into out; see fmt.h.  ap is copied so helpers can take its address. */
int fmt_vformat(fmt_putc_fn out, void *arg, const char *fmt, va_list ap)
{
	struct fmt_sink s = { .out = out, .arg = arg, .count = 0 };
	struct fmt_spec sp;
	va_list args;
	const char *p = fmt, *start;

	if (!fmt)
		return 0;
	va_copy(args, ap);
	while (*p) {
		if (*p != '%') {
			sink_put(&s, *p++);
			continue;
		}
		start = p++;
		parse_spec(&p, &sp, &args);
		emit_conv(&s, &sp, &args, start, p);
	}
	va_end(args);
	return s.count;
}

/* The destination of fmt_vsnprintf: buf of size, pos chars produced so far. */
struct snbuf {
	char *buf;
	size_t size;
	size_t pos;
};

/* Stores c if there is room left before the final NUL; always counts it. */
static void snbuf_putc(void *arg, char c)
{
	struct snbuf *b = arg;

	if (b->pos + 1 < b->size)
		b->buf[b->pos] = c;
	b->pos++;
}

/* See fmt.h: C99 vsnprintf semantics. */
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct snbuf b = { .buf = buf, .size = size, .pos = 0 };
	int n = fmt_vformat(snbuf_putc, &b, fmt, ap);

	if (size > 0)
		buf[b.pos < size ? b.pos : size - 1] = '\0';
	return n;
}

/* See fmt.h. */
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
