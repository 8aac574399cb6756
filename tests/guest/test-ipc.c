/* test-ipc: Mach port rights and their accounting (mach_port.defs), port sets,
 * a kernel call's reply received in the same mach_msg (in place or queued),
 * notifications (dead-name, port-deleted, no-senders, send-once,
 * port-destroyed) and what a task's death does to the rights others hold.
 * Rights are checked after every case with mach_port_type/get_refs and the
 * receive status. A second task, tests/peers/ipc-peer.c, provides ports that die. */
#include "guest-check.h"
#include <sm/traps.h>
#include <mach/mig_errors.h>
#include <mach/notify.h>
#include "mach.h"
#include "mach_port.h"
#include "device_request.h"

static mach_port_t self;

struct simple { mach_msg_header_t head; };
struct notification { mach_msg_header_t head; mach_msg_type_t type; uint32_t value; };

static mach_port_t new_port(void)
{
	mach_port_t p = MACH_PORT_NULL;
	CHECK_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &p), KERN_SUCCESS);
	return p;
}

static void expect_rights(mach_port_t name, mach_port_type_t type, uint32_t send_urefs, const char *what)
{
	mach_port_type_t t = 0;
	mach_port_urefs_t refs = 0;
	kern_return_t kr = mach_port_type(self, name, &t);
	if (type == 0) {
		CHECK(kr == KERN_INVALID_NAME, "%s: name %u should be gone (kr %x type %x)", what, name, kr, t);
		return;
	}
	CHECK(kr == KERN_SUCCESS && t == type, "%s: type %x, expected %x (kr %x)", what, t, type, kr);
	mach_port_right_t r = (type & MACH_PORT_TYPE_DEAD_NAME) ? MACH_PORT_RIGHT_DEAD_NAME : MACH_PORT_RIGHT_SEND;
	CHECK_EQ(mach_port_get_refs(self, name, r, &refs), KERN_SUCCESS);
	CHECK(refs == send_urefs, "%s: %u user references, expected %u", what, refs, send_urefs);
}

static mach_msg_return_t send_simple(mach_port_t dest, uint32_t disp, mach_msg_id_t id, mach_port_t reply, uint32_t reply_disp)
{
	struct simple m = { { MACH_MSGH_BITS(disp, reply_disp), sizeof m, dest, { reply }, 0, id } };
	return mach_msg(&m.head, MACH_SEND_MSG | MACH_SEND_TIMEOUT, sizeof m, 0, 0, 0, 0);
}

static mach_msg_return_t receive_notification(mach_port_t port, struct notification *n, uint32_t timeout)
{
	memset(n, 0, sizeof *n);
	return mach_msg(&n->head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof *n, port, timeout, 0);
}

