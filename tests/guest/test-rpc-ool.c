/* test-rpc-ool: a reply carrying out-of-line memory on the RPC-shaped send
 * (kernel/ipc/rpc_send.c, ipc/ool_move.c). A reply of inline data and one
 * page-aligned out-of-line item of whole pages with the deallocate bit,
 * to a thread of another task waiting for it, has its pages moved from the
 * sender's map into the receiver's there; every other reply goes the
 * general way, with the same result.
 * The server is a child task (task_create, inheriting this program) that
 * answers each request with fresh pages filled with a pattern, as asked
 * (pages, deallocate bit, offset, half a page), and reports in
 * each reply whether it still has the pages of the reply before. So each
 * case checks the data that arrived, word by word; whether the sender lost
 * its pages (moved) or kept them (copied); and, through sm_ipc_rpc_sends,
 * which way the reply went. A receive buffer too small and a receiver
 * gone (its reply port destroyed) must leave no page behind
 * (sm_kernel_stats). */
#include "guest-check.h"
#include <stdbool.h>
#include <string.h>
#include <sm/traps.h>
#include <sm/threads.h>
#include "mach.h"
#include "smhost.h"

#define SRV_NAME 0x601          /* the child's receive right for requests */
#define PAGE 4096u

enum flag { F_DEALLOC = 1, F_UNALIGNED = 2, F_HALF = 4 };

struct req {
	mach_msg_header_t head;
	mach_msg_type_t type;           /* three integers */
	uint32_t seq, pages, flags;
};

struct reply {
	mach_msg_header_t head;
	mach_msg_type_t type;           /* two integers */
	uint32_t seq, kept;             /* kept: vm_protect's answer on the last reply's pages */
	mach_msg_type_long_t data_type;
	uint32_t data;                  /* the out-of-line item's address */
};

union msg { struct req req; struct reply rep; char raw[256]; };

static mach_port_t self, child, child_thread, srv;
static uint8_t child_stack[16384] __attribute__((aligned(16)));

/* The word at byte offset off of a reply's data. */
static uint32_t pattern(uint32_t seq, uint32_t off) { return (seq << 20) ^ off ^ 0x5a5a0000u; }

static uint32_t data_bytes(uint32_t pages, uint32_t flags) { return flags & F_HALF ? PAGE / 2 : pages * PAGE; }

static void child_main(void)
{
	static union msg m;
	smrt_task_forked();
	mach_port_t me = mach_task_self();
	vm_address_t last = 0;
	vm_size_t last_size = 0;
	uint32_t send_size = 0;
	for (;;) {
		mach_msg_return_t r = mach_msg(&m.rep.head,
					       (send_size ? MACH_SEND_MSG : 0) | MACH_RCV_MSG, send_size, sizeof m,
					       SRV_NAME, 0, MACH_PORT_NULL);
		send_size = 0;
		if (r != MACH_MSG_SUCCESS)
			continue;
		uint32_t seq = m.req.seq, pages = m.req.pages, flags = m.req.flags;
		/* Whether the last reply's pages are still ours, then gone. */
		kern_return_t kept = last_size ? vm_protect(me, last, last_size, FALSE, VM_PROT_DEFAULT) : KERN_SUCCESS;
		if (kept == KERN_SUCCESS && last_size)
			vm_deallocate(me, last, last_size);
		uint32_t bytes = data_bytes(pages, flags), skew = flags & F_UNALIGNED ? 16 : 0;
		vm_address_t a = 0;
		last_size = (bytes + skew + PAGE - 1) / PAGE * PAGE;
		if (vm_allocate(me, &a, last_size, TRUE) != KERN_SUCCESS)
			continue;
		last = a;
		for (uint32_t off = 0; off < bytes; off += 4)
			*(uint32_t *)(a + skew + off) = pattern(seq, off);
		mach_port_t reply = m.req.head.msgh_remote_port;
		memset(&m, 0, sizeof m);
		m.rep.head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND_ONCE, 0) | MACH_MSGH_BITS_COMPLEX;
		m.rep.head.msgh_size = sizeof m.rep;
		m.rep.head.msgh_remote_port = reply;
		m.rep.head.msgh_id = 700;
		m.rep.type = (mach_msg_type_t){ MACH_MSG_TYPE_INTEGER_32, 32, 2, 1, 0, 0, 0 };
		m.rep.seq = seq;
		m.rep.kept = kept;
		m.rep.data_type.msgtl_header = (mach_msg_type_t){ 0, 0, 0, 0, 1, !!(flags & F_DEALLOC), 0 };
		m.rep.data_type.msgtl_name = MACH_MSG_TYPE_BYTE;
		m.rep.data_type.msgtl_size = 8;
		m.rep.data_type.msgtl_number = bytes;
		m.rep.data = a + skew;
		send_size = sizeof m.rep;
	}
}

