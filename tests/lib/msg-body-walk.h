/* msg-body-walk: a typed message body (GNU Mach's mach_msg_type_t and
 * mach_msg_type_long_t descriptors) walked item by item the way the kernel
 * reads it (kernel/ipc/msg_body.c), for guest programs that must look at
 * or change the descriptors of a message they build or received: the
 * fuzzer (tests/fuzz/msgwalk.c) and test-boot's random messages. */
#ifndef TESTS_LIB_MSG_BODY_WALK_H
#define TESTS_LIB_MSG_BODY_WALK_H
#include <stdint.h>

struct item {
	uint32_t desc_off, data_off, data_bytes;
	uint32_t name, size_bits, number;
	int is_inline, longform, dealloc;
};
/* Called for each item; a nonzero return stops the walk. */
typedef int (*item_fn)(void *ctx, uint8_t *msg, const struct item *it);
/* Walks the body after the header of the size-byte message at msg; -1 if
 * an item runs past the end (the items before it were walked) or fn
 * stopped it, else 0. */
int msg_walk(uint8_t *msg, uint32_t size, item_fn fn, void *ctx);
#endif
