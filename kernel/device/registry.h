/* Device names behind the device master port. User-space drivers publish the
 * names they serve (sm_device_register); a client's device_open on the master
 * port is handed, unchanged, to the driver that registered the name, which
 * answers on the client's reply port. So a client written for GNU Mach's
 * device interface reaches a user-space driver without knowing it is one.
 * Scope: names only; the kernel does not look at any other device request.
 * The kernel's own devices (kern/kernel_device.h) come first: a device_open
 * of one of their names is answered by the kernel, and no driver may
 * register such a name (KERN_NAME_EXISTS).
 * Registering needs the device master port (boot modules hold it at name 2)
 * and a port some task receives on: never null, dead or a kernel object's.
 * The table has 32 names; a name whose driver's port has died is taken over
 * by the next registration of that name, or of any name when the table is
 * full. */
#ifndef DEVICE_REGISTRY_H
#define DEVICE_REGISTRY_H
#include <stdbool.h>

#define DEVICE_OPEN_MSG_ID 2800     /* device_open / device_open_request in device.defs */
#define D_NO_SUCH_DEVICE   2502     /* device.defs' error for an unknown name */

/* device_master_receive (device_layer.h) consumes a message sent to the device
 * master port: forwards a device_open to the registered driver, or answers it
 * (or anything else) with an error. */
/* The i-th registered name and its driver's port (alive or dead), in table
 * order; false past the end. */
struct ipc_port;
bool device_registry_at(int i, const char **name, struct ipc_port **port);
#endif
