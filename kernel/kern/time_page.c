/* The time page (kern/time_page.h, include/sm/time_page.h).
 *
 * Monotonic time is the kernel's uptime (clock_ns_at_tsc); the time of day
 * is the uptime plus offset_ns. A slew moves offset_ns by slew_ppm per
 * million nanoseconds of uptime, carried exactly (the remainder in
 * slew_frac) and never past what is pending, so it ends on its own.
 * Everything here runs with interrupts off (the tick, or a kernel call), so
 * the state below is never seen half updated by the kernel; tasks see the
 * page through its sequence counter. */
#include "kern/time_page.h"
#include "kern/clock.h"
#include "kern/mapped_time.h"
#include "kern/printf.h"
#include "vm/pmap.h"
#include "vm/pmm.h"
#include "i386/cpu.h"
#include "i386/layout.h"
#include <sm/time_page.h>

#define NS_PER_S 1000000000ull
#define PPM 1000000

_Static_assert(SM_TIME_PAGE_ADDR == USER_TOP && USER_TOP + PAGE_SIZE == KERNBASE,
	       "the time page is the one page between user space and the kernel");

static volatile struct sm_time_page *page;   /* through the kernel's direct map */
static uintptr_t page_pa;

static int64_t offset_ns;        /* time of day minus uptime */
static int32_t slew_ppm;
static int64_t slew_pending_ns;  /* still to absorb, the sign of slew_ppm */
static uint64_t slew_frac;       /* absorbed ns * PPM not yet whole */
static uint64_t slewed_to_ns;    /* uptime the slew is applied up to */

/* mult/2^shift ns per cycle, rounded down so the page never runs ahead of
 * the kernel's own clock; shift as large as keeps the mult, even slewed
 * SM_TIME_SLEW_MAX_PPM faster, in 32 bits. */
static uint32_t shift_for(uint64_t hz)
{
	for (uint32_t s = 32; s > 0; s--) {
		uint64_t mult = (NS_PER_S << s) / hz;
		if (mult / PPM * (PPM + SM_TIME_SLEW_MAX_PPM) + (PPM + SM_TIME_SLEW_MAX_PPM) <= 0xFFFFFFFFull)
			return s;
	}
	return 0;
}

static uint32_t mono_mult, shift, tsc_window;

/* Absorb the slew due for the uptime since the last call. */
static void advance_slew(uint64_t now_ns)
{
	uint64_t elapsed = now_ns - slewed_to_ns;
	slewed_to_ns = now_ns;
	if (slew_ppm == 0)
		return;
	uint32_t rate = (uint32_t)(slew_ppm < 0 ? -slew_ppm : slew_ppm);
	uint64_t units = elapsed * rate + slew_frac;
	uint64_t whole = units / PPM;
	uint64_t left = (uint64_t)(slew_pending_ns < 0 ? -slew_pending_ns : slew_pending_ns);
	slew_frac = units % PPM;
	if (whole >= left) {
		whole = left;
		slew_ppm = 0;                        /* done: the slew ends by itself */
		slew_frac = 0;
	}
	offset_ns += slew_pending_ns < 0 ? -(int64_t)whole : (int64_t)whole;
	slew_pending_ns += slew_pending_ns < 0 ? (int64_t)whole : -(int64_t)whole;
}

/* The page's window: tsc_window, or less when the slew ends sooner, so
 * that no reader carries the slewed rate past the slew's end (the kernel
 * would then have to publish a time behind what was read). Past it a
 * reader asks the kernel, which publishes afresh. */
static uint32_t window_for_slew(void)
{
	if (slew_ppm == 0)
		return tsc_window;
	uint64_t left = (uint64_t)(slew_pending_ns < 0 ? -slew_pending_ns : slew_pending_ns);
	uint64_t rate = (uint64_t)(slew_ppm < 0 ? -slew_ppm : slew_ppm);
	if (left >= NS_PER_S)
		return tsc_window;                   /* > 1000 s of slew left: far beyond the window */
	uint64_t uptime_ns = left * PPM / rate;
	if (uptime_ns >= NS_PER_S)
		return tsc_window;
	uint64_t cycles = uptime_ns * clock_tsc_hz() / NS_PER_S;
	return cycles < tsc_window ? (uint32_t)cycles : tsc_window;
}

/* Publish the bases at tsc. Unless stepped, neither time is published
 * below what the page's previous parameters reached at tsc: the kernel's
 * exact value can trail them by the rounding of a nanosecond. */