static void test_allocate_and_refs(void)
{
	mach_port_t p = new_port();
	expect_rights(p, MACH_PORT_TYPE_RECEIVE, 0, "new receive right");
	CHECK_EQ(mach_port_insert_right(self, p, p, MACH_MSG_TYPE_MAKE_SEND), KERN_SUCCESS);
	expect_rights(p, MACH_PORT_TYPE_SEND_RECEIVE, 1, "made send");
	CHECK_EQ(mach_port_mod_refs(self, p, MACH_PORT_RIGHT_SEND, 4), KERN_SUCCESS);
	expect_rights(p, MACH_PORT_TYPE_SEND_RECEIVE, 5, "mod_refs +4");
	CHECK_EQ(mach_port_mod_refs(self, p, MACH_PORT_RIGHT_SEND, -6), KERN_INVALID_VALUE);
	CHECK_EQ(mach_port_mod_refs(self, p, MACH_PORT_RIGHT_SEND, 0x10000), KERN_UREFS_OVERFLOW);
	CHECK_EQ(mach_port_mod_refs(self, p, MACH_PORT_RIGHT_SEND, -5), KERN_SUCCESS);
	expect_rights(p, MACH_PORT_TYPE_RECEIVE, 0, "send refs gone");
	mach_port_status_t st;
	CHECK_EQ(mach_port_get_receive_status(self, p, &st), KERN_SUCCESS);
	CHECK(st.mps_srights == 0 && st.mps_mscount == 1 && st.mps_qlimit == 5 && st.mps_msgcount == 0,
	      "status srights %u mscount %u qlimit %u", st.mps_srights, st.mps_mscount, st.mps_qlimit);
	CHECK_EQ(mach_port_mod_refs(self, p, MACH_PORT_RIGHT_RECEIVE, 1), KERN_INVALID_VALUE);
	CHECK_EQ(mach_port_mod_refs(self, p, MACH_PORT_RIGHT_RECEIVE, -1), KERN_SUCCESS);
	expect_rights(p, 0, 0, "receive right destroyed");

	mach_port_t d = MACH_PORT_NULL;
	CHECK_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_DEAD_NAME, &d), KERN_SUCCESS);
	expect_rights(d, MACH_PORT_TYPE_DEAD_NAME, 1, "allocated dead name");
	CHECK_EQ(mach_port_deallocate(self, d), KERN_SUCCESS);
	expect_rights(d, 0, 0, "dead name deallocated");

	CHECK_EQ(mach_port_allocate_name(self, MACH_PORT_RIGHT_RECEIVE, 1000), KERN_SUCCESS);
	CHECK_EQ(mach_port_allocate_name(self, MACH_PORT_RIGHT_RECEIVE, 1000), KERN_NAME_EXISTS);
	CHECK_EQ(mach_port_allocate_name(self, MACH_PORT_RIGHT_RECEIVE, MACH_PORT_NULL), KERN_INVALID_VALUE);
	CHECK_EQ(mach_port_rename(self, 1000, 1001), KERN_SUCCESS);
	expect_rights(1000, 0, 0, "renamed away");
	expect_rights(1001, MACH_PORT_TYPE_RECEIVE, 0, "renamed to");
	CHECK_EQ(mach_port_destroy(self, 1001), KERN_SUCCESS);

	CHECK_EQ(mach_port_allocate(self, 77, &d), KERN_INVALID_VALUE);
	CHECK_EQ(mach_port_allocate(mach_host_self(), MACH_PORT_RIGHT_RECEIVE, &d), KERN_INVALID_TASK);
	CHECK_EQ(mach_port_deallocate(self, 3999), KERN_INVALID_NAME);
	p = new_port();
	CHECK_EQ(mach_port_deallocate(self, p), KERN_INVALID_RIGHT);        /* receive only */
	CHECK_EQ(mach_port_insert_right(self, 3998, p, MACH_MSG_TYPE_MAKE_SEND), KERN_SUCCESS);
	expect_rights(3998, MACH_PORT_TYPE_SEND, 1, "send right under another name");
	mach_port_urefs_t host_refs = 0, after = 0;
	CHECK_EQ(mach_port_get_refs(self, 1, MACH_PORT_RIGHT_SEND, &host_refs), KERN_SUCCESS);
	CHECK_EQ(mach_port_insert_right(self, 3998, 1, MACH_MSG_TYPE_COPY_SEND), KERN_NAME_EXISTS);
	CHECK_EQ(mach_port_get_refs(self, 1, MACH_PORT_RIGHT_SEND, &after), KERN_SUCCESS);
	CHECK(host_refs >= 1 && after == host_refs, "host right refs %u then %u", host_refs, after);

	mach_port_t e = MACH_PORT_NULL;
	mach_msg_type_name_t et = 0;
	CHECK_EQ(mach_port_extract_right(self, 3998, MACH_MSG_TYPE_MOVE_SEND, &e, &et), KERN_SUCCESS);
	expect_rights(3998, 0, 0, "extracted away");
	CHECK_EQ(e, p);                  /* it comes back under the receive right's name */
	CHECK_EQ(et, MACH_MSG_TYPE_PORT_SEND);
	expect_rights(p, MACH_PORT_TYPE_SEND_RECEIVE, 1, "extracted right came back");
	CHECK_EQ(mach_port_destroy(self, p), KERN_SUCCESS);
	expect_rights(p, 0, 0, "destroyed");
}

