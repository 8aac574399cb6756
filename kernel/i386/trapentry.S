/* One stub per vector pushes a uniform frame (a zero error code where the CPU
 * pushes none, then the vector number) and jumps to trap_common, which saves the
 * rest of struct trapframe (i386/trap.h) and calls trap(). trap_return unwinds
 * the same frame; a new thread starts there with a frame built by the kernel.
 *
 * EFLAGS on entry: an interrupt gate clears IF, TF, NT, RF and VM, but DF
 * and AC keep the task's values. The kernel's memcpy and memset are rep
 * movs/stos, which run backwards with DF set, so trap_common clears DF (cld).
 * AC needs nothing: alignment checks apply at CPL 3 only (SDM 6.15, #AC). The
 * system-call gate is a call gate, which clears nothing: syscall_gate_entry
 * loads a known EFLAGS (only the always-one bit) when the task's had NT or
 * TF set (NT would make the kernel's iret a task return; TF would single-step
 * the kernel). The task's EFLAGS is in the frame and iret restores it.
 *
 * Segment registers: the frame keeps the task's four data selectors, but a
 * selector is loaded only where it has to be. Under QEMU's TCG a load of DS
 * or ES ends the translated block, and each one ended every system call's
 * path twice more on the way in and twice on the way out (docs/benchmarks.md,
 * "Segment loads on the trap path"). DS and ES stay as they are when they
 * hold SEG_UDATA: that selector names LDT entry 3 in every table (a task's own
 * LDT starts with copies of the kernel's entries 0-3 and may not change
 * them, user_ldt.c), a flat DPL 3 data segment the kernel can use as well as
 * its own (a data segment's DPL only has to be at least CPL; the page tables,
 * not the limit, keep tasks out of the kernel). Any other selector is
 * replaced by SEG_KDATA. The kernel never uses FS or GS, so they are not
 * touched on the way in. On the way out each of the four is reloaded only
 * when the frame's selector differs from the register's: an equal selector
 * names the same descriptor, since the descriptor a register caches can only
 * go stale when the LDT changes, and gdt_forget_user_segments (gdt.c) then
 * loads the null selector into FS and GS so that the next return reloads
 * them (DS and ES only ever hold SEG_UDATA, SEG_KDATA or a selector reloaded
 * on this return). Every way into the kernel passes here: all 256 vectors
 * (exceptions and IRQs) and the LDT's system-call gate share trap_common,
 * and swtch only moves between kernel stacks. */
#include "i386/gdt.h"
#include "i386/trap.h"

#define EFLAGS_TF 0x100
#define EFLAGS_NT 0x4000

/* RESTORE_SEGMENT reg, offset: load reg from the frame word at offset(%esp)
 * (past pushal's 32 bytes) unless it already holds that selector. */
.macro RESTORE_SEGMENT reg, offset
	movl \offset(%esp), %eax
	movw \reg, %cx
	cmpw %ax, %cx
	je 9f
	movw %ax, \reg
9:
.endm

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
	.noaltmacro

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
	testl $(EFLAGS_NT | EFLAGS_TF), 16(%esp)   /* the task's EFLAGS */
	jz trap_common
	pushl $0x2
	popfl                    /* NT and TF clear (and DF, AC): see above */
	jmp trap_common

trap_common:
	cld                      /* see above */
	pushl %ds
	pushl %es
	pushl %fs
	pushl %gs
	pushal
	movw %ds, %ax
	cmpw $SEG_UDATA, %ax
	je 1f
	movw $SEG_KDATA, %ax
	movw %ax, %ds
1:	movw %es, %ax
	cmpw $SEG_UDATA, %ax
	je 2f
	movw $SEG_KDATA, %ax
	movw %ax, %es
2:	pushl %esp               /* struct trapframe * */
	call trap
	addl $4, %esp
	.globl trap_return
trap_return:
	/* Reload a selector only if the frame's differs from the register's
	 * (see above); %eax and %ecx are the frame's again after popal. */
	RESTORE_SEGMENT %gs, 32
	RESTORE_SEGMENT %fs, 36
	RESTORE_SEGMENT %es, 40
	RESTORE_SEGMENT %ds, 44
	popal
	addl $16, %esp           /* the four selectors */
	addl $8, %esp            /* vector number and error code */
	iret

	.section .rodata
	.globl trap_vectors
trap_vectors:
	.altmacro
.set i, 0
.rept 256
	VECTOR_ADDRESS %i
	.set i, i + 1
.endr
