/*
 * test_malloc.c - host unit test of the user runtime's allocator and string
 * functions (servers/runtime/malloc.c, freestanding/string.c), run as a
 * Linux program.
 *
 * Build (32-bit, like the target; the runtime sources are included below
 * with their public names prefixed so they do not replace libc's):
 *   gcc -m32 -O1 -g -I$(top_srcdir)/servers/runtime/include \
 *       -o tests/host/test_malloc $(top_srcdir)/tests/host/test_malloc.c
 * Uses tests/host/check.h: the last line is "N passed, M failed".
 */
#define SMRT_NAME(n)		test_##n
#define SMRT_ARENA_SIZE		(256u * 1024u)	/* small: reach exhaustion fast */
#include "../../servers/runtime/malloc.c"
/* The string routines under test_ names too; malloc.c (through
 * <sm/runtime.h>) has declared and uses the host's plain ones. */
#undef FREESTANDING_NAME
#define FREESTANDING_NAME(n)	test_##n
#include "../../freestanding/string.c"

#include "check.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>

static void fill(uint8_t *p, size_t n, uint8_t tag)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(tag + i * 7);
}
static int intact(const uint8_t *p, size_t n, uint8_t tag)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != (uint8_t)(tag + i * 7))
			return 0;
	return 1;
}

static void test_basics(void)
{
	struct smrt_heap_stats st;
	void *p = test_malloc(0), *q, *r;
	uint8_t *z;

	CHECK(p && ((uintptr_t)p & 15) == 0, "malloc(0) -> %p", p);
	q = test_malloc(1);
	CHECK(q && q != p && ((uintptr_t)q & 15) == 0, "malloc(1) -> %p", q);
	test_free(p);
	test_free(q);
	test_free(NULL);
	CHECK(test_malloc((size_t)-1) == NULL, "huge malloc");
	CHECK(test_malloc(SMRT_ARENA_SIZE) == NULL, "arena-sized malloc");
	CHECK(test_calloc((size_t)1 << 20, (size_t)1 << 20) == NULL, "calloc overflow");
	z = test_malloc(300);
	memset(z, 0xab, 300);
	test_free(z);
	z = test_calloc(75, 4);
	CHECK(z != NULL, "calloc");
	for (int i = 0; z && i < 300; i++)
		if (z[i]) { CHECK(0, "calloc byte %d = %d", i, z[i]); break; }
	test_free(z);
	CHECK(test_posix_memalign(&r, 24, 10) == SMRT_EINVAL, "align 24");
	CHECK(test_posix_memalign(&r, 2, 10) == SMRT_EINVAL, "align 2");
	CHECK(test_posix_memalign(&r, 64, (size_t)-1) == SMRT_ENOMEM, "align huge");
	CHECK(test_realloc(NULL, 10) != NULL, "realloc(NULL)");	/* leaked: fine */
	CHECK(smrt_heap_check() == 0, "check %d", smrt_heap_check());
	smrt_heap_stats(&st);
	CHECK(st.arena_bytes == SMRT_ARENA_SIZE, "arena %zu", st.arena_bytes);
}

/* Random workload: every live block carries a pattern that must survive. */
#define SLOTS 200
static struct { uint8_t *p; size_t n; uint8_t tag; } slot[SLOTS];

static void test_random(int rounds)
{
	int bad_pattern = 0, bad_align = 0, bad_heap = 0, nulls = 0;

	for (int i = 0; i < rounds; i++) {
		int s = rnd32() % SLOTS, op = rnd32() % 4;
		size_t n = (rnd32() % 8 == 0) ? rnd32() % 20000 : rnd32() % 300;

		if (slot[s].p && !intact(slot[s].p, slot[s].n, slot[s].tag))
			bad_pattern++;
		if (op == 0 || (op == 3 && !slot[s].p)) {		/* malloc */
			test_free(slot[s].p);
			slot[s].p = test_malloc(n);
		} else if (op == 1) {					/* free */
			test_free(slot[s].p);
			slot[s].p = NULL;
			continue;
		} else if (op == 2) {					/* aligned */
			size_t al = (size_t)8 << (rnd32() % 10);	/* 8 .. 4096 */
			void *q = NULL;
			test_free(slot[s].p);
			slot[s].p = test_posix_memalign(&q, al, n) == 0 ? q : NULL;
			if (slot[s].p && ((uintptr_t)q & (al - 1)))
				bad_align++;
		} else {						/* realloc */
			uint8_t *q = test_realloc(slot[s].p, n);
			size_t keep = n < slot[s].n ? n : slot[s].n;
			if (!q && n) {		/* failed: old block intact */
				if (!intact(slot[s].p, slot[s].n, slot[s].tag))
					bad_pattern++;
				nulls++;
				continue;
			}
			if (q && !intact(q, keep, slot[s].tag))
				bad_pattern++;
			slot[s].p = q;
		}
		if (!slot[s].p) {
			nulls++;
			slot[s].n = 0;
			continue;
		}
		if (((uintptr_t)slot[s].p & 15))
			bad_align++;
		slot[s].n = n;
		slot[s].tag = (uint8_t)rnd32();
		fill(slot[s].p, n, slot[s].tag);
		if (i % 97 == 0 && smrt_heap_check() != 0)
			bad_heap++;
	}
	CHECK(bad_pattern == 0, "%d corrupted blocks", bad_pattern);
	CHECK(bad_align == 0, "%d misaligned blocks", bad_align);
	CHECK(bad_heap == 0, "%d failed heap checks", bad_heap);
	CHECK(smrt_heap_check() == 0, "final check %d", smrt_heap_check());
	printf("random: %d rounds, %d allocations refused (arena full)\n",
	       rounds, nulls);
	for (int s = 0; s < SLOTS; s++) {
		test_free(slot[s].p);
		slot[s].p = NULL;
	}
}

