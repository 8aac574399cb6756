/* device-reply.h - the message a client of device_read_request receives:
 * device_reply.defs' device_read_reply (id 2904), as gen/device_reply_user.c
 * lays it out: the header, the return code, then the data out of line
 * (a long-form type word and the pointer).  For tests that keep several
 * reads in flight (test-blk-smoke, test-rng). */
#ifndef TESTS_DEVICE_REPLY_H
#define TESTS_DEVICE_REPLY_H
#include <mach/message.h>
#include <device/device_types.h>

struct read_reply {
	mach_msg_header_t head;
	mach_msg_type_t code_type;
	kern_return_t code;
	mach_msg_type_long_t data_type;
	io_buf_ptr_t data;
};

#endif
