#include "ipc/space.h"
#include "ipc/port.h"
#include "ipc/notify.h"
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

void ipc_space_release_entry(struct ipc_space *s, mach_port_name_t name)
{
	struct ipc_entry *e = &s->table[name];
	struct ipc_port *p = e->port;
	mach_port_type_t type = e->type;
	ipc_space_free_entry(s, name);
	if (!p)
		return;                           /* a dead name */
	if (type & (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_SEND_ONCE))
		ipc_dnrequest_name_deleted(p, s, name);
	if (type & (MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_PORT_SET))
		ipc_port_destroy(p);
	/* The entry's one reference goes with the right it held last. */
	if (type & MACH_PORT_TYPE_SEND)
		ipc_port_release_send(p);         /* an entry counts once, whatever its urefs */
	else if (type & MACH_PORT_TYPE_SEND_ONCE)
		ipc_port_destroy_send_once(p);
	else
		ipc_port_release(p);
}

void ipc_space_destroy(struct ipc_space *s)
{
	for (uint32_t i = 1; i < s->size; i++)
		if (s->table[i].type)
			ipc_space_release_entry(s, i);
	kfree(s->table);
	kfree(s);
}

struct ipc_entry *ipc_space_lookup_dead(struct ipc_entry *e)
{
	if (e->port && !e->port->active && !(e->type & (MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_PORT_SET))) {
		/* The port died: the right turns into a dead name, keeping its user
		 * references (a send-once right counts as one). */
		uint32_t urefs = e->type & MACH_PORT_TYPE_SEND_ONCE ? e->urefs + 1 : e->urefs;
		if (e->type & MACH_PORT_TYPE_SEND)
			ipc_port_release_send(e->port);
		else
			ipc_port_release_send_once(e->port);
		e->port = NULL;
		e->type = MACH_PORT_TYPE_DEAD_NAME;
		e->urefs = urefs;
	}
	return e;
}

/* Make the table hold at least size names; false without memory or past
 * the cap. The test for room already there is inline (every insertion
 * makes it); growing is not. */
static __attribute__((noinline)) bool grow_table(struct ipc_space *s, uint32_t size);
static inline bool grow(struct ipc_space *s, uint32_t size)
{
	return size <= s->size || grow_table(s, size);
}

static bool grow_table(struct ipc_space *s, uint32_t size)
{
	if (size > IPC_SPACE_MAX_NAMES)
		return false;
	uint32_t bigger = s->size;
	while (bigger < size)
		bigger *= 2;
	struct ipc_entry *t = kalloc(bigger * sizeof *t);
	if (!t)
		return false;
	memcpy(t, s->table, s->size * sizeof *t);
	kfree(s->table);
	s->table = t;
	s->size = bigger;
	return true;
}

/* The lowest free name, as before free_from was kept: the search starts
 * there instead of at 1. */
static mach_port_name_t free_name(struct ipc_space *s)
{
	uint32_t i = s->free_from ? s->free_from : 1;
	for (; i < s->size; i++)
		if (!s->table[i].type) {
			s->free_from = i;
			return i;
		}
	s->free_from = s->size;
	mach_port_name_t name = s->size;
	return grow(s, s->size + 1) ? name : 0;
}

_Static_assert(IPC_SPACE_MAX_NAMES <= 65536, "struct ipc_port's named_as holds a name in 16 bits");

/* The name under which s holds a send or receive right for p, or 0. There
 * is at most one (such rights share a name); the port remembers where it
 * was last named, so the table is searched only when that guess fails. */
static mach_port_name_t send_or_receive_name(struct ipc_space *s, struct ipc_port *p)
{
	uint32_t i = p->named_as;
	if (p->named_in == s && i < s->size && s->table[i].port == p &&
	    (s->table[i].type & (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_RECEIVE)))
		return i;
	for (i = 1; i < s->size; i++) {
		struct ipc_entry *e = &s->table[i];
		if (e->port == p && (e->type & (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_RECEIVE))) {
			p->named_in = s;
			p->named_as = i;
			return i;
		}
	}
	return 0;
}

mach_port_name_t ipc_space_insert(struct ipc_space *s, struct ipc_port *p, mach_port_type_t right)
{
	if (right != MACH_PORT_TYPE_SEND_ONCE) {
		/* Send and receive rights for one port share a name. */
		uint32_t i = send_or_receive_name(s, p);
		if (i) {
			struct ipc_entry *e = &s->table[i];
			if (right == MACH_PORT_TYPE_SEND) {
				if (e->type & MACH_PORT_TYPE_SEND)
					p->srights--;     /* the entry already counts as one */
				e->urefs++;
			}
			e->type |= right;
			ipc_port_release(p);      /* the entry holds one reference */
			if (right == MACH_PORT_TYPE_RECEIVE)
				ipc_port_set_receiver(p, s, i);
			return i;
		}
	}
	mach_port_name_t name = free_name(s);
	if (name && right == MACH_PORT_TYPE_SEND_ONCE) {
		/* Every request's reply right: the entry ipc_space_insert_at
		 * would make, without its checks, which free_name's name (free,
		 * in the table, under the cap) passes. */
		struct ipc_entry *e = &s->table[name];
		e->port = p;
		e->type = MACH_PORT_TYPE_SEND_ONCE;
		e->urefs = 0;
		s->in_use++;
		return name;
	}
	if (name && !ipc_space_insert_at(s, name, p, right))
		name = 0;
	return name;
}

bool ipc_space_insert_at(struct ipc_space *s, mach_port_name_t name, struct ipc_port *p, mach_port_type_t right)
{
	if (name == 0 || name >= IPC_SPACE_MAX_NAMES || !grow(s, name + 1))
		return false;
	struct ipc_entry *e = &s->table[name];
	if (e->type)
		return false;
	e->port = p;
	e->type = right;
	e->urefs = right == MACH_PORT_TYPE_SEND || right == MACH_PORT_TYPE_DEAD_NAME ? 1 : 0;
	if (p && (right & (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_RECEIVE))) {
		p->named_in = s;
		p->named_as = name;
	}
	/* Test the bit: a rename re-inserts a send+receive entry whole, and the
	 * name its messages report (kmsg_copyout) must follow it. */
	if (right & (MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_PORT_SET))
		ipc_port_set_receiver(p, s, name);
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
	if (name < s->free_from)
		s->free_from = name;
}
