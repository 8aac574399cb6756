/* test-hostile-ipc: IPC semantics a hostile task attacks (issue 9).
 *   cycles      a receive right sent to its own port, a two- and three-port
 *               cycle, a port-destroyed request naming the port itself (and
 *               one that would close a cycle when it fires), a receive right
 *               extracted with its own send-once right as the reply port: each
 *               is refused or the ports die, and ports and heap return to
 *               their baseline over many rounds (kernel/ipc/transit.h);
 *   moved       a receive right moved while a thread waits on it: that thread
 *               gets MACH_RCV_PORT_CHANGED and the next holder's receiver gets
 *               the message;
 *   rename      messages on a renamed send+receive name report the new name;
 *   replies     kernel replies to a reply port never received from stop at a
 *               bound per port and in all (kernel/ipc/mqueue.c) and free
 *               pages stay up;
 *   stress      random messages, rights and port operations between a few
 *               ports (tests/guest/hostile-ipc-stress.c), then everything destroyed:
 *               ports, heap and pages return to their baseline. */
#include "hostile-ipc.h"
#include "guest-check.h"
#include <sm/traps.h>
#include <sm/threads.h>
#include <mach/mig_errors.h>
#include <mach/notify.h>
#include <mach/thread_info.h>
#include "mach.h"
#include "mach_port.h"
#include "smhost.h"

mach_port_t self;

/* Bounds of kernel/ipc/mqueue.h: messages past a port's queue limit. */
#define OVERFLOW_PER_PORT 64
#define OVERFLOW_TOTAL 2048

void kernel_stats(uint32_t s[4])
{
	CHECK_EQ(sm_kernel_stats(mach_host_self(), &s[0], &s[1], &s[2], &s[3]), KERN_SUCCESS);
}

void expect_baseline(const uint32_t before[4], const char *what)
{
	uint32_t after[4];
	kernel_stats(after);
	CHECK(after[1] == before[1] && after[2] == before[2] && after[3] == before[3] && after[0] == before[0],
	      "%s: free pages %u->%u, heap %u->%u, ports %u->%u, ool %u->%u", what, before[0], after[0],
	      before[1], after[1], before[2], after[2], before[3], after[3]);
}

static mach_port_t new_port(void)
{
	mach_port_t p = MACH_PORT_NULL;
	CHECK_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &p), KERN_SUCCESS);
	return p;
}

mach_msg_return_t send_right(mach_port_t dest, uint32_t dest_disp, mach_port_t right, uint32_t right_disp)
{
	struct port_msg m = {
		{ MACH_MSGH_BITS(dest_disp, 0) | MACH_MSGH_BITS_COMPLEX, sizeof m, dest, { 0 }, 0, 77 },
		{ right_disp, 32, 1, 1, 0, 0, 0 }, right };
	return mach_msg(&m.head, MACH_SEND_MSG | MACH_SEND_TIMEOUT, sizeof m, 0, 0, 0, 0);
}

/* Receive one message of struct port_msg shape; its port item in *right. */
mach_msg_return_t receive_right(mach_port_t from, mach_port_t *right, uint32_t timeout)
{
	struct port_msg m;
	memset(&m, 0, sizeof m);
	mach_msg_return_t mr = mach_msg(&m.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof m, from, timeout, 0);
	if (right)
		*right = m.port;
	return mr;
}

static mach_port_type_t type_of(mach_port_t name)
{
	mach_port_type_t t = 0;
	if (mach_port_type(self, name, &t) != KERN_SUCCESS)
		return 0;
	return t;
}

/* One round of every cycle; each refusal leaves the sender's rights as they
 * were, and each port dies when its last holder lets go. */
