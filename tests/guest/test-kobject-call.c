/* test-kobject-call: the kernel-object call path (kernel/ipc/kobject.c,
 * kobject_call_serve). A call to a kernel object in a mach_msg that sends
 * the request and receives the reply on its reply port goes that way; the
 * same call sent in one mach_msg and received in a second goes the general
 * way (ipc_mqueue_send, kobject_receive, the reply queued). The MIG user
 * stubs are compiled in here with their mach_msg replaced by one that does
 * either, so each routine shape (in-line arguments, out-of-line data in and
 * out, port rights in and out, routine errors) is called both ways and the
 * results compared; hand-built messages check the cases the fast path must
 * leave to the general one (a dead reply port, no reply port, a reply port
 * with a message queued, MAKE_SEND as the reply right) and a receive buffer
 * too small with and without MACH_RCV_LARGE. sm_kobject_fast_calls counts
 * the calls the fast path served: each case checks it moved, or did not. */
#include "guest-check.h"
#include <stdbool.h>
#include <string.h>
#include <sm/traps.h>
#include <mach/notify.h>
#include "smhost.h"

/* The general way: the send and the receive in two mach_msg calls. */
static bool split;
static mach_msg_return_t either_msg(mach_msg_header_t *msg, mach_msg_option_t option, mach_msg_size_t send_size,
				    mach_msg_size_t rcv_size, mach_port_t rcv_name, mach_msg_timeout_t timeout,
				    mach_port_t notify)
{
	if (!split || (option & (MACH_SEND_MSG | MACH_RCV_MSG)) != (MACH_SEND_MSG | MACH_RCV_MSG))
		return mach_msg(msg, option, send_size, rcv_size, rcv_name, timeout, notify);
	mach_msg_return_t r = mach_msg(msg, option & ~MACH_RCV_MSG, send_size, 0, MACH_PORT_NULL, timeout, notify);
	if (r != MACH_MSG_SUCCESS)
		return r;
	return mach_msg(msg, option & ~MACH_SEND_MSG, 0, rcv_size, rcv_name, timeout, notify);
}
#define mach_msg either_msg
#include "mach_port_user.c"
#include "mach_user.c"
#undef mach_msg

static mach_port_t self, host;
static uint32_t last_count;

/* Calls the fast path served since the last reading (the reading itself,
 * a fast call, not counted). */
static uint32_t fast_calls(void)
{
	natural_t n = 0;
	CHECK_EQ(sm_kobject_fast_calls(host, &n), KERN_SUCCESS);
	uint32_t d = n - last_count - 1;
	last_count = n;
	return d;
}

/* Run round once each way; the fast way must be counted once per call,
 * the general way never. */
static void both_ways(const char *what, int calls, void (*round)(int way))
{
	fast_calls();
	split = false;
	round(0);
	uint32_t fast = fast_calls();
	CHECK(fast == (uint32_t)calls, "%s: fast calls %u, expected %d", what, fast, calls);
	split = true;
	round(1);
	split = false;
	fast = fast_calls();
	CHECK(fast == 0, "%s: the general way made %u fast calls", what, fast);
}

/* ---- routine shapes, each way; results kept per way and compared ---- */

static kern_return_t kr[2][8];
static uint32_t val[2][8];

static void inline_args(int w)
{
	mach_port_t p;
	kr[w][0] = mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &p);
	mach_port_type_t t = 0;
	kr[w][1] = mach_port_type(self, p, &t);
	val[w][1] = t;
	mach_port_urefs_t refs = 99;
	kr[w][2] = mach_port_get_refs(self, p, MACH_PORT_RIGHT_RECEIVE, &refs);
	val[w][2] = refs;
	kr[w][3] = mach_port_type(self, 0x7ffff0, &t);               /* bad argument: no such name */
	kr[w][4] = mach_port_mod_refs(self, p, MACH_PORT_RIGHT_RECEIVE, -1);
	kr[w][5] = mach_port_type(self, p, &t);                       /* gone now */
	kr[w][6] = mach_port_get_refs(host, p, 0, &refs);         /* the host is not a task */
}

static vm_address_t page;

static void ool_in_out(int w)
{
	static char data[64];
	memset(data, 'a', sizeof data);
	kr[w][0] = vm_write(self, page + 100, (pointer_t)data, sizeof data);
	val[w][0] = ((volatile char *)page)[100 + 63];
	pointer_t out = 0;
	mach_msg_type_number_t cnt = 0;
	kr[w][1] = vm_read(self, page, 4096, &out, &cnt);
	val[w][1] = cnt;
	val[w][2] = out && cnt == 4096 ? memcmp((void *)out, (void *)page, 4096) == 0 : 0;
	if (out)
		vm_deallocate(self, out, cnt);
	kr[w][3] = vm_read(self, 0, 4096, &out, &cnt);                /* an error with OOL out */
	kr[w][4] = vm_write(self, 0x1000, (pointer_t)data, sizeof data); /* an error with OOL in */
	mach_port_name_array_t names;
	mach_port_type_array_t types;
	mach_msg_type_number_t nc = 0, tc = 0;
	kr[w][5] = mach_port_names(self, &names, &nc, &types, &tc);  /* two OOL arrays out */
	val[w][5] = nc == tc ? nc : 0xffffffff;
	if (kr[w][5] == KERN_SUCCESS) {
		vm_deallocate(self, (vm_address_t)names, nc * sizeof *names);
		vm_deallocate(self, (vm_address_t)types, tc * sizeof *types);
	}
}

