#include "ipc/kmsg.h"
#include "ipc/msg_body.h"
#include "ipc/ool.h"
#include "ipc/port.h"
#include "ipc/notify.h"
#include "ipc/space.h"
#include "ipc/transit.h"
#include "device/device_layer.h"
#include "kern/printf.h"
#include "kern/string.h"
#include "vm/kalloc.h"

/* Small messages kept by kmsg_free for the next kmsg_alloc: an RPC
 * allocates and frees a message each way, and a block client's 32 requests
 * in flight, queued at a busy server, and their replies queued for it,
 * hold that many at once; the heap's size-class lookup, free-list work and
 * block checks were most of what each cost. The first is the spare, taken
 * and given back with one test (all an RPC at a time needs); up to
 * KMSG_CACHE_MAX more wait in a list behind it. Every message of up to
 * KMSG_SMALL_ROOM bytes gets that much room, so any one of them can serve
 * for any other. */
#define KMSG_CACHE_MAX 64
static struct kmsg *kmsg_spare, *kmsg_cache;
static uint32_t kmsg_cached;

struct kmsg *kmsg_alloc(uint32_t size)
{
	uint32_t room = size <= KMSG_SMALL_ROOM ? KMSG_SMALL_ROOM : size;
	struct kmsg *m = room == KMSG_SMALL_ROOM ? kmsg_spare : NULL;
	if (m) {
		kmsg_spare = NULL;
	} else if (room == KMSG_SMALL_ROOM && (m = kmsg_cache)) {
		kmsg_cache = m->next;
		kmsg_cached--;
	} else {
		m = kalloc_unzeroed(sizeof *m + room);
	}
	if (m) {
		/* Each field but active[] (read only when noted says so). */
		m->next = NULL;
		m->size = size;
		m->arrival = 0;
		m->beyond_qlimit = false;
		m->noted = 0;
		m->event = NULL;
		m->room = room;
		msg_header_copy(m->hdr, &(const mach_msg_header_t){ 0 });
	}
	return m;
}

void kmsg_free(struct kmsg *m)
{
	if (m && m->room == KMSG_SMALL_ROOM && !kmsg_spare) {
		kmsg_spare = m;
	} else if (m && m->room == KMSG_SMALL_ROOM && kmsg_cached < KMSG_CACHE_MAX) {
		m->next = kmsg_cache;
		kmsg_cache = m;
		kmsg_cached++;
	} else {
		kfree(m);
	}
}

void kmsg_spare_release(void)
{
	kfree(kmsg_spare);
	kmsg_spare = NULL;
	while (kmsg_cache) {
		struct kmsg *m = kmsg_cache;
		kmsg_cache = m->next;
		kfree(m);
	}
	kmsg_cached = 0;
}

/* Walk the port items of a kernel-form body that lie before `limit`. */
struct body_walk { struct ipc_space *space; uint32_t limit; mach_msg_return_t error; };

static mach_msg_return_t release_item(void *ctx, uint8_t *msg, const struct msg_item *it)
{
	struct body_walk *w = ctx;
	if (it->data_offset > w->limit)
		return MACH_MSG_SUCCESS;
	if (!it->is_inline) {
		ool_destroy_slot((ool_slot_t *)(msg + it->data_offset));
		return MACH_MSG_SUCCESS;
	}
	if (!it->is_port)
		return MACH_MSG_SUCCESS;
	uint32_t *names = (uint32_t *)(msg + it->data_offset);
	for (uint32_t i = 0; i < it->number; i++)
		if (ipc_port_from_word(names[i]))
			ipc_right_destroy(ipc_port_from_word(names[i]), it->type_name);
	return MACH_MSG_SUCCESS;
}

static void release_body(struct kmsg *m, uint32_t limit)
{
	struct body_walk w = { NULL, limit, 0 };
	msg_body_walk((uint8_t *)m->hdr, m->size, release_item, &w);
}

void kmsg_destroy(struct kmsg *m)
{
	if (m->event)
		device_event_taken(m);      /* never received: its source is re-armed all the same */
	mach_msg_bits_t bits = m->hdr->msgh_bits;
	ipc_right_destroy(kmsg_remote(m), MACH_MSGH_BITS_REMOTE(bits));
	if (ipc_port_from_word(m->hdr->msgh_local_port))
		ipc_right_destroy(kmsg_local(m), MACH_MSGH_BITS_LOCAL(bits));
	if (bits & MACH_MSGH_BITS_COMPLEX)
		release_body(m, m->size);
	kmsg_free(m);
}

/* Whether entry e (NULL: the name is not in use) holds the right a
 * disposition takes or makes. Always inline: kmsg_copyin asks it twice per
 * message, and the call cost more than the test. */