static void cycle_round(bool report)
{
	/* A receive right queued on its own port. */
	mach_port_t p = new_port();
	mach_msg_return_t mr = send_right(p, MACH_MSG_TYPE_MAKE_SEND, p, MACH_MSG_TYPE_MOVE_RECEIVE);
	CHECK(mr == MACH_SEND_INVALID_RIGHT, "self cycle: send gave %x", mr);
	CHECK(type_of(p) == MACH_PORT_TYPE_RECEIVE, "self cycle: the right stayed (type %x)", type_of(p));
	CHECK_EQ(mach_port_mod_refs(self, p, MACH_PORT_RIGHT_RECEIVE, -1), KERN_SUCCESS);

	/* A in a message on B, then B in a message on A. */
	mach_port_t a = new_port(), b = new_port();
	CHECK_EQ(mach_port_insert_right(self, a, a, MACH_MSG_TYPE_MAKE_SEND), KERN_SUCCESS);
	CHECK_EQ(send_right(b, MACH_MSG_TYPE_MAKE_SEND, a, MACH_MSG_TYPE_MOVE_RECEIVE), MACH_MSG_SUCCESS);
	CHECK(type_of(a) == MACH_PORT_TYPE_SEND, "a keeps its send right (type %x)", type_of(a));
	mr = send_right(a, MACH_MSG_TYPE_COPY_SEND, b, MACH_MSG_TYPE_MOVE_RECEIVE);
	CHECK(mr == MACH_SEND_INVALID_RIGHT, "two-port cycle: send gave %x", mr);
	CHECK(type_of(b) == MACH_PORT_TYPE_RECEIVE, "two-port cycle: b stayed (type %x)", type_of(b));
	/* Three ports: C on A (in transit on B), then B on C. */
	mach_port_t c = new_port();
	CHECK_EQ(mach_port_insert_right(self, c, c, MACH_MSG_TYPE_MAKE_SEND), KERN_SUCCESS);
	CHECK_EQ(send_right(a, MACH_MSG_TYPE_COPY_SEND, c, MACH_MSG_TYPE_MOVE_RECEIVE), MACH_MSG_SUCCESS);
	mr = send_right(c, MACH_MSG_TYPE_COPY_SEND, b, MACH_MSG_TYPE_MOVE_RECEIVE);
	CHECK(mr == MACH_SEND_INVALID_RIGHT, "three-port cycle: send gave %x", mr);
	mach_port_deallocate(self, a);
	mach_port_deallocate(self, c);
	CHECK_EQ(mach_port_mod_refs(self, b, MACH_PORT_RIGHT_RECEIVE, -1), KERN_SUCCESS);   /* takes a and c along */

	/* A port-destroyed request naming the port itself. */
	p = new_port();
	mach_port_t prev = MACH_PORT_NULL;
	kern_return_t kr = mach_port_request_notification(self, p, MACH_NOTIFY_PORT_DESTROYED, 0, p,
							  MACH_MSG_TYPE_MAKE_SEND_ONCE, &prev);
	CHECK(kr == KERN_INVALID_CAPABILITY, "port-destroyed to itself: %x", kr);
	CHECK_EQ(mach_port_mod_refs(self, p, MACH_PORT_RIGHT_RECEIVE, -1), KERN_SUCCESS);

	/* A's port-destroyed request names B, and B travels in a message on A:
	 * when A is destroyed, returning it to B would close the cycle. */
	a = new_port();
	b = new_port();
	CHECK_EQ(mach_port_request_notification(self, a, MACH_NOTIFY_PORT_DESTROYED, 0, b,
						MACH_MSG_TYPE_MAKE_SEND_ONCE, &prev), KERN_SUCCESS);
	CHECK_EQ(send_right(a, MACH_MSG_TYPE_MAKE_SEND, b, MACH_MSG_TYPE_MOVE_RECEIVE), MACH_MSG_SUCCESS);
	CHECK_EQ(mach_port_mod_refs(self, a, MACH_PORT_RIGHT_RECEIVE, -1), KERN_SUCCESS);
	CHECK(type_of(a) == 0 && type_of(b) == 0, "names a %x b %x", type_of(a), type_of(b));

	/* mach_port_extract_right of P's receive right, the reply going to P. */
	p = new_port();
	struct {
		mach_msg_header_t head;
		mach_msg_type_t name_type;
		mach_port_name_t name;
		mach_msg_type_t what_type;
		uint32_t what;
	} q = { { MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE), sizeof q,
		  self, { p }, 0, 3216 },
		{ MACH_MSG_TYPE_PORT_NAME, 32, 1, 1, 0, 0, 0 }, p,
		{ MACH_MSG_TYPE_INTEGER_32, 32, 1, 1, 0, 0, 0 }, MACH_MSG_TYPE_MOVE_RECEIVE };
	CHECK_EQ(mach_msg(&q.head, MACH_SEND_MSG | MACH_SEND_TIMEOUT, sizeof q, 0, 0, 0, 0), MACH_MSG_SUCCESS);
	CHECK(type_of(p) == 0, "extracted right's name is gone (type %x)", type_of(p));
	if (report)
		printf("test-hostile-ipc: cycle round done\n");
}

static void test_cycles(void)
{
	cycle_round(true);                              /* warms the heap's size classes */
	uint32_t before[4];
	kernel_stats(before);
	for (int i = 0; i < 200; i++)
		cycle_round(false);
	expect_baseline(before, "200 rounds of cycles");
}

/* A thread blocked receiving on a name; what it got. */
struct waiter { mach_port_t name; mach_msg_return_t result; volatile bool done; };

