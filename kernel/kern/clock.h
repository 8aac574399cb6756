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
/* The uptime at a given TSC reading (not before boot). */
uint64_t clock_ns_at_tsc(uint64_t tsc);
uint64_t clock_tsc_hz(void);
/* A count of TSC cycles as Mach's seconds + microseconds. */
struct rpc_time_value clock_cycles_to_time(uint64_t cycles);
#endif
