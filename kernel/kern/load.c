/* Load averages, as Mach's host_info(HOST_LOAD_INFO) reports them: once a
 * second the number of threads that want the CPU (running or ready) is
 * sampled and folded into three exponentially decaying averages with time
 * constants of 5, 30 and 60 seconds, in units of LOAD_SCALE (1000 = one
 * thread always wanting the CPU). The Mach factor is the share of the CPU a
 * new thread could expect: the CPUs left idle, or, when more threads want
 * them than there are CPUs, the CPUs divided among the contenders and the
 * newcomer. It is averaged the same way. */
#include "kern/load.h"
#include "kern/sched.h"
#include "kern/timeout.h"

#define NCPUS 1
#define SAMPLE_MS 1000

/* e^(-1/T) in thousandths for T = 5, 30, 60 one-second samples. */
static const uint32_t decay[3] = { 819, 967, 984 };
static uint32_t avenrun[3], mach_factor[3];
static struct timeout sample_timeout;

static uint32_t fold(uint32_t avg, uint32_t now, uint32_t keep)
{
	return (avg * keep + now * (1000 - keep) + 500) / 1000;
}

static void sample(void *arg)
{
	(void)arg;
	uint32_t n = sched_runnable();
	uint32_t load_now = n * LOAD_SCALE / NCPUS;
	uint32_t factor_now = n < NCPUS ? (NCPUS - n) * LOAD_SCALE : NCPUS * LOAD_SCALE / (n + 1);
	for (int i = 0; i < 3; i++) {
		avenrun[i] = fold(avenrun[i], load_now, decay[i]);
		mach_factor[i] = fold(mach_factor[i], factor_now, decay[i]);
	}
	timeout_set(&sample_timeout, timeout_after_ms(SAMPLE_MS), sample, NULL);
}

void load_init(void)
{
	for (int i = 0; i < 3; i++)
		mach_factor[i] = NCPUS * LOAD_SCALE;    /* an idle machine */
	timeout_set(&sample_timeout, timeout_after_ms(SAMPLE_MS), sample, NULL);
}

void load_get(struct host_load_info *out)
{
	for (int i = 0; i < 3; i++) {
		out->avenrun[i] = (integer_t)avenrun[i];
		out->mach_factor[i] = (integer_t)mach_factor[i];
	}
}