static void wait_on(void *arg)
{
	struct waiter *w = arg;
	w->result = receive_right(w->name, NULL, 5000);
	w->done = true;
}

/* Until th is blocked in the kernel (it has reached its receive), at most 5 s. */
static bool until_blocked(mach_port_t th)
{
	for (int i = 0; i < 500; i++) {
		struct thread_basic_info bi;
		mach_msg_type_number_t n = THREAD_BASIC_INFO_COUNT;
		if (thread_info(th, THREAD_BASIC_INFO, (thread_info_t)&bi, &n) == KERN_SUCCESS &&
		    bi.run_state == TH_STATE_WAITING)
			return true;
		smrt_sleep_ms(10);
	}
	return false;
}

/* Until w has its answer, at most 2 s: the test fails rather than hangs. */
static bool until_done(struct waiter *w)
{
	for (int i = 0; i < 200 && !w->done; i++)
		smrt_sleep_ms(10);
	return w->done;
}

static void test_moved_receive_right(void)
{
	uint32_t before[4];
	kernel_stats(before);
	mach_port_t p = new_port(), carrier = new_port(), th_old, th_new;
	struct waiter old_owner = { p, 0, false };
	CHECK_EQ(smrt_thread_start(wait_on, &old_owner, NULL, 0, &th_old), KERN_SUCCESS);
	CHECK(until_blocked(th_old), "the first receiver blocks on p");
	CHECK_EQ(send_right(carrier, MACH_MSG_TYPE_MAKE_SEND, p, MACH_MSG_TYPE_MOVE_RECEIVE), MACH_MSG_SUCCESS);
	CHECK(until_done(&old_owner) && old_owner.result == MACH_RCV_PORT_CHANGED,
	      "the old holder's receiver: done %d result %x", old_owner.done, old_owner.result);
	/* Keep the old name taken, so the right comes back under another. */
	CHECK_EQ(mach_port_allocate_name(self, MACH_PORT_RIGHT_DEAD_NAME, p), KERN_SUCCESS);
	mach_port_t moved = MACH_PORT_NULL;
	CHECK_EQ(receive_right(carrier, &moved, 1000), MACH_MSG_SUCCESS);
	CHECK(moved != p && type_of(moved) == MACH_PORT_TYPE_RECEIVE, "moved to %u (type %x)", moved, type_of(moved));
	struct waiter new_owner = { moved, 0, false };
	CHECK_EQ(smrt_thread_start(wait_on, &new_owner, NULL, 0, &th_new), KERN_SUCCESS);
	CHECK(until_blocked(th_new), "the second receiver blocks on the moved right");
	CHECK_EQ(send_right(moved, MACH_MSG_TYPE_MAKE_SEND, MACH_PORT_NULL, MACH_MSG_TYPE_COPY_SEND), MACH_MSG_SUCCESS);
	CHECK(until_done(&new_owner) && new_owner.result == MACH_MSG_SUCCESS,
	      "the new holder's receiver: done %d result %x", new_owner.done, new_owner.result);
	CHECK_EQ(smrt_thread_join(th_old), KERN_SUCCESS);
	CHECK_EQ(smrt_thread_join(th_new), KERN_SUCCESS);
	mach_port_destroy(self, p);
	mach_port_destroy(self, moved);
	mach_port_destroy(self, carrier);
	expect_baseline(before, "moved receive right");
}

static void test_rename(void)
{
	mach_port_t p = new_port(), p2 = new_port(), set = MACH_PORT_NULL;
	CHECK_EQ(mach_port_insert_right(self, p, p, MACH_MSG_TYPE_MAKE_SEND), KERN_SUCCESS);
	CHECK_EQ(mach_port_rename(self, p, 1500), KERN_SUCCESS);
	CHECK_EQ(send_right(1500, MACH_MSG_TYPE_COPY_SEND, MACH_PORT_NULL, MACH_MSG_TYPE_COPY_SEND), MACH_MSG_SUCCESS);
	struct port_msg m;
	memset(&m, 0, sizeof m);
	CHECK_EQ(mach_msg(&m.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof m, 1500, 1000, 0), MACH_MSG_SUCCESS);
	CHECK(m.head.msgh_local_port == 1500, "send+receive renamed to 1500: message says %u", m.head.msgh_local_port);
	/* A receive-only name, and a port set reporting its renamed member's set. */
	CHECK_EQ(mach_port_rename(self, p2, 1501), KERN_SUCCESS);
	CHECK_EQ(send_right(1501, MACH_MSG_TYPE_MAKE_SEND, MACH_PORT_NULL, MACH_MSG_TYPE_COPY_SEND), MACH_MSG_SUCCESS);
	memset(&m, 0, sizeof m);
	CHECK_EQ(mach_msg(&m.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof m, 1501, 1000, 0), MACH_MSG_SUCCESS);
	CHECK(m.head.msgh_local_port == 1501, "receive renamed to 1501: message says %u", m.head.msgh_local_port);
	CHECK_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_PORT_SET, &set), KERN_SUCCESS);
	CHECK_EQ(mach_port_move_member(self, 1501, set), KERN_SUCCESS);
	CHECK_EQ(mach_port_rename(self, set, 1502), KERN_SUCCESS);
	mach_port_status_t st;
	CHECK_EQ(mach_port_get_receive_status(self, 1501, &st), KERN_SUCCESS);
	CHECK(st.mps_pset == 1502, "member's set reported as %u", st.mps_pset);
	mach_port_destroy(self, 1500);
	mach_port_destroy(self, 1501);
	mach_port_destroy(self, 1502);
}

