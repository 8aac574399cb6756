/* The mach_msg system call (GNU Mach trap -25). */
#ifndef IPC_MACH_MSG_H
#define IPC_MACH_MSG_H
#include <stdint.h>
#include <mach/message.h>
mach_msg_return_t mach_msg_trap_impl(uintptr_t msg, mach_msg_option_t option, uint32_t send_size,
				     uint32_t rcv_size, mach_port_name_t rcv_name, uint32_t timeout_ms);
#endif
