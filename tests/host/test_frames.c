/*
 * test_frames.c - host unit test of the physical frame allocator
 * (kernel/vm/frames.c), built -m32 like the kernel.
 *
 * Fixed cases cover init, release/reserve of ranges (including ranges that
 * run past the end and repeated ones), alloc until exhaustion, the refusals
 * of frames_free, and alloc_contig with alignment.  A random sequence of
 * every operation is then checked step by step against a plain bool-array
 * model: the bitmap, nfree and every success/failure must agree.
 */
#include "check.h"
#include "vm/frames.h"

#include <string.h>

#define MAXF 2048

static uint32_t bitmap[MAXF / 32 + 1];

/* Number of frames in use according to frames_in_use, over [0, n). */
static uint32_t count_used(const struct frames *f, uint32_t n)
{
	uint32_t used = 0;
	for (uint32_t i = 0; i < n; i++)
		used += frames_in_use(f, i);
	return used;
}

static void test_init(void)
{
	struct frames f;
	memset(bitmap, 0, sizeof bitmap);
	frames_init(&f, bitmap, 100);
	CHECK(f.nframes == 100 && f.nfree == 0, "nframes %u nfree %u", f.nframes, f.nfree);
	CHECK(count_used(&f, 100) == 100, "all frames start in use");
	CHECK(frames_alloc(&f) == -1, "alloc with nothing free");
	CHECK(frames_alloc_contig(&f, 1, 1) == -1, "contig with nothing free");
	CHECK(!frames_in_use(&f, 100) && !frames_in_use(&f, 0xffffffffu), "in_use out of range");
	/* frames_init touches only the words it needs */
	bitmap[4] = 0x12345678;
	frames_init(&f, bitmap, 128);
	CHECK(bitmap[4] == 0x12345678, "init wrote past 128 frames: %#x", bitmap[4]);
	frames_init(&f, bitmap, 0);
	CHECK(f.nfree == 0 && frames_alloc(&f) == -1 && !frames_free(&f, 0), "zero frames");
}

static void test_ranges(void)
{
	struct frames f;
	frames_init(&f, bitmap, 100);
	frames_release_range(&f, 10, 20);
	CHECK(f.nfree == 20, "release 10..29: nfree %u", f.nfree);
	CHECK(frames_in_use(&f, 9) && !frames_in_use(&f, 10) && !frames_in_use(&f, 29) &&
	      frames_in_use(&f, 30), "release bounds");
	frames_release_range(&f, 15, 20);	/* overlaps: only 30..34 are new */
	CHECK(f.nfree == 25, "overlapping release: nfree %u", f.nfree);
	frames_release_range(&f, 10, 25);	/* all already free */
	CHECK(f.nfree == 25, "repeated release: nfree %u", f.nfree);
	frames_release_range(&f, 90, 50);	/* runs past the end: clamped */
	CHECK(f.nfree == 35 && !frames_in_use(&f, 99), "release past end: nfree %u", f.nfree);
	frames_release_range(&f, 200, 5);	/* wholly beyond the end */
	CHECK(f.nfree == 35, "release beyond end: nfree %u", f.nfree);
	frames_release_range(&f, 50, 0);
	CHECK(f.nfree == 35, "empty release: nfree %u", f.nfree);

	frames_reserve_range(&f, 0, 12);	/* 10, 11 were free */
	CHECK(f.nfree == 33 && frames_in_use(&f, 11) && !frames_in_use(&f, 12),
	      "reserve 0..11: nfree %u", f.nfree);
	frames_reserve_range(&f, 0, 12);
	CHECK(f.nfree == 33, "repeated reserve: nfree %u", f.nfree);
	frames_reserve_range(&f, 95, 100);
	CHECK(f.nfree == 28 && frames_in_use(&f, 95), "reserve past end: nfree %u", f.nfree);
	CHECK(count_used(&f, 100) == 100 - f.nfree, "bitmap agrees with nfree");

	/* the whole map free, then allocated frame by frame */
	frames_release_range(&f, 0, 100);
	CHECK(f.nfree == 100, "release all: nfree %u", f.nfree);
	char seen[100] = { 0 };
	int ok = 1;
	for (int i = 0; i < 100; i++) {
		int64_t r = frames_alloc(&f);
		ok = ok && r >= 0 && r < 100 && !seen[r];
		if (r >= 0 && r < 100)
			seen[r] = 1;
	}
	CHECK(ok, "100 allocations return 100 distinct frames below 100");
	CHECK(f.nfree == 0 && frames_alloc(&f) == -1, "exhausted: nfree %u", f.nfree);
	CHECK(frames_alloc(&f) == -1, "still exhausted");
}

