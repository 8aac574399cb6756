/*
 * check.h - the tiny framework shared by the host unit tests in tests/host/.
 *
 *   CHECK(cond, fmt, ...)  counts a pass, or counts a failure and prints
 *                          "FAIL file:line: cond: <message>" (the first
 *                          CHECK_MAX_REPORTS failures; the rest are counted).
 *   return check_summary();  at the end of main(): prints exactly
 *                          "N passed, M failed" as the program's last line of
 *                          standard output and returns non-zero on any failure.
 *
 * tests/host.mk reads that last line; a program that dies before printing it
 * (a signal, a sanitizer abort) is reported as crashed.
 *
 * Also here: a guarded buffer, for tests of code that must never read past
 * the bytes it is given.  guard_init(&g, max) maps max bytes followed by a
 * PROT_NONE page; guard_place(&g, len) returns where len bytes must start to
 * end exactly at that page, so a one-byte over-read faults.
 */
#ifndef TESTS_HOST_CHECK_H
#define TESTS_HOST_CHECK_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef CHECK_MAX_REPORTS
#define CHECK_MAX_REPORTS 100
#endif

static int check_passed, check_failed;

/* Line-buffer stdout so that everything before a crash reaches the log. */
__attribute__((constructor)) static void check_setup(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
}

__attribute__((format(printf, 4, 5), unused))
static void check_fail(const char *file, int line, const char *expr,
		       const char *fmt, ...)
{
	check_failed++;
	if (check_failed > CHECK_MAX_REPORTS) {
		if (check_failed == CHECK_MAX_REPORTS + 1)
			printf("(further failures are counted, not shown)\n");
		return;
	}
	va_list ap;
	printf("FAIL %s:%d: %s: ", file, line, expr);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

#define CHECK(cond, ...) do {						\
	if (cond)							\
		check_passed++;						\
	else								\
		check_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);	\
} while (0)

__attribute__((unused))
static int check_summary(void)
{
	printf("%d passed, %d failed\n", check_passed, check_failed);
	fflush(stdout);
	return check_failed != 0;
}

/* A deterministic generator (xorshift32), so a failure reproduces. */
static uint32_t check_seed = 0x2545f491u;

__attribute__((unused))
static uint32_t rnd32(void)
{
	uint32_t x = check_seed;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return check_seed = x;
}

/* Uniform enough in [0, n) for tests; n > 0. */
__attribute__((unused))
static uint32_t rnd_below(uint32_t n)
{
	return (uint32_t)(((uint64_t)rnd32() * n) >> 32);
}

struct guard {
	uint8_t *base;
	size_t span;		/* readable bytes before the guard page */
};

__attribute__((unused))
static void guard_init(struct guard *g, size_t max)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	g->span = (max + pg - 1) / pg * pg;
	if (g->span == 0)
		g->span = pg;
	g->base = mmap(NULL, g->span + pg, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g->base == MAP_FAILED || mprotect(g->base + g->span, pg, PROT_NONE)) {
		perror("guard_init");
		exit(2);
	}
}

__attribute__((unused))
static uint8_t *guard_place(struct guard *g, size_t len)
{
	if (len > g->span) {
		fprintf(stderr, "guard_place: %zu > %zu\n", len, g->span);
		exit(2);
	}
	return g->base + g->span - len;
}

#endif
