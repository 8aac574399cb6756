/* The only way the kernel touches user memory. Every user range is checked page
 * by page against the task's page tables and copied through the kernel's direct
 * map, so a bad pointer is an error return, never a kernel fault.
 *
 * Every user address a task hands the kernel (a trap argument, a message
 * buffer, an out-of-line region, a vm_* range) passes user_range_valid first
 * and is then read or written only through copyin/copyout (or checked page by
 * page with pmap_lookup/pmap_all_present, which refuse the same addresses). */
#ifndef VM_COPYIO_H
#define VM_COPYIO_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "i386/layout.h"
#include "vm/pmap.h"

/* [uaddr, uaddr + len) lies within user space, [USER_BASE, USER_TOP). Written
 * so that nothing can wrap: uaddr is bounded before USER_TOP - uaddr is taken,
 * so an address in the kernel half (or above 4 GiB - len) is refused. */
static inline bool user_range_valid(uintptr_t uaddr, size_t len)
{
	return uaddr >= USER_BASE && uaddr <= USER_TOP && len <= USER_TOP - uaddr;
}

/* 0 on success, -1 if any byte of the user range is unmapped, not user, outside
 * user space, or (copyout) read-only. Nothing is copied out on failure. A page
 * the task reserved but never touched is zero-filled first (vm/vm_fault.h),
 * so it counts as mapped unless no frame can be found for it. */
int copyin(const struct pmap *pm, uintptr_t uaddr, void *kbuf, size_t len);
int copyout(const struct pmap *pm, const void *kbuf, uintptr_t uaddr, size_t len);
/* 0 if a copyout of len bytes to uaddr would succeed. */
int copyout_check(const struct pmap *pm, uintptr_t uaddr, size_t len);
/* The kernel's address of user range [uaddr, uaddr + len) when it lies
 * within one page that is mapped for the user (and writable when write;
 * a reserved page is filled as copyin and copyout fill it), else NULL.
 * Valid until the kernel next changes that task's mappings (or, for
 * another range of the same task, fills a page for writing: a
 * copy-on-write copy may replace the frame): single-copy IPC reads and
 * writes messages through it (kernel/ipc/direct_send.c). */
void *user_window_slow(const struct pmap *pm, uintptr_t uaddr, size_t len, bool write);
/* Inline, since every message takes several (trap arguments, the sent and
 * the received buffer): a range within one page of user space whose page
 * is mapped as asked is one directory and one table read here; anything
 * else (a range refused, a page to fill first) is user_window_slow's. */
static inline void *user_window(const struct pmap *pm, uintptr_t uaddr, size_t len, bool write)
{
	/* One page, not empty, starting in user space: then it also ends
	 * there, USER_TOP being page aligned. */
	if (len - 1 < PAGE_SIZE - (uaddr & (PAGE_SIZE - 1)) && uaddr - USER_BASE < USER_TOP - USER_BASE) {
		uint32_t pde = pm->pd[uaddr >> 22];
		if ((pde & (PTE_P | PTE_PS)) == PTE_P) {
			uint32_t need = PTE_P | PTE_U | (write ? PTE_W : 0);
			uint32_t pte = ((const uint32_t *)P2V(pde & ~0xFFFu))[(uaddr >> 12) & 0x3FF];
			if ((pte & need) == need)
				return (char *)P2V((pte & ~0xFFFu) | (uaddr & (PAGE_SIZE - 1)));
		}
	}
	return user_window_slow(pm, uaddr, len, write);
}
/* Copy a NUL-terminated string of at most max-1 characters; -1 if unterminated. */
int copyinstr(const struct pmap *pm, uintptr_t uaddr, char *kbuf, size_t max);
#endif
