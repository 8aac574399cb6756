/* test-rpc-send: the RPC-shaped send (kernel/ipc/rpc_send.c). A request
 * (COPY_SEND to the server, MAKE_SEND_ONCE reply port) or a reply
 * (MOVE_SEND_ONCE, no reply port) to a thread of another task waiting on
 * the port or its set goes that way; every other case is left to the
 * general path.
 * Here the server is a child task (task_create, inheriting this program)
 * that reports in each reply the header and body it received, so each
 * case checks both messages field by field: the fast RPC, and each case
 * the fast path must leave (receiver not waiting, a port right or
 * out-of-line memory in the body, a receive buffer too
 * small with and without MACH_RCV_LARGE, reply ports the receiver cannot
 * use or that are refused, timeouts, dead destinations both ways), and a
 * server waiting on a port set, which it takes.
 * sm_ipc_rpc_sends counts the messages the fast path delivered, so each
 * case also checks which of its two messages went that way. */
#include "guest-check.h"
#include <stdbool.h>
#include <string.h>
#include <sm/traps.h>
#include <sm/threads.h>
#include <mach/notify.h>
#include "mach.h"
#include "smhost.h"

/* The child's names, chosen by us in its space. */
#define SRV_NAME 0x501          /* the server port: its receive right */
#define SET_NAME 0x502          /* a port set it may receive on */
#define REPORT_NAME 0x503       /* a send right to our report port */

/* What the child does around the request it got (the request's cmd). */
enum cmd {
	CMD_ECHO = 1,           /* reply, receive the next on the port */
	CMD_NEXT_SET,           /* reply, then receive on the set holding the port */
	CMD_NEXT_PORT,          /* reply, then take the port out of the set and receive on it */
	CMD_NEXT_SMALL_LARGE,   /* the next receive: a header's room, MACH_RCV_LARGE */
	CMD_NEXT_SMALL,         /* the next receive: a header's room, no MACH_RCV_LARGE */
	CMD_SLEEP_AFTER,        /* reply alone, sleep 100 ms, then receive */
	CMD_REPLY_LATE,         /* sleep 100 ms, then reply */
	CMD_OOL,                /* as ECHO; the second item is out of line: report its word */
};

struct req {
	mach_msg_header_t head;
	mach_msg_type_t cmd_type;       /* two integers */
	uint32_t cmd, arg;
	mach_msg_type_t item_type;      /* an integer, a port, or out-of-line memory */
	uint32_t item;
};

enum { R_RESULT, R_LARGE_RESULT, R_LARGE_SIZE, R_REMOTE_TYPE, R_HEADER, R_BODY = R_HEADER + 6, R_OOL_WORD = R_BODY + 5,
       R_WORDS };
struct report {
	mach_msg_header_t head;
	mach_msg_type_t type;
	uint32_t w[R_WORDS];
};

union msg {
	struct req req;
	struct report rep;
	mach_msg_header_t head;
	char raw[256];
};

static mach_port_t self, child, child_thread, srv, report;
static uint32_t srv_seqno;              /* the next sequence number the child sees on the server port */
static uint8_t child_stack[16384] __attribute__((aligned(16)));

/* ---- the child ---- */

static bool is_send_error(mach_msg_return_t r)
{
	return r != MACH_MSG_SUCCESS && (r & ~0x3FFFu) == 0x10000000u;
}

