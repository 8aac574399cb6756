/* Input from the kernel console (COM1): the UART interrupts on IRQ 4 for
 * every byte received, the bytes collect in a ring here, and the kernel's
 * "console" device (kern/kernel_device.h) hands them out through GNU Mach's
 * device_read_inband. A read with bytes waiting is answered at once; one
 * without waits (its reply right is kept, kobject_take_reply) until bytes
 * arrive, unless its mode has D_NOWAIT (D_WOULD_BLOCK then). Bytes are
 * delivered as received, without echo or line editing: the console task
 * does those. When the ring is full further bytes are dropped and counted. */
#ifndef KERN_CONSOLE_INPUT_H
#define KERN_CONSOLE_INPUT_H
#include <stdint.h>
#include <mach/kern_return.h>
#include <mach/message.h>

struct ipc_port;

/* Hook IRQ 4 and turn on the UART's receive interrupt (after pic_init). */
void console_input_init(void);
/* device_read_inband of "console": up to wanted bytes (at most 128) into
 * data now, or MIG_NO_REPLY with the reply right (of type reply_type) kept
 * to answer when bytes arrive. */
kern_return_t console_input_read(struct ipc_port *reply, uint32_t reply_type, int mode, int wanted,
				 char *data, mach_msg_type_number_t *count);
/* Bytes received and bytes dropped on a full ring since boot. */
void console_input_counts(uint32_t *received, uint32_t *dropped);
#endif
