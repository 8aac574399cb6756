/* The virtual memory calls of mach.defs (vm_allocate, vm_deallocate,
 * vm_protect, vm_inherit, vm_read, vm_write, vm_copy, vm_region,
 * vm_statistics) and gnumach.defs' vm_allocate_contiguous, served by the
 * kernel for any task port (see ipc/kobject.c for the conventions).
 *
 * Arguments: addresses must be page aligned; sizes are rounded up to whole
 * pages (vm_read/vm_write/vm_copy take byte counts). A zero size is an
 * error for vm_allocate and a no-op for the others, as in Mach. Bad input is
 * refused with a Mach error and a kwarn line, never a fault. */
#include "vm/vm_map.h"
#include "vm/pmm.h"
#include "vm/kalloc.h"
#include "vm/copyio.h"
#include "vm/vm_fault.h"
#include "kern/task.h"
#include "kern/printf.h"
#include "kern/host.h"
#include "ipc/port.h"
#include "ipc/ool.h"
#include "i386/layout.h"
#include "mach_server.h"
#include "gnumach_server.h"

#define CONTIG_MAX_BYTES (16u * 1024 * 1024)

static kern_return_t refuse(kern_return_t kr, const char *routine, const char *why)
{
	struct task *self = current_task();
	kwarn("task %u (%s): %s: %s\n", self->id, self->name, routine, why);
	return kr;
}

/* The task behind a port and a page-aligned user range [*start, *end) for
 * address/size; a result other than KERN_SUCCESS has been reported. */
static kern_return_t task_range(mach_port_t port, const char *routine, vm_address_t address, vm_size_t size,
				struct task **t, uintptr_t *start, uintptr_t *end)
{
	if (!(*t = ipc_port_kobject(port, IKOT_TASK)))
		return refuse(KERN_INVALID_ARGUMENT, routine, "not a task port");
	if (address % PAGE_SIZE)
		return refuse(KERN_INVALID_ARGUMENT, routine, "unaligned address");
	if (!user_range_valid(address, size))
		return refuse(KERN_INVALID_ADDRESS, routine, "range outside user space");
	*start = address;
	*end = PAGE_ROUND_UP(address + size);
	return KERN_SUCCESS;
}

kern_return_t vm_allocate(mach_port_t target_task, vm_address_t *address, vm_size_t size, boolean_t anywhere)
{
	struct task *t = ipc_port_kobject(target_task, IKOT_TASK);
	if (!t)
		return refuse(KERN_INVALID_ARGUMENT, "vm_allocate", "not a task port");
	if (size == 0 || size > USER_TOP - USER_BASE)
		return refuse(KERN_INVALID_ARGUMENT, "vm_allocate", "zero or absurd size");
	uintptr_t addr = anywhere ? 0 : *address;
	if (!anywhere && addr % PAGE_SIZE)
		return refuse(KERN_INVALID_ARGUMENT, "vm_allocate", "unaligned address");
	/* Address space only: frames come on first touch (vm/vm_fault.h),
	 * at once only after vm_wire_all(VM_WIRE_FUTURE). */
	kern_return_t kr = vm_map_reserve(t, &addr, PAGE_ROUND_UP(size), anywhere, VM_PROT_DEFAULT);
	if (kr == KERN_INVALID_ADDRESS)
		return refuse(kr, "vm_allocate", "range outside user space");
	if (kr == KERN_SUCCESS && t->wire_future &&
	    (kr = vm_fault_wire_range(t, addr, addr + PAGE_ROUND_UP(size))) != KERN_SUCCESS)
		vm_map_remove(t, addr, addr + PAGE_ROUND_UP(size));
	if (kr == KERN_SUCCESS)
		*address = addr;
	return kr;
}

kern_return_t vm_deallocate(mach_port_t target_task, vm_address_t address, vm_size_t size)
{
	struct task *t;
	uintptr_t start, end;
	if (size == 0 && ipc_port_kobject(target_task, IKOT_TASK))
		return KERN_SUCCESS;
	kern_return_t kr = task_range(target_task, "vm_deallocate", address, size, &t, &start, &end);
	return kr != KERN_SUCCESS ? kr : vm_map_remove(t, start, end);
}

