/* The string functions the test uses, from the C library (here the user
 * runtime's). */
#ifndef _GNUMACH_LIBC_STRING_H
#define _GNUMACH_LIBC_STRING_H
#include <stddef.h>
extern void *memcpy(void *dst, const void *src, size_t n);
extern void *memset(void *dst, int c, size_t n);
extern int memcmp(const void *a, const void *b, size_t n);
extern int strcmp(const char *a, const char *b);
extern size_t strlen(const char *s);
#endif