static void test_free(void)
{
	struct frames f;
	frames_init(&f, bitmap, 70);
	frames_release_range(&f, 0, 70);
	int64_t a = frames_alloc(&f);
	CHECK(a >= 0 && frames_in_use(&f, (uint32_t)a) && f.nfree == 69, "alloc %lld", (long long)a);
	CHECK(frames_free(&f, (uint32_t)a) && f.nfree == 70 && !frames_in_use(&f, (uint32_t)a),
	      "free of an allocated frame");
	CHECK(!frames_free(&f, (uint32_t)a) && f.nfree == 70, "double free refused");
	CHECK(!frames_free(&f, 70) && !frames_free(&f, 0xffffffffu) && f.nfree == 70,
	      "free out of range refused");
	/* bits past nframes in the last word are never handed out or freed */
	frames_reserve_range(&f, 0, 70);
	frames_release_range(&f, 69, 1);
	CHECK(frames_alloc(&f) == 69 && frames_alloc(&f) == -1, "last frame of a partial word");
	CHECK(!frames_free(&f, 71) && !frames_free(&f, 95), "free past nframes in last word");
}

/* True if [start, start+count) lies inside the map and is free in the model. */
static int run_free(const char *used, uint32_t n, uint32_t start, uint32_t count)
{
	if (start + count > n)
		return 0;
	for (uint32_t i = 0; i < count; i++)
		if (used[start + i])
			return 0;
	return 1;
}

static void test_contig(void)
{
	struct frames f;
	frames_init(&f, bitmap, 256);
	CHECK(frames_alloc_contig(&f, 0, 1) == -1, "count 0 refused");
	frames_release_range(&f, 0, 256);
	CHECK(frames_alloc_contig(&f, 257, 1) == -1 && f.nfree == 256, "more than nfree");
	CHECK(frames_alloc_contig(&f, 0, 1) == -1 && f.nfree == 256, "count 0 with free frames");

	int64_t r = frames_alloc_contig(&f, 5, 0);	/* align 0 means 1 */
	CHECK(r >= 0 && f.nfree == 251, "align 0: %lld", (long long)r);
	r = frames_alloc_contig(&f, 3, 16);
	CHECK(r >= 0 && r % 16 == 0 && f.nfree == 248, "align 16: %lld", (long long)r);
	for (int i = 0; i < 3 && r >= 0; i++)
		CHECK(frames_in_use(&f, (uint32_t)r + i), "frame %lld in use", (long long)r + i);

	/* only an unaligned run is free: aligned requests fail, changing nothing */
	frames_reserve_range(&f, 0, 256);
	frames_release_range(&f, 3, 6);		/* frames 3..8 */
	CHECK(frames_alloc_contig(&f, 4, 4) == 4 && f.nfree == 2, "run at 4 inside 3..8");
	frames_release_range(&f, 4, 4);
	CHECK(frames_alloc_contig(&f, 6, 1) == 3 && f.nfree == 0, "exact run 3..8");
	frames_release_range(&f, 3, 6);
	CHECK(frames_alloc_contig(&f, 6, 2) == -1 && f.nfree == 6, "no 2-aligned run of 6");
	CHECK(frames_alloc_contig(&f, 5, 8) == -1 && f.nfree == 6, "no 8-aligned run of 5");
	CHECK(frames_alloc_contig(&f, 7, 1) == -1 && f.nfree == 6, "no run of 7");

	/* a run ending exactly at the last frame, and one that would pass it */
	frames_reserve_range(&f, 0, 256);
	frames_release_range(&f, 250, 6);
	CHECK(frames_alloc_contig(&f, 7, 1) == -1, "run past the end");
	CHECK(frames_alloc_contig(&f, 6, 2) == 250 && f.nfree == 0, "run to the end");

	/* a huge alignment: only frame 0 qualifies */
	frames_release_range(&f, 0, 256);
	CHECK(frames_alloc_contig(&f, 1, 0x80000000u) == 0, "align 2^31");
	CHECK(frames_alloc_contig(&f, 1, 0x80000000u) == -1, "align 2^31, frame 0 taken");
	CHECK(frames_alloc_contig(&f, 2, 128) == 128, "align 128");
	CHECK(f.nfree == 253, "nfree %u", f.nfree);
}