/* Fill the heap until it refuses, then free everything: one block again. */
static void test_exhaustion(void)
{
	static void *v[SMRT_ARENA_SIZE / 32];
	struct smrt_heap_stats st, before;
	size_t n = 0;

	smrt_heap_stats(&before);
	while (n < sizeof(v) / sizeof(v[0]) && (v[n] = test_malloc(1 + n % 100)))
		n++;
	CHECK(n > 1000 && n < sizeof(v) / sizeof(v[0]), "%zu small blocks", n);
	CHECK(smrt_heap_check() == 0, "full heap check");
	for (size_t i = 0; i < n; i += 2)	/* free in two interleaved passes */
		test_free(v[i]);
	CHECK(smrt_heap_check() == 0, "half-free heap check");
	for (size_t i = 1; i < n; i += 2)
		test_free(v[i]);
	smrt_heap_stats(&st);
	CHECK(st.used_bytes == before.used_bytes && st.free_blocks == before.free_blocks,
	      "after: used %zu (was %zu), %zu free blocks (was %zu)",
	      st.used_bytes, before.used_bytes, st.free_blocks, before.free_blocks);
	CHECK(smrt_heap_check() == 0, "empty heap check");
}

/* realloc grows in place into a free neighbour and shrinks in place. */
static void test_realloc_inplace(void)
{
	uint8_t *a = test_malloc(100), *b = test_malloc(100), *c = test_malloc(100);
	uint8_t *a2;

	fill(a, 100, 1);
	test_free(b);
	a2 = test_realloc(a, 200);
	CHECK(a2 == a && intact(a2, 100, 1), "grow in place %p -> %p", a, a2);
	a2 = test_realloc(a2, 20);
	CHECK(a2 == a && intact(a2, 20, 1), "shrink in place");
	CHECK(test_realloc(a2, 0) == NULL, "realloc(p, 0)");
	test_free(c);
	CHECK(smrt_heap_check() == 0, "heap check");
}

/* A double free or a wild pointer must abort, not corrupt the heap. */
static void test_detects_misuse(void)
{
	for (int kind = 0; kind < 2; kind++) {
		pid_t pid;

		fflush(stdout);
		pid = fork();
		if (pid == 0) {
			char *p = test_malloc(40);
			fclose(stdout);		/* keep the diagnostic out of our output */
			if (kind == 0) {
				test_free(p);
				test_free(p);
			} else {
				test_free(p + 16);
			}
			_exit(0);
		}
		int status = 0;
		waitpid(pid, &status, 0);
		CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT,
		      "misuse %d: status %#x", kind, status);
	}
}

static void test_strings(void)
{
	uint8_t a[300], b[300];
	int bad = 0;

	for (int off = 0; off < 8; off++)
		for (size_t n = 0; n < 70; n++) {
			for (int i = 0; i < 300; i++) a[i] = b[i] = (uint8_t)i;
			test_memset(a + off, 0x5a, n);
			memset(b + off, 0x5a, n);
			bad += memcmp(a, b, 300) != 0;
			for (int i = 0; i < 300; i++) a[i] = b[i] = (uint8_t)(i * 3);
			test_memmove(a + off, a + 3, n);	/* overlap both ways */
			memmove(b + off, b + 3, n);
			bad += memcmp(a, b, 300) != 0;
			test_memmove(a + 40, a + 40 + off, n);
			memmove(b + 40, b + 40 + off, n);
			bad += memcmp(a, b, 300) != 0;
			test_memcpy(a + 150 + off, a + 1, n);
			memcpy(b + 150 + off, b + 1, n);
			bad += memcmp(a, b, 300) != 0;
		}
	CHECK(bad == 0, "%d mem* mismatches", bad);
	CHECK(test_memcmp("abc", "abd", 3) < 0 && test_memcmp("abd", "abc", 3) > 0 &&
	      test_memcmp("ab\x80", "ab\x01", 3) > 0 && test_memcmp("x", "y", 0) == 0,
	      "memcmp");
	CHECK(test_strlen("") == 0 && test_strlen("hello") == 5, "strlen");
	CHECK(test_strcmp("a", "a") == 0 && test_strcmp("a", "b") < 0 &&
	      test_strcmp("b", "a") > 0 && test_strcmp("ab", "a") > 0 &&
	      test_strcmp("\xff", "a") > 0, "strcmp");
	CHECK(test_strncmp("abcx", "abcy", 3) == 0 && test_strncmp("abcx", "abcy", 4) < 0 &&
	      test_strncmp("a", "a\0b", 5) == 0 && test_strncmp("", "", 1) == 0, "strncmp");
}

int main(void)
{
	test_basics();
	test_strings();
	test_realloc_inplace();
	test_random(200000);
	test_exhaustion();
	test_random(50000);
	test_detects_misuse();
	return check_summary();
}
