/* A focused, seeded stress of port rights (part of test-hostile-ipc): a few
 * thousand random operations between a handful of this task's own ports:
 * messages carrying every kind of right (receive rights included) with
 * random destinations and reply ports, receives, port sets, send-once rights,
 * dead names, renames, notification requests, inserted and extracted rights,
 * queue limits. Then every name the stress made is destroyed, and the
 * kernel's ports, heap, pages and out-of-line items must be where they were.
 * The general fuzzer is elsewhere; this one stays small enough to replay a
 * leak by its seed (printed on failure). */
#include "hostile-ipc.h"
#include "guest-check.h"
#include <sm/traps.h>
#include <mach/notify.h>
#include "mach.h"
#include "mach_port.h"

#define POOL 24
#define OPS 3000
#define MAX_BASELINE 256

static mach_port_t pool[POOL];
static uint32_t rng;
static mach_port_t baseline[MAX_BASELINE];
static unsigned nbaseline;
/* What a round did: a stress that does nothing proves nothing. */
static struct { unsigned sent, moved_receive, refused, received; } done;

static uint32_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static bool in_baseline(mach_port_t n)
{
	for (unsigned i = 0; i < nbaseline; i++)
		if (baseline[i] == n)
			return true;
	return false;
}

/* A name from the pool, now and then NULL or DEAD. */
static mach_port_t pick(void)
{
	uint32_t r = next() % (POOL + 2);
	if (r >= POOL)
		return r == POOL ? MACH_PORT_NULL : MACH_PORT_DEAD;
	mach_port_type_t t;
	/* Rights move away and die: half the stale names give way to a new port. */
	if (mach_port_type(self, pool[r], &t) != KERN_SUCCESS && next() % 2)
		mach_port_allocate(self, next() % 8 ? MACH_PORT_RIGHT_RECEIVE : MACH_PORT_RIGHT_PORT_SET, &pool[r]);
	return pool[r];
}

static void remember(mach_port_t n)
{
	if (MACH_PORT_VALID(n) && !in_baseline(n))
		pool[next() % POOL] = n;
}

static uint32_t send_disposition(void)
{
	static const uint32_t d[] = { MACH_MSG_TYPE_MAKE_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE, MACH_MSG_TYPE_COPY_SEND,
				      MACH_MSG_TYPE_MOVE_SEND, MACH_MSG_TYPE_MOVE_SEND_ONCE };
	return d[next() % 5];
}

/* Mostly a disposition the name's rights allow, so that most messages go
 * through; now and then any. A receive right moves (body) or makes a right. */
static uint32_t fitting_disposition(mach_port_t name, bool body)
{
	uint32_t options[5], n = 0;
	mach_port_type_t t = 0;
	if (next() % 5 && MACH_PORT_VALID(name) && mach_port_type(self, name, &t) == KERN_SUCCESS) {
		if (t & MACH_PORT_TYPE_RECEIVE) {
			options[n++] = MACH_MSG_TYPE_MAKE_SEND;
			options[n++] = MACH_MSG_TYPE_MAKE_SEND_ONCE;
			if (body)
				options[n++] = MACH_MSG_TYPE_MOVE_RECEIVE;
		}
		if (t & MACH_PORT_TYPE_SEND) {
			options[n++] = MACH_MSG_TYPE_COPY_SEND;
			options[n++] = MACH_MSG_TYPE_MOVE_SEND;
		}
		if (t & MACH_PORT_TYPE_SEND_ONCE)
			options[n++] = MACH_MSG_TYPE_MOVE_SEND_ONCE;
	}
	if (n == 0)
		return body && next() % 4 == 0 ? MACH_MSG_TYPE_MOVE_RECEIVE : send_disposition();
	return options[next() % n];
}

static uint32_t any_disposition(void)
{
	return next() % 4 ? send_disposition() : MACH_MSG_TYPE_MOVE_RECEIVE;
}

static void random_send(void)
{
	struct { mach_msg_header_t head; mach_msg_type_t type; mach_port_t ports[2]; } m;
	uint32_t n = next() % 4 ? 1 : 2;
	mach_port_t dest = pick(), reply = next() % 2 ? pick() : MACH_PORT_NULL, right = pick();
	uint32_t reply_disp = reply ? fitting_disposition(reply, false) : 0;
	m.head = (mach_msg_header_t){ MACH_MSGH_BITS(fitting_disposition(dest, false), reply_disp) |
				      MACH_MSGH_BITS_COMPLEX, 0, dest, { reply }, 0, 77 };
	m.type = (mach_msg_type_t){ fitting_disposition(right, true), 32, n, 1, 0, 0, 0 };
	m.ports[0] = right;
	m.ports[1] = n == 2 ? pick() : MACH_PORT_NULL;
	m.head.msgh_size = sizeof m - (2 - n) * sizeof m.ports[0];
	mach_msg_return_t mr = mach_msg(&m.head, MACH_SEND_MSG | MACH_SEND_TIMEOUT, m.head.msgh_size, 0, 0, 0, 0);
	if (mr == MACH_MSG_SUCCESS) {
		done.sent++;
		if (m.type.msgt_name == MACH_MSG_TYPE_MOVE_RECEIVE && MACH_PORT_VALID(m.ports[0]))
			done.moved_receive++;
	} else {
		done.refused++;
	}
}

static void random_receive(void)
{
	uint32_t buf[32];
	memset(buf, 0, sizeof buf);
	mach_msg_header_t *h = (mach_msg_header_t *)buf;
	if (mach_msg(h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof buf, pick(), 0, 0) != MACH_MSG_SUCCESS)
		return;
	done.received++;
	remember(h->msgh_remote_port);
	if (h->msgh_size >= sizeof(mach_msg_header_t) + 8)
		remember(buf[sizeof(mach_msg_header_t) / 4 + 1]);    /* a right, or a name in a notification */
	if (h->msgh_size >= sizeof(mach_msg_header_t) + 12)
		remember(buf[sizeof(mach_msg_header_t) / 4 + 2]);
}

