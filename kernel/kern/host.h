/* The host's kernel objects. As in GNU Mach there are two host ports: the
 * host port (mach_host_self() names it for any task) answers questions about
 * the machine; the privileged host port also allows what only a trusted task
 * may do (reboot, physically contiguous memory for DMA). Boot modules receive
 * the privileged host port at name 1 and the device master port at name 2;
 * other tasks get them only from a task that has them. */
#ifndef KERN_HOST_H
#define KERN_HOST_H
#include <stdbool.h>
#include <stdint.h>
struct ipc_port;
void host_init(void);
struct ipc_port *host_port(void);
struct ipc_port *host_priv_port(void);
struct ipc_port *device_master_port(void);
/* A routine's host argument (a port word from a request): either host port,
 * for what GNU Mach allows with host_t. */
bool host_port_word_ok(uint32_t port_word);
/* Only the privileged host port, for what GNU Mach reserves to host_priv_t. */
bool host_priv_port_word_ok(uint32_t port_word);
/* As host_priv_port_word_ok, and a kwarn naming the calling task and
 * routine when it is not the privileged host port. */
bool host_priv_required(uint32_t port_word, const char *routine);
#endif
