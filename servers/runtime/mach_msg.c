/*
 * mach_msg.c - mach_msg() over the trap, and the hooks MIG stubs call.
 *
 * mach_msg() restarts an interrupted operation unless the caller asked to
 * see interruptions: a send that was interrupted is retried whole, a receive
 * that was interrupted after the send completed is retried as a receive only
 * (the message has already gone, sending it again would duplicate it).
 *
 * Reply ports: one per task, created on first use and reused by every RPC.
 * That is correct only while tasks are single-threaded.  After a failed RPC
 * the stub calls mig_dealloc_reply_port(); the port may still hold a late
 * reply, so we stop using it.  Destroying it needs mach_port_mod_refs,
 * which the runtime does not have yet, so for now the name is leaked.
 */
#include <sm/runtime.h>
#include <sm/traps.h>
#include <mach/mig_support.h>

static mach_port_t reply_port = MACH_PORT_NULL;

mach_msg_return_t
mach_msg(mach_msg_header_t *msg, mach_msg_option_t option,
	 mach_msg_size_t send_size, mach_msg_size_t rcv_size,
	 mach_port_t rcv_name, mach_msg_timeout_t timeout, mach_port_t notify)
{
	mach_msg_return_t mr;

	do
		mr = mach_msg_trap(msg, option, send_size, rcv_size, rcv_name,
				   timeout, notify);
	while (mr == MACH_SEND_INTERRUPTED && !(option & MACH_SEND_INTERRUPT));

	while (mr == MACH_RCV_INTERRUPTED && !(option & MACH_RCV_INTERRUPT))
		mr = mach_msg_trap(msg, option & ~MACH_SEND_MSG, 0, rcv_size,
				   rcv_name, timeout, notify);
	return mr;
}

void
mig_init(void *first)
{
	(void)first;
	reply_port = MACH_PORT_NULL;
}

mach_port_t
mig_get_reply_port(void)
{
	if (reply_port == MACH_PORT_NULL)
		reply_port = mach_reply_port();
	return reply_port;
}

void
mig_put_reply_port(mach_port_t port)
{
	(void)port;		/* stays cached */
}

void
mig_dealloc_reply_port(mach_port_t port)
{
	if (port == reply_port)
		reply_port = MACH_PORT_NULL;	/* leaked, see above */
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
 * Out-of-line buffers for stubs that need them.  Their memory must come
 * from (and go back to) vm_allocate/vm_deallocate, which the kernel does
 * not offer yet: allocation reports failure with a zero address and
 * deallocation leaves the pages mapped.
 */
void
mig_allocate(vm_address_t *addr, vm_size_t size)
{
	(void)size;
	*addr = 0;
}

void
mig_deallocate(vm_address_t addr, vm_size_t size)
{
	(void)addr;
	(void)size;
}