static void test_queue_limit(void)
{
	mach_port_t p = new_port();
	CHECK_EQ(mach_port_set_qlimit(self, p, 1), KERN_SUCCESS);
	CHECK_EQ(send_simple(p, MACH_MSG_TYPE_MAKE_SEND, 1, 0, 0), MACH_MSG_SUCCESS);
	CHECK_EQ(send_simple(p, MACH_MSG_TYPE_MAKE_SEND, 2, 0, 0), MACH_SEND_TIMED_OUT);
	CHECK_EQ(mach_port_set_qlimit(self, p, 0), KERN_INVALID_VALUE);
	CHECK_EQ(mach_port_set_qlimit(self, p, 2), KERN_SUCCESS);
	CHECK_EQ(send_simple(p, MACH_MSG_TYPE_MAKE_SEND, 2, 0, 0), MACH_MSG_SUCCESS);
	mach_port_status_t st;
	CHECK_EQ(mach_port_get_receive_status(self, p, &st), KERN_SUCCESS);
	CHECK_EQ(st.mps_msgcount, 2);
	CHECK_EQ(mach_port_set_seqno(self, p, 40), KERN_SUCCESS);
	struct simple m;
	CHECK_EQ(mach_msg(&m.head, MACH_RCV_MSG, 0, sizeof m, p, 0, 0), MACH_MSG_SUCCESS);
	CHECK_EQ(m.head.msgh_seqno, 40);
	CHECK_EQ(mach_msg(&m.head, MACH_RCV_MSG, 0, sizeof m, p, 0, 0), MACH_MSG_SUCCESS);
	CHECK_EQ(m.head.msgh_seqno, 41);
	CHECK_EQ(mach_port_destroy(self, p), KERN_SUCCESS);
}

static void test_port_sets(void)
{
	mach_port_t set = MACH_PORT_NULL, a = new_port(), b = new_port();
	CHECK_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_PORT_SET, &set), KERN_SUCCESS);
	expect_rights(set, MACH_PORT_TYPE_PORT_SET, 0, "port set");
	struct simple m;
	CHECK_EQ(mach_msg(&m.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof m, set, 0, 0), MACH_RCV_TIMED_OUT);
	CHECK_EQ(mach_port_move_member(self, a, set), KERN_SUCCESS);
	CHECK_EQ(mach_port_move_member(self, b, set), KERN_SUCCESS);
	CHECK_EQ(mach_port_move_member(self, set, a), KERN_INVALID_RIGHT);
	CHECK_EQ(mach_port_move_member(self, a, b), KERN_INVALID_RIGHT);
	mach_port_status_t st;
	CHECK_EQ(mach_port_get_receive_status(self, a, &st), KERN_SUCCESS);
	CHECK_EQ(st.mps_pset, set);
	CHECK_EQ(send_simple(b, MACH_MSG_TYPE_MAKE_SEND, 21, 0, 0), MACH_MSG_SUCCESS);
	CHECK_EQ(send_simple(a, MACH_MSG_TYPE_MAKE_SEND, 22, 0, 0), MACH_MSG_SUCCESS);
	CHECK_EQ(mach_msg(&m.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof m, a, 0, 0), MACH_RCV_IN_SET);
	int seen = 0;
	for (int i = 0; i < 2; i++) {
		CHECK_EQ(mach_msg(&m.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof m, set, 0, 0), MACH_MSG_SUCCESS);
		if (m.head.msgh_id == 21 && m.head.msgh_local_port == b) seen |= 1;
		if (m.head.msgh_id == 22 && m.head.msgh_local_port == a) seen |= 2;
	}
	CHECK_EQ(seen, 3);
	CHECK_EQ(mach_port_move_member(self, a, MACH_PORT_NULL), KERN_SUCCESS);
	CHECK_EQ(send_simple(a, MACH_MSG_TYPE_MAKE_SEND, 23, 0, 0), MACH_MSG_SUCCESS);
	CHECK_EQ(mach_msg(&m.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof m, set, 0, 0), MACH_RCV_TIMED_OUT);
	CHECK_EQ(mach_msg(&m.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof m, a, 0, 0), MACH_MSG_SUCCESS);
	/* Destroying the set frees its members, which keep their messages. */
	CHECK_EQ(send_simple(b, MACH_MSG_TYPE_MAKE_SEND, 24, 0, 0), MACH_MSG_SUCCESS);
	CHECK_EQ(mach_port_destroy(self, set), KERN_SUCCESS);
	expect_rights(set, 0, 0, "set destroyed");
	CHECK_EQ(mach_msg(&m.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof m, b, 0, 0), MACH_MSG_SUCCESS);
	CHECK_EQ(m.head.msgh_id, 24);
	mach_port_destroy(self, a);
	mach_port_destroy(self, b);
}

/* A set delivers its members' messages oldest first however many members
 * hold one, and whichever way a member came to hold it (sent while in the
 * set, or queued before it joined); the set's count of members holding a
 * message (kernel/ipc/mqueue.c) must follow every move, or a receive stops
 * its walk short of the oldest, or misses the last one. */
