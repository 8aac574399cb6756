/* The terminal side of the console task: bytes come from the kernel's
 * "console" device (GNU Mach's device_read_inband; the kernel answers when
 * a key arrives, kern/console_input.h), go back through the runtime's
 * printf. Line editing: printable characters, backspace (DEL or ^H),
 * Ctrl-U (erase the line), Ctrl-C (drop it), up and down arrows (history,
 * HISTORY lines), Enter (CR, LF or CR LF). */
#include "shell.h"
#include <device/device_types.h>
#include "device.h"

#define HISTORY		16
#define CTRL_C		0x03
#define CTRL_H		0x08
#define CTRL_U		0x15
#define ESC		0x1b
#define DEL		0x7f

static mach_port_t console_dev;
static char typed[256];                 /* bytes read but not used yet */
static unsigned typed_len, typed_pos;
static char history[HISTORY][LINE_MAX];
static unsigned history_count;          /* lines ever entered */
static bool after_cr;                   /* a LF right after CR ends no second line */

bool term_open(void)
{
	kern_return_t kr = device_open(DEVICE_MASTER, D_READ | D_WRITE, "console", &console_dev);
	if (kr != D_SUCCESS) {
		printf("console: cannot open the console device: %s\n", kr_name(kr));
		return false;
	}
	return true;
}

void term_flush(void) { smrt_console_flush(); }

/* Read what the device has into typed (waiting for at least one byte when
 * wait); false when nothing came. */
static bool fill(bool wait)
{
	if (typed_pos < typed_len)
		return true;
	char data[IO_INBAND_MAX];
	mach_msg_type_number_t n = sizeof data;
	kern_return_t kr = device_read_inband(console_dev, wait ? 0 : D_NOWAIT, 0, sizeof data, data, &n);
	if (kr != D_SUCCESS || n == 0 || n > sizeof data) {
		if (kr != D_SUCCESS && kr != D_WOULD_BLOCK && wait) {
			printf("console: reading the console device failed: %s\n", kr_name(kr));
			smrt_sleep_ms(1000);            /* never spin on a broken device */
		}
		return false;
	}
	memcpy(typed, data, n);
	typed_len = n;
	typed_pos = 0;
	return true;
}

static int next_byte(void)
{
	while (!fill(true))
		;
	return (unsigned char)typed[typed_pos++];
}

bool term_interrupted(void)
{
	if (typed_pos >= typed_len && !fill(false))
		return false;
	for (unsigned i = typed_pos; i < typed_len; i++)
		if (typed[i] == CTRL_C) {
			typed_pos = i + 1;              /* the keys before it are dropped too */
			printf("^C\n");
			return true;
		}
	return false;
}

static void redraw(const char *prompt, const char *buf)
{
	printf("\r\033[K%s%s", prompt, buf);
	term_flush();
}

/* An escape sequence after ESC: up and down arrows move through history. */
static void escape(const char *prompt, char *buf, unsigned size, unsigned *len, unsigned *back)
{
	if (next_byte() != '[')
		return;
	int c = next_byte();
	if (c != 'A' && c != 'B')
		return;                             /* other keys: ignored */
	unsigned oldest = history_count > HISTORY ? history_count - HISTORY : 0;
	if (c == 'A' && history_count - *back > oldest)
		(*back)++;
	else if (c == 'B' && *back > 0)
		(*back)--;
	else
		return;
	if (*back == 0)
		buf[0] = '\0';
	else
		copy_string(buf, history[(history_count - *back) % HISTORY], size);
	*len = strlen(buf);
	redraw(prompt, buf);
}

bool term_read_line(const char *prompt, char *buf, unsigned size)
{
	unsigned len = 0, back = 0;
	buf[0] = '\0';
	printf("%s", prompt);
	term_flush();
	for (;;) {
		int c = next_byte();
		if (c == '\n' && after_cr) {
			after_cr = false;
			continue;
		}
		after_cr = c == '\r';
		if (c == '\r' || c == '\n') {
			printf("\n");
			if (len > 0) {
				copy_string(history[history_count % HISTORY], buf, LINE_MAX);
				history_count++;
			}
			return true;
		}
		if (c == CTRL_C) {
			printf("^C\n");
			return false;
		}
		if (c == CTRL_U) {
			len = 0;
			buf[0] = '\0';
			redraw(prompt, buf);
		} else if (c == DEL || c == CTRL_H) {
			if (len > 0) {
				buf[--len] = '\0';
				printf("\b \b");
				term_flush();
			}
		} else if (c == ESC) {
			escape(prompt, buf, size, &len, &back);
		} else if (c >= ' ' && c < DEL && len + 1 < size) {
			buf[len++] = (char)c;
			buf[len] = '\0';
			putchar(c);
			term_flush();
		}                                   /* other control bytes: ignored */
	}
}