/* A report of r alone, to our report port (no reply port to use). */
static void child_report_only(union msg *m, mach_msg_return_t r)
{
	memset(&m->rep, 0, sizeof m->rep);
	m->rep.head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
	m->rep.head.msgh_size = sizeof m->rep;
	m->rep.head.msgh_remote_port = REPORT_NAME;
	m->rep.head.msgh_id = 900;
	m->rep.type = (mach_msg_type_t){ MACH_MSG_TYPE_INTEGER_32, 32, R_WORDS, 1, 0, 0, 0 };
	m->rep.w[R_RESULT] = r;
	mach_msg(&m->head, MACH_SEND_MSG, sizeof m->rep, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
}

static void child_main(void)
{
	static union msg m;
	smrt_task_forked();
	mach_port_t me = mach_task_self(), rcv = SRV_NAME;
	uint32_t send_size = 0, rcv_size = sizeof m;
	mach_msg_option_t extra = 0;
	for (;;) {
		mach_msg_return_t r = mach_msg(&m.head, (send_size ? MACH_SEND_MSG : 0) | MACH_RCV_MSG | extra, send_size,
					       rcv_size, rcv, 0, MACH_PORT_NULL);
		send_size = 0;
		if (is_send_error(r)) {                  /* the reply was refused: say so */
			child_report_only(&m, r);
			continue;
		}
		mach_msg_return_t large = 0;
		uint32_t large_size = 0;
		if (r == MACH_RCV_TOO_LARGE && (extra & MACH_RCV_LARGE)) {
			large = r;
			large_size = m.head.msgh_size;
			r = mach_msg(&m.head, MACH_RCV_MSG, 0, sizeof m, rcv, 0, MACH_PORT_NULL);
		}
		extra = 0;
		rcv_size = sizeof m;
		if (r != MACH_MSG_SUCCESS) {             /* the request was lost: say so */
			child_report_only(&m, r);
			continue;
		}
		mach_msg_header_t seen = m.head;
		uint32_t body[5], ool_word = 0;
		memcpy(body, &m.req.cmd_type, sizeof body);
		uint32_t cmd = m.req.cmd;
		if (cmd == CMD_OOL) {
			ool_word = *(volatile uint32_t *)m.req.item;
			vm_deallocate(me, m.req.item, 4096);
		}
		mach_port_type_t remote_type = 0;
		if (MACH_PORT_VALID(seen.msgh_remote_port))
			mach_port_type(me, seen.msgh_remote_port, &remote_type);

		memset(&m.rep, 0, sizeof m.rep);
		m.rep.head.msgh_size = sizeof m.rep;
		if (MACH_PORT_VALID(seen.msgh_remote_port)) {
			m.rep.head.msgh_bits = MACH_MSGH_BITS(MACH_MSGH_BITS_REMOTE(seen.msgh_bits), 0);
			m.rep.head.msgh_remote_port = seen.msgh_remote_port;
		} else {
			m.rep.head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
			m.rep.head.msgh_remote_port = REPORT_NAME;
		}
		m.rep.head.msgh_id = seen.msgh_id + 100;
		m.rep.type = (mach_msg_type_t){ MACH_MSG_TYPE_INTEGER_32, 32, R_WORDS, 1, 0, 0, 0 };
		m.rep.w[R_RESULT] = r;
		m.rep.w[R_LARGE_RESULT] = large;
		m.rep.w[R_LARGE_SIZE] = large_size;
		m.rep.w[R_REMOTE_TYPE] = remote_type;
		memcpy(&m.rep.w[R_HEADER], &seen, sizeof seen);
		memcpy(&m.rep.w[R_BODY], body, sizeof body);
		m.rep.w[R_OOL_WORD] = ool_word;

		switch (cmd) {
		case CMD_NEXT_SET:
			mach_port_move_member(me, SRV_NAME, SET_NAME);
			rcv = SET_NAME;
			break;
		case CMD_NEXT_PORT:
			mach_port_move_member(me, SRV_NAME, MACH_PORT_NULL);
			rcv = SRV_NAME;
			break;
		case CMD_NEXT_SMALL_LARGE:
			rcv_size = sizeof(mach_msg_header_t);
			extra = MACH_RCV_LARGE;
			break;
		case CMD_NEXT_SMALL:
			rcv_size = sizeof(mach_msg_header_t);
			break;
		case CMD_SLEEP_AFTER:
			r = mach_msg(&m.head, MACH_SEND_MSG, sizeof m.rep, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
			if (r != MACH_MSG_SUCCESS)
				child_report_only(&m, r);
			smrt_sleep_ms(100);
			continue;
		case CMD_REPLY_LATE:
			smrt_sleep_ms(100);
			break;
		}
		send_size = sizeof m.rep;
	}
}

/* ---- our side ---- */

static uint32_t rpc_sends(void)
{
	natural_t n = 0;
	CHECK_EQ(sm_ipc_rpc_sends(smrt_host_port(), &n), KERN_SUCCESS);
	/* Only the host port reads the count. */
	natural_t other = 7;
	kern_return_t kr = sm_ipc_rpc_sends(self, &other);
	CHECK(kr == KERN_INVALID_HOST && other == 7, "sm_ipc_rpc_sends on the task port: %#x, %u", kr, other);
	return n;
}

static mach_port_t new_port(void)
{
	mach_port_t p = MACH_PORT_NULL;
	CHECK_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &p), KERN_SUCCESS);
	return p;
}