static void rights_in_out(int w)
{
	mach_port_t p = MACH_PORT_NULL, got = MACH_PORT_NULL;
	mach_port_urefs_t refs = 0;
	mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &p);
	/* A right in the request's body: a send right made from p. */
	kr[w][0] = mach_port_insert_right(self, p, p, MACH_MSG_TYPE_MAKE_SEND);
	mach_port_get_refs(self, p, MACH_PORT_RIGHT_SEND, &refs);
	val[w][0] = refs;
	/* A right in the reply: a send right extracted, named as before. */
	mach_msg_type_name_t poly = 0;
	kr[w][1] = mach_port_extract_right(self, p, MACH_MSG_TYPE_MAKE_SEND, &got, &poly);
	val[w][1] = got == p && poly == MACH_MSG_TYPE_PORT_SEND;
	mach_port_get_refs(self, p, MACH_PORT_RIGHT_SEND, &refs);
	val[w][2] = refs;
	mach_port_t kport = MACH_PORT_NULL;
	kr[w][3] = task_get_special_port(self, TASK_KERNEL_PORT, &kport);
	val[w][3] = kport == self;
	if (kport == self)
		mach_port_deallocate(self, kport);
	/* An error with a right in the body: the kernel destroys it. */
	kr[w][4] = mach_port_insert_right(self, 0x7ffff2, p, MACH_MSG_TYPE_COPY_SEND);
	kr[w][5] = mach_port_insert_right(self, p, p, MACH_MSG_TYPE_MOVE_RECEIVE);
	mach_port_get_refs(self, p, MACH_PORT_RIGHT_SEND, &refs);
	val[w][5] = refs;
	mach_port_destroy(self, p);
}

static void compare(const char *what, int n)
{
	for (int i = 0; i < n; i++) {
		CHECK(kr[0][i] == kr[1][i], "%s: result %d: fast %x, general %x", what, i, kr[0][i], kr[1][i]);
		CHECK(val[0][i] == val[1][i], "%s: value %d: fast %x, general %x", what, i, val[0][i], val[1][i]);
	}
}

/* ---- hand-built calls: sm_host_uptime (7001) on the host port ---- */

struct uptime_reply {
	mach_msg_header_t head;
	mach_msg_type_t rt;
	kern_return_t ret;
	mach_msg_type_t ut;
	uint64_t ns;
};

static mach_msg_header_t uptime_request(mach_port_t reply, mach_msg_type_name_t rtype)
{
	return (mach_msg_header_t){ MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, rtype), sizeof(mach_msg_header_t), host,
				    { reply }, 0, 7001 };
}

static mach_port_t new_port(void)
{
	mach_port_t p = MACH_PORT_NULL;
	CHECK_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &p), KERN_SUCCESS);
	return p;
}

