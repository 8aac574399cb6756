/* Multiboot entry. GRUB jumps here in 32-bit protected mode with paging off,
 * %eax = multiboot magic, %ebx = physical address of the multiboot info.
 * We turn on paging with a boot page directory that maps the first 16 MiB both
 * at 0 (so the next instruction still runs) and at KERNBASE, jump high, and call
 * kmain. kmain replaces this directory with the real kernel one. */
#include "i386/layout.h"

#define MB_MAGIC  0x1BADB002
#define MB_FLAGS  0x00000003   /* page-align modules, give us the memory map */

	.section .multiboot, "a"
	.align 4
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)

	.section .data
	.align 4096
boot_page_directory:
	/* 4 MiB pages (PS bit 0x80), present + writable. */
	.long 0x00000083, 0x00400083, 0x00800083, 0x00C00083
	.fill (KERNBASE >> 22) - 4, 4, 0
	.long 0x00000083, 0x00400083, 0x00800083, 0x00C00083
	.fill 1024 - (KERNBASE >> 22) - 4, 4, 0

	.section .bss
	.align 16
boot_stack:
	.skip 16384
boot_stack_top:

	.section .text
	.globl _start
_start:
	cli
	movl %eax, %esi                  /* keep magic and info across paging setup */
	movl %ebx, %edi
	movl %cr4, %eax
	orl $0x10, %eax                  /* CR4.PSE: 4 MiB pages */
	movl %eax, %cr4
	movl $(boot_page_directory - KERNBASE), %eax
	movl %eax, %cr3
	movl %cr0, %eax
	orl $0x80010000, %eax            /* CR0.PG | CR0.WP */
	movl %eax, %cr0
	leal high_entry, %eax
	jmp *%eax
high_entry:
	movl $boot_stack_top, %esp
	pushl $0x2               /* Multiboot leaves EFLAGS undefined but IF and VM: */
	popfl                    /* DF, AC, NT clear and IOPL 0 before any C code */
	xorl %ebp, %ebp
	pushl %edi
	pushl %esi
	call kmain
1:	cli
	hlt
	jmp 1b