/* Random operations against a model. */
static void test_model(uint32_t n, int steps)
{
	static char used[MAXF];
	struct frames f;
	uint32_t model_free = 0;
	int bad = 0;

	frames_init(&f, bitmap, n);
	memset(used, 1, sizeof used);
	for (int step = 0; step < steps && bad < 5; step++) {
		uint32_t op = rnd_below(100), a = rnd_below(n + 40), c = rnd_below(40);
		const char *what = "";
		if (op < 8) {				/* release a range */
			what = "release";
			frames_release_range(&f, a, c);
			for (uint32_t i = a; i < a + c && i < n; i++)
				if (used[i]) { used[i] = 0; model_free++; }
		} else if (op < 12) {			/* reserve a range */
			what = "reserve";
			frames_reserve_range(&f, a, c);
			for (uint32_t i = a; i < a + c && i < n; i++)
				if (!used[i]) { used[i] = 1; model_free--; }
		} else if (op < 50) {			/* alloc one */
			what = "alloc";
			int64_t r = frames_alloc(&f);
			if (model_free == 0) {
				if (r != -1) { bad++; CHECK(0, "step %d: alloc %lld from empty", step, (long long)r); }
			} else if (r < 0 || r >= n || used[r]) {
				bad++;
				CHECK(0, "step %d: alloc returned %lld (free %u)", step, (long long)r, model_free);
			} else {
				used[r] = 1; model_free--;
			}
		} else if (op < 85) {			/* free one, maybe a free or out-of-range frame */
			what = "free";
			bool want = a < n && used[a], got = frames_free(&f, a);
			if (got != want) { bad++; CHECK(0, "step %d: free(%u) = %d", step, a, got); }
			if (want) { used[a] = 0; model_free++; }
		} else {				/* contig */
			what = "contig";
			static const uint32_t aligns[] = { 0, 1, 2, 4, 8, 16, 64 };
			uint32_t count = rnd_below(10), align = aligns[rnd_below(7)];
			uint32_t step_by = align ? align : 1;
			int exists = 0;
			for (uint32_t s = 0; count && s + count <= n && !exists; s += step_by)
				exists = run_free(used, n, s, count);
			int64_t r = frames_alloc_contig(&f, count, align);
			if (!exists) {
				if (r != -1) { bad++; CHECK(0, "step %d: contig(%u,%u) = %lld, none exists", step, count, align, (long long)r); }
			} else if (r < 0 || r % step_by || !run_free(used, n, (uint32_t)r, count)) {
				bad++;
				CHECK(0, "step %d: contig(%u,%u) = %lld", step, count, align, (long long)r);
			} else {
				for (uint32_t i = 0; i < count; i++) used[r + i] = 1;
				model_free -= count;
			}
		}
		if (f.nfree != model_free) {
			bad++;
			CHECK(0, "step %d (%s): nfree %u, model %u", step, what, f.nfree, model_free);
		}
		if (step % 64 == 0 || bad) {
			for (uint32_t i = 0; i < n; i++)
				if (frames_in_use(&f, i) != (bool)used[i]) {
					bad++;
					CHECK(0, "step %d (%s): frame %u in_use %d, model %d", step, what,
					      i, frames_in_use(&f, i), used[i]);
					break;
				}
		}
	}
	CHECK(bad == 0, "model run n=%u: %d disagreements", n, bad);
	CHECK(count_used(&f, n) == n - f.nfree, "final bitmap agrees with nfree");
}

int main(void)
{
	test_init();
	test_ranges();
	test_free();
	test_contig();
	test_model(1000, 200000);
	test_model(64, 100000);
	test_model(37, 100000);
	test_model(MAXF, 100000);
	return check_summary();
}
