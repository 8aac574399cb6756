/* The printf engine of <freestanding/format.h>, for the kernel and the
 * user runtime. Pure: output goes through the caller's put function, so
 * the same code formats into a bounded buffer (vsnprintf, the kernel's
 * kprintf) and straight onto the user console (the runtime's printf); it
 * is host-tested against the host C library (tests/host/test_printf.c). */
#include <freestanding/format.h>
#include <stdbool.h>
#include <stdint.h>

struct sink {
	format_put_fn put;
	void *ctx;
	size_t count;                 /* characters produced so far */
};

static void put(struct sink *s, char c)
{
	s->put(s->ctx, c);
	s->count++;
}

static void put_padded(struct sink *s, const char *str, size_t len, int width, bool left, char pad)
{
	int fill = width > (int)len ? width - (int)len : 0;
	if (pad == '0' && len && *str == '-') {       /* the sign goes before zero padding */
		put(s, *str++);
		len--;
	}
	if (!left)
		while (fill-- > 0)
			put(s, pad);
	for (size_t i = 0; i < len; i++)
		put(s, str[i]);
	if (left)
		while (fill-- > 0)
			put(s, ' ');
}

static size_t format_unsigned(char *out, uint64_t v, unsigned base, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	size_t n = 0;
	do {
		/* Split the 64-bit division so the kernel needs no libgcc helpers here. */
		uint32_t hi = (uint32_t)(v >> 32), lo = (uint32_t)v;
		uint64_t qhi = hi / base;
		uint64_t rest = ((uint64_t)(hi % base) << 32) | lo;
		uint32_t qlo = (uint32_t)(rest / base);  /* rest < base << 32: fits */
		tmp[n++] = digits[rest % base];
		v = (qhi << 32) | qlo;
	} while (v);
	for (size_t i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	return n;
}

int FREESTANDING_NAME(format_to)(format_put_fn put_fn, void *ctx, const char *fmt, va_list ap)
{
	struct sink s = { put_fn, ctx, 0 };
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			put(&s, *fmt);
			continue;
		}
		fmt++;
		bool left = false, alt = false;
		char pad = ' ';
		for (;; fmt++) {
			if (*fmt == '-')
				left = true;
			else if (*fmt == '0')
				pad = '0';
			else if (*fmt == '#')
				alt = true;
			else
				break;
		}
		int width = 0, precision = -1;
		if (*fmt == '*') {
			width = va_arg(ap, int);
			if (width < 0) {
				left = true;
				width = -width;
			}
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		if (*fmt == '.')
			for (precision = 0, fmt++; *fmt >= '0' && *fmt <= '9'; fmt++)
				precision = precision * 10 + (*fmt - '0');
		if (left)
			pad = ' ';
		int longs = 0;
		while (*fmt == 'l') {
			longs++;
			fmt++;
		}
		if (*fmt == 'z')
			fmt++;                       /* size_t is 32-bit here: same as int */
		char num[24];                        /* 2^64 in octal is 22 digits, plus a sign */
		size_t n = 0;
		switch (*fmt) {
		case 'd': case 'i': {
			int64_t v = longs >= 2 ? va_arg(ap, long long) : longs ? va_arg(ap, long) : va_arg(ap, int);
			uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
			if (v < 0)
				num[n++] = '-';
			n += format_unsigned(num + n, mag, 10, false);
			put_padded(&s, num, n, width, left, pad);
			break;
		}
		case 'u': case 'x': case 'X': case 'o': {
			uint64_t v = longs >= 2 ? va_arg(ap, unsigned long long)
				   : longs ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int);
			unsigned base = *fmt == 'u' ? 10 : *fmt == 'o' ? 8 : 16;
			if (alt && base == 16 && v) {        /* '#': 0x prefix, as C does */
				num[n++] = '0';
				num[n++] = *fmt;
			}
			n += format_unsigned(num + n, v, base, *fmt == 'X');
			put_padded(&s, num, n, width, left, pad);
			break;
		}
		case 'p': {
			uintptr_t v = (uintptr_t)va_arg(ap, void *);
			num[0] = '0';
			num[1] = 'x';
			n = 2 + format_unsigned(num + 2, v, 16, false);
			put_padded(&s, num, n, width, left, ' ');
			break;
		}
		case 's': {
			const char *str = va_arg(ap, const char *);
			if (!str)
				str = "(null)";
			size_t len = 0;
			while (str[len] && (precision < 0 || len < (size_t)precision))
				len++;
			put_padded(&s, str, len, width, left, ' ');
			break;
		}
		case 'c': {
			char c = (char)va_arg(ap, int);
			put_padded(&s, &c, 1, width, left, ' ');
			break;
		}
		case '%':
			put(&s, '%');
			break;
		case '\0':                           /* a lone % at the end: stop cleanly */
			fmt--;
			break;
		default:
			put(&s, '%');
			put(&s, *fmt);
			break;
		}
	}
	return (int)s.count;
}

struct buffer { char *buf; size_t size; size_t len; };

static void put_in_buffer(void *ctx, char c)
{
	struct buffer *b = ctx;
	if (b->len + 1 < b->size)
		b->buf[b->len] = c;
	b->len++;
}

int FREESTANDING_NAME(vsnprintf)(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct buffer b = { buf, size, 0 };
	int n = FREESTANDING_NAME(format_to)(put_in_buffer, &b, fmt, ap);
	if (size)
		buf[b.len < size ? b.len : size - 1] = '\0';
	return n;
}

int FREESTANDING_NAME(snprintf)(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = FREESTANDING_NAME(vsnprintf)(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
