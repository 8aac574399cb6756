/* The host's kernel objects: the host port and the device master port that the
 * boot tasks receive at names 1 and 2. */
#ifndef KERN_HOST_H
#define KERN_HOST_H
struct ipc_port;
void host_init(void);
struct ipc_port *host_port(void);
struct ipc_port *device_master_port(void);
#endif
