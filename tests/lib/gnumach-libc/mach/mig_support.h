/* What MIG user stubs call and a GNU Mach program's C library provides:
 * the per-thread reply port cache, mig_strncpy, and memcpy (stubs call it
 * without <string.h>). Defined by the user runtime (servers/runtime). */
#ifndef _GNUMACH_LIBC_MIG_SUPPORT_H
#define _GNUMACH_LIBC_MIG_SUPPORT_H
#include <stddef.h>
#include <mach/port.h>
#include <mach/machine/vm_types.h>

extern void *memcpy(void *dst, const void *src, size_t n);
extern vm_size_t mig_strncpy(char *dst, const char *src, vm_size_t len);
extern mach_port_t mig_get_reply_port(void);
extern void mig_put_reply_port(mach_port_t reply_port);
extern void mig_dealloc_reply_port(mach_port_t reply_port);
#endif
