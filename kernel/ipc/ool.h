/* Out-of-line memory and port arrays in messages.
 *
 * In kernel form the 4-byte slot of an out-of-line item holds a pointer to a
 * struct ool (zero for an empty item). The descriptor owns what it holds:
 * physical frames with the data (starting at offset 0 of the first frame),
 * or ports each carrying one right of kernel_type. Destroying the message
 * destroys the descriptor; delivering it gives the frames to the receiver
 * (mapped anywhere in its map) or turns the rights into names written to
 * fresh pages of the receiver.
 *
 * Sending: a page-aligned item of a page or more with the deallocate bit is
 * moved (the sender's pages are unmapped and become the message's: no
 * copy) unless some of its pages are shared with another task
 * (VM_INHERIT_SHARE); any other item is a virtual copy, and with the
 * deallocate bit the sender's pages covering it are then deallocated. In a
 * virtual copy the whole pages of a page-aligned item are shared
 * copy-on-write (sender and receiver map the frame read-only and the first
 * to write gets a copy, vm/vm_fault.h), except frames something may write
 * without a fault (shared with another task, kept by the kernel, seen by a
 * device), which are copied like the item's partial pages. So the frames a
 * descriptor holds may have other holders: nothing writes them.
 *
 * Kernel routines (served by ipc/kobject.c): an OOL item in a request is the
 * kernel's; the routine reads it through ool_from_slot/ool_read/ool_write_task
 * and must not keep the pointer (the request, and with it the data, is
 * destroyed after the routine returns; rights in a port array belong to the
 * routine when it succeeds, like inline rights). A routine returning OOL data
 * fills its out slot with ool_data_from_kernel/ool_data_from_task or
 * ool_port_array, and only once it is sure to return KERN_SUCCESS. */
#ifndef IPC_OOL_H
#define IPC_OOL_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <mach/message.h>
#include <mach/machine/vm_types.h>
#include "ipc/msg_body.h"

struct ipc_space;
struct ipc_port;
struct task;

/* An out-of-line slot as a message holds it: a user address in user form, a
 * struct ool pointer in kernel form. Four bytes, like every i386 pointer. */
typedef vm_offset_t ool_slot_t;
_Static_assert(sizeof(ool_slot_t) == OOL_SLOT_SIZE, "out-of-line slot size");

#define OOL_MAX_BYTES (64u * 1024 * 1024)   /* larger: MACH_SEND_NO_BUFFER */
#define OOL_MAX_PORTS 65536u

enum ool_kind { OOL_DATA = 1, OOL_PORTS = 2 };

struct ool {
	uint32_t magic;
	uint32_t kind;              /* enum ool_kind */
	uint32_t size;              /* OOL_DATA: bytes; OOL_PORTS: ports */
	uint32_t count;             /* entries of words[] */
	uint32_t kernel_type;       /* OOL_PORTS: MACH_MSG_TYPE_PORT_* each carries */
	uint32_t room;              /* entries allocated for words[] (ool.c keeps small ones) */
	uint32_t held;              /* OOL_DATA: words that hold a frame (not 0) */
	uintptr_t words[];          /* frames (0: a zero page, never touched), or
	                             * struct ipc_port * (0 = null, ~0 = dead) */
};

/* Message copyin of one out-of-line item from the current task (whose name
 * space is space): on failure the slot is zero and nothing is held. */
mach_msg_return_t ool_copyin(struct ipc_space *space, uint8_t *msg, const struct msg_item *it);
/* Message copyout into the current task; on failure the slot becomes zero,
 * everything the item held is destroyed, and MACH_MSG_VM_SPACE (or
 * MACH_MSG_VM_KERNEL) is returned for MACH_RCV_BODY_ERROR. */
mach_msg_return_t ool_copyout(struct ipc_space *space, uint8_t *msg, const struct msg_item *it);
/* Destroy what a kernel-form slot holds (rights with ipc_right_destroy) and
 * zero the slot. */
void ool_destroy_slot(ool_slot_t *slot);
/* After a kernel routine succeeded on the request (h, size) and took its
 * rights: free its out-of-line memory and port-array containers. */
void ool_clean_request(mach_msg_header_t *h, uint32_t size);

/* For kernel routines. */
struct ool *ool_from_slot(ool_slot_t slot);   /* NULL if empty or not a descriptor */
size_t ool_read(const struct ool *o, size_t offset, void *buf, size_t len);
/* Copy the data into [addr, addr + o->size) of t, which must be writable:
 * KERN_INVALID_ADDRESS or KERN_PROTECTION_FAILURE otherwise. */
kern_return_t ool_write_task(const struct ool *o, struct task *t, uintptr_t addr);
kern_return_t ool_data_from_kernel(const void *buf, size_t len, ool_slot_t *slot);
kern_return_t ool_data_from_task(struct task *t, uintptr_t addr, size_t len, ool_slot_t *slot);
/* n ports that each hold a right of kernel_type (NULL allowed); the rights
 * move into the descriptor, and on failure they are released. */
kern_return_t ool_port_array(struct ipc_port **ports, uint32_t n, uint32_t kernel_type, ool_slot_t *slot);

/* Give the kept descriptors back to the heap: they are no message's, and the
 * heap leak checks (kern/smhost.c's sm_kernel_stats) count only what is. */
void ool_spare_release(void);
/* Descriptors alive and the frames they hold (for leak checks). */
void ool_stats(uint32_t *descriptors, uint32_t *pages);
#endif