static inline __attribute__((always_inline)) bool entry_holds(const struct ipc_entry *e, uint32_t disposition)
{
	if (!e)
		return false;
	switch (disposition) {
	case MACH_MSG_TYPE_MAKE_SEND:
	case MACH_MSG_TYPE_MAKE_SEND_ONCE:
	case MACH_MSG_TYPE_MOVE_RECEIVE:
		return e->type & MACH_PORT_TYPE_RECEIVE;
	case MACH_MSG_TYPE_COPY_SEND:
	case MACH_MSG_TYPE_MOVE_SEND:
		return e->type & MACH_PORT_TYPE_SEND;
	case MACH_MSG_TYPE_MOVE_SEND_ONCE:
		return e->type & MACH_PORT_TYPE_SEND_ONCE;
	default:
		return false;
	}
}

/* Destination and reply name the same entry e: taking the destination first
 * must leave what the reply needs. A move of the only send right or of a
 * send-once right leaves nothing for a second send-based disposition. */
static bool same_name_rights_suffice(const struct ipc_entry *e, uint32_t rd, uint32_t ld)
{
	bool ld_sends = ld == MACH_MSG_TYPE_MOVE_SEND || ld == MACH_MSG_TYPE_COPY_SEND ||
			ld == MACH_MSG_TYPE_MOVE_SEND_ONCE;
	if (rd == MACH_MSG_TYPE_MOVE_SEND_ONCE)
		return !ld_sends;
	if (rd == MACH_MSG_TYPE_MOVE_SEND && (ld == MACH_MSG_TYPE_MOVE_SEND || ld == MACH_MSG_TYPE_COPY_SEND))
		return e->urefs >= 2;
	return true;
}

/* ipc_right_copyin_entry for a header right, with the dispositions that
 * only count a new right (every RPC's COPY_SEND destination and
 * MAKE_SEND_ONCE reply) done here without the call (entry_holds has
 * checked e for them, as ipc_right_copyin_entry would), and MOVE_SEND_ONCE
 * (every reply's destination), whose entry simply goes. The other moves
 * go there. */
static inline kern_return_t copyin_header_right(struct ipc_space *space, mach_port_name_t name, struct ipc_entry *e,
						uint32_t disposition, struct ipc_port **port, uint32_t *kernel_type)
{
	switch (disposition) {
	case MACH_MSG_TYPE_COPY_SEND:
		if (!e || !(e->type & MACH_PORT_TYPE_SEND))
			break;
		*port = e->port;
		e->port->srights++;
		ipc_port_ref(e->port);
		*kernel_type = MACH_MSG_TYPE_PORT_SEND;
		return KERN_SUCCESS;
	case MACH_MSG_TYPE_MAKE_SEND_ONCE:
		if (!e || !(e->type & MACH_PORT_TYPE_RECEIVE))
			break;
		*port = e->port;
		ipc_port_make_send_once(e->port);
		*kernel_type = MACH_MSG_TYPE_PORT_SEND_ONCE;
		return KERN_SUCCESS;
	case MACH_MSG_TYPE_MOVE_SEND_ONCE:       /* every reply's destination */
		if (!e || !(e->type & MACH_PORT_TYPE_SEND_ONCE))
			break;
		*port = e->port;                 /* the entry's reference moves */
		ipc_space_free_entry(space, name);
		ipc_dnrequest_name_deleted(*port, space, name);
		*kernel_type = MACH_MSG_TYPE_PORT_SEND_ONCE;
		return KERN_SUCCESS;
	}
	return ipc_right_copyin_entry(space, name, e, disposition, port, kernel_type);
}

static mach_msg_return_t copyin_item(void *ctx, uint8_t *msg, const struct msg_item *it)
{
	struct body_walk *w = ctx;
	if (!it->is_inline) {
		mach_msg_return_t r = ool_copyin(w->space, msg, it);
		if (r != MACH_MSG_SUCCESS)
			w->limit = it->data_offset;          /* its slot is empty */
		return r;
	}
	if (!it->is_port)
		return MACH_MSG_SUCCESS;
	uint32_t *names = (uint32_t *)(msg + it->data_offset);
	uint32_t kernel_type = 0;
	for (uint32_t i = 0; i < it->number; i++) {
		if (!MACH_PORT_VALID(names[i]))
			continue;                          /* NULL and DEAD travel as they are */
		struct ipc_port *p, *dest = (struct ipc_port *)((mach_msg_header_t *)msg)->msgh_remote_port;
		if (ipc_right_copyin_bound(w->space, names[i], it->type_name, dest, &p, &kernel_type) != KERN_SUCCESS) {
			for (uint32_t j = 0; j < i; j++)
				if (MACH_PORT_VALID(names[j]))
					ipc_right_release((struct ipc_port *)names[j], kernel_type);
			memset(names, 0, it->number * sizeof *names);
			w->limit = it->data_offset;
			return MACH_SEND_INVALID_RIGHT;
		}
		names[i] = (uint32_t)p;
	}
	if (!kernel_type)                              /* no valid names: type by disposition */
		kernel_type = it->type_name == MACH_MSG_TYPE_MAKE_SEND || it->type_name == MACH_MSG_TYPE_COPY_SEND
			? MACH_MSG_TYPE_PORT_SEND
			: it->type_name == MACH_MSG_TYPE_MAKE_SEND_ONCE ? MACH_MSG_TYPE_PORT_SEND_ONCE : it->type_name;
	/* Rewrite the descriptor to the right the receiver will get. */
	mach_msg_type_t *t = (mach_msg_type_t *)(msg + it->desc_offset);
	if (t->msgt_longform)
		((mach_msg_type_long_t *)t)->msgtl_name = kernel_type;
	else
		t->msgt_name = kernel_type;
	return MACH_MSG_SUCCESS;
}