static void call_cases(void)
{
	union { mach_msg_header_t h; struct uptime_reply r; char raw[128]; } m;
	mach_port_t r = new_port();

	/* The fast call, by hand, and an unknown routine's MIG_BAD_ID. */
	fast_calls();
	m.h = uptime_request(r, MACH_MSG_TYPE_MAKE_SEND_ONCE);
	CHECK_EQ(mach_msg(&m.h, MACH_SEND_MSG | MACH_RCV_MSG, sizeof m.h, sizeof m, r, 0, 0), MACH_MSG_SUCCESS);
	CHECK_EQ(m.h.msgh_id, 7101);
	CHECK_EQ(m.h.msgh_size, sizeof m.r);
	CHECK_EQ(m.h.msgh_local_port, r);
	CHECK_EQ(m.h.msgh_remote_port, MACH_PORT_NULL);
	CHECK_EQ(m.r.ret, KERN_SUCCESS);
	CHECK_EQ(fast_calls(), 1);
	for (int w = 0; w < 2; w++) {
		m.h = uptime_request(r, MACH_MSG_TYPE_MAKE_SEND_ONCE);
		m.h.msgh_id = 7999;
		if (w == 0)
			CHECK_EQ(mach_msg(&m.h, MACH_SEND_MSG | MACH_RCV_MSG, sizeof m.h, sizeof m, r, 0, 0), MACH_MSG_SUCCESS);
		else {
			CHECK_EQ(mach_msg(&m.h, MACH_SEND_MSG, sizeof m.h, 0, 0, 0, 0), MACH_MSG_SUCCESS);
			CHECK_EQ(mach_msg(&m.h, MACH_RCV_MSG, 0, sizeof m, r, 0, 0), MACH_MSG_SUCCESS);
		}
		CHECK_EQ(m.h.msgh_id, 8099);
		CHECK_EQ(m.r.ret, MIG_BAD_ID);
		CHECK_EQ(fast_calls(), w == 0);
	}

	/* A reply port with a message queued: the reply queues behind it. */
	mach_msg_header_t q = { MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND_ONCE, 0), sizeof q, r, { 0 }, 0, 4242 };
	CHECK_EQ(mach_msg(&q, MACH_SEND_MSG, sizeof q, 0, 0, 0, 0), MACH_MSG_SUCCESS);
	m.h = uptime_request(r, MACH_MSG_TYPE_MAKE_SEND_ONCE);
	CHECK_EQ(mach_msg(&m.h, MACH_SEND_MSG | MACH_RCV_MSG, sizeof m.h, sizeof m, r, 0, 0), MACH_MSG_SUCCESS);
	CHECK_EQ(m.h.msgh_id, 4242);
	CHECK_EQ(mach_msg(&m.h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof m, r, 0, 0), MACH_MSG_SUCCESS);
	CHECK_EQ(m.h.msgh_id, 7101);
	CHECK_EQ(fast_calls(), 0);

	/* No reply port: served, nothing to answer. */
	m.h = uptime_request(MACH_PORT_NULL, 0);
	CHECK_EQ(mach_msg(&m.h, MACH_SEND_MSG | MACH_RCV_MSG | MACH_RCV_TIMEOUT, sizeof m.h, sizeof m, r, 0, 0),
		 MACH_RCV_TIMED_OUT);
	CHECK_EQ(fast_calls(), 0);

	/* A reply right made as a send right: not the RPC shape; answered. */
	m.h = uptime_request(r, MACH_MSG_TYPE_MAKE_SEND);
	CHECK_EQ(mach_msg(&m.h, MACH_SEND_MSG | MACH_RCV_MSG, sizeof m.h, sizeof m, r, 0, 0), MACH_MSG_SUCCESS);
	CHECK_EQ(m.h.msgh_id, 7101);
	CHECK_EQ(fast_calls(), 0);

	/* Receiving on another port than the reply port: general. */
	mach_port_t other = new_port();
	fast_calls();
	m.h = uptime_request(r, MACH_MSG_TYPE_MAKE_SEND_ONCE);
	CHECK_EQ(mach_msg(&m.h, MACH_SEND_MSG | MACH_RCV_MSG | MACH_RCV_TIMEOUT, sizeof m.h, sizeof m, other, 0, 0),
		 MACH_RCV_TIMED_OUT);
	CHECK_EQ(mach_msg(&m.h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof m, r, 0, 0), MACH_MSG_SUCCESS);
	CHECK_EQ(m.h.msgh_id, 7101);
	CHECK_EQ(fast_calls(), 0);

	/* A dead reply port: the send's error, either way. */
	mach_port_t dead = new_port();
	CHECK_EQ(mach_port_insert_right(self, dead, dead, MACH_MSG_TYPE_MAKE_SEND), KERN_SUCCESS);
	CHECK_EQ(mach_port_mod_refs(self, dead, MACH_PORT_RIGHT_RECEIVE, -1), KERN_SUCCESS);
	mach_port_type_t t = 0;
	CHECK_EQ(mach_port_type(self, dead, &t), KERN_SUCCESS);
	CHECK(t == MACH_PORT_TYPE_DEAD_NAME, "type %x", t);
	fast_calls();
	for (int w = 0; w < 2; w++) {
		m.h = uptime_request(dead, MACH_MSG_TYPE_MAKE_SEND_ONCE);
		CHECK_EQ(mach_msg(&m.h, w ? MACH_SEND_MSG : MACH_SEND_MSG | MACH_RCV_MSG, sizeof m.h, w ? 0 : sizeof m,
				  w ? 0 : dead, 0, 0), MACH_SEND_INVALID_REPLY);
	}
	CHECK_EQ(fast_calls(), 0);
	mach_port_deallocate(self, dead);
	fast_calls();

	/* A receive buffer too small, each way: the request is served fast,
	 * the reply waits (MACH_RCV_LARGE, its size told) or is destroyed. */
	for (int w = 0; w < 2; w++) {
		m.h = uptime_request(r, MACH_MSG_TYPE_MAKE_SEND_ONCE);
		mach_msg_return_t mr;
		if (w == 0)
			mr = mach_msg(&m.h, MACH_SEND_MSG | MACH_RCV_MSG | MACH_RCV_LARGE, sizeof m.h, sizeof m.h, r, 0, 0);
		else if ((mr = mach_msg(&m.h, MACH_SEND_MSG, sizeof m.h, 0, 0, 0, 0)) == MACH_MSG_SUCCESS)
			mr = mach_msg(&m.h, MACH_RCV_MSG | MACH_RCV_LARGE, 0, sizeof m.h, r, 0, 0);
		CHECK_EQ(mr, MACH_RCV_TOO_LARGE);
		CHECK_EQ(m.h.msgh_size, sizeof m.r);
		CHECK_EQ(fast_calls(), w == 0);
		CHECK_EQ(mach_msg(&m.h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof m, r, 0, 0), MACH_MSG_SUCCESS);
		CHECK_EQ(m.h.msgh_id, 7101);
		CHECK_EQ(m.r.ret, KERN_SUCCESS);

		m.h = uptime_request(r, MACH_MSG_TYPE_MAKE_SEND_ONCE);
		if (w == 0)
			mr = mach_msg(&m.h, MACH_SEND_MSG | MACH_RCV_MSG, sizeof m.h, sizeof m.h, r, 0, 0);
		else if ((mr = mach_msg(&m.h, MACH_SEND_MSG, sizeof m.h, 0, 0, 0, 0)) == MACH_MSG_SUCCESS)
			mr = mach_msg(&m.h, MACH_RCV_MSG, 0, sizeof m.h, r, 0, 0);
		CHECK_EQ(mr, MACH_RCV_TOO_LARGE);
		CHECK_EQ(fast_calls(), w == 0);
		/* Destroyed with its send-once right unused: r is told so. */
		CHECK_EQ(mach_msg(&m.h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof m, r, 0, 0), MACH_MSG_SUCCESS);
		CHECK_EQ(m.h.msgh_id, MACH_NOTIFY_SEND_ONCE);
		CHECK_EQ(mach_msg(&m.h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof m, r, 0, 0), MACH_RCV_TIMED_OUT);
	}
	mach_port_destroy(self, other);
	mach_port_destroy(self, r);
}

