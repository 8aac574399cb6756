/* One stub per vector pushes a uniform frame (a zero error code where the CPU
 * pushes none, then the vector number) and jumps to trap_common, which saves the
 * rest of struct trapframe (i386/trap.h) and calls trap(). trap_return unwinds
 * the same frame; a new thread starts there with a frame built by the kernel.
 *
 * EFLAGS on entry: the interrupt gate clears IF, TF, NT, RF and VM, but DF
 * and AC keep the task's values. The kernel's memcpy and memset are rep
 * movs/stos, which run backwards with DF set, so trap_common loads a known
 * EFLAGS (only the always-one bit 1) before anything else: DF, AC and the
 * arithmetic flags clear, IOPL 0. The task's EFLAGS is in the frame the CPU
 * pushed and iret restores it. Every way into the kernel passes here: all
 * 256 vectors (exceptions and IRQs) and the LDT's system-call gate share
 * trap_common, and swtch only moves between kernel stacks, whose flags are
 * already clean. */
#include "i386/gdt.h"
#include "i386/trap.h"

.macro VECTOR num
	.globl vector\num
vector\num:
	.if (\num == 8 || (\num >= 10 && \num <= 14) || \num == 17)
	.else
	pushl $0
	.endif
	pushl $\num
	jmp trap_common
.endm

.macro VECTOR_ADDRESS num
	.long vector\num
.endm

	.text
	.altmacro
.set i, 0
.rept 256
	VECTOR %i
	.set i, i + 1
.endr

/* GNU Mach's system-call gate: `lcall $7,$0` through the call gate in LDT
 * entry 0 (gdt.c). A call gate is not an interrupt gate: the CPU switches to
 * the TSS's kernel stack and pushes only the caller's SS, ESP, CS and EIP
 * (EIP lowest), leaves IF set and every other flag as the task had it (DF,
 * AC, NT, even TF: see trap.c for a single step arriving here). So:
 * interrupts off first; then save EFLAGS before any instruction can change
 * the arithmetic flags; then move EIP and CS down one slot so that EFLAGS
 * sits between CS and ESP, as an interrupt gate would have pushed it. The
 * result is the frame an interrupt gate builds, with T_SYSCALL as its
 * vector number, and it goes back to the task with trap_return's iret (restoring the task's
 * EFLAGS, IF on). The return address went to the kernel stack, not the
 * task's, so the arguments are where the task's cdecl call left them: its
 * ESP + 4, past the near return address of its trap stub. The selectors are
 * pushed as doublewords whose upper halves the SDM leaves undefined; they
 * are cut to 16 bits so thread_get_state shows clean values. */
	/* The gate, trap_common and trap_return run on every system call: a
	 * section of their own lets kernel.ld put them with the rest of the
	 * message path's code (see the hot-path list there). */
	.section .text.trap_entry, "ax", @progbits
	.globl syscall_gate_entry
syscall_gate_entry:
	cli
	pushfl                   /* 0: EFLAGS (IF now clear) 4: EIP 8: CS 12: ESP 16: SS */
	pushl %eax
	pushl %ecx
	movl 8(%esp), %eax       /* EFLAGS */
	orl $0x200, %eax         /* IF was set: the task was running at ring 3 */
	movl 12(%esp), %ecx
	movl %ecx, 8(%esp)       /* EIP */
	movzwl 16(%esp), %ecx
	movl %ecx, 12(%esp)      /* CS */
	movl %eax, 16(%esp)      /* EFLAGS */
	movzwl 24(%esp), %ecx
	movl %ecx, 24(%esp)      /* SS */
	popl %ecx
	popl %eax
	pushl $0                 /* error code */
	pushl $T_SYSCALL
	jmp trap_common

trap_common:
	pushl $0x2
	popfl                    /* DF and AC clear: see above */
	pushl %ds
	pushl %es
	pushl %fs
	pushl %gs
	pushal
	movw $SEG_KDATA, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %fs
	movw %ax, %gs
	pushl %esp               /* struct trapframe * */
	call trap
	addl $4, %esp
	.globl trap_return
trap_return:
	popal
	popl %gs
	popl %fs
	popl %es
	popl %ds
	addl $8, %esp            /* vector number and error code */
	iret

	.section .rodata
	.globl trap_vectors
trap_vectors:
.set i, 0
.rept 256
	VECTOR_ADDRESS %i
	.set i, i + 1
.endr
