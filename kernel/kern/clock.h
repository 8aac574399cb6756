/* Time: the PIT ticks at HZ and drives preemption and timeouts; the TSC,
 * calibrated against the PIT at boot, gives nanosecond uptime. */
#ifndef KERN_CLOCK_H
#define KERN_CLOCK_H
#include <stdint.h>

#define HZ 1000

void clock_init(void);
void clock_tick(void);            /* from the timer interrupt */
uint64_t clock_ticks(void);
uint64_t clock_uptime_ns(void);
uint64_t clock_tsc_hz(void);
#endif
