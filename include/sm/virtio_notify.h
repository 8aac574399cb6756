/*
 * sm/virtio_notify.h - the fast path for virtqueue notifications (user side).
 *
 * sm_virtio_notify(device, queue) tells the device that queue has new
 * available buffers: the kernel writes the queue index to the device's
 * notify register (modern: the queue's address in the notification
 * structure; legacy: the Queue Notify port). device is the name of the
 * caller's send right to the device port; the caller must be the task that
 * set the device up. Returns KERN_SUCCESS, or the codes of virtio.defs
 * (KERN_INVALID_NAME for a name that is not a device port).
 *
 * It is a trap (lcall $7,$0, %eax = SM_TRAP_VIRTIO_NOTIFY, arguments on the
 * stack as for a cdecl call) rather than an RPC: no message, no reply port.
 * docs/virtio-implementation.md gives the measured costs of both.
 *
 * sm_virtio_irq_ack(device) is virtio_irq_ack as a trap (%eax =
 * SM_TRAP_VIRTIO_IRQ_ACK): the kernel may send the device's next interrupt
 * message. Same name and ownership checks and codes as sm_virtio_notify.
 *
 * sm_virtio_vector_ack(device, source) is virtio_vector_ack as a trap (%eax
 * = SM_TRAP_VIRTIO_VECTOR_ACK): the next message of that source may come.
 */
#ifndef _SM_VIRTIO_NOTIFY_H_
#define _SM_VIRTIO_NOTIFY_H_

#include <sm/virtio_types.h>

/* A device trap with two arguments (device, then a queue or source index). */
static inline kern_return_t sm_virtio_trap2(int number, mach_port_t device, unsigned int index)
{
	kern_return_t r;
	/* Build the frame a cdecl call would: index, device, a return slot. */
	__asm__ volatile("pushl %2\n\t"
			 "pushl %1\n\t"
			 "pushl $0\n\t"
			 "lcall $7, $0\n\t"
			 "addl $12, %%esp"
			 : "=a"(r)
			 : "r"(device), "r"(index), "0"(number)
			 : "memory", "cc");
	return r;
}

static inline kern_return_t sm_virtio_notify(mach_port_t device, unsigned int queue)
{
	return sm_virtio_trap2(SM_TRAP_VIRTIO_NOTIFY, device, queue);
}

static inline kern_return_t sm_virtio_irq_ack(mach_port_t device)
{
	kern_return_t r;
	__asm__ volatile("pushl %1\n\t"
			 "pushl $0\n\t"
			 "lcall $7, $0\n\t"
			 "addl $8, %%esp"
			 : "=a"(r)
			 : "r"(device), "0"(SM_TRAP_VIRTIO_IRQ_ACK)
			 : "memory", "cc");
	return r;
}

static inline kern_return_t sm_virtio_vector_ack(mach_port_t device, unsigned int source)
{
	return sm_virtio_trap2(SM_TRAP_VIRTIO_VECTOR_ACK, device, source);
}

#endif /* _SM_VIRTIO_NOTIFY_H_ */
