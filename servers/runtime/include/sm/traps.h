/*
 * sm/traps.h - Mach entry points provided by libsmrt.a.
 *
 * The trap stubs (traps.S) are the raw GNU Mach traps; each call of
 * mach_task_self/mach_host_self/mach_thread_self may add a user reference to
 * the returned send right, so long-running code should use the cached names
 * from smrt_task_port()/smrt_host_port() instead.  mach_msg_trap and
 * mach_msg() are declared by <mach/message.h>; the MIG reply-port hooks by
 * <mach/mig_support.h>.
 */
#ifndef _SM_TRAPS_H_
#define _SM_TRAPS_H_

#include <mach/boolean.h>
#include <mach/kern_return.h>
#include <mach/message.h>
#include <mach/port.h>
#include <mach/mach_traps.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Trap numbers (GNU Mach values). */
#define SMRT_TRAP_MACH_MSG		(-25)
#define SMRT_TRAP_MACH_REPLY_PORT	(-26)
#define SMRT_TRAP_MACH_THREAD_SELF	(-27)
#define SMRT_TRAP_MACH_TASK_SELF	(-28)
#define SMRT_TRAP_MACH_HOST_SELF	(-29)
#define SMRT_TRAP_MACH_PRINT		(-30)
#define SMRT_TRAP_SWTCH_PRI		(-59)
#define SMRT_TRAP_SWTCH			(-60)
#define SMRT_TRAP_THREAD_SWITCH		(-61)

/* The traps themselves: <mach/mach_traps.h>. */

/* Names fetched once at start-up (start.c). smrt_host_port is the host port
 * (mach_host_self); smrt_host_priv_port the privileged host port, which the
 * kernel gives boot modules at name 1 (MACH_PORT_NULL in any other task):
 * host_reboot and vm_allocate_contiguous need it. */
#define SMRT_HOST_PRIV_NAME	1
mach_port_t	smrt_task_port(void);
mach_port_t	smrt_host_port(void);
mach_port_t	smrt_host_priv_port(void);

#ifdef __cplusplus
}
#endif

#endif /* _SM_TRAPS_H_ */