static uint32_t rpc_sends(void)
{
	natural_t n = 0;
	CHECK_EQ(sm_ipc_rpc_sends(smrt_host_port(), &n), KERN_SUCCESS);
	return n;
}

static uint32_t next_seq = 1;

static void set_req(union msg *m, mach_port_t reply, uint32_t pages, uint32_t flags)
{
	memset(m, 0, sizeof *m);
	m->req.head = (mach_msg_header_t){ MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE),
					   sizeof m->req, srv, { reply }, 0, 600 };
	m->req.type = (mach_msg_type_t){ MACH_MSG_TYPE_INTEGER_32, 32, 3, 1, 0, 0, 0 };
	m->req.seq = next_seq++;
	m->req.pages = pages;
	m->req.flags = flags;
}

/* The reply in m answers request seq with its data intact, in pages now
 * ours (written too), which are then given back. */
static void check_data(const union msg *m, uint32_t seq, uint32_t pages, uint32_t flags, const char *what)
{
	uint32_t bytes = data_bytes(pages, flags);
	CHECK(m->rep.head.msgh_id == 700 && m->rep.head.msgh_size == sizeof m->rep && m->rep.seq == seq &&
	      (m->rep.head.msgh_bits & MACH_MSGH_BITS_COMPLEX) && m->rep.data_type.msgtl_number == bytes &&
	      m->rep.data_type.msgtl_header.msgt_deallocate == !!(flags & F_DEALLOC),
	      "%s: the reply's header and descriptor (id %d, seq %u)", what, m->rep.head.msgh_id, m->rep.seq);
	uint32_t *d = (uint32_t *)m->rep.data;
	CHECK(d && m->rep.data % PAGE == 0, "%s: data at %#x", what, m->rep.data);
	if (!d)
		return;
	uint32_t bad = 0;
	for (uint32_t off = 0; off < bytes; off += 4)
		bad += d[off / 4] != pattern(seq, off);
	for (uint32_t off = bytes; off % PAGE; off += 4)
		bad += d[off / 4] != 0;                  /* nothing past the data */
	CHECK(bad == 0, "%s: %u words differ", what, bad);
	d[0] = 1;                                          /* ours to write */
	CHECK_EQ(vm_deallocate(self, m->rep.data, (bytes + PAGE - 1) / PAGE * PAGE), KERN_SUCCESS);
}

/* A request and its reply in one mach_msg; want_fast: how many of the two
 * the RPC-shaped path took; want_kept: the child's answer about the pages
 * of the reply before this one. */
static void round_trip(uint32_t pages, uint32_t flags, uint32_t want_fast, kern_return_t want_kept, const char *what)
{
	static union msg m;
	mach_port_t reply = MACH_PORT_NULL;
	CHECK_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &reply), KERN_SUCCESS);
	set_req(&m, reply, pages, flags);
	uint32_t seq = m.req.seq, n0 = rpc_sends();
	mach_msg_return_t r = mach_msg(&m.req.head, MACH_SEND_MSG | MACH_RCV_MSG, sizeof m.req, sizeof m, reply, 0,
				       MACH_PORT_NULL);
	uint32_t fast = rpc_sends() - n0;
	CHECK(r == MACH_MSG_SUCCESS && fast == want_fast, "%s: %#x, %u fast (want %u)", what, r, fast, want_fast);
	CHECK(m.rep.kept == (uint32_t)want_kept, "%s: the child's last pages: %#x, want %#x", what, m.rep.kept,
	      want_kept);
	if (r == MACH_MSG_SUCCESS)
		check_data(&m, seq, pages, flags, what);
	mach_port_destroy(self, reply);
}

static void moved_rounds(void *arg)
{
	(void)arg;
	for (int i = 0; i < 8; i++)
		round_trip(1 + i % 3, F_DEALLOC, 2, KERN_INVALID_ADDRESS, "a moved reply, again");
}

