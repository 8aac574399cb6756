/* The C memory and string routines of the freestanding library
 * (freestanding/string.c): the one copy built into the kernel and into the
 * user runtime (libsmrt). gcc may also emit calls to memcpy/memset for
 * struct copies, so these are real functions in both.
 *
 * FREESTANDING_NAME lets a host test build the same source next to the
 * host C library under other names (#define FREESTANDING_NAME(n) test_##n
 * before including this header and the source). */
#ifndef FREESTANDING_STRING_H
#define FREESTANDING_STRING_H
#include <stddef.h>

#ifndef FREESTANDING_NAME
#define FREESTANDING_NAME(n) n
#endif

void *FREESTANDING_NAME(memset)(void *dst, int c, size_t n);
void *FREESTANDING_NAME(memcpy)(void *dst, const void *src, size_t n);
void *FREESTANDING_NAME(memmove)(void *dst, const void *src, size_t n);
int FREESTANDING_NAME(memcmp)(const void *a, const void *b, size_t n);
size_t FREESTANDING_NAME(strlen)(const char *s);
size_t FREESTANDING_NAME(strnlen)(const char *s, size_t max);
int FREESTANDING_NAME(strcmp)(const char *a, const char *b);
int FREESTANDING_NAME(strncmp)(const char *a, const char *b, size_t n);
char *FREESTANDING_NAME(strstr)(const char *haystack, const char *needle);
size_t FREESTANDING_NAME(strlcpy)(char *dst, const char *src, size_t size);
#endif
