#include "i386/fpu.h"
#include "i386/cpu.h"
#include "kern/string.h"
#include "kern/printf.h"
#include <mach/thread_status.h>
#include <stdbool.h>

static bool have_fxsr;
static char clean_state[FPU_AREA_SIZE] __attribute__((aligned(16)));
void *fpu_owner;             /* whose image the FPU registers hold */
static uint32_t mxcsr_mask;   /* the MXCSR bits this CPU has */

static void save(void *area)
{
	if (have_fxsr)
		__asm__ volatile("fxsave (%0)" :: "r"(area) : "memory");
	else
		__asm__ volatile("fnsave (%0); frstor (%0)" :: "r"(area) : "memory");
}

static void restore(const void *area)
{
	if (have_fxsr)
		__asm__ volatile("fxrstor (%0)" :: "r"(area) : "memory");
	else
		__asm__ volatile("frstor (%0)" :: "r"(area) : "memory");
}

void fpu_init(void)
{
	uint32_t a, b, c, d;
	cpuid(1, &a, &b, &c, &d);
	have_fxsr = d & (1u << 24);
	write_cr0((read_cr0() & ~(CR0_EM | CR0_TS)) | CR0_MP | CR0_NE);
	if (have_fxsr)
		write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
	__asm__ volatile("fninit");
	save(clean_state);
	if (have_fxsr) {
		/* fxsave reports the MXCSR bits the CPU implements; 0 means the
		 * default set, all but DAZ (Intel SDM vol. 1, 11.6.6). */
		memcpy(&mxcsr_mask, clean_state + I386_FXSAVE_MXCSR_MASK, sizeof mxcsr_mask);
		if (mxcsr_mask == 0)
			mxcsr_mask = 0xFFBF;
	}
	write_cr0(read_cr0() | CR0_TS);
	kprintf("fpu: x87%s, per-thread state switched lazily\n", have_fxsr ? " + fxsave" : " (fnsave)");
}

void fpu_init_state(void *area) { memcpy(area, clean_state, FPU_AREA_SIZE); }

void fpu_device_not_available(void *state)
{
	__asm__ volatile("clts");
	if (fpu_owner == state)
		return;
	if (fpu_owner)
		save(fpu_owner);
	restore(state);
	fpu_owner = state;
}

void fpu_flush(void *state)
{
	if (!state || fpu_owner != state)
		return;
	__asm__ volatile("clts");          /* TS may be set: another thread runs */
	save(state);
	fpu_owner = NULL;
	write_cr0(read_cr0() | CR0_TS);
}

bool fpu_has_fxsr(void) { return have_fxsr; }

uint32_t fpu_mxcsr_mask(void) { return mxcsr_mask; }

void fpu_forget(void *state)
{
	if (fpu_owner == state)
		fpu_owner = NULL;
}