kern_return_t vm_protect(mach_port_t target_task, vm_address_t address, vm_size_t size, boolean_t set_maximum,
			 vm_prot_t new_protection)
{
	struct task *t;
	uintptr_t start, end;
	kern_return_t kr = task_range(target_task, "vm_protect", address, size, &t, &start, &end);
	if (kr != KERN_SUCCESS)
		return kr;
	if (new_protection & ~VM_PROT_ALL)
		return refuse(KERN_INVALID_ARGUMENT, "vm_protect", "bad protection");
	return start == end ? KERN_SUCCESS : vm_map_protect(t, start, end, set_maximum, new_protection);
}

kern_return_t vm_inherit(mach_port_t target_task, vm_address_t address, vm_size_t size, vm_inherit_t new_inheritance)
{
	struct task *t;
	uintptr_t start, end;
	kern_return_t kr = task_range(target_task, "vm_inherit", address, size, &t, &start, &end);
	if (kr != KERN_SUCCESS)
		return kr;
	if (new_inheritance < VM_INHERIT_SHARE || new_inheritance > VM_INHERIT_NONE)
		return refuse(KERN_INVALID_ARGUMENT, "vm_inherit", "bad inheritance");
	return start == end ? KERN_SUCCESS : vm_map_inherit(t, start, end, new_inheritance);
}

/* The task and a byte range that must lie in allocated memory. */
static kern_return_t task_bytes(mach_port_t port, const char *routine, vm_address_t address, vm_size_t size,
				struct task **t)
{
	if (!(*t = ipc_port_kobject(port, IKOT_TASK)))
		return refuse(KERN_INVALID_ARGUMENT, routine, "not a task port");
	if (size > OOL_MAX_BYTES)
		return refuse(KERN_INVALID_ARGUMENT, routine, "absurd size");
	if (!user_range_valid(address, size))
		return refuse(KERN_INVALID_ADDRESS, routine, "range outside user space");
	if (size && !vm_map_covered(&(*t)->map, PAGE_ROUND_DOWN(address), PAGE_ROUND_UP(address + size)))
		return KERN_INVALID_ADDRESS;
	return KERN_SUCCESS;
}

kern_return_t vm_read(mach_port_t target_task, vm_address_t address, vm_size_t size, pointer_t *data,
		      mach_msg_type_number_t *dataCnt)
{
	struct task *t;
	kern_return_t kr = task_bytes(target_task, "vm_read", address, size, &t);
	if (kr == KERN_SUCCESS)
		kr = ool_data_from_task(t, address, size, data);
	if (kr == KERN_SUCCESS)
		*dataCnt = size;
	return kr;
}

kern_return_t vm_write(mach_port_t target_task, vm_address_t address, pointer_t data, mach_msg_type_number_t dataCnt)
{
	struct task *t;
	kern_return_t kr = task_bytes(target_task, "vm_write", address, dataCnt, &t);
	if (kr != KERN_SUCCESS)
		return kr;
	const struct ool *o = ool_from_slot(data);
	if (!o)
		return dataCnt == 0 ? KERN_SUCCESS : refuse(KERN_INVALID_ARGUMENT, "vm_write", "no data");
	if (o->kind != OOL_DATA || o->size != dataCnt)
		return refuse(KERN_INVALID_ARGUMENT, "vm_write", "data does not match its count");
	return ool_write_task(o, t, address);
}

kern_return_t vm_copy(mach_port_t target_task, vm_address_t source_address, vm_size_t size, vm_address_t dest_address)
{
	struct task *t;
	kern_return_t kr = task_bytes(target_task, "vm_copy", source_address, size, &t);
	if (kr == KERN_SUCCESS)
		kr = task_bytes(target_task, "vm_copy", dest_address, size, &t);
	if (kr != KERN_SUCCESS || size == 0)
		return kr;
	ool_slot_t slot;
	if ((kr = ool_data_from_task(t, source_address, size, &slot)) != KERN_SUCCESS)
		return kr;
	kr = ool_write_task(ool_from_slot(slot), t, dest_address);
	ool_destroy_slot(&slot);
	return kr;
}

kern_return_t vm_region(mach_port_t target_task, vm_address_t *address, vm_size_t *size, vm_prot_t *protection,
			vm_prot_t *max_protection, vm_inherit_t *inheritance, boolean_t *is_shared,
			mach_port_t *object_name, vm_offset_t *offset)
{
	struct task *t = ipc_port_kobject(target_task, IKOT_TASK);
	if (!t)
		return refuse(KERN_INVALID_ARGUMENT, "vm_region", "not a task port");
	const struct vm_region *r = vm_map_next(&t->map, *address);
	if (!r)
		return KERN_NO_SPACE;
	*address = r->start;
	*size = r->end - r->start;
	*protection = r->prot;
	*max_protection = r->max_prot;
	*inheritance = r->inherit;
	*is_shared = FALSE;
	*object_name = MACH_PORT_NULL;
	*offset = 0;
	return KERN_SUCCESS;
}

