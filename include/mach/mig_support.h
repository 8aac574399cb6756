/*
 * Functions MIG-generated stubs call without declaring them.
 *
 * User stubs (user programs, host tests) need the reply-port cache:
 * mig_get_reply_port, mig_put_reply_port, mig_dealloc_reply_port, set up
 * by mig_init.  Stubs of both kinds call memcpy (without <string.h>) and,
 * for strings, mig_strncpy, which copies at most len bytes, always
 * NUL-terminates within len (when len > 0) and returns the length copied
 * excluding the NUL.  The kernel (-DKERNEL) and the user runtime each
 * provide these; only the declarations live here.
 */

#ifndef _MACH_MIG_SUPPORT_H_
#define _MACH_MIG_SUPPORT_H_

#include <stddef.h>
#include <mach/port.h>

extern void *memcpy(void *dst, const void *src, size_t n);
extern vm_size_t mig_strncpy(char *dst, const char *src, vm_size_t len);

#ifndef KERNEL
extern void mig_init(void *first);
extern mach_port_t mig_get_reply_port(void);
extern void mig_put_reply_port(mach_port_t reply_port);
extern void mig_dealloc_reply_port(mach_port_t reply_port);
/* GNU-compatible signatures: 32-bit addresses, so not for native tests. */
extern void mig_allocate(vm_address_t *addr, vm_size_t size);
extern void mig_deallocate(vm_address_t addr, vm_size_t size);
#endif

#endif /* _MACH_MIG_SUPPORT_H_ */
