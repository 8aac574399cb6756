/* Kernel objects: messages to ports the kernel owns (host, task, thread, ...)
 * are served at once, in the sender's context, by the MIG server stubs of the
 * interfaces below, generated from GNU Mach's own .defs (and the project's).
 *
 * Conventions for the routines behind the stubs:
 * - Port arguments arrive as struct ipc_port pointers (in mach_port_t words),
 *   or as MACH_PORT_NULL / MACH_PORT_DEAD: read them with ipc_port_from_word()
 *   or ipc_port_kobject(), never by a cast. The destination is the object
 *   the routine acts on; the routine checks its type with ipc_port_kobject().
 *   A polymorphic argument is a port only if its type is a right
 *   (ipc_port_type_is_right).
 * - A port right in the request body belongs to the routine when it returns
 *   KERN_SUCCESS (or MIG_NO_REPLY); on any error the kernel releases it.
 * - A port a routine returns is a pointer that already holds the right handed
 *   out (made with ipc_port_make_send and the like), or NULL.
 * - Out-of-line items (pointer_t, port arrays) arrive and leave as struct ool
 *   pointers in their 4-byte slots: read them with ool_from_slot/ool_read,
 *   return them with ool_data_from_kernel/ool_port_array (see ipc/ool.h).
 *   A request's OOL memory is always freed by the kernel after the routine.
 * - Routines not implemented yet are weak defaults (tools/mig-defaults.py)
 *   that log and answer MIG_BAD_ID. */
#include "ipc/kobject.h"
#include "ipc/kmsg.h"
#include "ipc/msg_body.h"
#include "ipc/ool.h"
#include "ipc/mqueue.h"
#include "ipc/port.h"
#include "ipc/transit.h"
#include "kern/printf.h"
#include "kern/string.h"
#include "device/device_layer.h"
#include "vm/kalloc.h"
#include "ipc/mach_msg.h"
#include "ipc/rpc_send.h"
#include "ipc/space.h"
#include "kern/task.h"
#include "kern/thread.h"
#include <mach/mig_errors.h>
#include <stdbool.h>

#define KOBJECT_REPLY_MAX 8192

typedef boolean_t (*demux_t)(mach_msg_header_t *in, mach_msg_header_t *out);
extern boolean_t smhost_server(mach_msg_header_t *, mach_msg_header_t *);
extern boolean_t mach_server(mach_msg_header_t *, mach_msg_header_t *);
extern boolean_t mach_port_server(mach_msg_header_t *, mach_msg_header_t *);
extern boolean_t mach_host_server(mach_msg_header_t *, mach_msg_header_t *);
extern boolean_t mach_host_ext_server(mach_msg_header_t *, mach_msg_header_t *);
extern boolean_t gnumach_server(mach_msg_header_t *, mach_msg_header_t *);
extern boolean_t device_server(mach_msg_header_t *, mach_msg_header_t *);
extern boolean_t mach_i386_server(mach_msg_header_t *, mach_msg_header_t *);
extern boolean_t mach_i386_ext_server(mach_msg_header_t *, mach_msg_header_t *);
extern boolean_t smtime_server(mach_msg_header_t *, mach_msg_header_t *);
extern boolean_t sminfo_server(mach_msg_header_t *, mach_msg_header_t *);
static const demux_t interfaces[] = {
	mach_server, mach_port_server, mach_host_server, mach_host_ext_server, gnumach_server, smhost_server,
	device_layer_server, device_server, mach_i386_server, mach_i386_ext_server, smtime_server, sminfo_server,
};

#define NINTERFACES (sizeof interfaces / sizeof interfaces[0])

/* Which interface served a message id first in the order above, for the
 * ids seen last (a slot per id modulo the table's size). A demux answers
 * FALSE for an id it has no routine for, changing nothing the next one
 * does not overwrite, and whether it serves an id never changes; so trying
 * the remembered one for that very id first serves exactly what the loop
 * over all of them would, usually with one call instead of up to
 * NINTERFACES. */
static struct { mach_msg_id_t id; uint8_t index; } served_by[256];

static bool serve(mach_msg_header_t *in, mach_msg_header_t *out)
{
	typeof(served_by[0]) *hint = &served_by[(uint32_t)in->msgh_id % 256];
	if (hint->index && hint->id == in->msgh_id && interfaces[hint->index - 1](in, out))
		return true;
	for (unsigned i = 0; i < NINTERFACES; i++)
		if (interfaces[i](in, out)) {
			hint->id = in->msgh_id;
			hint->index = i + 1;
			return true;
		}
	return false;
}

/* Set by a routine that keeps the request's reply right to answer later
 * (it returns MIG_NO_REPLY); per nesting level of kobject_receive. */
static bool reply_taken;
void kobject_take_reply(void) { reply_taken = true; }

