/* The time of day and the host time routines: mach_host.defs' host_get_time,
 * host_set_time and host_adjust_time, and GNU Mach's newer 64-bit ones
 * (sm/mach_host_ext.defs): host_get_time64, host_set_time64,
 * host_adjust_time64 and host_get_uptime64.
 *
 * The clock is the time page's (kern/time_page.h): the time of day starts
 * at 0 (1970-01-01) at boot until the time server (servers/time) or a
 * holder of the privileged host port sets it. An adjustment (adjtime) is
 * absorbed gradually at SM_TIME_ADJTIME_PPM, so time never jumps, and
 * setting a new adjustment replaces the old one, whose remainder is
 * returned. Queries accept either host port; changes need the privileged one
 * (KERN_INVALID_HOST and a warning otherwise, as host_reboot). */
#include "kern/clock.h"
#include "kern/host.h"
#include "kern/task.h"
#include "kern/printf.h"
#include "kern/time_page.h"
#include <sm/time_page.h>
#include "mach_host_server.h"
#include "mach_host_ext_server.h"

#define NS_PER_S 1000000000LL
#define ADJUST_MAX_S (24 * 3600) /* larger adjustments are refused */

static int64_t time_of_day_ns(void) { return time_page_real_ns(); }

static time_value64_t to_tv64(int64_t ns)
{
	time_value64_t tv = { ns / NS_PER_S, ns % NS_PER_S };
	return tv;
}

/* Seconds and nanoseconds to nanoseconds; false when not a valid amount
 * (nanoseconds out of range, or beyond limit_s seconds either way). */
static bool from_parts(int64_t s, int64_t ns, int64_t limit_s, int64_t *out)
{
	if (ns <= -NS_PER_S || ns >= NS_PER_S || s > limit_s || s < -limit_s)
		return false;
	*out = s * NS_PER_S + ns;
	return true;
}

static kern_return_t refuse(const char *routine, const char *why)
{
	struct task *t = current_task();
	kwarn("task %u (%s): %s: %s\n", t->id, t->name, routine, why);
	return KERN_INVALID_HOST;
}

static kern_return_t set_time(mach_port_t host_priv, const char *routine, int64_t s, int64_t ns)
{
	if (!host_priv_port_word_ok(host_priv))
		return refuse(routine, "needs the privileged host port");
	int64_t when;
	if (s < 0 || !from_parts(s, ns, INT64_MAX / NS_PER_S - 1, &when))
		return KERN_INVALID_ARGUMENT;
	time_page_step(when);
	return KERN_SUCCESS;
}

static kern_return_t adjust_time(mach_port_t host_priv, const char *routine, int64_t s, int64_t ns,
				 int64_t *old)
{
	if (!host_priv_port_word_ok(host_priv))
		return refuse(routine, "needs the privileged host port");
	int64_t amount;
	if (!from_parts(s, ns, ADJUST_MAX_S, &amount))
		return KERN_INVALID_ARGUMENT;
	*old = time_page_slew(amount < 0 ? -SM_TIME_ADJTIME_PPM : SM_TIME_ADJTIME_PPM, amount);
	return KERN_SUCCESS;
}

kern_return_t host_get_time(mach_port_t host, time_value_t *current_time)
{
	if (!host_port_word_ok(host))
		return KERN_INVALID_HOST;
	int64_t ns = time_of_day_ns();
	current_time->seconds = (int32_t)(ns / NS_PER_S);
	current_time->microseconds = (int32_t)(ns % NS_PER_S / 1000);
	return KERN_SUCCESS;
}

kern_return_t host_set_time(mach_port_t host_priv, time_value_t new_time)
{
	if (new_time.microseconds < 0 || new_time.microseconds >= 1000000)
		return KERN_INVALID_ARGUMENT;
	return set_time(host_priv, "host_set_time", new_time.seconds, (int64_t)new_time.microseconds * 1000);
}

kern_return_t host_adjust_time(mach_port_t host_priv, time_value_t new_adjustment, time_value_t *old_adjustment)
{
	if (new_adjustment.microseconds <= -1000000 || new_adjustment.microseconds >= 1000000)
		return KERN_INVALID_ARGUMENT;
	int64_t old;
	kern_return_t kr = adjust_time(host_priv, "host_adjust_time", new_adjustment.seconds,
				       (int64_t)new_adjustment.microseconds * 1000, &old);
	if (kr == KERN_SUCCESS) {
		old_adjustment->seconds = (int32_t)(old / NS_PER_S);
		old_adjustment->microseconds = (int32_t)(old % NS_PER_S / 1000);
	}
	return kr;
}

kern_return_t host_get_time64(mach_port_t host, time_value64_t *current_time)
{
	if (!host_port_word_ok(host))
		return KERN_INVALID_HOST;
	*current_time = to_tv64(time_of_day_ns());
	return KERN_SUCCESS;
}

kern_return_t host_set_time64(mach_port_t host_priv, time_value64_t new_time)
{
	return set_time(host_priv, "host_set_time64", new_time.seconds, new_time.nanoseconds);
}

kern_return_t host_adjust_time64(mach_port_t host_priv, time_value64_t new_adjustment,
				 time_value64_t *old_adjustment)
{
	int64_t old;
	kern_return_t kr = adjust_time(host_priv, "host_adjust_time64", new_adjustment.seconds,
				       new_adjustment.nanoseconds, &old);
	if (kr == KERN_SUCCESS)
		*old_adjustment = to_tv64(old);
	return kr;
}

kern_return_t host_get_uptime64(mach_port_t host, time_value64_t *uptime)
{
	if (!host_port_word_ok(host))
		return KERN_INVALID_HOST;
	*uptime = to_tv64((int64_t)clock_uptime_ns());
	return KERN_SUCCESS;
}