static uint32_t next_id = 3000;

/* A request for cmd with reply port `reply` (disposition rdisp) and an
 * integer item; its id is fresh. */
static void set_req(union msg *m, uint32_t cmd, mach_port_t reply, uint32_t rdisp)
{
	memset(m, 0, sizeof *m);
	m->req.head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, rdisp);
	m->req.head.msgh_size = sizeof m->req;
	m->req.head.msgh_remote_port = srv;
	m->req.head.msgh_local_port = reply;
	m->req.head.msgh_seqno = 0x5e5e5e5e;             /* ignored on send */
	m->req.head.msgh_id = next_id++;
	m->req.cmd_type = (mach_msg_type_t){ MACH_MSG_TYPE_INTEGER_32, 32, 2, 1, 0, 0, 0 };
	m->req.cmd = cmd;
	m->req.arg = 0xa5a50000 | cmd;
	m->req.item_type = (mach_msg_type_t){ MACH_MSG_TYPE_INTEGER_32, 32, 1, 1, 0, 0, 0 };
	m->req.item = 0x17e40000 | cmd;
}

/* Send m and receive on rcv_name in one mach_msg (opt added, timeout);
 * *fast: how many messages the RPC-shaped path delivered meanwhile. */
static mach_msg_return_t call(union msg *m, mach_port_t rcv_name, mach_msg_option_t opt, uint32_t timeout,
			      uint32_t *fast)
{
	uint32_t n0 = rpc_sends();
	mach_msg_return_t r = mach_msg(&m->head, MACH_SEND_MSG | MACH_RCV_MSG | opt, sizeof m->req, sizeof *m,
				       rcv_name, timeout, MACH_PORT_NULL);
	*fast = rpc_sends() - n0;
	return r;
}

/* The child's report in rep says it received request `sent` (as we sent
 * it) whole: header as delivered (rights named in its space: the server
 * port's name, a send-once right for the reply), its sequence number on the
 * server port, and the body words unchanged (item_word: the item as it
 * arrived). */
static void check_seen(const struct report *rep, const struct req *sent, uint32_t bits, uint32_t remote_type,
		       uint32_t item_word, const char *what)
{
	const mach_msg_header_t *seen = (const mach_msg_header_t *)&rep->w[R_HEADER];
	CHECK(rep->w[R_RESULT] == MACH_MSG_SUCCESS, "%s: the child's receive returned %x", what, rep->w[R_RESULT]);
	CHECK(seen->msgh_bits == bits, "%s: the child saw bits %x, not %x", what, seen->msgh_bits, bits);
	CHECK(seen->msgh_size == sizeof *sent, "%s: the child saw size %u", what, seen->msgh_size);
	CHECK(seen->msgh_local_port == SRV_NAME, "%s: the child saw local %x", what, seen->msgh_local_port);
	CHECK(seen->msgh_seqno == srv_seqno, "%s: the child saw seqno %u, not %u", what, seen->msgh_seqno, srv_seqno);
	CHECK(seen->msgh_id == sent->head.msgh_id, "%s: the child saw id %d", what, seen->msgh_id);
	if (remote_type) {
		CHECK(MACH_PORT_VALID(seen->msgh_remote_port), "%s: the reply right is named (%x)", what,
		      seen->msgh_remote_port);
		CHECK(rep->w[R_REMOTE_TYPE] == remote_type, "%s: the reply right's type %x", what, rep->w[R_REMOTE_TYPE]);
	} else {
		CHECK(seen->msgh_remote_port == MACH_PORT_NULL, "%s: no reply right (%x)", what, seen->msgh_remote_port);
	}
	uint32_t body[5] = { 0, sent->cmd, sent->arg, 0, item_word };
	memcpy(&body[0], &sent->cmd_type, sizeof body[0]);        /* the descriptors' words */
	memcpy(&body[3], &sent->item_type, sizeof body[3]);
	CHECK(memcmp(&rep->w[R_BODY], body, sizeof body) == 0, "%s: the body arrived as sent (%x %x %x %x %x)", what,
	      rep->w[R_BODY], rep->w[R_BODY + 1], rep->w[R_BODY + 2], rep->w[R_BODY + 3], rep->w[R_BODY + 4]);
	srv_seqno++;
}

