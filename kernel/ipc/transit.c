/* Receive rights in transit and the refusal of cycles (see transit.h). */
#include "ipc/transit.h"
#include "ipc/kmsg.h"
#include "ipc/port.h"
#include "ipc/space.h"
#include "ipc/msg_body.h"
#include "ipc/ool.h"
#include "kern/printf.h"

/* No chain this long can be built by accident: each link is a port whose
 * receive right sits in a message queued on the next one. A longer one is
 * treated as a cycle rather than walked further. */
#define TRANSIT_CHAIN_MAX 4096

static bool in_transit(const struct ipc_port *p)
{
	return p->active && !p->is_set && p->kotype == IKOT_NONE && !p->receiver && p->transit_dest;
}

bool ipc_transit_would_cycle(struct ipc_port *r, struct ipc_port *dest)
{
	struct ipc_port *p = dest;
	for (uint32_t steps = 0; p; steps++) {
		if (p == r)
			return true;
		if (steps == TRANSIT_CHAIN_MAX) {
			kwarn("ipc: a chain of %u receive rights in transit: refused as a cycle\n", steps);
			return true;
		}
		if (!in_transit(p))
			return false;
		p = p->transit_dest;
	}
	return false;
}

void ipc_transit_set(struct ipc_port *r, struct ipc_port *dest)
{
	ipc_port_ref(dest);
	ipc_transit_clear(r);
	r->transit_dest = dest;
}

void ipc_transit_clear(struct ipc_port *r)
{
	struct ipc_port *old = r->transit_dest;
	r->transit_dest = NULL;
	if (old)
		ipc_port_release(old);
}

kern_return_t ipc_right_copyin_bound(struct ipc_space *space, mach_port_name_t name, uint32_t disposition,
				     struct ipc_port *dest, struct ipc_port **port, uint32_t *kernel_type)
{
	if (disposition == MACH_MSG_TYPE_MOVE_RECEIVE) {
		struct ipc_entry *e = ipc_space_lookup(space, name);
		if (e && (e->type & MACH_PORT_TYPE_RECEIVE) && ipc_transit_would_cycle(e->port, dest)) {
			kwarn("mach_msg: receive right %u would be queued behind itself: refused\n", name);
			return KERN_INVALID_CAPABILITY;
		}
	}
	kern_return_t kr = ipc_right_copyin(space, name, disposition, port, kernel_type);
	if (kr == KERN_SUCCESS && *kernel_type == MACH_MSG_TYPE_PORT_RECEIVE)
		ipc_transit_set(*port, dest);
	return kr;
}

/* Binding each receive right of a kernel-form body to dest. */
struct bind { struct ipc_port *dest; bool cycle; };

static void bind_one(struct bind *b, uintptr_t word)
{
	struct ipc_port *r = (struct ipc_port *)word;
	if (!r || word == ~(uintptr_t)0 || b->cycle)
		return;
	if (ipc_transit_would_cycle(r, b->dest))
		b->cycle = true;
	else
		ipc_transit_set(r, b->dest);
}

static mach_msg_return_t bind_item(void *ctx, uint8_t *msg, const struct msg_item *it)
{
	struct bind *b = ctx;
	if (!it->is_port)
		return MACH_MSG_SUCCESS;
	if (it->is_inline) {
		if (it->type_name != MACH_MSG_TYPE_PORT_RECEIVE)
			return MACH_MSG_SUCCESS;
		uint32_t *words = (uint32_t *)(msg + it->data_offset);
		for (uint32_t i = 0; i < it->number; i++)
			bind_one(b, words[i]);
		return MACH_MSG_SUCCESS;
	}
	struct ool *o = ool_from_slot(*(ool_slot_t *)(msg + it->data_offset));
	if (o && o->kind == OOL_PORTS && o->kernel_type == MACH_MSG_TYPE_PORT_RECEIVE)
		for (uint32_t i = 0; i < o->count; i++)
			bind_one(b, o->words[i]);
	return MACH_MSG_SUCCESS;
}

bool ipc_transit_bind_body(struct kmsg *m, struct ipc_port *dest)
{
	if (!(m->hdr->msgh_bits & MACH_MSGH_BITS_COMPLEX))
		return true;
	struct bind b = { dest, false };
	msg_body_walk((uint8_t *)m->hdr, m->size, bind_item, &b);
	if (b.cycle)
		kwarn("ipc: a kernel message would queue a receive right behind itself: destroyed\n");
	return !b.cycle;
}

/* Looking through a user-form body for a receive right that would cycle. */
bool ipc_transit_item_would_cycle(struct ipc_space *space, const uint8_t *msg, const struct msg_item *it,
				  struct ipc_port *dest)
{
	if (!it->is_inline || it->type_name != MACH_MSG_TYPE_MOVE_RECEIVE)
		return false;
	const uint32_t *names = (const uint32_t *)(msg + it->data_offset);
	for (uint32_t i = 0; i < it->number; i++) {
		struct ipc_entry *e = MACH_PORT_VALID(names[i]) ? ipc_space_lookup(space, names[i]) : NULL;
		if (e && (e->type & MACH_PORT_TYPE_RECEIVE) && ipc_transit_would_cycle(e->port, dest)) {
			kwarn("mach_msg: receive right %u would be queued behind itself: refused\n", names[i]);
			return true;
		}
	}
	return false;
}

bool ipc_kmsg_retarget(struct kmsg *m, struct ipc_port *dest)
{
	mach_msg_header_t *h = m->hdr;
	ipc_right_release(kmsg_remote(m), MACH_MSGH_BITS_REMOTE(h->msgh_bits));
	h->msgh_remote_port = (uint32_t)ipc_port_copy_send(dest);
	h->msgh_bits = MACH_MSGH_BITS_OTHER(h->msgh_bits) |
		MACH_MSGH_BITS(MACH_MSG_TYPE_PORT_SEND, MACH_MSGH_BITS_LOCAL(h->msgh_bits));
	return ipc_transit_bind_body(m, dest);
}
