/* Kernel formatted output. The engine (snprintf, vsnprintf) is the
 * freestanding library's (<freestanding/format.h>), shared with the user
 * runtime and unit-tested on the host; kprintf formats into a bounded
 * buffer and writes it to the console. */
#ifndef KERN_PRINTF_H
#define KERN_PRINTF_H
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <freestanding/format.h>

void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A kernel bug: print the message and a backtrace-free report, then stop the machine. */
void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* Bad input from a task: one line, prefixed, and the kernel goes on. The
 * lines are rate-limited (kern/kwarn.c): kwarn_admit says whether this one
 * goes out, after a count of those dropped before it. */
bool kwarn_admit(void);
#define kwarn(...) do { if (kwarn_admit()) kprintf("warning: " __VA_ARGS__); } while (0)
#endif
