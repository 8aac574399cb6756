/* Receive rights in transit, and the cycles they could make.
 *
 * A receive right carried in a message is "in transit": no space holds it
 * until the message is received. If that message is queued on the port
 * itself, or on a port whose own receive right is in transit in a message
 * queued (directly or through more such messages) on the first port, no task
 * can ever receive any of them: the ports, their queues and every right they
 * carry are unreachable and would live forever. Mach 3 answers this when the
 * right is copied into the message (ipc_port_check_circularity); so does this
 * kernel: each receive right in transit remembers the port its message is
 * bound for (transit_dest), and before a receive right enters a message bound
 * for dest, the chain dest -> dest's transit_dest -> ... is walked. If it
 * reaches the right itself, the move is refused. The chain ends at a port a
 * space or the kernel holds, or a dead one, so no cycle ever forms and every
 * walk ends. See docs/architecture.md (IPC) for what each path does when
 * refused. */
#ifndef IPC_TRANSIT_H
#define IPC_TRANSIT_H
#include <stdbool.h>
#include <stdint.h>
#include <mach/kern_return.h>
#include <mach/port.h>

struct ipc_port;
struct ipc_space;

/* Would receive right r, in a message bound for dest, be queued behind itself? */
bool ipc_transit_would_cycle(struct ipc_port *r, struct ipc_port *dest);
/* r is in a message bound for dest (replacing any earlier destination). */
void ipc_transit_set(struct ipc_port *r, struct ipc_port *dest);
/* r is no longer in transit (received, taken by the kernel, or dead). */
void ipc_transit_clear(struct ipc_port *r);
/* ipc_right_copyin of a right for a message bound for dest: a receive right
 * that would be queued behind itself is refused (KERN_INVALID_CAPABILITY) and
 * stays in the space; one that moves is marked in transit to dest. */
kern_return_t ipc_right_copyin_bound(struct ipc_space *space, mach_port_name_t name, uint32_t disposition,
				     struct ipc_port *dest, struct ipc_port **port, uint32_t *kernel_type);
/* A kernel-form message the kernel itself addresses to dest (a kernel
 * object's reply, a device open forwarded to its driver): mark each receive
 * right in its body in transit to dest. False if one would be queued behind
 * itself; the caller then destroys the message, and with it those rights. */
struct kmsg;
bool ipc_transit_bind_body(struct kmsg *m, struct ipc_port *dest);
/* A kernel-form message sent to a kernel object's port, passed on to dest
 * as it came but for its destination (the time server link, the device
 * registry): the right it was sent with is used up, dest gets a send
 * right, the reply port travels as it came, and the body is bound for dest
 * (ipc_transit_bind_body). False as for that: the caller answers with an
 * error instead of sending. */
bool ipc_kmsg_retarget(struct kmsg *m, struct ipc_port *dest);
/* Before a task's message to dest (user form, names of space) takes any
 * right: does inline item it of the body at msg move a receive right that
 * would be queued behind itself? kmsg_copyin asks it of every item before
 * the copyin, so refusing leaves the space as it was; the per-right check
 * of ipc_right_copyin_bound still covers out-of-line port arrays. */
struct msg_item;
bool ipc_transit_item_would_cycle(struct ipc_space *space, const uint8_t *msg, const struct msg_item *it,
				  struct ipc_port *dest);
#endif