/* The reply in m is the child's answer to request id, as received on
 * reply (sequence number seqno there), with a send-once right used up. */
static void check_reply(const union msg *m, mach_port_t reply, uint32_t seqno, mach_msg_id_t id, const char *what)
{
	const mach_msg_header_t *h = &m->head;
	CHECK(h->msgh_bits == MACH_MSGH_BITS(0, MACH_MSG_TYPE_PORT_SEND_ONCE), "%s: reply bits %x", what, h->msgh_bits);
	CHECK(h->msgh_size == sizeof m->rep, "%s: reply size %u", what, h->msgh_size);
	CHECK(h->msgh_remote_port == MACH_PORT_NULL, "%s: reply remote %x", what, h->msgh_remote_port);
	CHECK(h->msgh_local_port == reply, "%s: reply local %x, not %x", what, h->msgh_local_port, reply);
	CHECK(h->msgh_seqno == seqno, "%s: reply seqno %u, not %u", what, h->msgh_seqno, seqno);
	CHECK(h->msgh_id == id + 100, "%s: reply id %d", what, h->msgh_id);
	CHECK(m->rep.type.msgt_number == R_WORDS && m->rep.type.msgt_name == MACH_MSG_TYPE_INTEGER_32,
	      "%s: the report's descriptor", what);
}

#define REQ_BITS MACH_MSGH_BITS(MACH_MSG_TYPE_PORT_SEND_ONCE, MACH_MSG_TYPE_PORT_SEND)

/* One RPC of cmd, expected to go the fast way in both directions or in
 * `fast` of them; checks both messages. */
static void rpc(uint32_t cmd, mach_port_t reply, uint32_t *reply_seqno, uint32_t want_fast, const char *what)
{
	union msg m;
	set_req(&m, cmd, reply, MACH_MSG_TYPE_MAKE_SEND_ONCE);
	struct req sent = m.req;
	uint32_t fast = 0;
	CHECK_EQ(call(&m, reply, 0, 0, &fast), MACH_MSG_SUCCESS);
	check_reply(&m, reply, (*reply_seqno)++, sent.head.msgh_id, what);
	check_seen(&m.rep, &sent, REQ_BITS, MACH_PORT_TYPE_SEND_ONCE, sent.item, what);
	CHECK(fast == want_fast, "%s: %u of its messages went the RPC-shaped way, not %u", what, fast, want_fast);
}