int main(void)
{
	self = mach_task_self();
	host = mach_host_self();
	uint32_t base[4];
	kernel_counts_settled(base);
	CHECK_EQ(vm_allocate(self, &page, 4096, TRUE), KERN_SUCCESS);
	memset((void *)page, 'z', 4096);

	/* Only the host port reads the count; a wrong port leaves it unwritten. */
	natural_t other = 7;
	kern_return_t wrong = sm_kobject_fast_calls(self, &other);
	CHECK(wrong == KERN_INVALID_HOST && other == 7, "sm_kobject_fast_calls on the task port: %#x, %u", wrong, other);
	wrong = sm_kobject_fast_calls(MACH_PORT_NULL, &other);
	CHECK(wrong != KERN_SUCCESS && other == 7, "sm_kobject_fast_calls on no port: %#x, %u", wrong, other);

	both_ways("inline", 7, inline_args);
	compare("inline", 7);
	CHECK_EQ(kr[0][0], KERN_SUCCESS);
	CHECK_EQ(val[0][1], MACH_PORT_TYPE_RECEIVE);
	CHECK_EQ(kr[0][3], KERN_INVALID_NAME);

	/* vm_write, vm_read, vm_deallocate, vm_read, vm_write, mach_port_names,
	 * 2 vm_deallocate. */
	both_ways("ool", 8, ool_in_out);
	compare("ool", 6);
	CHECK_EQ(kr[0][0], KERN_SUCCESS);
	CHECK_EQ(kr[0][1], KERN_SUCCESS);
	CHECK_EQ(val[0][2], 1);
	CHECK(kr[0][3] != KERN_SUCCESS, "vm_read of page 0: %x", kr[0][3]);
	CHECK(val[0][5] > 3 && val[0][5] != 0xffffffff, "mach_port_names: %u", val[0][5]);

	/* allocate, insert, get_refs, extract, get_refs, special port,
	 * deallocate, insert, insert, get_refs, destroy. */
	both_ways("rights", 11, rights_in_out);
	compare("rights", 6);
	CHECK_EQ(kr[0][0], KERN_SUCCESS);
	CHECK_EQ(val[0][0], 1);
	CHECK_EQ(kr[0][1], KERN_SUCCESS);
	CHECK_EQ(val[0][1], 1);
	CHECK_EQ(val[0][2], 2);
	CHECK_EQ(val[0][3], 1);
	CHECK(kr[0][4] != KERN_SUCCESS, "insert at a bad name: %x", kr[0][4]);

	call_cases();
	vm_deallocate(self, page, 4096);
	check_counts_back(base, "the calls");
	printf("test-kobject-call: %d passed, %d failed\n", guest_passed, guest_failed);
	return guest_failed != 0;
}
