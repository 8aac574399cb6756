/*
 * string.c - memory and string primitives for user tasks.
 *
 * Plain C.  Must be compiled with -fno-builtin and
 * -fno-tree-loop-distribute-patterns, or gcc may turn the loops below back
 * into calls to memset/memcpy (i.e. into infinite recursion).  Copies move
 * 32-bit words when both pointers allow it; that is the only cleverness.
 * Host tests build it with -D'SMRT_NAME(n)=test_##n'.
 */
#include <sm/runtime.h>

#ifndef SMRT_NAME
#define SMRT_NAME(n)	n
#endif

typedef uint32_t __attribute__((may_alias)) word_t;
#define WORD		sizeof(word_t)
#define ALIGNED(p)	(((uintptr_t)(p) & (WORD - 1)) == 0)

void *
SMRT_NAME(memset)(void *dst, int c, size_t n)
{
	uint8_t *d = dst;
	word_t w = (uint8_t)c * 0x01010101u;

	while (n && !ALIGNED(d)) {
		*d++ = (uint8_t)c;
		n--;
	}
	for (; n >= WORD; n -= WORD, d += WORD)
		*(word_t *)d = w;
	while (n--)
		*d++ = (uint8_t)c;
	return dst;
}

void *
SMRT_NAME(memcpy)(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;

	if (ALIGNED(d) && ALIGNED(s))
		for (; n >= WORD; n -= WORD, d += WORD, s += WORD)
			*(word_t *)d = *(const word_t *)s;
	while (n--)
		*d++ = *s++;
	return dst;
}

void *
SMRT_NAME(memmove)(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;

	if ((uintptr_t)d - (uintptr_t)s >= n)	/* no harmful overlap */
		return SMRT_NAME(memcpy)(dst, src, n);
	/* dst lies inside [src, src+n): copy from the end. */
	d += n;
	s += n;
	if (ALIGNED(d) && ALIGNED(s))
		for (; n >= WORD; n -= WORD) {
			d -= WORD;
			s -= WORD;
			*(word_t *)d = *(const word_t *)s;
		}
	while (n--)
		*--d = *--s;
	return dst;
}

int
SMRT_NAME(memcmp)(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x < *y ? -1 : 1;
	return 0;
}

size_t
SMRT_NAME(strlen)(const char *s)
{
	const char *p = s;

	while (*p)
		p++;
	return (size_t)(p - s);
}

int
SMRT_NAME(strcmp)(const char *a, const char *b)
{
	const unsigned char *x = (const unsigned char *)a;
	const unsigned char *y = (const unsigned char *)b;

	while (*x && *x == *y)
		x++, y++;
	return *x < *y ? -1 : *x > *y;
}

int
SMRT_NAME(strncmp)(const char *a, const char *b, size_t n)
{
	const unsigned char *x = (const unsigned char *)a;
	const unsigned char *y = (const unsigned char *)b;

	for (; n; n--, x++, y++) {
		if (*x != *y)
			return *x < *y ? -1 : 1;
		if (!*x)
			break;
	}
	return 0;
}