static void test_port_set_order(void)
{
	enum { N = 8 };
	mach_port_t set = MACH_PORT_NULL, p[N];
	CHECK_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_PORT_SET, &set), KERN_SUCCESS);
	for (int i = 0; i < N; i++) {
		p[i] = new_port();
		if (i != 3)
			CHECK_EQ(mach_port_move_member(self, p[i], set), KERN_SUCCESS);
	}
	/* Arrival order: 5, 3 (before it joins), 0, 7, 5 again, 2; then 6
	 * leaves the set holding a message and comes back. */
	static const int order[] = { 5, 3, 0, 7, 5, 2 };
	for (int k = 0; k < 6; k++)
		CHECK_EQ(send_simple(p[order[k]], MACH_MSG_TYPE_MAKE_SEND, 100 + k, 0, 0), MACH_MSG_SUCCESS);
	CHECK_EQ(send_simple(p[6], MACH_MSG_TYPE_MAKE_SEND, 106, 0, 0), MACH_MSG_SUCCESS);
	CHECK_EQ(mach_port_move_member(self, p[6], MACH_PORT_NULL), KERN_SUCCESS);
	CHECK_EQ(mach_port_move_member(self, p[3], set), KERN_SUCCESS);
	CHECK_EQ(mach_port_move_member(self, p[6], set), KERN_SUCCESS);
	struct simple m;
	for (int k = 0; k < 7; k++) {
		CHECK_EQ(mach_msg(&m.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof m, set, 0, 0), MACH_MSG_SUCCESS);
		CHECK_EQ(m.head.msgh_id, 100 + k);
		CHECK_EQ(m.head.msgh_local_port, p[k < 6 ? order[k] : 6]);
	}
	CHECK_EQ(mach_msg(&m.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof m, set, 0, 0), MACH_RCV_TIMED_OUT);
	/* Emptied, the set takes a new message at once (no count left over
	 * that would turn a sender's hand-off check away). */
	CHECK_EQ(send_simple(p[1], MACH_MSG_TYPE_MAKE_SEND, 200, 0, 0), MACH_MSG_SUCCESS);
	CHECK_EQ(mach_msg(&m.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof m, set, 0, 0), MACH_MSG_SUCCESS);
	CHECK_EQ(m.head.msgh_id, 200);
	/* A member destroyed holding a message takes it out of the set's count. */
	CHECK_EQ(send_simple(p[4], MACH_MSG_TYPE_MAKE_SEND, 201, 0, 0), MACH_MSG_SUCCESS);
	CHECK_EQ(send_simple(p[2], MACH_MSG_TYPE_MAKE_SEND, 202, 0, 0), MACH_MSG_SUCCESS);
	mach_port_destroy(self, p[4]);
	CHECK_EQ(mach_msg(&m.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof m, set, 0, 0), MACH_MSG_SUCCESS);
	CHECK_EQ(m.head.msgh_id, 202);
	CHECK_EQ(mach_msg(&m.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof m, set, 0, 0), MACH_RCV_TIMED_OUT);
	mach_port_destroy(self, set);
	for (int i = 0; i < N; i++)
		if (i != 4)
			mach_port_destroy(self, p[i]);
}

/* A kernel call whose caller receives on the reply port in the same
 * mach_msg: its reply is written straight into the buffer
 * (ipc_reply_in_place) only when that receive would take it at once, and
 * then reads as a received message does; otherwise it waits queued. An id
 * no kernel interface serves is answered MIG_BAD_ID (id + 100). */
static mach_msg_return_t kernel_call(mig_reply_header_t *buf, mach_msg_option_t extra, uint32_t rcv_size,
				     mach_port_t reply, mach_port_t rcv_name)
{
	memset(buf, 0, sizeof *buf);
	buf->Head = (mach_msg_header_t){ MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE),
		sizeof buf->Head, self, { reply }, 0, 999999 };
	return mach_msg(&buf->Head, MACH_SEND_MSG | MACH_RCV_MSG | MACH_RCV_TIMEOUT | extra, sizeof buf->Head,
			rcv_size, rcv_name, 0, 0);
}

