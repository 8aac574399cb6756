/* Zero-fill on demand, and copy-on-write. vm_allocate only reserves
 * address space (a region of the task's map); the frame behind a page is taken, zeroed and mapped
 * when the page is first touched: by the task itself (a page fault in user
 * mode, i386/trap.c), by the kernel copying to or from it (vm/copyio.c), or
 * by vm_wire / vm_wire_all asking for it to be resident.
 *
 * A page is backed with its region's protection. Backing fails, and the
 * page stays absent, when the task is at its page limit or when fewer than
 * KERNEL_RESERVE_PAGES frames (vm/pmm.h) are free: those are kept for the kernel's
 * own needs, so a task exhausting memory fails (an exception, else it is
 * killed) while the kernel and the other tasks go on.
 *
 * Copy-on-write: out-of-line data sent without the deallocate bit is a
 * virtual copy (ipc/ool.c): the sender's pages and the receiver's map the
 * same frames read-only (PTE_COW, vm/pmap.h), and the first write on
 * either side, by the task or by the kernel's copyout, gives the writer a
 * copy of its own; the last holder just gets its page writable again. The
 * one exception is a page its task lent a device to read
 * (pmap_lend_to_device, virtio_lend_pages): that task's write is refused
 * until it unmaps the page; the other holders still copy. */
#ifndef VM_VM_FAULT_H
#define VM_VM_FAULT_H
#include <stdint.h>
#include <stdbool.h>
#include <mach/kern_return.h>

struct task;
struct pmap;

/* Back the absent page at va (any address in it) for an access (write or
 * not) by the task. KERN_SUCCESS also when the page is already there with
 * the access allowed. KERN_INVALID_ADDRESS: no region covers va;
 * KERN_PROTECTION_FAILURE: the region's protection forbids the access;
 * KERN_RESOURCE_SHORTAGE: no frame for it (logged). */
kern_return_t vm_fault_fill(struct task *t, uintptr_t va, bool write);
/* (A page it backs counts as one fault and one zero fill of the task, in
 * task_info's TASK_EVENTS_INFO; vm_fault_wire_range counts zero fills only,
 * vm_fault_back_page counts nothing: its caller knows what the frame is.) */
/* The same for the kernel's copies through a task's pmap (copyio.c); -1 on
 * any failure. A pmap that is not a task's (the kernel's) is never filled. */
int vm_fault_fill_pmap(const struct pmap *pm, uintptr_t va, bool write);
/* Make the copy-on-write page at va (if it is one) t's own, writable if
 * its region allows: a fresh copy of the frame, or the frame itself once
 * no other holder is left. The write fault on such a page (vm_fault_fill)
 * does this, and so does the kernel before a device or another task could
 * write the frame without a fault (virtio_phys_pages, gsync's shared keys,
 * vm_map_share). Fails with KERN_RESOURCE_SHORTAGE (no frame for the
 * copy), or KERN_PROTECTION_FAILURE for a page t lent a device to read
 * (pmap_lend_to_device: it stays as it is until t unmaps it); both logged. */
kern_return_t vm_fault_unshare(struct task *t, uintptr_t va);
/* Back an absent page of t at va with the given region protection,
 * whatever the access (the kernel copying a parent's page into a child's,
 * vm_wire). Fails only with KERN_RESOURCE_SHORTAGE. */
kern_return_t vm_fault_back_page(struct task *t, uintptr_t va, int prot);
/* Back every absent page of [start, end) (page aligned; every byte must be
 * allocated, else KERN_INVALID_ADDRESS): vm_wire, vm_wire_all. */
kern_return_t vm_fault_wire_range(struct task *t, uintptr_t start, uintptr_t end);
#endif
