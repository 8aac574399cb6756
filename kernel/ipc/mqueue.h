/* Sending a kernel-form message to a port and receiving from one. */
#ifndef IPC_MQUEUE_H
#define IPC_MQUEUE_H
#include <mach/message.h>
struct kmsg;
struct ipc_space;
struct ipc_port;

/* Queue m on its destination (or hand it to the kernel object it names). The
 * caller has already waited for queue space; this never blocks. */
mach_msg_return_t ipc_mqueue_send(struct kmsg *m);
/* Block until dest (a name in space, with disposition) has room for one more
 * message, honouring MACH_SEND_TIMEOUT. Send-once rights never wait. */
mach_msg_return_t ipc_mqueue_wait_space(struct ipc_space *space, mach_port_name_t dest,
					uint32_t disposition, mach_msg_option_t option, uint32_t timeout_ms);
#endif
