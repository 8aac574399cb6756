/* Formatted output for freestanding code (freestanding/format.c): the one
 * printf engine, built into the kernel (kprintf, panic: kern/printf.h) and
 * into the user runtime (printf, snprintf: <sm/runtime.h>).
 *
 * Conversions %d %i %u %x %X %o %p %s %c %%; flags '-' (left adjust), '0'
 * (zero padding, after any sign) and '#' (0x before a nonzero %x/%X); a
 * field width as digits or '*'; a precision for %s only (%.Ns: at most N
 * characters); length modifiers l, ll and z. No floating point. An unknown
 * conversion is written out as it stands and takes no argument; a '%' at
 * the very end of the format ends it.
 *
 * FREESTANDING_NAME: see <freestanding/string.h>. */
#ifndef FREESTANDING_FORMAT_H
#define FREESTANDING_FORMAT_H
#include <stdarg.h>
#include <stddef.h>

#ifndef FREESTANDING_NAME
#define FREESTANDING_NAME(n) n
#endif

/* Where formatted characters go, one at a time. */
typedef void (*format_put_fn)(void *ctx, char c);

/* Format to put; returns the number of characters produced. */
int FREESTANDING_NAME(format_to)(format_put_fn put, void *ctx, const char *fmt, va_list ap);
/* C99 snprintf: at most size-1 characters and a NUL (nothing if size is
 * 0); returns the length the whole output would have had. */
int FREESTANDING_NAME(vsnprintf)(char *buf, size_t size, const char *fmt, va_list ap);
int FREESTANDING_NAME(snprintf)(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#endif