/* count requests to a kernel object (mach_port_type), each with a send-once
 * right to reply as its reply port, which nobody receives from. */
static void flood_replies(mach_port_t reply, int count)
{
	struct { mach_msg_header_t head; mach_msg_type_t t; mach_port_name_t name; } q;
	for (int i = 0; i < count; i++) {
		q = (typeof(q)){ { MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE), sizeof q,
				   self, { reply }, 0, 3201 },
				 { MACH_MSG_TYPE_PORT_NAME, 32, 1, 1, 0, 0, 0 }, reply };
		mach_msg_return_t mr = mach_msg(&q.head, MACH_SEND_MSG | MACH_SEND_TIMEOUT, sizeof q, 0, 0, 0, 0);
		if (mr != MACH_MSG_SUCCESS) {
			CHECK(false, "request %d: %x", i, mr);
			return;
		}
	}
}

static uint32_t queued(mach_port_t p)
{
	mach_port_status_t st;
	CHECK_EQ(mach_port_get_receive_status(self, p, &st), KERN_SUCCESS);
	return st.mps_msgcount;
}

/* PORTS ports, each sent each requests; the replies held stay within the
 * bounds, and free pages within what those bounds cost (not checked when
 * before is NULL). */
static void flood_ports(int each, const uint32_t *before)
{
	enum { PORTS = 40 };
	mach_port_t ports[PORTS];
	uint32_t total = 0, mid[4];
	for (int i = 0; i < PORTS; i++) {
		ports[i] = new_port();
		flood_replies(ports[i], each);
		total += queued(ports[i]);
	}
	CHECK(total <= PORTS * 5 + OVERFLOW_TOTAL && total >= PORTS * 5 + OVERFLOW_TOTAL - 64,
	      "%d ports hold %u replies in all", PORTS, total);
	kernel_stats(mid);
	/* 40 * 200 replies of 128 bytes of heap would take 250 pages. */
	CHECK(!before || mid[0] + 96 > before[0], "free pages %u -> %u", before ? before[0] : 0, mid[0]);
	for (int i = 0; i < PORTS; i++)
		mach_port_destroy(self, ports[i]);
}

static void test_reply_flood(void)
{
	uint32_t before[4], mid[4];
	mach_port_t r = new_port();
	flood_replies(r, 100);                          /* warms the heap */
	mach_port_destroy(self, r);
	kernel_stats(before);
	r = new_port();
	flood_replies(r, 5000);
	CHECK(queued(r) == 5 + OVERFLOW_PER_PORT, "one port holds %u replies", queued(r));
	kernel_stats(mid);
	CHECK(mid[0] + 16 > before[0], "free pages %u -> %u", before[0], mid[0]);
	mach_port_destroy(self, r);
	expect_baseline(before, "5000 replies to one port");

	/* Many ports: the kernel-wide bound. A first flood grows the kernel's
	 * heap to what the bound lets it hold; the second must not go further. */
	flood_ports(70, NULL);
	kernel_stats(before);
	flood_ports(200, before);
	expect_baseline(before, "replies to 40 ports");
	/* The bound is back: one more port takes its full share. */
	r = new_port();
	flood_replies(r, 100);
	CHECK(queued(r) == 5 + OVERFLOW_PER_PORT, "after the flood one port holds %u replies", queued(r));
	mach_port_destroy(self, r);
}

int main(void)
{
	self = mach_task_self();
	test_cycles();
	test_moved_receive_right();
	test_rename();
	test_reply_flood();
	test_random_stress();
	return guest_summary("test-hostile-ipc");
}