/* The reply finds its receiver with too small a buffer, or not waiting
 * and then gone (the reply port destroyed with the reply queued): either
 * way it is destroyed on the general path, its pages freed. */
static void lost_reply(void *arg)
{
	static union msg m;
	bool gone = arg != NULL;
	mach_port_t reply = MACH_PORT_NULL;
	CHECK_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &reply), KERN_SUCCESS);
	set_req(&m, reply, 2, F_DEALLOC);
	mach_msg_return_t r;
	if (gone) {
		r = mach_msg(&m.req.head, MACH_SEND_MSG, sizeof m.req, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
		CHECK_EQ(r, MACH_MSG_SUCCESS);
		smrt_sleep_ms(20);
		CHECK(thread_blocks(child_thread), "the child has answered and waits again");
		mach_port_destroy(self, reply);               /* the reply queued on it goes */
	} else {
		r = mach_msg(&m.req.head, MACH_SEND_MSG | MACH_RCV_MSG, sizeof m.req, sizeof(mach_msg_header_t), reply,
			     0, MACH_PORT_NULL);
		CHECK(r == MACH_RCV_TOO_LARGE, "a header's room for the reply: %#x", r);
		mach_port_destroy(self, reply);
	}
	round_trip(1, F_DEALLOC, 2, KERN_INVALID_ADDRESS, gone ? "after a receiver gone" : "after a buffer too small");
}

/* The receiver is not waiting when the reply comes: it is queued. */
static void test_not_waiting(void)
{
	static union msg m;
	mach_port_t reply = MACH_PORT_NULL;
	CHECK_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &reply), KERN_SUCCESS);
	set_req(&m, reply, 2, F_DEALLOC);
	uint32_t seq = m.req.seq, n0 = rpc_sends();
	CHECK_EQ(mach_msg(&m.req.head, MACH_SEND_MSG, sizeof m.req, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL),
		 MACH_MSG_SUCCESS);
	smrt_sleep_ms(50);
	CHECK_EQ(mach_msg(&m.rep.head, MACH_RCV_MSG, 0, sizeof m, reply, 0, MACH_PORT_NULL), MACH_MSG_SUCCESS);
	CHECK(rpc_sends() - n0 == 1, "only the request went the fast way: %u", rpc_sends() - n0);
	check_data(&m, seq, 2, F_DEALLOC, "a reply queued");
	mach_port_destroy(self, reply);
}

int main(void)
{
	self = mach_task_self();
	CHECK_EQ(task_create(self, TRUE, &child), KERN_SUCCESS);
	CHECK_EQ(mach_port_allocate_name(child, MACH_PORT_RIGHT_RECEIVE, SRV_NAME), KERN_SUCCESS);
	mach_msg_type_name_t type = 0;
	CHECK_EQ(mach_port_extract_right(child, SRV_NAME, MACH_MSG_TYPE_MAKE_SEND, &srv, &type), KERN_SUCCESS);
	uint32_t *sp = (uint32_t *)(child_stack + sizeof child_stack - 16);
	sp[0] = 0;
	start_thread_at(child, (uintptr_t)child_main, (uintptr_t)sp, &child_thread);
	CHECK(thread_blocks(child_thread), "the server waits for its first request");

	round_trip(1, F_DEALLOC, 2, KERN_SUCCESS, "one page moved");
	round_trip(3, F_DEALLOC, 2, KERN_INVALID_ADDRESS, "three pages moved (the child lost the one before)");
	round_trip(1, 0, 1, KERN_INVALID_ADDRESS, "no deallocate bit: copied");
	round_trip(1, F_DEALLOC | F_UNALIGNED, 1, KERN_SUCCESS, "not page aligned: copied (the child kept the last)");
	round_trip(1, F_DEALLOC | F_HALF, 1, KERN_INVALID_ADDRESS, "half a page: the general path (the last deallocated)");
	round_trip(17, F_DEALLOC, 1, KERN_INVALID_ADDRESS, "17 pages: the general path moves them");
	round_trip(2, F_DEALLOC, 2, KERN_INVALID_ADDRESS, "moved once more");
	check_round_leaves_nothing("moved replies", 3, moved_rounds, NULL);
	check_round_leaves_nothing("a reply to a buffer too small", 3, lost_reply, NULL);
	check_round_leaves_nothing("a reply to a receiver gone", 3, lost_reply, (void *)1);
	test_not_waiting();
	return guest_summary("test-rpc-ool");
}