static void random_port_call(void)
{
	mach_port_t n = pick(), prev = MACH_PORT_NULL, got = MACH_PORT_NULL;
	mach_msg_type_name_t poly;
	static const mach_msg_id_t notes[] = { MACH_NOTIFY_DEAD_NAME, MACH_NOTIFY_NO_SENDERS, MACH_NOTIFY_PORT_DESTROYED };
	switch (next() % 9) {
	case 0: {
		static const mach_port_right_t rights[] = { MACH_PORT_RIGHT_RECEIVE, MACH_PORT_RIGHT_RECEIVE,
							    MACH_PORT_RIGHT_PORT_SET, MACH_PORT_RIGHT_DEAD_NAME };
		if (mach_port_allocate(self, rights[next() % 4], &got) == KERN_SUCCESS)
			remember(got);
		break;
	}
	case 1:
		mach_port_move_member(self, n, next() % 3 ? pick() : MACH_PORT_NULL);
		break;
	case 2: {
		mach_port_t to = 2000 + next() % 100;
		if (mach_port_rename(self, n, to) == KERN_SUCCESS)
			for (int i = 0; i < POOL; i++)
				if (pool[i] == n)
					pool[i] = to;
		break;
	}
	case 3:
		if (mach_port_request_notification(self, n, notes[next() % 3], next() % 2, pick(),
						   MACH_MSG_TYPE_MAKE_SEND_ONCE, &prev) == KERN_SUCCESS)
			remember(prev);
		break;
	case 4:
		mach_port_deallocate(self, n);
		break;
	case 5:
		mach_port_mod_refs(self, n, next() % MACH_PORT_RIGHT_NUMBER, next() % 2 ? 1 : -1);
		break;
	case 6:
		mach_port_insert_right(self, n, n, next() % 2 ? MACH_MSG_TYPE_MAKE_SEND : MACH_MSG_TYPE_MAKE_SEND_ONCE);
		break;
	case 7:
		if (mach_port_extract_right(self, n, any_disposition(), &got, &poly) == KERN_SUCCESS)
			remember(got);
		break;
	case 8:
		if (next() % 4 == 0)
			mach_port_destroy(self, n);
		else
			mach_port_set_qlimit(self, n, 1 + next() % 8);
		break;
	}
}

/* Names of this task now (at most max) below NAME_LIMIT: the stress names
 * nothing above its renames' range (mach_port_names is not implemented). */
#define NAME_LIMIT 2200
static unsigned task_names(mach_port_t *out, unsigned max)
{
	unsigned n = 0;
	mach_port_type_t t;
	for (mach_port_t name = 1; name < NAME_LIMIT && n < max; name++)
		if (mach_port_type(self, name, &t) == KERN_SUCCESS)
			out[n++] = name;
	return n;
}

/* Destroy every name the stress made, and whatever comes back to this task
 * while doing so (port-destroyed requests return receive rights). */
static void destroy_all(void)
{
	static mach_port_t names[NAME_LIMIT];
	for (int round = 0; round < 20; round++) {
		unsigned n = task_names(names, NAME_LIMIT), destroyed = 0;
		for (unsigned i = 0; i < n; i++)
			if (!in_baseline(names[i]) && mach_port_destroy(self, names[i]) == KERN_SUCCESS)
				destroyed++;
		if (!destroyed)
			return;
	}
	CHECK(false, "names keep coming back after 20 rounds of destroying them");
}

static void stress_round(uint32_t seed)
{
	rng = seed;
	memset(&done, 0, sizeof done);
	for (int i = 0; i < POOL; i++) {                /* seven ports and a set, three times over */
		pool[i] = i < 8 ? MACH_PORT_NULL : pool[i % 8];
		if (i < 8)
			mach_port_allocate(self, i == 3 ? MACH_PORT_RIGHT_PORT_SET : MACH_PORT_RIGHT_RECEIVE, &pool[i]);
	}
	for (int i = 0; i < OPS; i++) {
		uint32_t what = next() % 10;
		if (what < 4)
			random_send();
		else if (what < 7)
			random_receive();
		else
			random_port_call();
	}
	destroy_all();
}

void test_random_stress(void)
{
	nbaseline = task_names(baseline, MAX_BASELINE);
	CHECK(nbaseline > 0 && nbaseline < MAX_BASELINE, "%u names before the stress", nbaseline);
	static const uint32_t seeds[] = { 0x1badcafe, 0x2545f491, 0x9e3779b9, 0xdeadbeef, 0x600df00d };
	/* Every round once first: it grows the name table, and each of the
	 * kernel heap's size classes to the pages these rounds need (a class
	 * keeps the pages it took, so only the second pass can be compared). */
	for (unsigned i = 0; i < sizeof seeds / sizeof seeds[0]; i++)
		stress_round(seeds[i]);
	uint32_t before[4];
	kernel_stats(before);
	for (unsigned i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
		stress_round(seeds[i]);
		printf("test-hostile-ipc: seed %x: %u sent (%u moving a receive right), %u refused, %u received\n",
		       seeds[i], done.sent, done.moved_receive, done.refused, done.received);
		CHECK(done.sent > 200 && done.moved_receive > 20 && done.refused > 200 && done.received > 100,
		      "seed %x did too little", seeds[i]);
		char what[48];
		snprintf(what, sizeof what, "random stress seed %x", seeds[i]);
		expect_baseline(before, what);
	}
}
