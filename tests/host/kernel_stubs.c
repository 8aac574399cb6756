/*
 * kernel_stubs.c - kalloc, panic and kprintf for host tests of kernel code
 * (see kernel_stubs.h). Compiled with the kernel's include paths, so every
 * prototype is checked against the kernel headers.
 */
#include "kernel_stubs.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kern/printf.h"
#include "vm/kalloc.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define HIDE(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define SHOW(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define HIDE(p, n) ((void)(p), (void)(n))
#define SHOW(p, n) ((void)(p), (void)(n))
#endif

size_t stub_kalloc_bytes, stub_kalloc_blocks;
unsigned long stub_kalloc_calls;
long stub_kalloc_fail_after = -1;

#define BLOCK_USED 0x6b616c63u		/* "kalc" */
#define BLOCK_FREED 0x66726565u		/* "free" */

/* 16 bytes before each block, so blocks stay 16-byte aligned like the kernel's. */
struct block_header { uint32_t magic; uint32_t size; uint32_t pad[2]; };
_Static_assert(sizeof(struct block_header) == 16, "block header");

void *kalloc(size_t size)
{
	stub_kalloc_calls++;
	if (stub_kalloc_fail_after == 0) {
		stub_kalloc_fail_after = -1;
		return NULL;
	}
	if (stub_kalloc_fail_after > 0)
		stub_kalloc_fail_after--;
	if (size > 64 * 1024 * 1024)		/* the kernel's limit too */
		return NULL;
	struct block_header *h = calloc(1, sizeof *h + size);
	if (!h) {
		fprintf(stderr, "kernel_stubs: host calloc(%zu) failed\n", size);
		abort();
	}
	h->magic = BLOCK_USED;
	h->size = (uint32_t)size;
	stub_kalloc_bytes += size;
	stub_kalloc_blocks++;
	HIDE(h, sizeof *h);
	return h + 1;
}

/* Filled with 0xa5 rather than left as calloc's zeroes, so that a caller
 * that reads what it was meant to write first shows. */
void *kalloc_unzeroed(size_t size)
{
	unsigned char *p = kalloc(size);
	if (p)
		memset(p, 0xa5, size);
	return p;
}

void kfree(void *p)
{
	if (!p)
		return;
	struct block_header *h = (struct block_header *)p - 1;
	SHOW(h, sizeof *h);
	if (h->magic != BLOCK_USED)
		panic("kfree: %p is not an allocated block (magic %x)", p, h->magic);
	h->magic = BLOCK_FREED;
	stub_kalloc_bytes -= h->size;
	stub_kalloc_blocks--;
	free(h);
}

size_t kalloc_bytes_in_use(void) { return stub_kalloc_bytes; }

jmp_buf *stub_panic_jmp;
char stub_panic_msg[256];
int stub_panic_calls;

void panic(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(stub_panic_msg, sizeof stub_panic_msg, fmt, ap);
	va_end(ap);
	stub_panic_calls++;
	if (stub_panic_jmp) {
		jmp_buf *j = stub_panic_jmp;
		stub_panic_jmp = NULL;		/* one expected panic per arming */
		longjmp(*j, 1);
	}
	fflush(stdout);
	fprintf(stderr, "PANIC: %s\n", stub_panic_msg);
	printf("PANIC: %s\n", stub_panic_msg);
	fflush(stdout);
	abort();
}

int stub_kprintf_calls;
bool stub_kprintf_echo;
char stub_kprintf_last[256];

void kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(stub_kprintf_last, sizeof stub_kprintf_last, fmt, ap);
	va_end(ap);
	stub_kprintf_calls++;
	if (stub_kprintf_echo)
		fprintf(stderr, "kprintf: %s", stub_kprintf_last);
}

/* kwarn's rate limit (kern/kwarn.c) has its own test (test_ratelimit.c):
 * here every warning goes out, so tests can count them. */
bool kwarn_admit(void) { return true; }
