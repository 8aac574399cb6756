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
 * 256 vectors (exceptions, IRQs, int $0x81) share trap_common, and swtch
 * only moves between kernel stacks, whose flags are already clean. */
#include "i386/gdt.h"

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
