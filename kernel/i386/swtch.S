/* swtch(uint32_t *save_esp, uint32_t new_esp): save the callee-saved registers
 * on the current kernel stack, store the stack pointer, load the other thread's
 * and pop its registers. A new thread's stack is built to "return" into
 * trap_return with its user frame above (see thread.c). EFLAGS is not
 * switched: both threads are inside the kernel, whose flags every entry
 * (trapentry.S) has already made what the kernel needs (DF clear, IF off;
 * AC may be the task's, which does nothing at CPL 0), and each thread's
 * iret loads its own task's EFLAGS from its frame. */
	.section .text.swtch, "ax", @progbits     /* placed by kernel.ld's hot-path list */
	.globl swtch
swtch:
	movl 4(%esp), %eax
	movl 8(%esp), %edx
	pushl %ebp
	pushl %ebx
	pushl %esi
	pushl %edi
	movl %esp, (%eax)
	movl %edx, %esp
	popl %edi
	popl %esi
	popl %ebx
	popl %ebp
	ret
