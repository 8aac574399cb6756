/* The rules for a message body: a sequence of type descriptors (short, 4 bytes,
 * or long, 12 bytes), each followed by its inline data rounded up to 4 bytes or
 * by one 4-byte out-of-line slot (a pointer, GNU Mach's i386 layout). The walker checks every size against the
 * message length and hands each item to a callback; it reads nothing outside
 * [msg, msg + size) and has no other state, so host tests drive it directly. */
#ifndef IPC_MSG_BODY_H
#define IPC_MSG_BODY_H
#include <stdint.h>
#include <stdbool.h>
#include <mach/message.h>

#define OOL_SLOT_SIZE 4

struct msg_item {
	uint32_t type_name;     /* MACH_MSG_TYPE_* */
	uint32_t size_bits;     /* of one element */
	uint32_t number;        /* of elements */
	bool is_inline;
	bool deallocate;
	bool is_port;           /* a port right disposition (not PORT_NAME) */
	uint32_t desc_offset;   /* of the type descriptor, from the start of the message */
	uint32_t data_offset;   /* from the start of the message */
	uint32_t data_bytes;    /* inline bytes (rounded) or OOL_SLOT_SIZE */
};

typedef mach_msg_return_t (*msg_item_fn)(void *ctx, uint8_t *msg, const struct msg_item *item);

/* MACH_MSG_SUCCESS, MACH_SEND_MSG_TOO_SMALL when an item runs past the end, or
 * MACH_SEND_INVALID_TYPE for a port item whose element size is not 32 bits;
 * a callback's non-success result stops the walk and is returned. */
mach_msg_return_t msg_body_walk(uint8_t *msg, uint32_t size, msg_item_fn fn, void *ctx);
/* The one item whose descriptor starts at offset off, with the walk's
 * checks and results (a caller that noted where an item lies reads it again
 * without walking to it). */
mach_msg_return_t msg_item_at(const uint8_t *msg, uint32_t size, uint32_t off, struct msg_item *it);
bool msg_type_is_port(uint32_t type_name);
#endif