static void expect_kernel_reply(const mig_reply_header_t *m, mach_port_t r, uint32_t seqno)
{
	CHECK_EQ(m->Head.msgh_id, 999999 + 100);
	CHECK_EQ(m->RetCode, MIG_BAD_ID);
	CHECK_EQ(m->Head.msgh_size, sizeof *m);
	CHECK_EQ(m->Head.msgh_seqno, seqno);
	CHECK_EQ(m->Head.msgh_local_port, r);
	CHECK_EQ(m->Head.msgh_remote_port, MACH_PORT_NULL);
	CHECK_EQ(m->Head.msgh_bits, MACH_MSGH_BITS(0, MACH_MSG_TYPE_PORT_SEND_ONCE));
}

static void test_kernel_reply(void)
{
	mach_port_t r = new_port(), set = MACH_PORT_NULL;
	mig_reply_header_t m;
	mach_port_status_t st;
	CHECK_EQ(mach_port_set_seqno(self, r, 7), KERN_SUCCESS);
	CHECK_EQ(kernel_call(&m, 0, sizeof m, r, r), MACH_MSG_SUCCESS);
	expect_kernel_reply(&m, r, 7);
	CHECK_EQ(mach_port_get_receive_status(self, r, &st), KERN_SUCCESS);
	CHECK(st.mps_seqno == 8 && st.mps_msgcount == 0 && st.mps_sorights == 0,
	      "after a reply in place: seqno %u, %u queued, %u send-once rights", st.mps_seqno, st.mps_msgcount,
	      st.mps_sorights);
	/* A message already queued on the reply port is received first. */
	CHECK_EQ(send_simple(r, MACH_MSG_TYPE_MAKE_SEND, 31, 0, 0), MACH_MSG_SUCCESS);
	CHECK_EQ(kernel_call(&m, 0, sizeof m, r, r), MACH_MSG_SUCCESS);
	CHECK(m.Head.msgh_id == 31 && m.Head.msgh_seqno == 8, "the queued message first: id %d seqno %u",
	      m.Head.msgh_id, m.Head.msgh_seqno);
	CHECK_EQ(mach_msg(&m.Head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof m, r, 0, 0), MACH_MSG_SUCCESS);
	expect_kernel_reply(&m, r, 9);
	/* A buffer too small: MACH_RCV_LARGE reports the size, the reply stays. */
	CHECK_EQ(kernel_call(&m, MACH_RCV_LARGE, sizeof m.Head, r, r), MACH_RCV_TOO_LARGE);
	CHECK_EQ(m.Head.msgh_size, sizeof m);
	CHECK_EQ(mach_msg(&m.Head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof m, r, 0, 0), MACH_MSG_SUCCESS);
	expect_kernel_reply(&m, r, 10);
	/* A member of a set is not received from by its own name. */
	CHECK_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_PORT_SET, &set), KERN_SUCCESS);
	CHECK_EQ(mach_port_move_member(self, r, set), KERN_SUCCESS);
	CHECK_EQ(kernel_call(&m, 0, sizeof m, r, r), MACH_RCV_IN_SET);
	CHECK_EQ(mach_msg(&m.Head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof m, set, 0, 0), MACH_MSG_SUCCESS);
	expect_kernel_reply(&m, r, 11);
	/* Receiving on another port than the reply's: it waits on its own. */
	mach_port_t other = new_port();
	CHECK_EQ(mach_port_move_member(self, r, MACH_PORT_NULL), KERN_SUCCESS);
	CHECK_EQ(kernel_call(&m, 0, sizeof m, r, other), MACH_RCV_TIMED_OUT);
	CHECK_EQ(mach_msg(&m.Head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof m, r, 0, 0), MACH_MSG_SUCCESS);
	expect_kernel_reply(&m, r, 12);
	mach_port_destroy(self, other);
	mach_port_destroy(self, set);
	mach_port_destroy(self, r);
}

