/* A message in the kernel. Between send and receive a message is in kernel
 * form: the header's port fields and every port in the body hold struct
 * ipc_port pointers, each with one right (in the header, the disposition bits
 * say which: PORT_SEND, PORT_SEND_ONCE or PORT_RECEIVE). Copyin turns a task's
 * names into that form; copyout turns it into names in the receiver's space. */
#ifndef IPC_KMSG_H
#define IPC_KMSG_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <mach/message.h>
#include "ipc/port.h"

struct ipc_space;
struct ipc_port;
struct device_event;

#define KMSG_MAX_SIZE (64 * 1024)   /* largest message, header included */
/* struct kmsg's noted is 0 (its zero value, as kmsg_alloc leaves it) when
 * the body's items that copyout acts on (port rights, out-of-line items)
 * were not noted at copyin: a kernel-built message, or more than fit
 * active[]. Copyout then walks the body. */

/* The type descriptor of one inline 32-bit integer (a return code, a count):
 * what the kernel writes before each integer of a message it builds. */
#define KMSG_INT32_TYPE ((mach_msg_type_t){ MACH_MSG_TYPE_INTEGER_32, 32, 1, 1, 0, 0, 0 })

struct kmsg {
	struct kmsg *next;
	uint32_t size;                  /* bytes of message in hdr */
	uint32_t arrival;               /* queueing order (ipc_mqueue_send): a port set delivers oldest first */
	bool beyond_qlimit;             /* queued past its port's limit (kernel/ipc/mqueue.c) */
	uint8_t noted;                  /* 1 + body items kmsg_copyout acts on, at active[]; 0: it walks the body */
	uint16_t active[2];             /* their descriptors' offsets (a message is under 64 KiB) */
	struct device_event *event;     /* an interrupt message the device layer re-arms on receipt, or NULL */
	uint32_t room;                  /* bytes allocated for hdr: size, or KMSG_SMALL_ROOM if more */
	mach_msg_header_t hdr[];        /* followed by the body */
};

/* Copy a message header field by field: a struct assignment of these 24
 * bytes compiles (under -fno-builtin) to a six-pass loop or a memcpy call,
 * ~30 guest instructions where these take 12. */
static inline void msg_header_copy(mach_msg_header_t *dst, const mach_msg_header_t *src)
{
	dst->msgh_bits = src->msgh_bits;
	dst->msgh_size = src->msgh_size;
	dst->msgh_remote_port = src->msgh_remote_port;
	dst->msgh_local_port = src->msgh_local_port;
	dst->msgh_seqno = src->msgh_seqno;
	dst->msgh_id = src->msgh_id;
}

/* Copy a whole message of size bytes (at least a header, as every message
 * the kernel copies is): the header by fields, the body, if any, by
 * memcpy. A header-only message (a null RPC's request) makes no call. */
void *memcpy(void *dst, const void *src, size_t n);
static inline void msg_copy(void *dst, const void *src, uint32_t size)
{
	msg_header_copy(dst, src);
	if (size > sizeof(mach_msg_header_t))
		memcpy((char *)dst + sizeof(mach_msg_header_t), (const char *)src + sizeof(mach_msg_header_t),
		       size - sizeof(mach_msg_header_t));
}

static inline struct ipc_port *kmsg_remote(const struct kmsg *m) { return (struct ipc_port *)m->hdr->msgh_remote_port; }
static inline struct ipc_port *kmsg_local(const struct kmsg *m) { return (struct ipc_port *)m->hdr->msgh_local_port; }

/* Room for a message of size bytes (at least a header): the header reads
 * zero, the body is the caller's to write whole. */
struct kmsg *kmsg_alloc(uint32_t size);
/* The room every message of at most this many bytes gets (the null RPC's
 * and the kernel calls' messages are well under it): with struct kmsg and
 * the heap's block header it still fits a 256-byte heap block. */
#define KMSG_SMALL_ROOM 200
/* Free a message that holds no rights (kmsg_destroy releases them first):
 * a small one may be kept for kmsg_alloc (ipc/kmsg.c's cache). kfree is as
 * correct, only slower. NULL is ignored. */
void kmsg_free(struct kmsg *m);
/* Give the kept small messages back to the heap: they are no message's, and
 * the leak checks (kern/smhost.c's sm_kernel_stats, the host tests) count
 * only what is. */
void kmsg_spare_release(void);
/* Destroy every right the message carries (ipc_right_destroy) and free it. */
void kmsg_destroy(struct kmsg *m);
/* Translate the header's and body's names in space into rights. A bad
 * header, or an inline receive right that would be queued behind itself
 * (kernel/ipc/transit.h), fails before any right is taken; a failure later in
 * the body destroys the rights already taken. Either way the message holds
 * no rights afterwards. */
mach_msg_return_t kmsg_copyin(struct ipc_space *space, struct kmsg *m);
/* Translate into names of space, swapping remote and local as a receiver sees
 * them. Rights that cannot be named become MACH_PORT_DEAD. Out-of-line items
 * are mapped into the receiver (space must be the current task's); one that
 * does not fit is destroyed, its slot reads 0, and the result is
 * MACH_RCV_BODY_ERROR | MACH_MSG_VM_SPACE (or _VM_KERNEL): the message is
 * still delivered. */
mach_msg_return_t kmsg_copyout(struct ipc_space *space, struct kmsg *m);

/* The type a right carried with `disposition` has in a message in transit
 * (MACH_MSG_TYPE_PORT_SEND, _SEND_ONCE or _RECEIVE), as the receiver sees it. */
uint32_t ipc_right_kernel_type(uint32_t disposition);

/* One right, from a name with a send disposition (MACH_MSG_TYPE_COPY_SEND ...)
 * to a port pointer with a kernel-form type (MACH_MSG_TYPE_PORT_*). */
kern_return_t ipc_right_copyin(struct ipc_space *space, mach_port_name_t name, uint32_t disposition,
			       struct ipc_port **port, uint32_t *kernel_type);
/* The same, for a caller that has looked name up already: e is
 * ipc_space_lookup(space, name), NULL if the name is not in use. */
struct ipc_entry;
kern_return_t ipc_right_copyin_entry(struct ipc_space *space, mach_port_name_t name, struct ipc_entry *e,
				     uint32_t disposition, struct ipc_port **port, uint32_t *kernel_type);
mach_port_name_t ipc_right_copyout(struct ipc_space *space, struct ipc_port *port, uint32_t kernel_type);
/* Let go of a right that was used (a delivered message's destination).
 * Inline: every delivered message releases one or two, and the send and
 * send-once releases it picks are inline themselves (ipc/port.h). */
static inline void ipc_right_release(struct ipc_port *p, uint32_t kernel_type)
{
	if (!p)
		return;
	switch (kernel_type) {
	case MACH_MSG_TYPE_PORT_SEND: ipc_port_release_send(p); break;
	case MACH_MSG_TYPE_PORT_SEND_ONCE: ipc_port_release_send_once(p); break;
	case MACH_MSG_TYPE_PORT_RECEIVE: ipc_port_destroy(p); ipc_port_release(p); break;
	default: ipc_port_release(p); break;
	}
}
/* Let go of a right that was never used: an unused send-once right sends a
 * send-once notification, a receive right destroys its port. */
void ipc_right_destroy(struct ipc_port *port, uint32_t kernel_type);
#endif
