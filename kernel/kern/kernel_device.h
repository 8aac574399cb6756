/* Devices the kernel serves itself, beside the user-space drivers of
 * device/registry.h: device_open of one of their names on the device
 * master port is answered by the kernel with the device's port, a kernel
 * object (IKOT_DEVICE) whose requests device.defs' server stubs hand to the
 * routines in kernel_device.c. A device implements what its table entry
 * gives (device_map, device_read_inband, device_write_inband); device_close
 * always succeeds and every other device routine answers
 * D_INVALID_OPERATION.
 *
 * The table: "time", the mapped time (kern/mapped_time.h); "console", the
 * serial console: reads take what was typed (kern/console_input.h), writes
 * print. */
#ifndef KERN_KERNEL_DEVICE_H
#define KERN_KERNEL_DEVICE_H
#include <stdbool.h>
#include <stdint.h>
#include <mach/kern_return.h>
#include <mach/vm_prot.h>
#include <mach/machine/vm_types.h>

struct ipc_port;

struct kernel_device {
	const char *name;
	/* device_map: a send right to the memory object for [offset,
	 * offset + size), or an error; NULL when the device cannot be mapped. */
	kern_return_t (*map)(vm_prot_t prot, vm_offset_t offset, vm_size_t size, struct ipc_port **object);
	/* device_read_inband: at most 128 bytes into data, or MIG_NO_REPLY
	 * having kept reply to answer later; NULL when unreadable. */
	kern_return_t (*read_inband)(struct ipc_port *reply, uint32_t reply_type, int mode, int wanted, char *data,
				     unsigned *count);
	/* device_write_inband: count bytes (at most 128); NULL when unwritable. */
	kern_return_t (*write_inband)(const char *data, unsigned count, int *written);
	struct ipc_port *port;       /* made by kernel_devices_init, never dies */
};

/* Make every device's port and the devices' state (after host_init and clock_init). */
void kernel_devices_init(void);
/* Whether name (NUL-terminated) is one of the kernel's devices. */
bool kernel_device_exists(const char *name);
/* The i-th kernel device's name, or NULL past the end. */
const char *kernel_device_name(unsigned i);
#endif
