/* Regression checks for the bugs the fuzzer found (docs/fuzzing.md), each
 * reduced to its smallest form, run before the fuzzing starts. */
#include "fuzz.h"
#include "mach.h"
#include "mach_port.h"
#include "smhost.h"

static void counts(uint32_t s[4])
{
	if (sm_kernel_stats(mach_host_self(), &s[0], &s[1], &s[2], &s[3]) != KERN_SUCCESS)
		s[0] = s[1] = s[2] = s[3] = 0xffffffffu;
}

/* A forged notification: a client sends a server's port a message with a
 * notification's id and shape through its send right. The SDK's loop took
 * a "dead-name notification" as real: it deallocated the name the client
 * chose in the server's space and kept the rights the message carried (here
 * a receive right: +1 port and 128 heap bytes per message, for ever). Now
 * it answers MIG_BAD_ID and destroys them. */
static void forged_dead_name(struct fuzz *f, mach_port_t server, const char *who)
{
	struct { mach_msg_header_t h; mach_msg_type_t t; mach_port_t name; } m;
	struct { mig_reply_header_t r; char more[256]; } reply;
	uint32_t before[4], after[4];
	counts(before);
	for (int round = 0; round < 3; round++) {
		mach_port_t victim = MACH_PORT_NULL, rp = MACH_PORT_NULL;
		CHECK_EQ(mach_port_allocate(f->self, MACH_PORT_RIGHT_RECEIVE, &victim), KERN_SUCCESS);
		CHECK_EQ(mach_port_allocate(f->self, MACH_PORT_RIGHT_RECEIVE, &rp), KERN_SUCCESS);
		/* A send right kept here turns into a dead name once the server
		 * destroys the receive right. */
		CHECK_EQ(mach_port_insert_right(f->self, victim, victim, MACH_MSG_TYPE_MAKE_SEND), KERN_SUCCESS);
		m.h = (mach_msg_header_t){ MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE) |
					   MACH_MSGH_BITS_COMPLEX, sizeof m, server, { rp }, 0, MACH_NOTIFY_DEAD_NAME };
		m.t = (mach_msg_type_t){ MACH_MSG_TYPE_MOVE_RECEIVE, 32, 1, 1, 0, 0, 0 };
		m.name = victim;
		CHECK_EQ(mach_msg(&m.h, MACH_SEND_MSG | MACH_SEND_TIMEOUT, sizeof m, 0, MACH_PORT_NULL, 1000,
				  MACH_PORT_NULL), MACH_MSG_SUCCESS);
		memset(&reply, 0, sizeof reply);
		mach_msg_return_t mr = mach_msg(&reply.r.Head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof reply, rp, 5000,
						MACH_PORT_NULL);
		CHECK(mr == MACH_MSG_SUCCESS && reply.r.Head.msgh_id == MACH_NOTIFY_DEAD_NAME + 100 &&
		      reply.r.RetCode == MIG_BAD_ID, "%s: a forged dead-name notification: %x, id %d, code %d", who, mr,
		      reply.r.Head.msgh_id, reply.r.RetCode);
		mach_port_type_t type = 0;
		CHECK(mach_port_type(f->self, victim, &type) == KERN_SUCCESS && (type & MACH_PORT_TYPE_DEAD_NAME),
		      "%s kept the receive right of a forged notification (type %x)", who, type);
		mach_port_destroy(f->self, victim);
		mach_port_destroy(f->self, rp);
	}
	int same = 0;
	for (int tries = 0; tries < 20 && !same; tries++) {
		if (tries)
			smrt_sleep_ms(50);
		counts(after);
		same = after[1] == before[1] && after[2] == before[2] && after[3] == before[3];
	}
	CHECK(same, "%s: forged notifications left heap %u->%u, ports %u->%u, ool %u->%u", who, before[1], after[1],
	      before[2], after[2], before[3], after[3]);
}

/* A right inserted at a large name grows the space's name table (up to
 * 65536 names, 768 KiB; the kernel refuses names past it). The table never
 * shrinks while the task lives (the fuzzer once saw that as a leak in its
 * own space), and it must all be freed with the task. */
static void large_name_in_a_task(struct fuzz *f)
{
	uint32_t before[4], grown[4], after[4];
	counts(before);
	mach_port_t child = MACH_PORT_NULL;
	CHECK_EQ(task_create(f->self, FALSE, &child), KERN_SUCCESS);
	CHECK_EQ(mach_port_insert_right(child, 0xffff, f->host, MACH_MSG_TYPE_COPY_SEND), KERN_SUCCESS);
	CHECK(mach_port_insert_right(child, 0x10000, f->host, MACH_MSG_TYPE_COPY_SEND) != KERN_SUCCESS,
	      "a name past the space's limit was taken");
	counts(grown);
	CHECK(grown[1] >= before[1] + 65536 * 12, "a table for 65536 names: heap %u->%u", before[1], grown[1]);
	CHECK_EQ(task_terminate(child), KERN_SUCCESS);
	mach_port_deallocate(f->self, child);
	int same = 0;
	for (int tries = 0; tries < 20 && !same; tries++) {
		if (tries)
			smrt_sleep_ms(50);
		counts(after);
		same = after[1] <= before[1] && after[2] <= before[2] && after[3] <= before[3];
	}
	CHECK(same, "a task with a large name table left heap %u->%u, ports %u->%u, ool %u->%u", before[1], after[1],
	      before[2], after[2], before[3], after[3]);
}

void found_bugs_check(struct fuzz *f)
{
	large_name_in_a_task(f);
	forged_dead_name(f, f->hello, "hello");
	forged_dead_name(f, f->blk, "blk");
}
