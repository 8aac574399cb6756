#include "ipc/space.h"
#include "ipc/port.h"
#include "kern/printf.h"
#include "kern/string.h"
#include "vm/kalloc.h"

#define INITIAL_NAMES 64

struct ipc_space *ipc_space_create(void)
{
	struct ipc_space *s = kalloc(sizeof *s);
	if (!s)
		return NULL;
	s->table = kalloc(INITIAL_NAMES * sizeof *s->table);
	if (!s->table) {
		kfree(s);
		return NULL;
	}
	s->size = INITIAL_NAMES;
	return s;
}

/* Give back what one entry holds. */
static void release_entry(struct ipc_entry *e)
{
	struct ipc_port *p = e->port;
	if (!p)
		return;
	if (e->type & MACH_PORT_TYPE_RECEIVE)
		ipc_port_destroy(p);
	if ((e->type & MACH_PORT_TYPE_SEND) && p->srights)
		p->srights--;                     /* an entry counts once, whatever its urefs */
	if ((e->type & MACH_PORT_TYPE_SEND_ONCE) && p->sorights)
		p->sorights--;
	ipc_port_release(p);
	e->port = NULL;
	e->type = 0;
	e->urefs = 0;
}

void ipc_space_destroy(struct ipc_space *s)
{
	for (uint32_t i = 1; i < s->size; i++)
		if (s->table[i].type)
			release_entry(&s->table[i]);
	kfree(s->table);
	kfree(s);
}

struct ipc_entry *ipc_space_lookup(struct ipc_space *s, mach_port_name_t name)
{
	if (name == 0 || name >= s->size || !s->table[name].type)
		return NULL;
	struct ipc_entry *e = &s->table[name];
	if (e->port && !e->port->active && !(e->type & MACH_PORT_TYPE_RECEIVE)) {
		/* The port died: the right turns into a dead name, keeping its urefs. */
		uint32_t urefs = e->urefs ? e->urefs : 1;
		ipc_port_release(e->port);
		e->port = NULL;
		e->type = MACH_PORT_TYPE_DEAD_NAME;
		e->urefs = urefs;
	}
	return e;
}

static mach_port_name_t free_name(struct ipc_space *s)
{
	for (uint32_t i = 1; i < s->size; i++)
		if (!s->table[i].type)
			return i;
	if (s->size >= IPC_SPACE_MAX_NAMES)
		return 0;
	uint32_t bigger = s->size * 2;
	struct ipc_entry *t = kalloc(bigger * sizeof *t);
	if (!t)
		return 0;
	memcpy(t, s->table, s->size * sizeof *t);
	kfree(s->table);
	mach_port_name_t name = s->size;
	s->table = t;
	s->size = bigger;
	return name;
}

mach_port_name_t ipc_space_insert(struct ipc_space *s, struct ipc_port *p, mach_port_type_t right)
{
	if (right != MACH_PORT_TYPE_SEND_ONCE) {
		/* Send and receive rights for one port share a name. */
		for (uint32_t i = 1; i < s->size; i++) {
			struct ipc_entry *e = &s->table[i];
			if (e->port == p && (e->type & (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_RECEIVE))) {
				if (right == MACH_PORT_TYPE_SEND) {
					if (e->type & MACH_PORT_TYPE_SEND)
						p->srights--;     /* the entry already counts as one */
					e->urefs++;
				}
				e->type |= right;
				ipc_port_release(p);      /* the entry holds one reference */
				if (right == MACH_PORT_TYPE_RECEIVE) {
					p->receiver = s;
					p->receiver_name = i;
				}
				return i;
			}
		}
	}
	mach_port_name_t name = free_name(s);
	if (name && !ipc_space_insert_at(s, name, p, right))
		name = 0;
	return name;
}

bool ipc_space_insert_at(struct ipc_space *s, mach_port_name_t name, struct ipc_port *p, mach_port_type_t right)
{
	while (name >= s->size)
		if (!free_name(s) && name >= s->size)
			return false;
	struct ipc_entry *e = &s->table[name];
	if (e->type)
		return false;
	e->port = p;
	e->type = right;
	e->urefs = right == MACH_PORT_TYPE_SEND ? 1 : 0;
	if (right == MACH_PORT_TYPE_RECEIVE) {
		p->receiver = s;
		p->receiver_name = name;
	}
	s->in_use++;
	return true;
}

void ipc_space_free_entry(struct ipc_space *s, mach_port_name_t name)
{
	struct ipc_entry *e = &s->table[name];
	e->port = NULL;
	e->type = 0;
	e->urefs = 0;
	s->in_use--;
}
