#include "kern/clock.h"
#include <mach/mach_types.h>
#include "kern/printf.h"
#include "kern/sched.h"
#include "kern/timeout.h"
#include "kern/mapped_time.h"
#include "i386/cpu.h"
#include "i386/irqchip.h"

#define PIT_HZ 1193182u
#define PIT_CH0 0x40
#define PIT_CH2 0x42
#define PIT_CMD 0x43
#define PIT_GATE 0x61

static volatile uint64_t ticks;
static uint64_t tsc_hz;
static uint64_t tsc_at_boot;

/* Count TSC cycles over 10 ms measured by PIT channel 2 in one-shot mode. */
static uint64_t calibrate_tsc(void)
{
	const uint16_t count = PIT_HZ / 100;
	outb(PIT_GATE, (inb(PIT_GATE) & ~0x02) | 0x01);   /* gate on, speaker off */
	outb(PIT_CMD, 0xB0);                               /* ch2, lo/hi, mode 0 */
	outb(PIT_CH2, count & 0xFF);
	outb(PIT_CH2, count >> 8);
	uint64_t start = rdtsc();
	while (!(inb(PIT_GATE) & 0x20))
		;
	return (rdtsc() - start) * 100;
}

void clock_init(void)
{
	tsc_hz = calibrate_tsc();
	if (tsc_hz == 0)
		tsc_hz = 1;
	tsc_at_boot = rdtsc();
	uint16_t divisor = PIT_HZ / HZ;
	outb(PIT_CMD, 0x34);                               /* ch0, lo/hi, rate generator */
	outb(PIT_CH0, divisor & 0xFF);
	outb(PIT_CH0, divisor >> 8);
	irqchip_unmask(0);
	kprintf("clock: PIT at %u Hz, TSC %llu kHz\n", HZ, tsc_hz / 1000);
}

void clock_tick(void)
{
	ticks++;
	mapped_time_update();
	timeout_expire(clock_uptime_ns());
	sched_tick();
}

uint64_t clock_ticks(void) { return ticks; }
uint64_t clock_tsc_hz(void) { return tsc_hz; }

struct rpc_time_value clock_cycles_to_time(uint64_t cycles)
{
	struct rpc_time_value tv = { (int32_t)(cycles / tsc_hz), (int32_t)((cycles % tsc_hz) * 1000000 / tsc_hz) };
	return tv;
}

uint64_t clock_uptime_ns(void)
{
	uint64_t cycles = rdtsc() - tsc_at_boot;
	/* seconds * 1e9 + remainder scaled, avoiding 64-bit overflow of cycles * 1e9 */
	uint64_t secs = cycles / tsc_hz;
	uint64_t rem = cycles % tsc_hz;
	return secs * 1000000000ull + rem * 1000000000ull / tsc_hz;
}
