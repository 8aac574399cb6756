/* An out-of-line item's pages moved straight from its sender's map into
 * its receiver's, for a message that goes from buffer to buffer
 * (ipc/rpc_send.c): no descriptor, no kernel message, the pages taken out
 * and put in by one walk of each map (vm_map_extract,
 * vm_map_enter_frames_held). The general path (ipc/ool.c) would move the
 * same pages: a page-aligned item of whole pages with the deallocate bit
 * whose pages no other task shares. */
#ifndef IPC_OOL_MOVE_H
#define IPC_OOL_MOVE_H
#include <stdbool.h>
#include <stdint.h>
#include <mach/message.h>

struct task;

/* The most pages moved this way (a 64 KiB read); a larger item goes the
 * general way. */
#define OOL_MOVE_MAX_PAGES 16

struct ool_move {
	uint32_t slot;                          /* offset of the item's slot in the message */
	uint32_t npages, held;                  /* held: frames that are not 0 (never touched) */
	uintptr_t frames[OOL_MOVE_MAX_PAGES];
};

/* Whether the body of the task's message at msg (size bytes, in the
 * kernel's view) is inline data and one out-of-line item this path moves;
 * then its pages are taken out of task into *mv and true is returned.
 * False, with nothing changed, for any other body (port rights inline or
 * out of line, two items, no deallocate bit, a range not of whole pages,
 * shared, not all the task's or not readable: the general path's cases
 * and errors), or if the task's map cannot be cut without memory. */
bool ool_move_take(struct task *task, const uint8_t *msg, uint32_t size, struct ool_move *mv);
/* Put the pages into t, anywhere, and write where in the message's slot
 * at dst (the receiver's copy of it): MACH_MSG_SUCCESS, or, with no room
 * or over t's page limit, the pages freed, the slot 0 and
 * MACH_RCV_BODY_ERROR | MACH_MSG_VM_SPACE, as the general path's copyout
 * answers (the message is delivered without them). */
mach_msg_return_t ool_move_give(struct task *t, const struct ool_move *mv, uint8_t *dst);
/* Items moved so since boot (sm_ipc_rpc_sends counts their messages too). */
extern uint32_t ool_move_count;
#endif