static void test_fast_both_ways(void)
{
	mach_port_t reply = new_port();
	uint32_t seq = 0;
	for (int i = 0; i < 3; i++)
		rpc(CMD_ECHO, reply, &seq, 2, "a request to a waiting server and its reply");
	/* Timeouts change only a send or receive that waits: these do not. */
	union msg m;
	set_req(&m, CMD_ECHO, reply, MACH_MSG_TYPE_MAKE_SEND_ONCE);
	struct req sent = m.req;
	uint32_t fast = 0;
	CHECK_EQ(call(&m, reply, MACH_SEND_TIMEOUT | MACH_RCV_TIMEOUT, 1000, &fast), MACH_MSG_SUCCESS);
	check_reply(&m, reply, seq++, sent.head.msgh_id, "with timeouts");
	check_seen(&m.rep, &sent, REQ_BITS, MACH_PORT_TYPE_SEND_ONCE, sent.item, "with timeouts");
	CHECK(fast == 2, "with timeouts: %u fast", fast);
	mach_port_destroy(self, reply);
}

/* The server busy (asleep elsewhere) when the request comes: it is queued,
 * and the reply, to us waiting, goes the fast way. */
static void test_receiver_not_waiting(void)
{
	mach_port_t reply = new_port();
	uint32_t seq = 0;
	rpc(CMD_SLEEP_AFTER, reply, &seq, 2, "before the server sleeps");
	rpc(CMD_ECHO, reply, &seq, 1, "to a server not waiting");
	mach_port_destroy(self, reply);
}

/* A server waiting on the set holding the port: the fast way too, and
 * the server sees the member's name and its sequence number. (The case it
 * leaves, a member of the set holding a message while a thread waits on
 * the set, lasts only until a woken receiver runs: it needs two receiving
 * threads and is not driven here.) */
static void test_receiver_on_set(void)
{
	mach_port_t reply = new_port();
	uint32_t seq = 0;
	rpc(CMD_NEXT_SET, reply, &seq, 2, "before the server receives on a set");
	rpc(CMD_NEXT_PORT, reply, &seq, 2, "to a server waiting on the port's set");
	rpc(CMD_ECHO, reply, &seq, 2, "the port out of the set again");
	mach_port_destroy(self, reply);
}

/* Rights or memory in the body: the general path. */
static void test_complex_body(void)
{
	mach_port_t reply = new_port();
	uint32_t seq = 0;
	union msg m;
	set_req(&m, CMD_ECHO, reply, MACH_MSG_TYPE_MAKE_SEND_ONCE);
	m.req.head.msgh_bits |= MACH_MSGH_BITS_COMPLEX;
	m.req.item_type = (mach_msg_type_t){ MACH_MSG_TYPE_COPY_SEND, 32, 1, 1, 0, 0, 0 };
	m.req.item = srv;                               /* the server's own port: SRV_NAME there */
	struct req sent = m.req;
	sent.item_type.msgt_name = MACH_MSG_TYPE_PORT_SEND;  /* as the receiver sees it */
	uint32_t fast = 0;
	CHECK_EQ(call(&m, reply, 0, 0, &fast), MACH_MSG_SUCCESS);
	check_reply(&m, reply, seq++, sent.head.msgh_id, "a port right in the body");
	check_seen(&m.rep, &sent, REQ_BITS | MACH_MSGH_BITS_COMPLEX, MACH_PORT_TYPE_SEND_ONCE, SRV_NAME,
		   "a port right in the body");
	CHECK(fast == 1, "a port right in the body: %u fast (the reply only)", fast);

	static uint32_t page[1024] __attribute__((aligned(4096)));
	page[0] = 0x00c0ffee;
	set_req(&m, CMD_OOL, reply, MACH_MSG_TYPE_MAKE_SEND_ONCE);
	m.req.head.msgh_bits |= MACH_MSGH_BITS_COMPLEX;
	m.req.item_type = (mach_msg_type_t){ MACH_MSG_TYPE_INTEGER_32, 32, 1024, 0, 0, 0, 0 };
	m.req.item = (uint32_t)page;
	sent = m.req;
	CHECK_EQ(call(&m, reply, 0, 0, &fast), MACH_MSG_SUCCESS);
	check_reply(&m, reply, seq++, sent.head.msgh_id, "out-of-line memory in the body");
	/* The address is the child's: compare the rest, and the data. */
	const uint32_t *seen_item = &m.rep.w[R_BODY + 4];
	check_seen(&m.rep, &sent, REQ_BITS | MACH_MSGH_BITS_COMPLEX, MACH_PORT_TYPE_SEND_ONCE, *seen_item,
		   "out-of-line memory in the body");
	CHECK(*seen_item != 0, "the child got an address");
	CHECK(m.rep.w[R_OOL_WORD] == 0x00c0ffee, "the out-of-line data arrived (%x)", m.rep.w[R_OOL_WORD]);
	CHECK(fast == 1, "out-of-line memory in the body: %u fast (the reply only)", fast);
	mach_port_destroy(self, reply);
}