static void publish(uint64_t tsc, bool stepped)
{
	uint64_t mono = clock_ns_at_tsc(tsc);
	advance_slew(mono);
	int64_t real = (int64_t)mono + offset_ns;
	struct sm_time_reading before;
	uint64_t delta = tsc - page->tsc_base;
	if ((page->flags & SM_TIME_PAGE_VALID) && delta < page->tsc_window) {
		before.mono_ns = page->mono_base_ns + (((uint64_t)(uint32_t)delta * page->mono_mult) >> page->shift);
		before.real_ns = page->real_base_ns +
				 (int64_t)(((uint64_t)(uint32_t)delta * page->real_mult) >> page->shift);
		if (mono < before.mono_ns)
			mono = before.mono_ns;
		if (!stepped && real < before.real_ns)
			real = before.real_ns;
	}
	int64_t rate = PPM + slew_ppm;
	uint32_t window = window_for_slew();
	page->seq++;                                 /* odd: readers retry */
	__asm__ volatile("" ::: "memory");
	page->tsc_base = tsc;
	page->mono_base_ns = mono;
	page->real_base_ns = real;
	page->mono_mult = mono_mult;
	page->real_mult = (uint32_t)((uint64_t)mono_mult * (uint64_t)rate / PPM);
	page->shift = shift;
	page->tsc_window = window;
	page->slew_ppm = slew_ppm;
	page->slew_pending_ns = slew_pending_ns;
	page->tsc_hz = clock_tsc_hz();
	page->mono_base_sec = (int64_t)(mono / NS_PER_S);
	page->mono_base_nsec = (uint32_t)(mono % NS_PER_S);
	int64_t real_sec = real / (int64_t)NS_PER_S, real_nsec = real % (int64_t)NS_PER_S;
	if (real_nsec < 0) {
		real_nsec += NS_PER_S;
		real_sec--;
	}
	page->real_base_sec = real_sec;
	page->real_base_nsec = (uint32_t)real_nsec;
	page->flags = SM_TIME_PAGE_VALID;
	__asm__ volatile("" ::: "memory");
	page->seq++;                                 /* even: consistent */
	mapped_time_update(real);                    /* GNU Mach's page shows the same */
}

void time_page_init(void)
{
	page_pa = pmm_alloc_page();                  /* zeroed: not valid until published */
	if (!page_pa)
		panic("time page: no memory");
	page = P2V(page_pa);
	uint64_t hz = clock_tsc_hz();
	shift = shift_for(hz);
	mono_mult = (uint32_t)((NS_PER_S << shift) / hz);
	/* A tick is 1 ms; a quarter second (or 2^32 cycles) covers any stall
	 * of the tick, and past it readers ask the kernel. */
	tsc_window = hz / 4 < 0xFFFFFFFFull ? (uint32_t)(hz / 4) : 0xFFFFFFFFu;
	slewed_to_ns = clock_uptime_ns();
	publish(rdtsc(), true);
	kprintf("time page: at %p, %u/2^%u ns per cycle\n", (void *)SM_TIME_PAGE_ADDR, mono_mult, shift);
}

void time_page_refresh(void)
{
	if (page)
		publish(rdtsc(), false);
}

bool time_page_map(struct pmap *pm)
{
	return !page_pa || pmap_enter_shared_readonly(pm, SM_TIME_PAGE_ADDR, page_pa) == 0;
}

int64_t time_page_real_ns(void)
{
	if (!page)
		return 0;
	publish(rdtsc(), false);
	return page->real_base_ns;
}

void time_page_step(int64_t utc_ns)
{
	uint64_t tsc = rdtsc();
	advance_slew(clock_ns_at_tsc(tsc));
	offset_ns = utc_ns - (int64_t)clock_ns_at_tsc(tsc);
	slew_ppm = 0;                                /* a set time is exact */
	slew_pending_ns = 0;
	slew_frac = 0;
	publish(tsc, true);
}

int64_t time_page_slew(int32_t ppm, int64_t amount_ns)
{
	uint64_t tsc = rdtsc();
	advance_slew(clock_ns_at_tsc(tsc));
	int64_t old = slew_pending_ns;
	slew_ppm = amount_ns ? ppm : 0;
	slew_pending_ns = slew_ppm ? amount_ns : 0;
	slew_frac = 0;
	publish(tsc, false);
	return old;
}