kern_return_t mig_not_implemented(const char *routine)
{
	kwarn("kernel: %s is not implemented\n", routine);
	return MIG_BAD_ID;
}

/* A reply carrying only a return code (its ports are set when it is sent). */
static void error_reply(mig_reply_header_t *out, mach_msg_id_t request_id, kern_return_t code)
{
	memset(out, 0, sizeof *out);
	out->Head.msgh_size = sizeof *out;
	out->Head.msgh_id = request_id + 100;
	out->RetCodeType = KMSG_INT32_TYPE;
	out->RetCode = code;
}

static mach_msg_return_t fix_reply_item(void *ctx, uint8_t *msg, const struct msg_item *it)
{
	(void)ctx;
	if (!it->is_port)
		return MACH_MSG_SUCCESS;          /* OOL data: the routine's slot holds a struct ool (ipc/ool.h) */
	mach_msg_type_t *t = (mach_msg_type_t *)(msg + it->desc_offset);
	if (t->msgt_longform)
		((mach_msg_type_long_t *)t)->msgtl_name = ipc_right_kernel_type(it->type_name);
	else
		t->msgt_name = ipc_right_kernel_type(it->type_name);
	return MACH_MSG_SUCCESS;
}

void kobject_reply_error(struct kmsg *m, kern_return_t code)
{
	mach_msg_header_t *in = m->hdr;
	struct ipc_port *reply = kmsg_local(m);
	uint32_t rtype = MACH_MSGH_BITS_LOCAL(in->msgh_bits);
	mach_msg_id_t id = in->msgh_id;
	in->msgh_local_port = 0;                          /* the reply right moves to r */
	in->msgh_bits &= ~MACH_MSGH_BITS_LOCAL_MASK;
	kmsg_destroy(m);
	if (!reply)
		return;
	struct kmsg *r = kmsg_alloc(sizeof(mig_reply_header_t));
	if (!r) {
		ipc_right_destroy(reply, rtype);
		return;
	}
	mig_reply_header_t *out = (mig_reply_header_t *)r->hdr;
	error_reply(out, id, code);
	out->Head.msgh_remote_port = (uint32_t)reply;
	out->Head.msgh_bits = MACH_MSGH_BITS(rtype, 0);
	ipc_mqueue_send(r);
}

/* The stub writes its reply into a scratch buffer; only the reply's real
 * size is allocated afterwards, and only if it is queued rather than written
 * into the caller's receive buffer. A routine that sends to a kernel object
 * itself nests here, and a call made while another thread is blocked inside
 * a routine comes here with the scratch buffer taken: each gets a buffer of
 * its own. NULL when the heap is exhausted. */
static uint32_t scratch[KOBJECT_REPLY_MAX / 4];
static int depth;

static mig_reply_header_t *reply_buffer_get(void)
{
	mig_reply_header_t *out = depth ? kalloc(KOBJECT_REPLY_MAX) : (mig_reply_header_t *)scratch;
	if (out)
		depth++;
	return out;
}

static void reply_buffer_put(mig_reply_header_t *out)
{
	if (out != (mig_reply_header_t *)scratch)
		kfree(out);
	depth--;                                        /* the scratch buffer is free again */
}

/* Run the routine for request in (kernel form, as a receiver sees it:
 * remote the reply port, local the object), its reply written to out, which
 * always holds a reply afterwards unless it is MIG_NO_REPLY. *reply_kept:
 * the routine holds the request's reply right now (kobject_take_reply).
 * Returns whether the routine took the body's rights (it succeeded). */
static bool run_routine(mach_msg_header_t *in, mig_reply_header_t *out, bool *reply_kept)
{
	mach_msg_id_t id = in->msgh_id;
	bool outer_taken = reply_taken;
	reply_taken = false;
	bool served = serve(in, &out->Head);
	*reply_kept = reply_taken && served && out->RetCode == MIG_NO_REPLY;
	reply_taken = outer_taken;
	if (!served) {
		kwarn("kernel object: no routine for message id %d\n", id);
		error_reply(out, id, MIG_BAD_ID);
	}
	bool body_taken = served && (out->RetCode == KERN_SUCCESS || out->RetCode == MIG_NO_REPLY);
	if (out->RetCode != MIG_NO_REPLY &&
	    (out->Head.msgh_size > KOBJECT_REPLY_MAX || out->Head.msgh_size < sizeof(mig_reply_header_t))) {
		kwarn("kernel object: routine %d wrote a reply of %u bytes\n", id, out->Head.msgh_size);
		error_reply(out, id, KERN_FAILURE);             /* a routine bug: answer, never hang */
	}
	return body_taken;
}

