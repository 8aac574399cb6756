/* The register frame saved on a trap, interrupt or system call, and the
 * dispatcher that receives it. The layout is fixed by trapentry.S. */
#ifndef I386_TRAP_H
#define I386_TRAP_H
#define T_DEBUG        1
#define T_BREAKPOINT   3
#define T_OVERFLOW     4
#define T_PAGE_FAULT   14
#define T_IRQ0         32
/* MSI/MSI-X vectors handed to devices (device/irq.h), APIC path only. */
#define T_MSI0         64
#define MSI_VECTORS    64
/* The vector number the system-call gate's stub (trapentry.S) writes into
 * its frame: beyond the IDT's 256, so no interrupt or exception and no int
 * instruction can arrive as a system call. */
#define T_SYSCALL      0x100
#define NUM_VECTORS    256

#ifndef __ASSEMBLER__
#include <stdint.h>

struct trapframe {
	uint32_t edi, esi, ebp, kernel_esp, ebx, edx, ecx, eax;   /* pushal */
	uint32_t gs, fs, es, ds;
	uint32_t trapno, err;
	uint32_t eip, cs, eflags;
	uint32_t esp, ss;       /* only valid when the trap came from ring 3 */
};

void idt_init(void);
void trap(struct trapframe *tf);
/* Traps taken since boot: system calls, device interrupts, timer ticks. */
void trap_counters(uint32_t *syscalls, uint32_t *device_interrupts, uint32_t *timer_ticks);
/* Start a thread in user mode with the frame at the top of its kernel stack. */
void trap_return(void) __attribute__((noreturn));

static inline int trap_from_user(const struct trapframe *tf) { return (tf->cs & 3) == 3; }
#endif
#endif
