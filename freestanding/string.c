/* Memory and string routines for code with no C library: the kernel and
 * the user runtime (<freestanding/string.h>).
 *
 * Built with -fno-builtin and -fno-tree-loop-distribute-patterns, or gcc
 * may turn the loops below back into calls to these very functions
 * (infinite recursion). memset and memcpy move 32-bit words with rep
 * stos/movs: under QEMU's TCG a byte-wise loop costs ~12 us per 4 KiB page,
 * which made every fresh page (and so every zero-copy read) slow. */
#include <freestanding/string.h>
#include <stdint.h>

typedef uint32_t __attribute__((may_alias)) word_t;
#define WORD sizeof(word_t)
#define ALIGNED(p) (((uintptr_t)(p) & (WORD - 1)) == 0)

void *FREESTANDING_NAME(memset)(void *dst, int c, size_t n)
{
	void *d = dst;
	uint32_t v = (uint8_t)c * 0x01010101u;
	size_t words = n / 4, bytes = n % 4;
	__asm__ volatile("rep stosl" : "+D"(d), "+c"(words) : "a"(v) : "memory");
	__asm__ volatile("rep stosb" : "+D"(d), "+c"(bytes) : "a"(v) : "memory");
	return dst;
}

void *FREESTANDING_NAME(memcpy)(void *dst, const void *src, size_t n)
{
	void *d = dst;
	size_t words = n / 4, bytes = n % 4;
	__asm__ volatile("rep movsl" : "+D"(d), "+S"(src), "+c"(words) :: "memory");
	__asm__ volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(bytes) :: "memory");
	return dst;
}

void *FREESTANDING_NAME(memmove)(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;

	if ((uintptr_t)d - (uintptr_t)s >= n)    /* no harmful overlap */
		return FREESTANDING_NAME(memcpy)(dst, src, n);
	/* dst lies inside (src, src+n): copy from the end. */
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

int FREESTANDING_NAME(memcmp)(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;
	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x < *y ? -1 : 1;
	return 0;
}

size_t FREESTANDING_NAME(strlen)(const char *s)
{
	const char *p = s;
	while (*p)
		p++;
	return (size_t)(p - s);
}

size_t FREESTANDING_NAME(strnlen)(const char *s, size_t max)
{
	size_t n = 0;
	while (n < max && s[n])
		n++;
	return n;
}

int FREESTANDING_NAME(strcmp)(const char *a, const char *b)
{
	const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
	while (*x && *x == *y)
		x++, y++;
	return *x < *y ? -1 : *x > *y;
}

int FREESTANDING_NAME(strncmp)(const char *a, const char *b, size_t n)
{
	const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
	for (; n; n--, x++, y++) {
		if (*x != *y)
			return *x < *y ? -1 : 1;
		if (!*x)
			break;
	}
	return 0;
}

char *FREESTANDING_NAME(strstr)(const char *haystack, const char *needle)
{
	size_t n = FREESTANDING_NAME(strlen)(needle);
	for (; *haystack; haystack++)
		if (!FREESTANDING_NAME(strncmp)(haystack, needle, n))
			return (char *)haystack;
	return n ? NULL : (char *)haystack;
}

size_t FREESTANDING_NAME(strlcpy)(char *dst, const char *src, size_t size)
{
	size_t len = FREESTANDING_NAME(strlen)(src);
	if (size) {
		size_t n = len < size - 1 ? len : size - 1;
		FREESTANDING_NAME(memcpy)(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}
