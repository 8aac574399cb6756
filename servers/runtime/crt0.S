/*
 * crt0.S - process entry point for user tasks.
 *
 * The kernel enters _start in ring 3 with %esp pointing at the SysV i386
 * start-up block: argc, argv[0..argc-1], NULL, envp[...], NULL, the
 * auxiliary vector ((tag, value) pairs up to a 0 tag), strings.
 * We hand that address to _smrt_start (start.c), which sets up the runtime,
 * calls main and exits through sm_task_exit.  _smrt_start never returns; if
 * it somehow does, spin on the swtch trap forever rather than run off the end
 * of the text segment.
 */

	.text
	.globl	_start
	.type	_start, @function
_start:
	xorl	%ebp, %ebp		/* outermost frame for debuggers */
	movl	%esp, %eax		/* %eax -> argc */
	andl	$-16, %esp		/* SysV: 16-byte aligned at each call */
	subl	$12, %esp
	pushl	%eax			/* _smrt_start(uint32_t *startup_block) */
	call	_smrt_start
1:	movl	$-60, %eax		/* swtch(): yield, never fall through */
	lcall	$7, $0
	jmp	1b
	.size	_start, . - _start

	.section .note.GNU-stack, "", @progbits
