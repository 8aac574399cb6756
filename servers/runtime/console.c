/*
 * console.c - line-buffered console output and a small printf.
 *
 * Characters collect in one buffer of SMRT_CONSOLE_LINE bytes (the largest
 * sm_console_data_t); a newline, a full buffer or smrt_console_flush() sends
 * them to the kernel with the sm_console_write RPC on the host port.  If the
 * RPC fails (no host port, no server yet, a kernel that only has traps) the
 * same bytes go out through the mach_print trap instead, so output is never
 * lost silently.
 *
 * printf understands %d %i %u %x %X %o %s %c %p %% with the l, ll and z
 * length modifiers, a field width (or *), '0' padding and '-' left adjustment.  No
 * precision except %.Ns for strings, no floating point.
 */
#include <sm/runtime.h>
#include <sm/traps.h>
#include <sm/threads.h>
#include "smhost.h"

#define SMRT_CONSOLE_LINE	512

static char	line[SMRT_CONSOLE_LINE + 1];	/* +1 for mach_print's NUL */
static unsigned	line_len;
static int	rpc_broken;	/* sticky: stop trying after the RPC failed */

/* One lock for the line buffer: whole printf/puts calls hold it, so lines
 * from several threads do not mix. */
smrt_lock_t _smrt_console_lock = SMRT_LOCK_INIT;

static void
flush_locked(void)
{
	mach_port_t host = smrt_host_port();

	if (line_len == 0)
		return;
	if (rpc_broken || host == MACH_PORT_NULL ||
	    sm_console_write(host, line, line_len) != KERN_SUCCESS) {
		rpc_broken = 1;
		line[line_len] = '\0';
		mach_print(line);
	}
	line_len = 0;
}

static void
put_locked(int c)
{
	line[line_len++] = (char)c;
	if (c == '\n' || line_len == SMRT_CONSOLE_LINE)
		flush_locked();
}

void
smrt_console_flush(void)
{
	smrt_lock(&_smrt_console_lock);
	flush_locked();
	smrt_unlock(&_smrt_console_lock);
}

int
putchar(int c)
{
	smrt_lock(&_smrt_console_lock);
	put_locked(c);
	smrt_unlock(&_smrt_console_lock);
	return (unsigned char)c;
}

int
puts(const char *s)
{
	smrt_lock(&_smrt_console_lock);
	while (*s)
		put_locked(*s++);
	put_locked('\n');
	smrt_unlock(&_smrt_console_lock);
	return 0;
}

/* Formatter: emits through a sink so printf and snprintf share it. */
struct sink {
	int	 console;	/* 1: putchar, 0: buf */
	char	*buf;
	size_t	 cap;		/* bytes available in buf, including the NUL */
	size_t	 count;		/* characters produced so far */
};

static void
emit(struct sink *k, char c)
{
	if (k->console)
		put_locked(c);
	else if (k->count + 1 < k->cap)
		k->buf[k->count] = c;
	k->count++;
}

static void
emit_padded(struct sink *k, const char *s, size_t len, int width, int left,
	    char pad)
{
	int fill = width > (int)len ? width - (int)len : 0;

	/* Zero padding goes after a sign, space padding before it. */
	if (pad == '0' && len && *s == '-') {
		emit(k, *s++);
		len--;
	}
	if (!left)
		while (fill-- > 0)
			emit(k, pad);
	while (len--)
		emit(k, *s++);
	if (left)
		while (fill-- > 0)
			emit(k, ' ');
}

static int
format(struct sink *k, const char *fmt, va_list ap)
{
	static const char digits[] = "0123456789abcdef0123456789ABCDEF";
	char tmp[24];		/* 2^64 in octal is 22 digits, plus sign */

	for (; *fmt; fmt++) {
		int left = 0, width = 0, prec = -1, lng = 0, neg = 0;
		unsigned base = 10, upper = 0;
		unsigned long long v;
		char pad = ' ', *p;
		const char *s;

		if (*fmt != '%') {
			emit(k, *fmt);
			continue;
		}
		for (fmt++; *fmt == '-' || *fmt == '0'; fmt++)
			if (*fmt == '-')
				left = 1;
			else
				pad = '0';
		if (*fmt == '*') {
			width = va_arg(ap, int);
			if (width < 0)
				left = 1, width = -width;
			fmt++;
		}
		for (; *fmt >= '0' && *fmt <= '9'; fmt++)
			width = width * 10 + (*fmt - '0');
		if (*fmt == '.')
			for (prec = 0, fmt++; *fmt >= '0' && *fmt <= '9'; fmt++)
				prec = prec * 10 + (*fmt - '0');
		for (; *fmt == 'l' || *fmt == 'z'; fmt++)
			if (*fmt == 'l')
				lng++;
			else
				lng = 1;	/* size_t: 32 bits, like long */
		if (left)
			pad = ' ';

		switch (*fmt) {
		case 'c':
			tmp[0] = (char)va_arg(ap, int);
			emit_padded(k, tmp, 1, width, left, ' ');
			continue;
		case 's':
			s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			for (v = 0; s[v] && (prec < 0 || v < (unsigned)prec); v++)
				;
			emit_padded(k, s, (size_t)v, width, left, ' ');
			continue;
		case 'd':
		case 'i':
			if (lng >= 2) {
				long long x = va_arg(ap, long long);
				neg = x < 0;
				v = neg ? 0ULL - (unsigned long long)x : (unsigned long long)x;
			} else {
				long x = lng ? va_arg(ap, long) : va_arg(ap, int);
				neg = x < 0;
				v = neg ? 0UL - (unsigned long)x : (unsigned long)x;
			}
			break;
		case 'p':
			v = (uintptr_t)va_arg(ap, void *);
			base = 16;
			emit(k, '0');
			emit(k, 'x');
			width = width > 2 ? width - 2 : 0;
			break;
		case 'X':
			upper = 16;
			/* fall through */
		case 'x':
			base = 16;
			goto unsigned_arg;
		case 'o':
			base = 8;
			goto unsigned_arg;
		case 'u':
		unsigned_arg:
			if (lng >= 2)
				v = va_arg(ap, unsigned long long);
			else
				v = lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned);
			break;
		case '%':
			emit(k, '%');
			continue;
		default:	/* unknown: show it verbatim */
			emit(k, '%');
			if (!*fmt)
				return (int)k->count;
			emit(k, *fmt);
			continue;
		}
		p = tmp + sizeof(tmp);
		do {
			*--p = digits[upper + (unsigned)(v % base)];
			v /= base;
		} while (v);
		if (neg)
			*--p = '-';
		emit_padded(k, p, (size_t)(tmp + sizeof(tmp) - p), width, left, pad);
	}
	return (int)k->count;
}

/* printf and vprintf return 0, as GNU Mach's printf does: programs written
 * for GNU Mach (its tests and their test library) are written against that
 * printf. snprintf and vsnprintf return the length, as C's do, since callers
 * size buffers with it. */
int
vprintf(const char *fmt, va_list ap)
{
	struct sink k = { 1, NULL, 0, 0 };

	smrt_lock(&_smrt_console_lock);
	format(&k, fmt, ap);
	smrt_unlock(&_smrt_console_lock);
	return 0;
}

int
printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	return 0;
}

int
vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sink k = { 0, buf, size, 0 };
	int n = format(&k, fmt, ap);

	if (size)
		buf[k.count < size ? k.count : size - 1] = '\0';
	return n;
}

int
snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
