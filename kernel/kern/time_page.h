/* The kernel's side of the time page (include/sm/time_page.h,
 * docs/time.md): the one page every task maps read-only at
 * SM_TIME_PAGE_ADDR, refreshed at every tick, and the time of day it
 * carries. The kernel owns the mechanism and its safety: monotonic time is
 * the TSC uptime (kern/clock.h) and never steps; the time of day moves only
 * by an explicit step or a bounded slew, which the time server (or the
 * host_set_time / host_adjust_time calls) asks for through
 * time_page_step / time_page_slew. A slew stops by itself when its amount
 * is absorbed, so the page keeps running right if its asker dies. */
#ifndef KERN_TIME_PAGE_H
#define KERN_TIME_PAGE_H
#include <stdint.h>
#include <stdbool.h>
struct pmap;

/* Take the page and publish the first parameters (after clock_init). */
void time_page_init(void);
/* From the clock tick: carry the bases forward to now. */
void time_page_refresh(void);
/* Map the page read-only at SM_TIME_PAGE_ADDR in a new address space;
 * false without memory for the page table. */
bool time_page_map(struct pmap *pm);
/* The time of day now, in ns since 1970 (host_get_time's clock). */
int64_t time_page_real_ns(void);
/* Set the time of day (an explicit step, either way); utc_ns >= 0. */
void time_page_step(int64_t utc_ns);
/* Replace the slew: absorb amount_ns at ppm (|ppm| <= SM_TIME_SLEW_MAX_PPM,
 * the sign of amount_ns) then stop. Returns what the old slew had left. */
int64_t time_page_slew(int32_t ppm, int64_t amount_ns);
#endif
