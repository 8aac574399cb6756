/* Shared by test-fpu and fpu-peer: hold an integer in the x87 register stack
 * across a trap into the kernel (a yield to the other task) and a long spin
 * (long enough for the timer to preempt), then store it back. The value goes
 * in and out as an integer (fild/fistp), so the check itself uses no x87
 * arithmetic that a mixed-up FPU could corrupt in the same way. If the kernel
 * shared one FPU image between the tasks, each would read back the other's
 * value (or the x87 "integer indefinite" after a stack overflow). */
#ifndef TESTS_FPU_LOAD_H
#define TESTS_FPU_LOAD_H
#include <stdint.h>

static inline int32_t fpu_hold(int32_t value, uint32_t spin)
{
	int32_t out;
	__asm__ volatile(
		"fildl %1\n\t"
		"fldpi\n\t"                  /* a second register, so the stack depth matters too */
		"pushl $0\n\t"
		"pushl $0\n\t"
		"pushl $0\n\t"               /* swtch_pri(0): the stub's return slot, then the argument */
		"movl $-59, %%eax\n\t"
		"lcall $7, $0\n\t"
		"addl $12, %%esp\n\t"
		"1: decl %%ecx\n\t"
		"jnz 1b\n\t"
		"fstp %%st(0)\n\t"           /* drop pi */
		"fistpl %0\n\t"
		: "=m"(out), "+m"(value), "+c"(spin) : : "eax", "memory", "cc");
	return out;
}
#endif
