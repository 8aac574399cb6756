/*
 * test_ratelimit.c - host unit test of the token bucket behind kwarn's rate
 * limit (kernel/kern/ratelimit.c), built -m32 like the kernel.
 *
 * A burst gets its first lines through in full; then lines flow at the
 * refill rate and the first line after a gap reports how many were dropped;
 * an idle bucket fills back up to the burst and no further; the clock may
 * wrap; and a model replayed over random call times agrees with the bucket.
 */
#include "check.h"
#include "kern/ratelimit.h"

/* Calls at now_ms until one is refused; how many went through. */
static uint32_t drain(struct ratelimit *r, uint32_t now_ms)
{
	uint32_t n = 0, s;
	while (ratelimit_admit(r, now_ms, &s) && n < 1000000)
		n++;
	return n;
}

static void test_burst_then_trickle(void)
{
	struct ratelimit r = RATELIMIT_INIT(10, 50);
	uint32_t s = 99;
	CHECK(ratelimit_admit(&r, 1000, &s), "the first line of a burst goes out");
	CHECK(s == 0, "nothing dropped before the first line: %u", s);
	CHECK(drain(&r, 1000) == 9, "the whole burst of 10 goes out");
	CHECK(!ratelimit_admit(&r, 1000, &s), "the 12th line at once is dropped");
	CHECK(!ratelimit_admit(&r, 1049, &s), "49 ms later: still no line earned");
	s = 99;
	CHECK(ratelimit_admit(&r, 1050, &s), "50 ms later: one line earned");
	CHECK(s == 3, "the 3 dropped since the burst are reported: %u", s);
	CHECK(!ratelimit_admit(&r, 1050, &s), "and only one");
	s = 99;
	CHECK(ratelimit_admit(&r, 1100, &s) && s == 1, "the next one reports 1 dropped: %u", s);
}

static void test_refill_caps_at_burst(void)
{
	struct ratelimit r = RATELIMIT_INIT(5, 10);
	CHECK(drain(&r, 0) == 5, "a fresh bucket is full");
	CHECK(drain(&r, 30) == 3, "30 ms at 10 ms a line: 3 lines");
	CHECK(drain(&r, 1000000) == 5, "a long idle time fills it to the burst only");
	/* The remainder carries: 15 ms earns 1, the next 5 ms another. */
	CHECK(drain(&r, 1000015) == 1, "15 ms: one line");
	CHECK(drain(&r, 1000020) == 1, "5 ms more: the carried 5 ms make the second");
}

static void test_clock_wrap(void)
{
	struct ratelimit r = RATELIMIT_INIT(4, 100);
	CHECK(drain(&r, 0xFFFFFF00u) == 4, "burst just before the wrap");
	CHECK(drain(&r, 0x00000000u) == 2, "256 ms later, past the wrap: 2 lines");
	CHECK(drain(&r, 0x00000064u) == 1, "100 ms after that: 1 line");
}

/* The same bucket as plain arithmetic over 64-bit time, to compare with. */
struct model { uint64_t last; uint32_t tokens, suppressed; };

static void test_against_model(void)
{
	const uint32_t burst = 7, per = 13;
	struct ratelimit r = RATELIMIT_INIT(burst, per);
	struct model m = { 0, burst, 0 };
	uint64_t now = 5;
	m.last = now;
	int mismatches = 0;
	uint32_t admitted = 0;
	for (int i = 0; i < 200000; i++) {
		now += rnd32() % 4 == 0 ? rnd32() % 200 : rnd32() % 3;
		uint64_t earned = (now - m.last) / per;
		if (earned >= burst - m.tokens) {
			m.tokens = burst;
			m.last = now;
		} else {
			m.tokens += (uint32_t)earned;
			m.last += earned * per;
		}
		bool want = m.tokens > 0;
		uint32_t want_s = m.suppressed;
		if (want) {
			m.tokens--;
			m.suppressed = 0;
		} else {
			m.suppressed++;
		}
		uint32_t s = 0xdead;
		bool got = ratelimit_admit(&r, (uint32_t)now, &s);
		if (got != want || (got && s != want_s))
			mismatches++;
		admitted += got;
	}
	CHECK(mismatches == 0, "%d of 200000 calls differ from the model", mismatches);
	/* Over the run no more got through than the burst plus the refill. */
	CHECK(admitted <= burst + (now - 5) / per, "%u lines in %llu ms", admitted, (unsigned long long)(now - 5));
	CHECK(admitted > 0 && admitted < 200000, "some lines limited, some not: %u", admitted);
}

int main(void)
{
	test_burst_then_trickle();
	test_refill_caps_at_burst();
	test_clock_wrap();
	test_against_model();
	return check_summary();
}