/* The request of size bytes is used up: the destination right goes, and
 * the body's OOL memory too if the routine took the body (its rights are
 * the routine's then). What is left in it is the caller's to destroy: the
 * body's rights when the routine failed. The header then holds no right. */
static void release_request(mach_msg_header_t *in, uint32_t size, bool body_taken, struct ipc_port *dest,
			    uint32_t dtype)
{
	if (body_taken) {
		ool_clean_request(in, size);              /* OOL memory stays the kernel's to free */
		in->msgh_bits &= ~MACH_MSGH_BITS_COMPLEX;
	}
	ipc_right_release(dest, dtype);                 /* used, even a send-once one */
	in->msgh_local_port = 0;
	in->msgh_remote_port = 0;
	in->msgh_bits = MACH_MSGH_BITS_OTHER(in->msgh_bits);
}

/* Send the reply in out (a routine's, to request id) to reply with a right
 * of kernel type rtype (reply NULL: nobody to answer, the reply's rights
 * are destroyed), and give the buffer back. A simple reply goes straight
 * into the caller's receive buffer when ipc_reply_in_place can; with
 * direct (the caller is in the send half of that very RPC) a complex one is
 * delivered as its receive would take it (ipc_reply_deliver); otherwise
 * the reply is queued. */
static mach_msg_return_t send_reply(mig_reply_header_t *out, mach_msg_id_t id, struct ipc_port *reply, uint32_t rtype,
				    bool direct)
{
	bool no_reply = out->RetCode == MIG_NO_REPLY;
	bool in_place = !no_reply && reply && ipc_reply_in_place(reply, rtype, &out->Head);
	struct kmsg *r = no_reply || in_place ? NULL : kmsg_alloc(out->Head.msgh_size);
	if (r)
		memcpy(r->hdr, out, out->Head.msgh_size);
	reply_buffer_put(out);
	if (in_place)
		return MACH_MSG_SUCCESS;                /* the reply is the caller's already */
	if (r && (r->hdr->msgh_bits & MACH_MSGH_BITS_COMPLEX) &&
	    msg_body_walk((uint8_t *)r->hdr, r->size, fix_reply_item, NULL) != MACH_MSG_SUCCESS) {
		error_reply((mig_reply_header_t *)r->hdr, id, KERN_FAILURE);   /* a routine bug: answer, never hang */
		r->size = r->hdr->msgh_size;
	}
	if (r && reply && !ipc_transit_bind_body(r, reply)) {
		/* A receive right handed back in a reply bound for itself
		 * (mach_port_extract_right with that port's own send-once right
		 * as the reply port): destroyed with the reply, never queued. */
		ipc_right_destroy(reply, rtype);
		reply = NULL;
	}
	if (!r || !reply) {
		if (reply)
			ipc_right_destroy(reply, rtype);
		if (r && (r->hdr->msgh_bits & MACH_MSGH_BITS_COMPLEX)) {
			r->hdr->msgh_remote_port = 0;
			r->hdr->msgh_bits = MACH_MSGH_BITS_COMPLEX;
			kmsg_destroy(r);                        /* the rights a routine handed out */
		} else {
			kmsg_free(r);
		}
		return r || no_reply ? MACH_MSG_SUCCESS : MACH_SEND_NO_BUFFER;
	}
	mach_msg_header_t *h = r->hdr;
	h->msgh_remote_port = (uint32_t)reply;
	h->msgh_local_port = 0;
	h->msgh_bits = MACH_MSGH_BITS_OTHER(h->msgh_bits) | MACH_MSGH_BITS(rtype, 0);
	if (direct && ipc_reply_deliver(reply, r))
		return MACH_MSG_SUCCESS;
	ipc_mqueue_send(r);
	return MACH_MSG_SUCCESS;
}

/* Present a request as a receiver sees it: remote the reply, local the
 * object, and the rights' types swapped. */
static void as_received(mach_msg_header_t *in, struct ipc_port *dest, uint32_t dtype, struct ipc_port *reply,
			uint32_t rtype)
{
	in->msgh_remote_port = (uint32_t)reply;
	in->msgh_local_port = (uint32_t)dest;
	in->msgh_bits = MACH_MSGH_BITS_OTHER(in->msgh_bits) | MACH_MSGH_BITS(rtype, dtype);
}

/* Serve request in (size bytes in kernel form as sent: remote the object,
 * local the reply port; m its kernel message, or NULL if it has none) with
 * out as the reply buffer, which is given back; direct as for send_reply.
 * The request is used up. */
