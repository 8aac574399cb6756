#include "ipc/msg_body.h"

bool msg_type_is_port(uint32_t name)
{
	return name >= MACH_MSG_TYPE_MOVE_RECEIVE && name <= MACH_MSG_TYPE_MAKE_SEND_ONCE;
}

mach_msg_return_t msg_item_at(const uint8_t *msg, uint32_t size, uint32_t off, struct msg_item *it)
{
	it->desc_offset = off;
	if (off >= size || size - off < sizeof(mach_msg_type_t))
		return MACH_SEND_MSG_TOO_SMALL;
	mach_msg_type_t t;
	__builtin_memcpy(&t, msg + off, sizeof t);
	it->is_inline = t.msgt_inline;
	it->deallocate = t.msgt_deallocate;
	if (t.msgt_longform) {
		if (size - off < sizeof(mach_msg_type_long_t))
			return MACH_SEND_MSG_TOO_SMALL;
		mach_msg_type_long_t lt;
		__builtin_memcpy(&lt, msg + off, sizeof lt);
		it->type_name = lt.msgtl_name;
		it->size_bits = lt.msgtl_size;
		it->number = lt.msgtl_number;
		off += sizeof(mach_msg_type_long_t);
	} else {
		it->type_name = t.msgt_name;
		it->size_bits = t.msgt_size;
		it->number = t.msgt_number;
		off += sizeof(mach_msg_type_t);
	}
	it->is_port = msg_type_is_port(it->type_name);
	if (it->is_port && it->size_bits != 32)
		return MACH_SEND_INVALID_TYPE;
	if (it->is_inline) {
		uint64_t bits = (uint64_t)it->number * it->size_bits;
		uint64_t bytes = ((bits + 7) / 8 + 3) & ~(uint64_t)3;
		if (bytes > size - off)
			return MACH_SEND_MSG_TOO_SMALL;
		it->data_bytes = (uint32_t)bytes;
	} else {
		if (size - off < OOL_SLOT_SIZE)
			return MACH_SEND_MSG_TOO_SMALL;
		it->data_bytes = OOL_SLOT_SIZE;
	}
	it->data_offset = off;
	return MACH_MSG_SUCCESS;
}

mach_msg_return_t msg_body_walk(uint8_t *msg, uint32_t size, msg_item_fn fn, void *ctx)
{
	uint32_t off = sizeof(mach_msg_header_t);
	while (off < size) {
		struct msg_item it;
		mach_msg_return_t r = msg_item_at(msg, size, off, &it);
		if (r == MACH_MSG_SUCCESS && fn)
			r = fn(ctx, msg, &it);
		if (r != MACH_MSG_SUCCESS)
			return r;
		off = it.data_offset + it.data_bytes;
	}
	return MACH_MSG_SUCCESS;
}
