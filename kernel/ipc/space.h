/* A task's port name space: names (small integers) mapped to rights. All send
 * rights a space holds for one port share one name, counted in user
 * references; each send-once right has a name of its own; a receive right shares
 * the name of the send rights for its port. A port set and a dead name (a right
 * whose port died) are entries too. */
#ifndef IPC_SPACE_H
#define IPC_SPACE_H
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include <mach/port.h>
#include <mach/kern_return.h>
#include "ipc/port.h"

struct ipc_port;

struct ipc_entry {
	struct ipc_port *port;        /* one reference for the whole entry */
	mach_port_type_t type;        /* MACH_PORT_TYPE_* bits; 0 when free */
	uint32_t urefs;               /* send rights (or dead-name references) */
};

struct ipc_space {
	struct ipc_entry *table;
	uint32_t size;
	uint32_t in_use;
	uint32_t free_from;           /* every name in [1, free_from) is in use */
};

#define IPC_SPACE_MAX_NAMES 65536

struct ipc_space *ipc_space_create(void);
/* Release every right in the space: receive rights destroy their ports. */
void ipc_space_destroy(struct ipc_space *s);
/* The entry for name, or NULL if the name is not in use. A send right to a port
 * that has died reads as a dead name. Inline: every message looks names up
 * several times; a right whose port may have died goes through
 * ipc_space_lookup_dead, which turns it into a dead name then. */
struct ipc_entry *ipc_space_lookup_dead(struct ipc_entry *e);
static inline struct ipc_entry *ipc_space_lookup(struct ipc_space *s, mach_port_name_t name)
{
	if (name == 0 || name >= s->size || !s->table[name].type)
		return NULL;
	struct ipc_entry *e = &s->table[name];
	return e->port && !e->port->active ? ipc_space_lookup_dead(e) : e;
}
/* Insert a right the caller holds (its port reference moves into the space):
 * MACH_PORT_TYPE_SEND, _SEND_ONCE or _RECEIVE. Returns the name, or 0 when the
 * space is full. */
mach_port_name_t ipc_space_insert(struct ipc_space *s, struct ipc_port *p, mach_port_type_t right);
/* Insert at a chosen name (the boot ports at 1 and 2); false if it is taken. */
bool ipc_space_insert_at(struct ipc_space *s, mach_port_name_t name, struct ipc_port *p, mach_port_type_t right);
/* Drop the entry at name entirely (its rights are already accounted for). */
void ipc_space_free_entry(struct ipc_space *s, mach_port_name_t name);
/* Drop the entry at name and every right it holds: a receive right or port
 * set is destroyed, send rights released, a send-once right destroyed (its
 * port is told), a dead-name request turns into a port-deleted notification. */
void ipc_space_release_entry(struct ipc_space *s, mach_port_name_t name);
#endif