kern_return_t vm_statistics(mach_port_t target_task, vm_statistics_data_t *vm_stats)
{
	struct task *t = ipc_port_kobject(target_task, IKOT_TASK);
	if (!t)
		return refuse(KERN_INVALID_ARGUMENT, "vm_statistics", "not a task port");
	*vm_stats = (vm_statistics_data_t){ 0 };
	vm_stats->pagesize = PAGE_SIZE;
	vm_stats->free_count = pmm_free_pages();
	vm_stats->active_count = pmm_total_pages() - pmm_free_pages();
	vm_stats->wire_count = vm_stats->active_count;    /* nothing backed is ever paged out */
	return KERN_SUCCESS;
}

/* Physically contiguous, zeroed pages for DMA: [pmin, pmax) bounds the
 * physical range (pmax 0: no bound), palign its alignment (0: a page). The
 * search is lowest-address first, so a pmin above the lowest free run may
 * fail with KERN_RESOURCE_SHORTAGE. Only the privileged host port will do:
 * physical addresses are a driver's business, and a run of them chosen by a
 * task is a step towards DMA or page-table tricks (kern/host.h). */
kern_return_t vm_allocate_contiguous(mach_port_t host_priv, mach_port_t target_task, vm_address_t *vaddr,
				     rpc_phys_addr_t *paddr, vm_size_t size, rpc_phys_addr_t pmin,
				     rpc_phys_addr_t pmax, rpc_phys_addr_t palign)
{
	static const char me[] = "vm_allocate_contiguous";
	if (!host_priv_port_word_ok(host_priv))
		return refuse(KERN_INVALID_HOST, me, "not the privileged host port");
	struct task *t = ipc_port_kobject(target_task, IKOT_TASK);    /* NULL for a null or dead task */
	if (!t)
		return refuse(KERN_INVALID_TASK, me, "not a task port");
	uintptr_t va;
	uint64_t pa;
	kern_return_t kr = vm_contiguous_enter(t, size, pmin, pmax, palign, true, me, &va, &pa);
	if (kr == KERN_SUCCESS) {
		*vaddr = va;
		*paddr = pa;
		/* Succeeding, the routine owns the request body's task send right
		 * (ipc/kobject.c); the task needed it only for this call. */
		ipc_port_release_send(ipc_port_from_word(target_task));
	}
	return kr;
}

kern_return_t vm_contiguous_enter(struct task *t, size_t size, uint64_t pmin, uint64_t pmax, uint64_t palign,
				  bool zero, const char *me, uintptr_t *vaddr, uint64_t *paddr)
{
	if (size == 0 || size > CONTIG_MAX_BYTES)
		return refuse(KERN_INVALID_ARGUMENT, me, "zero or absurd size");
	if (palign < PAGE_SIZE)
		palign = PAGE_SIZE;
	if ((palign & (palign - 1)) || palign > CONTIG_MAX_BYTES)
		return refuse(KERN_INVALID_ARGUMENT, me, "alignment is not a power of two up to 16 MiB");
	if (pmax == 0)
		pmax = 1ull << 32;
	if (pmax <= pmin)
		return refuse(KERN_INVALID_ARGUMENT, me, "empty physical range");
	size = PAGE_ROUND_UP(size);
	size_t npages = size / PAGE_SIZE;
	uintptr_t *frames = kalloc(npages * sizeof *frames);
	uintptr_t pa = frames ? pmm_alloc_contig_filled(npages, palign / PAGE_SIZE, zero) : 0;
	if (!pa) {
		kfree(frames);
		return refuse(KERN_RESOURCE_SHORTAGE, me, "no contiguous physical memory");
	}
	if (pa < pmin || pa + size > pmax) {
		pmm_free_contig(pa, npages);
		kfree(frames);
		return refuse(KERN_RESOURCE_SHORTAGE, me, "no contiguous memory in the physical range");
	}
	for (size_t i = 0; i < npages; i++)
		frames[i] = pa + i * PAGE_SIZE;
	uintptr_t addr;
	kern_return_t kr = vm_map_enter_frames(t, &addr, frames, npages);
	kfree(frames);
	if (kr != KERN_SUCCESS) {
		pmm_free_contig(pa, npages);
		return kr;
	}
	*vaddr = addr;
	*paddr = pa;
	return KERN_SUCCESS;
}
