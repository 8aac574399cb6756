/*
 * kernel_stubs.h - the pieces of the kernel every host test of kernel code
 * needs, shared by ipc_stubs.c and vm_stubs.c:
 *   kalloc/kfree   calloc/free with accounting: stub_kalloc_bytes and
 *                  stub_kalloc_blocks are what is outstanding; blocks are
 *                  zeroed and 16-byte aligned, like the kernel's, and refuse
 *                  more than the kernel's 64 MiB; stub_kalloc_fail_after
 *                  makes a later call fail (< 0: never; n: the call after n
 *                  more successes). Under AddressSanitizer the block header
 *                  is poisoned while in use, so a write just before a block
 *                  is reported, not absorbed.
 *   panic          prints and aborts, unless a test armed stub_panic_jmp,
 *                  which is then longjmp'd to (message in stub_panic_msg).
 *   kprintf        counted in stub_kprintf_calls, the last line kept in
 *                  stub_kprintf_last, shown on stderr if stub_kprintf_echo.
 */
#ifndef TESTS_HOST_KERNEL_STUBS_H
#define TESTS_HOST_KERNEL_STUBS_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>

extern size_t stub_kalloc_bytes;	/* bytes outstanding */
extern size_t stub_kalloc_blocks;	/* blocks outstanding */
extern unsigned long stub_kalloc_calls;
extern long stub_kalloc_fail_after;

extern jmp_buf *stub_panic_jmp;
extern char stub_panic_msg[256];
extern int stub_panic_calls;

extern int stub_kprintf_calls;
extern bool stub_kprintf_echo;
extern char stub_kprintf_last[256];

#endif
