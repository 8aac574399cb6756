/*
 * mach/machine/vm_param.h - the i386 facts behind <mach/vm_param.h>:
 * 4 KiB pages, and the range of addresses a task may use.  This kernel
 * keeps the top gigabyte for itself and the page below it unmapped, so a
 * task's memory lies in [VM_MIN_ADDRESS, VM_MAX_ADDRESS); the first page
 * (address 0) is never mapped either.
 */
#ifndef _MACH_MACHINE_VM_PARAM_H_
#define _MACH_MACHINE_VM_PARAM_H_

#include <mach/machine/vm_types.h>

#define BYTE_SIZE	8		/* bits in a byte */
#define I386_PGBYTES	4096		/* bytes in a page */
#define I386_PGSHIFT	12		/* log2(I386_PGBYTES) */
#define PAGE_SHIFT	I386_PGSHIFT

#define i386_btop(x)		(((unsigned long)(x)) >> I386_PGSHIFT)
#define i386_ptob(x)		(((unsigned long)(x)) << I386_PGSHIFT)
#define i386_round_page(x)	((((unsigned long)(x)) + I386_PGBYTES - 1) & ~(unsigned long)(I386_PGBYTES - 1))
#define i386_trunc_page(x)	(((unsigned long)(x)) & ~(unsigned long)(I386_PGBYTES - 1))

#define VM_MIN_ADDRESS		(0)
#define VM_MAX_ADDRESS		(0xbffff000UL)	/* kernel/i386/layout.h USER_TOP */

#endif /* _MACH_MACHINE_VM_PARAM_H_ */