/* A receive buffer too small: with MACH_RCV_LARGE the server learns the
 * size and takes the message with a second receive; without, the message
 * is destroyed and its send-once right tells our reply port. */
static void test_buffer_too_small(void)
{
	mach_port_t reply = new_port();
	uint32_t seq = 0;
	rpc(CMD_NEXT_SMALL_LARGE, reply, &seq, 2, "before a small receive with MACH_RCV_LARGE");
	union msg m;
	set_req(&m, CMD_ECHO, reply, MACH_MSG_TYPE_MAKE_SEND_ONCE);
	struct req sent = m.req;
	uint32_t fast = 0;
	CHECK_EQ(call(&m, reply, 0, 0, &fast), MACH_MSG_SUCCESS);
	check_reply(&m, reply, seq++, sent.head.msgh_id, "to a small buffer with MACH_RCV_LARGE");
	CHECK(m.rep.w[R_LARGE_RESULT] == MACH_RCV_TOO_LARGE, "the small receive returned %x", m.rep.w[R_LARGE_RESULT]);
	CHECK(m.rep.w[R_LARGE_SIZE] == sizeof sent, "the small receive was told %u bytes", m.rep.w[R_LARGE_SIZE]);
	check_seen(&m.rep, &sent, REQ_BITS, MACH_PORT_TYPE_SEND_ONCE, sent.item, "to a small buffer with MACH_RCV_LARGE");
	CHECK(fast == 1, "to a small buffer with MACH_RCV_LARGE: %u fast (the reply only)", fast);

	rpc(CMD_NEXT_SMALL, reply, &seq, 2, "before a small receive");
	set_req(&m, CMD_ECHO, reply, MACH_MSG_TYPE_MAKE_SEND_ONCE);
	CHECK_EQ(call(&m, reply, 0, 0, &fast), MACH_MSG_SUCCESS);
	CHECK(m.head.msgh_id == MACH_NOTIFY_SEND_ONCE, "the lost request's reply right came back (id %d)", m.head.msgh_id);
	CHECK(m.head.msgh_local_port == reply && m.head.msgh_seqno == seq,
	      "the notification came to the reply port (%x, seqno %u)", m.head.msgh_local_port, m.head.msgh_seqno);
	seq++;
	CHECK(fast == 0, "to a small buffer: %u fast", fast);
	CHECK_EQ(mach_msg(&m.head, MACH_RCV_MSG, 0, sizeof m, report, 0, MACH_PORT_NULL), MACH_MSG_SUCCESS);
	CHECK(m.rep.w[R_RESULT] == MACH_RCV_TOO_LARGE, "the server's small receive returned %x", m.rep.w[R_RESULT]);
	rpc(CMD_ECHO, reply, &seq, 2, "after the small receive");
	mach_port_destroy(self, reply);
}

