/* The kernel console: COM1 at 115200 8N1. Everything the kernel and the tasks
 * print ends up here, which is what `make run` shows and the tests read.
 * Input: kern/console_input.h. */
#ifndef KERN_CONSOLE_H
#define KERN_CONSOLE_H
#include <stddef.h>
void console_init(void);
void console_write(const char *s, size_t len);
#endif
