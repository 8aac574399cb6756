#include "kern/clock.h"
#include <mach/mach_types.h>
#include "kern/printf.h"
#include "kern/sched.h"
#include "kern/timeout.h"
#include "kern/time_page.h"
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

/* A TSC reading paired with PIT channel 2's count: the closest of a few
 * tries, so that the two describe one instant even if the CPU is taken
 * away between instructions (under TCG on a loaded host, for
 * milliseconds). The pair is the bracket's midpoint. */
struct tsc_pit { uint64_t tsc; uint16_t count; };

static struct tsc_pit tsc_pit_pair(void)
{
	struct tsc_pit best = { 0, 0 };
	uint64_t best_width = UINT64_MAX;
	for (int i = 0; i < 8; i++) {
		uint64_t before = rdtsc();
		outb(PIT_CMD, 0x80);                           /* latch channel 2 */
		uint16_t count = inb(PIT_CH2);
		count |= (uint16_t)inb(PIT_CH2) << 8;
		uint64_t after = rdtsc();
		if (after - before < best_width) {
			best_width = after - before;
			best.tsc = before + (after - before) / 2;
			best.count = count;
		}
	}
	return best;
}

/* TSC cycles per second, from PIT channel 2 counting down freely (mode 2,
 * period 65536 PIT ticks, 55 ms) between two paired readings ~20 ms apart.
 * Polling for the end of a one-shot instead would count every moment the
 * CPU was away when the count ran out; the pairs make that harmless. The
 * median of three measurements drops one spoiled by a longer absence (a
 * wrap of the counter). */
static uint64_t measure_tsc_hz(void)
{
	const uint16_t span = PIT_HZ / 50;                 /* 20 ms */
	struct tsc_pit a = tsc_pit_pair(), b;
	do
		b = tsc_pit_pair();
	while ((uint16_t)(a.count - b.count) < span);
	return (b.tsc - a.tsc) * PIT_HZ / (uint16_t)(a.count - b.count);
}

static uint64_t calibrate_tsc(void)
{
	outb(PIT_GATE, (inb(PIT_GATE) & ~0x02) | 0x01);   /* gate on, speaker off */
	outb(PIT_CMD, 0xB4);                               /* ch2, lo/hi, rate generator */
	outb(PIT_CH2, 0);
	outb(PIT_CH2, 0);                                  /* 0: 65536 */
	uint64_t m[3];
	for (int i = 0; i < 3; i++)
		m[i] = measure_tsc_hz();
	uint64_t lo = m[0] < m[1] ? m[0] : m[1], hi = m[0] < m[1] ? m[1] : m[0];
	return m[2] < lo ? lo : m[2] > hi ? hi : m[2];
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
	time_page_refresh();                /* and the mapped time with it */
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

uint64_t clock_uptime_ns(void) { return clock_ns_at_tsc(rdtsc()); }

uint64_t clock_ns_at_tsc(uint64_t tsc)
{
	uint64_t cycles = tsc - tsc_at_boot;
	/* seconds * 1e9 + remainder scaled, avoiding 64-bit overflow of cycles * 1e9 */
	uint64_t secs = cycles / tsc_hz;
	uint64_t rem = cycles % tsc_hz;
	return secs * 1000000000ull + rem * 1000000000ull / tsc_hz;
}
