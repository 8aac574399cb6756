/* The time server's calls into the kernel (include/sm/smtime.defs):
 * sm_time_update, the one way policy reaches the time page, checked here
 * before anything changes; and sm_time_rtc_read, the CMOS clock's
 * registers for the server to decode. Both need the privileged host port. */
#include "kern/time_page.h"
#include "kern/host.h"
#include "kern/task.h"
#include "kern/printf.h"
#include "i386/cpu.h"
#include <sm/time_page.h>
#include "smtime_server.h"

#define NS_PER_S 1000000000LL
#define SLEW_MAX_NS (24 * 3600 * NS_PER_S)   /* a day: a slew longer than ~3 years at the max rate */
#define UTC_MAX_NS (INT64_MAX / 2)           /* far beyond any date, short of overflow */

static kern_return_t refuse(kern_return_t kr, const char *routine, const char *why)
{
	struct task *t = current_task();
	kwarn("time: task %u (%s): %s refused: %s\n", t->id, t->name, routine, why);
	return kr;
}

kern_return_t sm_time_update(mach_port_t host_priv, int flags, int64_t utc_ns, int slew_ppm, int64_t slew_ns,
			     int64_t *old_pending_ns)
{
	const char *routine = "sm_time_update";
	if (!host_priv_port_word_ok(host_priv))
		return refuse(KERN_INVALID_HOST, routine, "needs the privileged host port");
	if (flags == 0 || (flags & ~(int)(SM_TIME_STEP | SM_TIME_SLEW)))
		return refuse(KERN_INVALID_ARGUMENT, routine, "flags ask for nothing or for something unknown");
	if ((flags & SM_TIME_STEP) && (utc_ns < 0 || utc_ns > UTC_MAX_NS))
		return refuse(KERN_INVALID_ARGUMENT, routine, "a UTC step outside 1970 .. the far future");
	if (flags & SM_TIME_SLEW) {
		if (slew_ppm < -SM_TIME_SLEW_MAX_PPM || slew_ppm > SM_TIME_SLEW_MAX_PPM)
			return refuse(KERN_INVALID_ARGUMENT, routine, "a slew beyond +-1000 ppm");
		if (slew_ns < -SLEW_MAX_NS || slew_ns > SLEW_MAX_NS)
			return refuse(KERN_INVALID_ARGUMENT, routine, "a slew of more than a day");
		if ((slew_ns > 0 && slew_ppm <= 0) || (slew_ns < 0 && slew_ppm >= 0) || (slew_ns == 0 && slew_ppm != 0))
			return refuse(KERN_INVALID_ARGUMENT, routine, "a slew whose rate and amount disagree");
	}
	*old_pending_ns = 0;
	if (flags & SM_TIME_STEP)
		time_page_step(utc_ns);                 /* also ends any slew */
	if (flags & SM_TIME_SLEW)
		*old_pending_ns = time_page_slew(slew_ppm, slew_ns);
	return KERN_SUCCESS;
}

/* --- The CMOS real-time clock (MC146818-compatible, ports 0x70/0x71) --- */

#define CMOS_INDEX 0x70
#define CMOS_DATA  0x71
#define CMOS_STATUS_A 0x0A
#define CMOS_UPDATING 0x80                       /* status A: an update is under way */
#define CMOS_CENTURY 0x32                        /* the usual century register (ACPI FADT's default) */

static uint8_t cmos(uint8_t reg)
{
	outb(CMOS_INDEX, reg);
	return inb(CMOS_DATA);
}

struct rtc_regs { uint32_t r[8]; };

static struct rtc_regs rtc_snapshot(void)
{
	static const uint8_t regs[8] = { 0x00, 0x02, 0x04, 0x07, 0x08, 0x09, CMOS_CENTURY, 0x0B };
	struct rtc_regs s;
	for (int i = 0; i < 8; i++)
		s.r[i] = cmos(regs[i]);
	return s;
}

/* Not in an update; false if the chip says it is for too long (a chip
 * stuck updating must not hold the kernel). */
static bool settled(void)
{
	for (int i = 0; i < 10000; i++)
		if (!(cmos(CMOS_STATUS_A) & CMOS_UPDATING))
			return true;
	return false;
}

static bool same(const struct rtc_regs *a, const struct rtc_regs *b)
{
	for (int i = 0; i < 8; i++)
		if (a->r[i] != b->r[i])
			return false;
	return true;
}

kern_return_t sm_time_rtc_read(mach_port_t host_priv, uint32_t *seconds, uint32_t *minutes, uint32_t *hours,
			       uint32_t *day, uint32_t *month, uint32_t *year, uint32_t *century, uint32_t *status_b)
{
	if (!host_priv_port_word_ok(host_priv))
		return refuse(KERN_INVALID_HOST, "sm_time_rtc_read", "needs the privileged host port");
	/* Two equal snapshots, neither begun during an update, are one time.
	 * An update takes under 2 ms once a second, so few tries are needed. */
	for (int tries = 0; tries < 100; tries++) {
		if (!settled())
			continue;
		struct rtc_regs a = rtc_snapshot();
		if (!settled())
			continue;
		struct rtc_regs b = rtc_snapshot();
		if (same(&a, &b)) {
			*seconds = a.r[0], *minutes = a.r[1], *hours = a.r[2], *day = a.r[3];
			*month = a.r[4], *year = a.r[5], *century = a.r[6], *status_b = a.r[7];
			return KERN_SUCCESS;
		}
	}
	return refuse(KERN_FAILURE, "sm_time_rtc_read", "the RTC never held still");
}
