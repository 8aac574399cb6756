/* The interrupt descriptor table. Every vector is an interrupt gate, so the
 * kernel always runs with interrupts off (it is uniprocessor and never
 * preempted inside itself). Tasks enter the kernel only through GNU Mach's
 * system-call gate, lcall $7,$0 (gdt.c, trapentry.S), so every vector has
 * DPL 0 (an int n from ring 3 faults, #GP) except two open to ring 3 as on
 * GNU Mach: int3 and into, so that a debugger's breakpoint is a breakpoint
 * (EXC_BREAKPOINT, kern/exception.h) and an overflow check an arithmetic
 * exception, not a protection fault; both only raise an exception for
 * their own thread. */
#include "i386/trap.h"
#include "i386/gdt.h"

extern const uint32_t trap_vectors[NUM_VECTORS];
static uint64_t idt[NUM_VECTORS];

static uint64_t interrupt_gate(uint32_t handler, int dpl)
{
	return (uint64_t)(handler & 0xFFFF) | ((uint64_t)SEG_KCODE << 16) |
	       ((uint64_t)(0x8E | (dpl << 5)) << 40) | ((uint64_t)(handler >> 16) << 48);
}

void idt_init(void)
{
	for (int v = 0; v < NUM_VECTORS; v++)
		idt[v] = interrupt_gate(trap_vectors[v], v == T_BREAKPOINT || v == T_OVERFLOW ? 3 : 0);
	struct { uint16_t limit; uint32_t base; } __attribute__((packed)) idtr = { sizeof idt - 1, (uint32_t)idt };
	__asm__ volatile("lidt %0" :: "m"(idtr));
}