static mach_msg_return_t serve_request(struct kmsg *m, mach_msg_header_t *in, uint32_t size, mig_reply_header_t *out,
				       bool direct)
{
	struct ipc_port *dest = (struct ipc_port *)in->msgh_remote_port, *reply = (struct ipc_port *)in->msgh_local_port;
	uint32_t dtype = MACH_MSGH_BITS_REMOTE(in->msgh_bits), rtype = MACH_MSGH_BITS_LOCAL(in->msgh_bits);
	as_received(in, dest, dtype, reply, rtype);
	mach_msg_id_t id = in->msgh_id;
	bool kept;
	bool body_taken = run_routine(in, out, &kept);
	if (kept)
		reply = NULL;                           /* the routine holds it now */
	release_request(in, size, body_taken, dest, dtype);
	if (m)
		kmsg_destroy(m);                        /* with the body's rights if not taken */
	return send_reply(out, id, reply, rtype, direct);
}

mach_msg_return_t kobject_receive(struct kmsg *m)
{
	mig_reply_header_t *out = reply_buffer_get();
	if (!out) {
		kmsg_destroy(m);
		return MACH_SEND_NO_BUFFER;
	}
	return serve_request(m, m->hdr, m->size, out, false);
}

uint32_t kobject_fast_calls;

/* Requests this size or smaller, simple, are copied to the stack: no kernel
 * message is allocated for them (every RPC stub's request for a kernel
 * call is well under it). */
#define CALL_STACK_MAX 128

/* The kernel-object call (kobject.h). Every test that sends the call the
 * general way is made before any right moves; what follows is what that
 * way does, in order, minus the queue: copyin (by kmsg_copyin for a complex
 * or large request, by hand for the header's two rights otherwise, taking
 * the same rights), the routine, the request's release, the reply. */
bool kobject_call_serve(struct task *task, const char *src, uint32_t size, mach_msg_return_t *result)
{
	const mach_msg_header_t *uh = (const mach_msg_header_t *)src;
	mach_port_name_t dname = uh->msgh_remote_port, rname = uh->msgh_local_port;
	if (MACH_MSGH_BITS_PORTS(uh->msgh_bits) != IPC_RPC_REQUEST || !rname ||
	    rname != current_thread()->reply_rcv_name || rname == dname)
		return false;
	struct ipc_space *space = task->space;
	struct ipc_entry *de = ipc_space_lookup(space, dname);
	struct ipc_port *dest = de && (de->type & MACH_PORT_TYPE_SEND) ? de->port : NULL;
	/* The device master and the host's privileged port may hand the
	 * request on to a task (ipc_mqueue_send): theirs is the general way. */
	if (!dest || !dest->active || dest->kotype == IKOT_NONE || dest->kotype == IKOT_DEVICE_MASTER ||
	    dest->kotype == IKOT_HOST_PRIV)
		return false;
	struct ipc_entry *re = ipc_space_lookup(space, rname);
	struct ipc_port *reply = re && (re->type & MACH_PORT_TYPE_RECEIVE) ? re->port : NULL;
	/* A reply the caller's receive would not take at once (a message
	 * queued ahead, a set, another receiver) goes the general way. */
	if (!reply || !reply->active || reply->is_set || reply->pset || reply->msgs_head || reply->receivers.head)
		return false;

	uint32_t stack[CALL_STACK_MAX / 4];
	struct kmsg *m = NULL;
	mach_msg_header_t *in = (mach_msg_header_t *)stack;
	if ((uh->msgh_bits & MACH_MSGH_BITS_COMPLEX) || size > CALL_STACK_MAX) {
		if (!(m = kmsg_alloc(size)))
			return false;                   /* the general way has the answer */
		msg_copy(m->hdr, src, size);
		m->hdr->msgh_size = size;
		mach_msg_return_t r = kmsg_copyin(space, m);
		if (r != MACH_MSG_SUCCESS) {
			kmsg_free(m);
			*result = r;
			return true;
		}
		in = m->hdr;
	} else {
		msg_copy(in, src, size);
		in->msgh_size = size;
		ipc_port_copy_send(dest);               /* COPY_SEND, as kmsg_copyin takes it */
		ipc_port_make_send_once(reply);          /* MAKE_SEND_ONCE */
		in->msgh_remote_port = (uint32_t)dest;
		in->msgh_local_port = (uint32_t)reply;
		in->msgh_bits = MACH_MSGH_BITS_OTHER(in->msgh_bits) |
				MACH_MSGH_BITS(MACH_MSG_TYPE_PORT_SEND, MACH_MSG_TYPE_PORT_SEND_ONCE);
	}
	kobject_fast_calls++;
	mig_reply_header_t *out = reply_buffer_get();
	if (!out) {
		if (m) {
			kmsg_destroy(m);
		} else {
			ipc_right_destroy(dest, MACH_MSG_TYPE_PORT_SEND);
			ipc_right_destroy(reply, MACH_MSG_TYPE_PORT_SEND_ONCE);
		}
		*result = MACH_SEND_NO_BUFFER;
		return true;
	}
	*result = serve_request(m, in, size, out, true);
	return true;
}
