/* Out-of-line pages moved straight from sender to receiver (ool_move.h). */
#include "ipc/ool_move.h"
#include "ipc/msg_body.h"
#include "ipc/ool.h"
#include "kern/task.h"
#include "kern/printf.h"
#include "vm/vm_map.h"
#include "vm/pmm.h"
#include "vm/copyio.h"
#include "i386/layout.h"

uint32_t ool_move_count;

/* The one out-of-line item of a body, if that is all it holds besides
 * inline data. */
struct one_item { uint32_t found; struct msg_item it; };

static mach_msg_return_t find_item(void *ctx, uint8_t *msg, const struct msg_item *it)
{
	(void)msg;
	struct one_item *o = ctx;
	if (it->is_port || (!it->is_inline && o->found++))
		return MACH_SEND_INVALID_TYPE;         /* not this path's: stop */
	if (!it->is_inline)
		o->it = *it;
	return MACH_MSG_SUCCESS;
}

bool ool_move_take(struct task *task, const uint8_t *msg, uint32_t size, struct ool_move *mv)
{
	struct one_item o = { .found = 0 };
	if (msg_body_walk((uint8_t *)msg, size, find_item, &o) != MACH_MSG_SUCCESS || o.found != 1 ||
	    !o.it.deallocate)
		return false;
	uint64_t bytes = ((uint64_t)o.it.number * o.it.size_bits + 7) / 8;
	uintptr_t addr = *(const uint32_t *)(msg + o.it.data_offset);
	if (bytes < PAGE_SIZE || bytes % PAGE_SIZE || bytes > OOL_MOVE_MAX_PAGES * PAGE_SIZE || addr % PAGE_SIZE ||
	    !user_range_valid(addr, (size_t)bytes) || vm_map_shares(task, addr, (size_t)bytes))
		return false;
	mv->npages = (uint32_t)(bytes / PAGE_SIZE);
	if (vm_map_extract(task, addr, mv->npages, mv->frames) != KERN_SUCCESS)
		return false;                            /* nothing taken: the general path's error */
	mv->slot = o.it.data_offset;
	mv->held = 0;
	for (uint32_t i = 0; i < mv->npages; i++)
		mv->held += mv->frames[i] != 0;
	return true;
}

mach_msg_return_t ool_move_give(struct task *t, const struct ool_move *mv, uint8_t *dst)
{
	uintptr_t addr = 0;
	mach_msg_return_t r = MACH_MSG_SUCCESS;
	if (vm_map_enter_frames_held(t, &addr, mv->frames, mv->npages, mv->held) != KERN_SUCCESS) {
		kwarn("task %u (%s): no room for %u bytes of out-of-line data\n", t->id, t->name,
		      (unsigned)(mv->npages * PAGE_SIZE));
		for (uint32_t i = 0; i < mv->npages; i++)
			if (mv->frames[i])
				pmm_free_page(mv->frames[i]);
		addr = 0;
		r = MACH_RCV_BODY_ERROR | MACH_MSG_VM_SPACE;
	}
	__builtin_memcpy(dst + mv->slot, &addr, sizeof(uint32_t));
	ool_move_count++;
	return r;
}
