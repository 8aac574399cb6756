/*
 * support.c - the odds and ends a Swift or C program expects from libc.
 *
 * arc4random_buf is here because Embedded Swift's hashing (Dictionary, Set,
 * String hashing) asks for a random seed.  It is NOT cryptographic: a
 * xorshift64* generator seeded once from the kernel's uptime clock and the
 * address of a stack variable.  Do not use it for anything secret.
 */
#include <sm/runtime.h>
#include <sm/traps.h>
#include "smhost.h"
#include <mach/thread_switch.h>

static uint64_t rng_state;

static uint64_t
rng_next(void)
{
	uint64_t x = rng_state;

	if (x == 0) {
		uint64_t ns = 0;
		(void)sm_host_uptime(smrt_host_port(), &ns);
		x = ns ^ ((uint64_t)(uintptr_t)&ns << 32) ^ 0x9e3779b97f4a7c15ULL;
		if (x == 0)
			x = 1;
	}
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 0x2545f4914f6cdd1dULL;
}

uint32_t
arc4random(void)
{
	return (uint32_t)(rng_next() >> 32);
}

void
arc4random_buf(void *buf, size_t n)
{
	uint8_t *p = buf;

	while (n) {
		uint64_t r = rng_next();
		for (int i = 0; i < 8 && n; i++, n--, r >>= 8)
			*p++ = (uint8_t)r;
	}
}

void
abort(void)
{
	smrt_console_flush();
	mach_print("abort() called\n");
	exit(134);	/* 128 + SIGABRT, as a shell would report it */
}

void
smrt_assert_fail(const char *expr, const char *file, int line)
{
	printf("%s:%d: assertion failed: %s\n", file, line, expr);
	abort();
}

void smrt_sleep_ms(uint32_t ms)
{
	thread_switch(MACH_PORT_NULL, SWITCH_OPTION_WAIT, ms);
}
