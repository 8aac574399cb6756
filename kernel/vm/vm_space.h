/* Where new pages may go in a task's address map: the checks and the
 * first-fit search vm_map.c's allocations share (vm_space.c). */
#ifndef VM_VM_SPACE_H
#define VM_VM_SPACE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <mach/kern_return.h>
#include "i386/layout.h"

struct task;
struct vm_region;

/* [start, end) is a non-empty range of user space. */
static inline bool user_range(uintptr_t start, uintptr_t end)
{
	return start >= USER_BASE && start < end && end <= USER_TOP;
}

/* The common checks before npages new pages go into t at *addr (anywhere:
 * the first fit, written to *addr); `charged` when they take frames now (a
 * reservation takes none until touched). KERN_INVALID_ARGUMENT,
 * KERN_INVALID_ADDRESS, KERN_NO_SPACE or KERN_RESOURCE_SHORTAGE. */
kern_return_t vm_space_check(struct task *t, uintptr_t *addr, size_t npages, bool anywhere, bool charged);

/* The first fit of size bytes in t's user space, above VM_ANYWHERE_MIN
 * first; *before is the last region below it (NULL: none). */
kern_return_t vm_space_find(struct task *t, size_t size, uintptr_t *addr, struct vm_region **before);
#endif