/* The items of a task's body that copyin acts on (port rights and
 * out-of-line items; inline data it leaves as it is), read in one walk
 * that also makes the check for a receive right queued behind itself.
 * BODY_ITEMS_WALK: more than fit, or a body the walk refuses (the copyin
 * then walks it itself, as ever, to take and give back what lies before
 * the fault). */
#define BODY_ITEMS_MAX 4
#define BODY_ITEMS_WALK (BODY_ITEMS_MAX + 1)
struct body_items {
	uint32_t n;
	struct msg_item item[BODY_ITEMS_MAX];
	struct ipc_space *space;
	struct ipc_port *dest;
	bool cycle;
};

static mach_msg_return_t note_item(void *ctx, uint8_t *msg, const struct msg_item *it)
{
	struct body_items *b = ctx;
	if (ipc_transit_item_would_cycle(b->space, msg, it, b->dest)) {
		b->cycle = true;
		return MACH_SEND_INVALID_RIGHT;
	}
	if (it->is_inline && !it->is_port)
		return MACH_MSG_SUCCESS;
	if (b->n < BODY_ITEMS_MAX)
		b->item[b->n++] = *it;
	else
		b->n = BODY_ITEMS_WALK;
	return MACH_MSG_SUCCESS;
}

/* True if the body would queue a receive right behind itself. */
static bool read_items(struct ipc_space *space, struct kmsg *m, struct ipc_port *dest, struct body_items *b)
{
	b->n = 0;
	b->space = space;
	b->dest = dest;
	b->cycle = false;
	if (msg_body_walk((uint8_t *)m->hdr, m->size, note_item, b) != MACH_MSG_SUCCESS && !b->cycle)
		b->n = BODY_ITEMS_WALK;
	return b->cycle;
}