/* Reply ports the general path refuses or turns into something else. */
static void test_reply_ports(void)
{
	mach_port_t reply = new_port();
	uint32_t seq = 0, fast = 0;
	union msg m;
	/* A name we hold no receive right for: refused, nothing delivered. */
	set_req(&m, CMD_ECHO, self, MACH_MSG_TYPE_MAKE_SEND_ONCE);
	CHECK_EQ(call(&m, reply, 0, 0, &fast), MACH_SEND_INVALID_REPLY);
	CHECK(fast == 0, "a reply port we cannot receive on: %u fast", fast);
	/* The request's own destination as the reply port: refused too. */
	set_req(&m, CMD_ECHO, srv, MACH_MSG_TYPE_MAKE_SEND_ONCE);
	CHECK_EQ(call(&m, reply, 0, 0, &fast), MACH_SEND_INVALID_REPLY);
	CHECK(fast == 0, "the destination as the reply port: %u fast", fast);
	/* A receive right's name used with MOVE_SEND_ONCE: no such right. */
	set_req(&m, CMD_ECHO, reply, MACH_MSG_TYPE_MOVE_SEND_ONCE);
	CHECK_EQ(call(&m, reply, 0, 0, &fast), MACH_SEND_INVALID_REPLY);
	CHECK(fast == 0, "a send-once right we do not hold: %u fast", fast);

	/* MACH_PORT_DEAD: delivered with no reply port; the server answers on
	 * the report port. */
	set_req(&m, CMD_ECHO, MACH_PORT_DEAD, MACH_MSG_TYPE_MAKE_SEND_ONCE);
	struct req sent = m.req;
	CHECK_EQ(call(&m, report, 0, 0, &fast), MACH_MSG_SUCCESS);
	CHECK(m.head.msgh_bits == MACH_MSGH_BITS(0, MACH_MSG_TYPE_PORT_SEND) && m.head.msgh_local_port == report,
	      "the answer came on the report port (bits %x)", m.head.msgh_bits);
	check_seen(&m.rep, &sent, MACH_MSGH_BITS(0, MACH_MSG_TYPE_PORT_SEND), 0, sent.item, "a dead reply port");
	CHECK(fast == 0, "a dead reply port: %u fast", fast);

	/* A send right as the reply right (MAKE_SEND): another shape both
	 * ways, the general path's. */
	set_req(&m, CMD_ECHO, reply, MACH_MSG_TYPE_MAKE_SEND);
	sent = m.req;
	CHECK_EQ(call(&m, reply, 0, 0, &fast), MACH_MSG_SUCCESS);
	CHECK(m.head.msgh_bits == MACH_MSGH_BITS(0, MACH_MSG_TYPE_PORT_SEND) && m.head.msgh_local_port == reply &&
	      m.head.msgh_seqno == seq && m.head.msgh_id == sent.head.msgh_id + 100,
	      "the answer to a send right (bits %x)", m.head.msgh_bits);
	seq++;
	check_seen(&m.rep, &sent, MACH_MSGH_BITS(MACH_MSG_TYPE_PORT_SEND, MACH_MSG_TYPE_PORT_SEND), MACH_PORT_TYPE_SEND,
		   sent.item, "a send right as the reply right");
	CHECK(fast == 0, "a send right as the reply right: %u fast", fast);
	rpc(CMD_ECHO, reply, &seq, 2, "after the refused reply ports");
	mach_port_destroy(self, reply);
}

/* A receive that times out before the (late) reply; the reply, to a port
 * nobody waits on, is queued. */
static void test_receive_timeout(void)
{
	mach_port_t reply = new_port();
	union msg m;
	set_req(&m, CMD_REPLY_LATE, reply, MACH_MSG_TYPE_MAKE_SEND_ONCE);
	struct req sent = m.req;
	uint32_t fast = 0;
	CHECK_EQ(call(&m, reply, MACH_RCV_TIMEOUT, 20, &fast), MACH_RCV_TIMED_OUT);
	uint32_t n0 = rpc_sends();
	smrt_sleep_ms(300);                          /* the reply comes meanwhile */
	CHECK_EQ(mach_msg(&m.head, MACH_RCV_MSG, 0, sizeof m, reply, 0, MACH_PORT_NULL), MACH_MSG_SUCCESS);
	fast += rpc_sends() - n0;
	check_reply(&m, reply, 0, sent.head.msgh_id, "a late reply");
	check_seen(&m.rep, &sent, REQ_BITS, MACH_PORT_TYPE_SEND_ONCE, sent.item, "before a receive timed out");
	CHECK(fast == 1, "a late reply: %u fast (the request only)", fast);
	mach_port_destroy(self, reply);
}

