/* printf, from the C library (here the user runtime's). */
#ifndef _GNUMACH_LIBC_STDIO_H
#define _GNUMACH_LIBC_STDIO_H
extern int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#endif