static void test_notifications(void)
{
	mach_port_t notify = new_port(), p = new_port(), prev = MACH_PORT_NULL;
	struct notification n;

	/* no-senders: when the last send right goes. */
	CHECK_EQ(mach_port_insert_right(self, p, p, MACH_MSG_TYPE_MAKE_SEND), KERN_SUCCESS);
	CHECK_EQ(mach_port_request_notification(self, p, MACH_NOTIFY_NO_SENDERS, 0, notify,
						MACH_MSG_TYPE_MAKE_SEND_ONCE, &prev), KERN_SUCCESS);
	CHECK_EQ(prev, MACH_PORT_NULL);
	CHECK_EQ(receive_notification(notify, &n, 0), MACH_RCV_TIMED_OUT);
	CHECK_EQ(mach_port_deallocate(self, p), KERN_SUCCESS);
	CHECK_EQ(receive_notification(notify, &n, 0), MACH_MSG_SUCCESS);
	CHECK_EQ(n.head.msgh_id, MACH_NOTIFY_NO_SENDERS);
	CHECK_EQ(n.value, 1);                                   /* make-send count */

	/* dead-name, then port-deleted, on a second name for p. */
	CHECK_EQ(mach_port_insert_right(self, 2000, p, MACH_MSG_TYPE_MAKE_SEND), KERN_SUCCESS);
	CHECK_EQ(mach_port_request_notification(self, 2000, MACH_NOTIFY_DEAD_NAME, 0, notify,
						MACH_MSG_TYPE_MAKE_SEND_ONCE, &prev), KERN_SUCCESS);
	CHECK_EQ(mach_port_deallocate(self, 2000), KERN_SUCCESS);
	CHECK_EQ(receive_notification(notify, &n, 0), MACH_MSG_SUCCESS);
	CHECK_EQ(n.head.msgh_id, MACH_NOTIFY_PORT_DELETED);
	CHECK_EQ(n.value, 2000);
	CHECK_EQ(mach_port_insert_right(self, 2001, p, MACH_MSG_TYPE_MAKE_SEND), KERN_SUCCESS);
	CHECK_EQ(mach_port_request_notification(self, 2001, MACH_NOTIFY_DEAD_NAME, 0, notify,
						MACH_MSG_TYPE_MAKE_SEND_ONCE, &prev), KERN_SUCCESS);
	CHECK_EQ(mach_port_mod_refs(self, p, MACH_PORT_RIGHT_RECEIVE, -1), KERN_SUCCESS);
	CHECK_EQ(receive_notification(notify, &n, 0), MACH_MSG_SUCCESS);
	CHECK_EQ(n.head.msgh_id, MACH_NOTIFY_DEAD_NAME);
	CHECK_EQ(n.value, 2001);
	expect_rights(2001, MACH_PORT_TYPE_DEAD_NAME, 2, "dead name with the notification's reference");
	CHECK_EQ(send_simple(2001, MACH_MSG_TYPE_COPY_SEND, 1, 0, 0), MACH_SEND_INVALID_DEST);
	CHECK_EQ(mach_port_mod_refs(self, 2001, MACH_PORT_RIGHT_DEAD_NAME, -2), KERN_SUCCESS);
	expect_rights(2001, 0, 0, "dead name released");

	/* send-once: an unused send-once right destroyed tells its port. */
	mach_port_t q = new_port(), once = MACH_PORT_NULL;
	mach_msg_type_name_t t;
	CHECK_EQ(mach_port_extract_right(self, q, MACH_MSG_TYPE_MAKE_SEND_ONCE, &once, &t), KERN_SUCCESS);
	CHECK(once != q && MACH_PORT_VALID(once), "send-once name %u", once);
	expect_rights(once, MACH_PORT_TYPE_SEND_ONCE, 0, "send-once right");
	mach_port_status_t st;
	CHECK_EQ(mach_port_get_receive_status(self, q, &st), KERN_SUCCESS);
	CHECK_EQ(st.mps_sorights, 1);
	CHECK_EQ(mach_port_deallocate(self, once), KERN_SUCCESS);
	CHECK_EQ(receive_notification(q, &n, 0), MACH_MSG_SUCCESS);
	CHECK_EQ(n.head.msgh_id, MACH_NOTIFY_SEND_ONCE);
	CHECK_EQ(mach_port_get_receive_status(self, q, &st), KERN_SUCCESS);
	CHECK_EQ(st.mps_sorights, 0);

	/* port-destroyed: the receive right comes back instead of dying. */
	CHECK_EQ(mach_port_request_notification(self, q, MACH_NOTIFY_PORT_DESTROYED, 0, notify,
						MACH_MSG_TYPE_MAKE_SEND_ONCE, &prev), KERN_SUCCESS);
	CHECK_EQ(send_simple(q, MACH_MSG_TYPE_MAKE_SEND, 55, 0, 0), MACH_MSG_SUCCESS);
	CHECK_EQ(mach_port_destroy(self, q), KERN_SUCCESS);
	CHECK_EQ(receive_notification(notify, &n, 0), MACH_MSG_SUCCESS);
	CHECK_EQ(n.head.msgh_id, MACH_NOTIFY_PORT_DESTROYED);
	mach_port_t back = n.value;
	expect_rights(back, MACH_PORT_TYPE_RECEIVE, 0, "receive right returned");
	struct simple m;
	CHECK_EQ(mach_msg(&m.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof m, back, 0, 0), MACH_MSG_SUCCESS);
	CHECK_EQ(m.head.msgh_id, 55);                           /* its queue came with it */
	mach_port_destroy(self, back);

	/* A refused request destroys the send-once right it was given, which
	 * tells the port; then nothing else is pending. */
	CHECK_EQ(mach_port_request_notification(self, notify, 4242, 0, notify, MACH_MSG_TYPE_MAKE_SEND_ONCE, &prev),
		 KERN_INVALID_VALUE);
	CHECK_EQ(receive_notification(notify, &n, 0), MACH_MSG_SUCCESS);
	CHECK_EQ(n.head.msgh_id, MACH_NOTIFY_SEND_ONCE);
	CHECK_EQ(receive_notification(notify, &n, 0), MACH_RCV_TIMED_OUT);
	mach_port_destroy(self, notify);
}

