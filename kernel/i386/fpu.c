#include "i386/fpu.h"
#include "i386/cpu.h"
#include "kern/string.h"
#include "kern/printf.h"
#include <stdbool.h>

static bool have_fxsr;
static char clean_state[FPU_AREA_SIZE] __attribute__((aligned(16)));

void fpu_init(void)
{
	uint32_t a, b, c, d;
	cpuid(1, &a, &b, &c, &d);
	have_fxsr = d & (1u << 24);
	write_cr0((read_cr0() & ~(CR0_EM | CR0_TS)) | CR0_MP | CR0_NE);
	if (have_fxsr)
		write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
	__asm__ volatile("fninit");
	fpu_save(clean_state);
	kprintf("fpu: x87%s, saved per thread on every switch\n", have_fxsr ? " + fxsave" : " (fnsave)");
}

void fpu_init_state(void *area) { memcpy(area, clean_state, FPU_AREA_SIZE); }

void fpu_save(void *area)
{
	if (have_fxsr)
		__asm__ volatile("fxsave (%0)" :: "r"(area) : "memory");
	else
		__asm__ volatile("fnsave (%0); frstor (%0)" :: "r"(area) : "memory");
}

void fpu_restore(const void *area)
{
	if (have_fxsr)
		__asm__ volatile("fxrstor (%0)" :: "r"(area) : "memory");
	else
		__asm__ volatile("frstor (%0)" :: "r"(area) : "memory");
}
