#include "kern/console.h"
#include "kern/printf.h"
#include "i386/cpu.h"
#include "kern/halt.h"

#define COM1 0x3F8

void console_init(void)
{
	outb(COM1 + 1, 0x00);    /* interrupts off; output is polled, input
				  * interrupts come with console_input_init */
	outb(COM1 + 3, 0x80);    /* DLAB on to set the divisor */
	outb(COM1 + 0, 0x01);    /* 115200 baud */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03);    /* 8N1 */
	outb(COM1 + 2, 0xC7);    /* FIFO on, cleared */
	outb(COM1 + 4, 0x0B);    /* DTR, RTS, and OUT2, which gates the IRQ line */
}

static void serial_putc(char c)
{
	for (int spin = 0; spin < 100000 && !(inb(COM1 + 5) & 0x20); spin++)
		;
	outb(COM1, (uint8_t)c);
}

void console_write(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n')
			serial_putc('\r');
		serial_putc(s[i]);
	}
}

void kprintf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	console_write(buf, n < (int)sizeof buf ? (size_t)n : sizeof buf - 1);
}

void panic(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	cli();
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	kprintf("\npanic: %s\n", buf);
	machine_halt(HALT_PANIC);
}