/* Every disposition a body port can carry, and what the receiver gets. */
static void test_body_rights(void)
{
	mach_port_t carrier = new_port(), r = new_port(), q = new_port();
	struct { mach_msg_header_t head; mach_msg_type_t t; mach_port_t ports[1]; } m, in;
	static const struct { uint32_t disp, got; mach_port_type_t type; } cases[] = {
		{ MACH_MSG_TYPE_MAKE_SEND, MACH_MSG_TYPE_PORT_SEND, MACH_PORT_TYPE_SEND },
		{ MACH_MSG_TYPE_MAKE_SEND_ONCE, MACH_MSG_TYPE_PORT_SEND_ONCE, MACH_PORT_TYPE_SEND_ONCE },
	};
	for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memset(&m, 0, sizeof m);
		m.head = (mach_msg_header_t){ MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0) | MACH_MSGH_BITS_COMPLEX,
					      sizeof m, carrier, { 0 }, 0, 70 + i };
		m.t = (mach_msg_type_t){ cases[i].disp, 32, 1, 1, 0, 0, 0 };
		m.ports[0] = q;
		CHECK_EQ(mach_msg(&m.head, MACH_SEND_MSG, sizeof m, 0, 0, 0, 0), MACH_MSG_SUCCESS);
		CHECK_EQ(mach_msg(&in.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof in, carrier, 0, 0), MACH_MSG_SUCCESS);
		CHECK_EQ(in.t.msgt_name, cases[i].got);
		mach_port_type_t t = 0;
		CHECK_EQ(mach_port_type(self, in.ports[0], &t), KERN_SUCCESS);
		CHECK(t & cases[i].type, "case %u: type %x", i, t);
		if (cases[i].disp == MACH_MSG_TYPE_MAKE_SEND_ONCE) {
			CHECK(in.ports[0] != q, "a send-once right gets a name of its own");
			/* MOVE_SEND_ONCE it back through the body, then use it up. */
			m.t = (mach_msg_type_t){ MACH_MSG_TYPE_MOVE_SEND_ONCE, 32, 1, 1, 0, 0, 0 };
			m.ports[0] = in.ports[0];
			CHECK_EQ(mach_msg(&m.head, MACH_SEND_MSG, sizeof m, 0, 0, 0, 0), MACH_MSG_SUCCESS);
			expect_rights(in.ports[0], 0, 0, "moved send-once right left the name");
			CHECK_EQ(mach_msg(&in.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof in, carrier, 0, 0), MACH_MSG_SUCCESS);
			CHECK_EQ(mach_port_deallocate(self, in.ports[0]), KERN_SUCCESS);
			struct notification n;
			CHECK_EQ(receive_notification(q, &n, 0), MACH_MSG_SUCCESS);   /* destroyed unused */
			CHECK_EQ(n.head.msgh_id, MACH_NOTIFY_SEND_ONCE);
		}
	}
	/* MOVE_RECEIVE: the receive right travels, with the messages queued on it. */
	CHECK_EQ(send_simple(r, MACH_MSG_TYPE_MAKE_SEND, 77, 0, 0), MACH_MSG_SUCCESS);
	memset(&m, 0, sizeof m);
	m.head = (mach_msg_header_t){ MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0) | MACH_MSGH_BITS_COMPLEX,
				      sizeof m, carrier, { 0 }, 0, 80 };
	m.t = (mach_msg_type_t){ MACH_MSG_TYPE_MOVE_RECEIVE, 32, 1, 1, 0, 0, 0 };
	m.ports[0] = r;
	CHECK_EQ(mach_msg(&m.head, MACH_SEND_MSG, sizeof m, 0, 0, 0, 0), MACH_MSG_SUCCESS);
	expect_rights(r, 0, 0, "receive right left its name");
	CHECK_EQ(mach_msg(&in.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof in, carrier, 0, 0), MACH_MSG_SUCCESS);
	CHECK_EQ(in.t.msgt_name, MACH_MSG_TYPE_PORT_RECEIVE);
	expect_rights(in.ports[0], MACH_PORT_TYPE_RECEIVE, 0, "receive right arrived");
	struct simple got;
	CHECK_EQ(mach_msg(&got.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof got, in.ports[0], 0, 0), MACH_MSG_SUCCESS);
	CHECK_EQ(got.head.msgh_id, 77);
	mach_port_destroy(self, in.ports[0]);
	mach_port_destroy(self, carrier);
	mach_port_destroy(self, q);
}

