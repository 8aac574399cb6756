/* Notifications: messages the kernel sends, through a send-once right a task
 * registered, when something happens to a port (GNU Mach's notify.defs ids):
 *   dead-name      a port a space names has died (the name is in the body);
 *   port-deleted   a right with a dead-name request was deallocated;
 *   no-senders     the last send right to a port is gone;
 *   port-destroyed a receive right was destroyed: it comes back in the body;
 *   send-once      a send-once right was destroyed unused (sent through it). */
#ifndef IPC_NOTIFY_H
#define IPC_NOTIFY_H
#include <mach/port.h>
#include <stdbool.h>
#include "ipc/port.h"
struct ipc_port;
struct ipc_space;

/* A space's wish to hear when port dies, with the name it uses for it. */
struct dnrequest {
	struct dnrequest *next;
	struct ipc_space *space;
	mach_port_name_t name;
	struct ipc_port *notify;      /* send-once right */
};

void ipc_notify_dead_name(struct ipc_port *notify, mach_port_name_t name);
void ipc_notify_port_deleted(struct ipc_port *notify, mach_port_name_t name);
void ipc_notify_no_senders(struct ipc_port *notify, uint32_t mscount);
void ipc_notify_send_once(struct ipc_port *port);
/* Carries the receive right of port (one reference moves with it). */
void ipc_notify_port_destroyed(struct ipc_port *notify, struct ipc_port *port);

/* Register (notify non-NULL) or cancel a dead-name request; returns the
 * previous request's send-once right, which the caller now holds. */
struct ipc_port *ipc_dnrequest_set(struct ipc_port *port, struct ipc_space *space,
				   mach_port_name_t name, struct ipc_port *notify);
/* The space no longer names port under name: a pending request turns into a
 * port-deleted notification. */
void ipc_dnrequest_name_deleted_requested(struct ipc_port *port, struct ipc_space *space, mach_port_name_t name);
/* Inline: a name is deleted on every send-once reply, and only a port
 * with dead-name requests has anything to look at. */
static inline void ipc_dnrequest_name_deleted(struct ipc_port *port, struct ipc_space *space, mach_port_name_t name)
{
	if (port->dnrequests)
		ipc_dnrequest_name_deleted_requested(port, space, name);
}
/* The port died: every request fires a dead-name notification. */
void ipc_dnrequest_fire_all(struct ipc_port *port);
#endif
