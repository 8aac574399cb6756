#include "vm/copyio.h"
#include "vm/pmap.h"
#include "vm/vm_fault.h"
#include "kern/string.h"
#include "i386/layout.h"
#include <stdbool.h>

/* Every page of the range must be mapped for the user (and writable when
 * written), or be a reserved page that can be zero-filled now (vm/vm_fault.h):
 * the kernel touching a page backs it as the task touching it would. Used
 * before copyout, so a failed copyout leaves user memory untouched (pages
 * it backed are zero, as they read before). */
static int check_range(const struct pmap *pm, uintptr_t uaddr, size_t len, bool write)
{
	if (!user_range_valid(uaddr, len))
		return -1;
	for (uintptr_t page = PAGE_ROUND_DOWN(uaddr); len && page < uaddr + len; page += PAGE_SIZE) {
		uintptr_t pa;
		bool writable;
		if ((!pmap_lookup(pm, page, &pa, &writable) || (write && !writable)) &&
		    vm_fault_fill_pmap(pm, page, write) < 0)
			return -1;
	}
	return 0;
}

/* The kernel's address of user byte uaddr if its page is mapped for the
 * user (and writable when write), else NULL. The caller has checked that
 * uaddr is in user space (and pmap_pte refuses anything else). */
static inline char *mapped_byte(const struct pmap *pm, uintptr_t uaddr, bool write)
{
	uint32_t need = PTE_P | PTE_U | (write ? PTE_W : 0);
	const uint32_t *slot = pmap_pte(pm, uaddr);
	uint32_t pte = slot ? *slot : 0;
	if ((pte & need) != need)
		return NULL;
	return (char *)P2V((pte & ~0xFFFu) | (uaddr & (PAGE_SIZE - 1)));
}

/* The page is not mapped so: a reserved page is filled now, as the task
 * touching it would (out of line, so that user_byte's common case stays
 * short). */
static __attribute__((noinline)) char *filled_byte(const struct pmap *pm, uintptr_t uaddr, bool write)
{
	if (vm_fault_fill_pmap(pm, uaddr, write) < 0)
		return NULL;
	return mapped_byte(pm, uaddr, write);          /* backed now: a fresh page table, maybe */
}

/* The kernel's address of user byte uaddr, whose page must be mapped for
 * the user (and writable when write) or be filled now; NULL if it cannot be. */
static inline char *user_byte(const struct pmap *pm, uintptr_t uaddr, bool write)
{
	char *b = mapped_byte(pm, uaddr, write);
	return b ? b : filled_byte(pm, uaddr, write);
}

/* Copies page by page through the kernel's mapping of the frames, checking
 * each page as it goes; -1 at the first page that is not mapped for the
 * user (or not writable when copying out). Interrupts are off in the
 * kernel, so nothing can unmap a page between its check and its copy. */
static int copy_pages(const struct pmap *pm, uintptr_t uaddr, char *kbuf, size_t len, bool out)
{
	while (len) {
		char *ubyte = user_byte(pm, uaddr, out);
		if (!ubyte)
			return -1;
		size_t chunk = PAGE_SIZE - (uaddr & (PAGE_SIZE - 1));
		if (chunk > len)
			chunk = len;
		if (out)
			memcpy(ubyte, kbuf, chunk);
		else
			memcpy(kbuf, ubyte, chunk);
		uaddr += chunk;
		kbuf += chunk;
		len -= chunk;
	}
	return 0;
}

/* A failed copyin may have filled part of the kernel buffer: harmless, the
 * caller discards it.  So one pass does both the checks and the copy. */
int copyin(const struct pmap *pm, uintptr_t uaddr, void *kbuf, size_t len)
{
	if (!user_range_valid(uaddr, len))
		return -1;
	return copy_pages(pm, uaddr, kbuf, len, false);
}

/* A copyout must not write part of the range and then fail, so a range
 * over several pages is checked whole first; within one page the single
 * check is the copy's own. */
int copyout(const struct pmap *pm, const void *kbuf, uintptr_t uaddr, size_t len)
{
	if (!user_range_valid(uaddr, len))
		return -1;
	if ((uaddr & (PAGE_SIZE - 1)) + len > PAGE_SIZE && check_range(pm, uaddr, len, true) < 0)
		return -1;
	return copy_pages(pm, uaddr, (char *)kbuf, len, true);
}

int copyout_check(const struct pmap *pm, uintptr_t uaddr, size_t len)
{
	return check_range(pm, uaddr, len, true);
}

void *user_window_slow(const struct pmap *pm, uintptr_t uaddr, size_t len, bool write)
{
	if (!user_range_valid(uaddr, len) || len == 0 || (uaddr & (PAGE_SIZE - 1)) + len > PAGE_SIZE)
		return NULL;
	return user_byte(pm, uaddr, write);
}

int copyinstr(const struct pmap *pm, uintptr_t uaddr, char *kbuf, size_t max)
{
	for (size_t i = 0; i < max; i++) {
		if (copyin(pm, uaddr + i, &kbuf[i], 1) < 0)
			return -1;
		if (kbuf[i] == '\0')
			return 0;
	}
	return -1;
}