/* Dead destinations: our reply port gone before the server answers, and
 * the server gone before we ask. */
static void test_dead_destinations(void)
{
	mach_port_t reply = new_port();
	union msg m;
	set_req(&m, CMD_REPLY_LATE, reply, MACH_MSG_TYPE_MAKE_SEND_ONCE);
	uint32_t n0 = rpc_sends();
	CHECK_EQ(mach_msg(&m.head, MACH_SEND_MSG, sizeof m.req, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL), MACH_MSG_SUCCESS);
	srv_seqno++;
	mach_port_destroy(self, reply);
	CHECK_EQ(mach_msg(&m.head, MACH_RCV_MSG, 0, sizeof m, report, 0, MACH_PORT_NULL), MACH_MSG_SUCCESS);
	CHECK(m.rep.w[R_RESULT] == MACH_SEND_INVALID_DEST, "the reply to a dead port was refused (%x)", m.rep.w[R_RESULT]);
	CHECK(rpc_sends() - n0 == 1, "the request alone went the fast way (%u)", rpc_sends() - n0);

	reply = new_port();
	uint32_t seq = 0;
	rpc(CMD_ECHO, reply, &seq, 2, "after a reply to a dead port");
	task_terminate(child);
	uint32_t fast = 0;
	set_req(&m, CMD_ECHO, reply, MACH_MSG_TYPE_MAKE_SEND_ONCE);
	CHECK_EQ(call(&m, reply, 0, 0, &fast), MACH_SEND_INVALID_DEST);
	CHECK(fast == 0, "a dead server: %u fast", fast);
	mach_port_type_t t = 0;
	CHECK(mach_port_type(self, reply, &t) == KERN_SUCCESS && t == MACH_PORT_TYPE_RECEIVE,
	      "the refused request left our reply port alone (%x)", t);
	mach_port_destroy(self, reply);
}

/* Fast round trips leave no port, right or memory behind: each round a
 * new reply port, destroyed after. */
static void fast_rounds(void *arg)
{
	(void)arg;
	for (int i = 0; i < 20; i++) {
		mach_port_t reply = new_port();
		uint32_t seq = 0;
		rpc(CMD_ECHO, reply, &seq, 2, "a round with a new reply port");
		mach_port_destroy(self, reply);
	}
}

static void start_child(void)
{
	CHECK_EQ(task_create(self, TRUE, &child), KERN_SUCCESS);
	CHECK_EQ(mach_port_allocate_name(child, MACH_PORT_RIGHT_RECEIVE, SRV_NAME), KERN_SUCCESS);
	CHECK_EQ(mach_port_allocate_name(child, MACH_PORT_RIGHT_PORT_SET, SET_NAME), KERN_SUCCESS);
	mach_msg_type_name_t type = 0;
	CHECK_EQ(mach_port_extract_right(child, SRV_NAME, MACH_MSG_TYPE_MAKE_SEND, &srv, &type), KERN_SUCCESS);
	CHECK_EQ(mach_port_insert_right(child, REPORT_NAME, report, MACH_MSG_TYPE_MAKE_SEND), KERN_SUCCESS);
	uint32_t *sp = (uint32_t *)(child_stack + sizeof child_stack - 16);
	sp[0] = 0;
	start_thread_at(child, (uintptr_t)child_main, (uintptr_t)sp, &child_thread);
	CHECK(thread_blocks(child_thread), "the server waits for its first request");
	srv_seqno = 0;
}

int main(void)
{
	self = mach_task_self();
	report = new_port();
	start_child();
	test_fast_both_ways();
	test_receiver_not_waiting();
	test_receiver_on_set();
	test_complex_body();
	test_buffer_too_small();
	test_reply_ports();
	test_receive_timeout();
	check_round_leaves_nothing("fast round trips", 3, fast_rounds, NULL);
	test_dead_destinations();
	return guest_summary("test-rpc-send");
}
