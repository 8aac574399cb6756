/*
 * mach_msg.c - mach_msg() over the trap, and the hooks MIG stubs call.
 *
 * mach_msg() (its fast part in traps.S, the rest here in mach_msg_resume)
 * restarts an interrupted operation unless the caller asked to
 * see interruptions: a send that was interrupted is retried whole, a receive
 * that was interrupted after the send completed is retried as a receive only
 * (the message has already gone, sending it again would duplicate it).
 *
 * Reply ports are per thread: mig_get_reply_port and its companions are in
 * thread.c.
 */
#include <sm/runtime.h>
#include <sm/traps.h>
#include <mach/mig_support.h>
#include "mach.h"

/*
 * mach_msg() is in traps.S: it makes the trap with the caller's own
 * arguments and comes here only when the kernel answered that the send or
 * the receive was interrupted, with that answer in mr.
 */
_Static_assert(MACH_SEND_INTERRUPTED == 0x10000007 && MACH_RCV_INTERRUPTED == 0x10004005,
	       "traps.S tests these values");
mach_msg_return_t __attribute__((regparm(1)))
mach_msg_resume(mach_msg_return_t mr, mach_msg_header_t *msg, mach_msg_option_t option,
		mach_msg_size_t send_size, mach_msg_size_t rcv_size,
		mach_port_t rcv_name, mach_msg_timeout_t timeout, mach_port_t notify);

mach_msg_return_t __attribute__((regparm(1)))
mach_msg_resume(mach_msg_return_t mr, mach_msg_header_t *msg, mach_msg_option_t option,
		mach_msg_size_t send_size, mach_msg_size_t rcv_size,
		mach_port_t rcv_name, mach_msg_timeout_t timeout, mach_port_t notify)
{
	while (mr == MACH_SEND_INTERRUPTED && !(option & MACH_SEND_INTERRUPT))
		mr = mach_msg_trap(msg, option, send_size, rcv_size, rcv_name,
				   timeout, notify);

	while (mr == MACH_RCV_INTERRUPTED && !(option & MACH_RCV_INTERRUPT))
		mr = mach_msg_trap(msg, option & ~MACH_SEND_MSG, 0, rcv_size,
				   rcv_name, timeout, notify);
	return mr;
}

/*
 * Bounded string copy for MIG string arguments: copies at most len bytes,
 * always NUL-terminates within len (if len > 0) and returns the number of
 * characters copied, not counting the NUL.
 */
vm_size_t
mig_strncpy(char *dst, const char *src, vm_size_t len)
{
	vm_size_t i;

	if (len == 0)
		return 0;
	for (i = 0; i < len - 1 && src[i]; i++)
		dst[i] = src[i];
	dst[i] = '\0';
	return i;
}

/*
 * Out-of-line buffers for stubs that need them: fresh zero-filled pages from
 * vm_allocate anywhere in this task (address 0 when that fails), given back
 * with vm_deallocate.  Sizes are rounded up to whole pages by the kernel.
 */
void
mig_allocate(vm_address_t *addr, vm_size_t size)
{
	*addr = 0;
	if (size == 0 || vm_allocate(smrt_task_port(), addr, size, TRUE) != KERN_SUCCESS)
		*addr = 0;
}

void
mig_deallocate(vm_address_t addr, vm_size_t size)
{
	if (addr != 0 && size != 0)
		(void)vm_deallocate(smrt_task_port(), addr, size);
}