mach_msg_return_t kmsg_copyin(struct ipc_space *space, struct kmsg *m)
{
	mach_msg_header_t *h = m->hdr;
	uint32_t rd = MACH_MSGH_BITS_REMOTE(h->msgh_bits), ld = MACH_MSGH_BITS_LOCAL(h->msgh_bits);
	mach_port_name_t dest = h->msgh_remote_port, reply = h->msgh_local_port;
	/* Each name is looked up once for the checks and the copyin. */
	struct ipc_entry *de = MACH_PORT_VALID(dest) ? ipc_space_lookup(space, dest) : NULL;
	if (!entry_holds(de, rd) || rd == MACH_MSG_TYPE_MOVE_RECEIVE)
		return MACH_SEND_INVALID_DEST;
	bool has_reply = MACH_PORT_VALID(reply);
	struct ipc_entry *re = !has_reply ? NULL : reply == dest ? de : ipc_space_lookup(space, reply);
	if (has_reply && (!entry_holds(re, ld) || ld == MACH_MSG_TYPE_MOVE_RECEIVE))
		return MACH_SEND_INVALID_REPLY;
	if (has_reply && dest == reply && !same_name_rights_suffice(de, rd, ld))
		return MACH_SEND_INVALID_REPLY;
	struct body_items items;                      /* filled by read_items: a simple message never reads it */
	if ((h->msgh_bits & MACH_MSGH_BITS_COMPLEX) && read_items(space, m, de->port, &items))
		return MACH_SEND_INVALID_RIGHT;               /* refused before any right moves */
	struct ipc_port *dp, *rp = NULL;
	uint32_t dtype, rtype = 0;
	if (copyin_header_right(space, dest, de, rd, &dp, &dtype) != KERN_SUCCESS)
		return MACH_SEND_INVALID_DEST;
	/* Moving the destination's right may free its entry (and send a
	 * port-deleted notification), and a reply naming the same entry sees
	 * it changed: after those the reply's name is looked up again. */
	if (has_reply && (dest == reply || rd == MACH_MSG_TYPE_MOVE_SEND || rd == MACH_MSG_TYPE_MOVE_SEND_ONCE))
		re = ipc_space_lookup(space, reply);
	if (has_reply && copyin_header_right(space, reply, re, ld, &rp, &rtype) != KERN_SUCCESS) {
		ipc_right_release(dp, dtype);
		return MACH_SEND_INVALID_REPLY;
	}
	if (!dp->active) {
		ipc_right_release(dp, dtype);
		ipc_right_release(rp, rtype);
		return MACH_SEND_INVALID_DEST;
	}
	h->msgh_remote_port = (uint32_t)dp;
	h->msgh_local_port = (uint32_t)rp;
	h->msgh_bits = MACH_MSGH_BITS_OTHER(h->msgh_bits) | MACH_MSGH_BITS(dtype, rtype);
	if (!(h->msgh_bits & MACH_MSGH_BITS_COMPLEX))
		return MACH_MSG_SUCCESS;
	struct body_walk w = { space, m->size, 0 };
	mach_msg_return_t r = MACH_MSG_SUCCESS;
	if (items.n == BODY_ITEMS_WALK)
		r = msg_body_walk((uint8_t *)h, m->size, copyin_item, &w);
	else
		for (uint32_t i = 0; i < items.n && r == MACH_MSG_SUCCESS; i++)
			r = copyin_item(&w, (uint8_t *)h, &items.item[i]);
	if (r == MACH_MSG_SUCCESS && items.n <= sizeof m->active / sizeof m->active[0]) {
		for (uint32_t i = 0; i < items.n; i++)
			m->active[i] = (uint16_t)items.item[i].desc_offset;
		m->noted = (uint8_t)(items.n + 1);
	}
	if (r != MACH_MSG_SUCCESS) {
		/* The message is destroyed with the rights it already took. */
		ipc_right_release(dp, dtype);
		ipc_right_release(rp, rtype);
		if (w.limit)
			release_body(m, w.limit);
		h->msgh_remote_port = h->msgh_local_port = 0;
	}
	return r;
}

static mach_msg_return_t copyout_item(void *ctx, uint8_t *msg, const struct msg_item *it)
{
	struct body_walk *w = ctx;
	if (!it->is_inline) {
		w->error |= ool_copyout(w->space, msg, it);
		return MACH_MSG_SUCCESS;
	}
	if (!it->is_port)
		return MACH_MSG_SUCCESS;
	uint32_t *words = (uint32_t *)(msg + it->data_offset);
	for (uint32_t i = 0; i < it->number; i++)
		if (ipc_port_from_word(words[i]))
			words[i] = ipc_right_copyout(w->space, ipc_port_from_word(words[i]), it->type_name);
	return MACH_MSG_SUCCESS;
}

mach_msg_return_t kmsg_copyout(struct ipc_space *space, struct kmsg *m)
{
	if (m->event)
		device_event_taken(m);      /* the receive acknowledges an interrupt message */
	mach_msg_header_t *h = m->hdr;
	uint32_t dtype = MACH_MSGH_BITS_REMOTE(h->msgh_bits), rtype = MACH_MSGH_BITS_LOCAL(h->msgh_bits);
	struct ipc_port *dp = kmsg_remote(m), *rp = kmsg_local(m);
	mach_port_name_t dest_name = dp->receiver == space ? dp->receiver_name : MACH_PORT_NULL;
	ipc_right_release(dp, dtype);                 /* delivered: the destination right is used up */
	mach_port_name_t reply_name = rp ? ipc_right_copyout(space, rp, rtype) : MACH_PORT_NULL;
	h->msgh_remote_port = reply_name;
	h->msgh_local_port = dest_name;
	h->msgh_bits = MACH_MSGH_BITS_OTHER(h->msgh_bits) | MACH_MSGH_BITS(rp ? rtype : 0, dtype);
	if (h->msgh_bits & MACH_MSGH_BITS_COMPLEX) {
		struct body_walk w = { space, m->size, 0 };
		if (!m->noted) {
			msg_body_walk((uint8_t *)h, m->size, copyout_item, &w);
		} else {
			/* The items copyin noted: read again where they lie. */
			struct msg_item it;
			for (uint32_t i = 0; i + 1 < m->noted; i++)
				if (msg_item_at((uint8_t *)h, m->size, m->active[i], &it) == MACH_MSG_SUCCESS)
					copyout_item(&w, (uint8_t *)h, &it);
		}
		if (w.error)                               /* delivered, minus what did not fit */
			return MACH_RCV_BODY_ERROR | w.error;
	}
	return MACH_MSG_SUCCESS;
}