/* Another task's ports die with it: our send right becomes a dead name and a
 * request queued in its port sends our reply port a send-once notification. */
static void test_task_death(int how)
{
	mach_port_t reply = new_port(), peer = MACH_PORT_NULL, notify = new_port(), prev;
	/* The peer may not have registered its name yet: ask until it has. */
	struct { mach_msg_header_t head; mach_msg_type_t ct; kern_return_t code; mach_msg_type_t pt; mach_port_t port; } r;
	for (int tries = 0; tries < 2000; tries++) {
		CHECK_EQ(device_open_request(2, reply, 0, "ipc-peer"), KERN_SUCCESS);
		CHECK_EQ(mach_msg(&r.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof r, reply, 5000, 0), MACH_MSG_SUCCESS);
		if (r.code != D_NO_SUCH_DEVICE)
			break;
		swtch_pri(0);
	}
	CHECK_EQ(r.code, KERN_SUCCESS);
	peer = r.port;
	expect_rights(peer, MACH_PORT_TYPE_SEND, 1, "send right to the peer");
	CHECK_EQ(mach_port_request_notification(self, peer, MACH_NOTIFY_DEAD_NAME, 0, notify,
						MACH_MSG_TYPE_MAKE_SEND_ONCE, &prev), KERN_SUCCESS);
	/* A request that will never be answered: its reply right dies in the queue. */
	CHECK_EQ(send_simple(peer, MACH_MSG_TYPE_COPY_SEND, 99, reply, MACH_MSG_TYPE_MAKE_SEND_ONCE), MACH_MSG_SUCCESS);
	CHECK_EQ(send_simple(peer, MACH_MSG_TYPE_COPY_SEND, how, 0, 0), MACH_MSG_SUCCESS);
	struct notification n;
	CHECK_EQ(receive_notification(notify, &n, 5000), MACH_MSG_SUCCESS);
	CHECK_EQ(n.head.msgh_id, MACH_NOTIFY_DEAD_NAME);
	CHECK_EQ(n.value, peer);
	expect_rights(peer, MACH_PORT_TYPE_DEAD_NAME, 2, "peer's port is a dead name");
	CHECK_EQ(send_simple(peer, MACH_MSG_TYPE_COPY_SEND, 3, 0, 0), MACH_SEND_INVALID_DEST);
	mach_msg_return_t mr = receive_notification(reply, &n, 1000);
	CHECK(mr == MACH_MSG_SUCCESS && n.head.msgh_id == MACH_NOTIFY_SEND_ONCE,
	      "reply port got %x id %d", mr, n.head.msgh_id);
	mach_port_destroy(self, peer);
	mach_port_destroy(self, reply);
	mach_port_destroy(self, notify);
}

int main(void)
{
	self = mach_task_self();
	test_allocate_and_refs();
	test_queue_limit();
	test_port_sets();
	test_port_set_order();
	test_kernel_reply();
	test_notifications();
	test_body_rights();
	test_task_death(1);       /* the peer exits */
	test_task_death(2);       /* the second peer, under the same name, faults */
	return guest_summary("test-ipc");
}
