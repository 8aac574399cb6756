/* Devices the kernel serves itself, beside the user-space drivers of
 * device/registry.h: device_open of one of their names on the device
 * master port is answered by the kernel with the device's port, a kernel
 * object (IKOT_DEVICE) whose requests device.defs' server stubs hand to the
 * routines in kernel_device.c. A device implements what its table entry
 * gives (only device_map so far); device_close always succeeds and every
 * other device routine answers D_INVALID_OPERATION.
 *
 * The table: "time", the mapped time (kern/mapped_time.h). */
#ifndef KERN_KERNEL_DEVICE_H
#define KERN_KERNEL_DEVICE_H
#include <stdbool.h>
#include <mach/kern_return.h>
#include <mach/vm_prot.h>
#include <mach/machine/vm_types.h>

struct ipc_port;

struct kernel_device {
	const char *name;
	/* device_map: a send right to the memory object for [offset,
	 * offset + size), or an error; NULL when the device cannot be mapped. */
	kern_return_t (*map)(vm_prot_t prot, vm_offset_t offset, vm_size_t size, struct ipc_port **object);
	struct ipc_port *port;       /* made by kernel_devices_init, never dies */
};

/* Make every device's port and the devices' state (after host_init and clock_init). */
void kernel_devices_init(void);
/* Whether name (NUL-terminated) is one of the kernel's devices. */
bool kernel_device_exists(const char *name);
#endif
