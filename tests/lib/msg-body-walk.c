/* msg-body-walk: see msg-body-walk.h. */
#include "msg-body-walk.h"
#include <mach/message.h>
#include <string.h>

#define OOL_SLOT 4      /* an out-of-line item's data is its address */

int msg_walk(uint8_t *msg, uint32_t size, item_fn fn, void *ctx)
{
	uint32_t off = sizeof(mach_msg_header_t);
	while (off < size) {
		struct item it;
		mach_msg_type_t t;
		if (size - off < sizeof t)
			return -1;
		memcpy(&t, msg + off, sizeof t);
		it.desc_off = off;
		it.is_inline = t.msgt_inline;
		it.longform = t.msgt_longform;
		it.dealloc = t.msgt_deallocate;
		if (t.msgt_longform) {
			mach_msg_type_long_t lt;
			if (size - off < sizeof lt)
				return -1;
			memcpy(&lt, msg + off, sizeof lt);
			it.name = lt.msgtl_name;
			it.size_bits = lt.msgtl_size;
			it.number = lt.msgtl_number;
			off += sizeof lt;
		} else {
			it.name = t.msgt_name;
			it.size_bits = t.msgt_size;
			it.number = t.msgt_number;
			off += sizeof t;
		}
		if (it.is_inline) {
			uint64_t bytes = (((uint64_t)it.number * it.size_bits + 7) / 8 + 3) & ~(uint64_t)3;
			if (bytes > size - off)
				return -1;
			it.data_bytes = (uint32_t)bytes;
		} else {
			if (size - off < OOL_SLOT)
				return -1;
			it.data_bytes = OOL_SLOT;
		}
		it.data_off = off;
		if (fn && fn(ctx, msg, &it))
			return -1;
		off += it.data_bytes;
	}
	return 0;
}
