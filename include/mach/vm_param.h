/*
 * mach/vm_param.h - page size and page arithmetic for user programs, under
 * the names GNU Mach programs use (PAGE_SIZE, round_page, atop ...).  The
 * machine part (page shift, user address range) is in
 * <mach/machine/vm_param.h>.
 */
#ifndef _MACH_VM_PARAM_H_
#define _MACH_VM_PARAM_H_

#include <mach/machine/vm_param.h>
#include <mach/machine/vm_types.h>

#ifndef PAGE_SIZE
#define PAGE_SIZE	(1 << PAGE_SHIFT)
#endif
#ifndef PAGE_MASK
#define PAGE_MASK	(PAGE_SIZE - 1)
#endif

/* Pages to bytes and back. */
#define atop(x)		(((vm_size_t)(x)) >> PAGE_SHIFT)
#define ptoa(x)		((vm_offset_t)(x) << PAGE_SHIFT)

/* Round an address or size up or down to a page boundary. <mach_init.h>
 * has the same two with vm_page_size (equal to PAGE_SIZE); whichever
 * header comes first defines them. */
#ifndef round_page
#define round_page(x)	((vm_offset_t)((((vm_offset_t)(x)) + PAGE_MASK) & ~(vm_offset_t)PAGE_MASK))
#endif
#ifndef trunc_page
#define trunc_page(x)	((vm_offset_t)(((vm_offset_t)(x)) & ~(vm_offset_t)PAGE_MASK))
#endif
#define page_aligned(x)	((((vm_offset_t)(x)) & PAGE_MASK) == 0)

#endif /* _MACH_VM_PARAM_H_ */
