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
 * printf formats with the freestanding library's engine, shared with the
 * kernel (<freestanding/format.h> lists the conversions it understands).
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

/* The freestanding library's engine (<freestanding/format.h>) puts each
 * character here, with the console lock held. */
static void
put_formatted(void *ctx, char c)
{
	put_locked(c);
}

/* printf and vprintf return 0, as GNU Mach's printf does: programs written
 * for GNU Mach (its tests and their test library) are written against that
 * printf. snprintf and vsnprintf (the freestanding library's) return the
 * length, as C's do, since callers size buffers with it. */
int
vprintf(const char *fmt, va_list ap)
{
	smrt_lock(&_smrt_console_lock);
	format_to(put_formatted, NULL, fmt, ap);
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
