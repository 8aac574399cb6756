/* A small printf engine: %d %i %u %x %X %o %p %s %c %%, with flags '-', '0' and '#',
 * a field width, and the length modifiers l and ll. Output is always
 * NUL-terminated and truncated to the buffer; the return value is the length
 * the full output would have had, as C99 snprintf does. */
#include "kern/printf.h"
#include <stdint.h>
#include <stdbool.h>

struct sink { char *buf; size_t size; size_t len; };

static void put(struct sink *s, char c)
{
	if (s->len + 1 < s->size)
		s->buf[s->len] = c;
	s->len++;
}

static void put_padded(struct sink *s, const char *str, size_t len, int width, bool left, char pad)
{
	int fill = width > (int)len ? width - (int)len : 0;
	if (!left)
		while (fill-- > 0) put(s, pad);
	for (size_t i = 0; i < len; i++) put(s, str[i]);
	if (left)
		while (fill-- > 0) put(s, ' ');
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
	for (size_t i = 0; i < n; i++) out[i] = tmp[n - 1 - i];
	return n;
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sink s = { buf, size, 0 };
	for (; *fmt; fmt++) {
		if (*fmt != '%') { put(&s, *fmt); continue; }
		fmt++;
		bool left = false, alt = false; char pad = ' ';
		for (;; fmt++) {
			if (*fmt == '-') left = true;
			else if (*fmt == '0') pad = '0';
			else if (*fmt == '#') alt = true;
			else break;
		}
		int width = 0;
		while (*fmt >= '0' && *fmt <= '9') width = width * 10 + (*fmt++ - '0');
		int longs = 0;
		while (*fmt == 'l') { longs++; fmt++; }
		if (*fmt == 'z') fmt++;          /* size_t is 32-bit here: same as int */
		char num[24];
		size_t n;
		switch (*fmt) {
		case 'd': case 'i': {
			int64_t v = longs >= 2 ? va_arg(ap, long long) : longs ? va_arg(ap, long) : va_arg(ap, int);
			uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
			n = 0;
			if (v < 0) num[n++] = '-';
			n += format_unsigned(num + n, mag, 10, false);
			if (v < 0 && pad == '0' && !left) {  /* sign goes before zero padding */
				put(&s, '-');
				put_padded(&s, num + 1, n - 1, width - 1, left, pad);
			} else
				put_padded(&s, num, n, width, left, pad);
			break;
		}
		case 'u': case 'x': case 'X': case 'o': {
			uint64_t v = longs >= 2 ? va_arg(ap, unsigned long long)
			           : longs ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int);
			unsigned base = *fmt == 'u' ? 10 : *fmt == 'o' ? 8 : 16;
			n = 0;
			if (alt && base == 16 && v) {       /* '#': 0x prefix, as C does */
				num[n++] = '0';
				num[n++] = *fmt;
			}
			n += format_unsigned(num + n, v, base, *fmt == 'X');
			put_padded(&s, num, n, width, left, pad);
			break;
		}
		case 'p': {
			uintptr_t v = (uintptr_t)va_arg(ap, void *);
			num[0] = '0'; num[1] = 'x';
			n = 2 + format_unsigned(num + 2, v, 16, false);
			put_padded(&s, num, n, width, left, ' ');
			break;
		}
		case 's': {
			const char *str = va_arg(ap, const char *);
			if (!str) str = "(null)";
			size_t len = 0;
			while (str[len]) len++;
			put_padded(&s, str, len, width, left, ' ');
			break;
		}
		case 'c': {
			char c = (char)va_arg(ap, int);
			put_padded(&s, &c, 1, width, left, ' ');
			break;
		}
		case '%': put(&s, '%'); break;
		case '\0': fmt--; break;         /* lone % at the end: stop cleanly */
		default: put(&s, '%'); put(&s, *fmt); break;
		}
	}
	if (size)
		buf[s.len < size ? s.len : size - 1] = '\0';
	return (int)s.len;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
