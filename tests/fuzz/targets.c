/* What the fuzzer sends to, made and remade: a sacrificial child task with
 * threads, its own receive rights (in the port set it drains replies from),
 * an empty port set, and the device ports of the hello and blk servers. */
#include "fuzz.h"
#include "mach.h"
#include "mach_port.h"
#include "device.h"
#include <mach/mig_support.h>
#include <device/device_types.h>

mach_port_t fuzz_spare;			/* a receive right a message may take */

static mach_port_t receive_right(struct fuzz *f, int with_send)
{
	mach_port_t p = MACH_PORT_NULL;
	CHECK_EQ(mach_port_allocate(f->self, MACH_PORT_RIGHT_RECEIVE, &p), KERN_SUCCESS);
	if (with_send)
		CHECK_EQ(mach_port_insert_right(f->self, p, p, MACH_MSG_TYPE_MAKE_SEND), KERN_SUCCESS);
	CHECK_EQ(mach_port_move_member(f->self, p, f->drain), KERN_SUCCESS);
	return p;
}

/* The right is still a receive right with a send right under its name. */
static int intact(struct fuzz *f, mach_port_t p, mach_port_type_t want)
{
	mach_port_type_t type = 0;
	return mach_port_type(f->self, p, &type) == KERN_SUCCESS && (type & want) == want;
}

/* A right the fuzzer relies on went away or changed: destroy what is left
 * of it and make a new one. */
static int named_twice(struct fuzz *f, const mach_port_t *p)
{
	const mach_port_t *all[] = { &f->rp, &fuzz_spare, &f->own[0], &f->own[1], &f->own[2], &f->own[3],
				     &f->drain, &f->empty_set, &f->child, &f->hello, &f->blk, &f->self_thread };
	_Static_assert(OWN_PORTS == 4, "the list above names every own port");
	for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++)
		if (all[i] != p && *all[i] == *p)
			return 1;
	for (uint32_t i = 0; i < f->startup_count; i++)
		if (f->startup[i] == *p)
			return 1;
	return *p == mig_get_reply_port();
}

static void remake(struct fuzz *f, mach_port_t *p, int with_send)
{
	/* The old name may have been given to another of the fuzzer's ports
	 * since (names are reused): then it is that port's, not ours to destroy. */
	if (!named_twice(f, p))
		mach_port_destroy(f->self, *p);
	*p = receive_right(f, with_send);
	f->own_remade++;
}

kern_return_t open_device(struct fuzz *f, const char *name, int mode, mach_port_t *dev)
{
	kern_return_t kr = D_NO_SUCH_DEVICE;
	for (int tries = 0; tries < 500 && kr == D_NO_SUCH_DEVICE; tries++) {
		*dev = MACH_PORT_NULL;
		if ((kr = device_open(f->master, mode, (char *)name, dev)) == D_NO_SUCH_DEVICE)
			smrt_sleep_ms(10);
	}
	return kr;
}

void scratch_remap(void)
{
	vm_address_t at = SCRATCH_ADDR;
	CHECK_EQ(vm_deallocate(mach_task_self(), SCRATCH_ADDR, SCRATCH_BYTES), KERN_SUCCESS);
	CHECK_EQ(vm_allocate(mach_task_self(), &at, SCRATCH_BYTES, FALSE), KERN_SUCCESS);
	/* Words no task holds as names: what a stray out-of-line port array reads. */
	uint32_t *w = (uint32_t *)SCRATCH_ADDR;
	for (uint32_t i = 0; i < SCRATCH_BYTES / 4; i++)
		w[i] = 0x5a000000u | i;
}

static void child_make(struct fuzz *f)
{
	CHECK_EQ(task_create(f->self, FALSE, &f->child), KERN_SUCCESS);
	for (int i = 0; i < CHILD_THREADS; i++)
		CHECK_EQ(thread_create(f->child, &f->child_thread[i]), KERN_SUCCESS);
	f->children++;
}

void child_recycle(struct fuzz *f)
{
	task_terminate(f->child);		/* may have ended already (sm_task_exit) */
	mach_port_destroy(f->self, f->child);
	for (int i = 0; i < CHILD_THREADS; i++)
		mach_port_destroy(f->self, f->child_thread[i]);
	child_make(f);
}

void targets_setup(struct fuzz *f)
{
	f->self = mach_task_self();
	f->host = mach_host_self();
	f->master = MASTER_NAME;
	f->self_thread = mach_thread_self();
	CHECK_EQ(mach_port_allocate(f->self, MACH_PORT_RIGHT_PORT_SET, &f->drain), KERN_SUCCESS);
	CHECK_EQ(mach_port_allocate(f->self, MACH_PORT_RIGHT_PORT_SET, &f->empty_set), KERN_SUCCESS);
	f->rp = receive_right(f, 0);
	for (int i = 0; i < OWN_PORTS; i++)
		f->own[i] = receive_right(f, 1);
	fuzz_spare = receive_right(f, 1);
	scratch_remap();
	child_make(f);
	CHECK_EQ(open_device(f, "hello", D_READ | D_WRITE, &f->hello), D_SUCCESS);
	CHECK_EQ(open_device(f, "vda", D_READ, &f->blk), D_SUCCESS);
}

void targets_repair(struct fuzz *f)
{
	/* A right that came back in a message and was released freed its name,
	 * which another of these may have been given since: two variables must
	 * never share a name (the stale one is simply made again). */
	if (!intact(f, f->rp, MACH_PORT_TYPE_RECEIVE))
		remake(f, &f->rp, 0);
	for (int i = 0; i < OWN_PORTS; i++)
		if (named_twice(f, &f->own[i]))
			f->own[i] = receive_right(f, 1);
		else if (!intact(f, f->own[i], MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_SEND))
			remake(f, &f->own[i], 1);
	if (named_twice(f, &fuzz_spare))
		fuzz_spare = receive_right(f, 1);
	else if (!intact(f, fuzz_spare, MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_SEND))
		remake(f, &fuzz_spare, 1);
	/* A receive right moved out of the drain set by a fuzzed move_member
	 * comes back into it. */
	mach_port_move_member(f->self, f->rp, f->drain);
	mach_port_move_member(f->self, fuzz_spare, f->drain);
	for (int i = 0; i < OWN_PORTS; i++)
		mach_port_move_member(f->self, f->own[i], f->drain);
	if (!intact(f, f->child, MACH_PORT_TYPE_SEND))
		child_recycle(f);
}

/* Receives and destroys whatever arrived on the fuzzer's ports: the first
 * receive waits up to first_wait_ms, the rest only take what is queued. */
int drain_replies(struct fuzz *f, uint32_t first_wait_ms)
{
	static uint32_t rbuf[FUZZ_RCV_BYTES / 4];
	mach_msg_header_t *h = (mach_msg_header_t *)rbuf;
	int n = 0;
	for (uint32_t wait = first_wait_ms;; wait = 0) {
		h->msgh_bits = 0;
		h->msgh_size = 0;
		mach_msg_return_t mr = mach_msg_trap(h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof rbuf,
						     f->drain, wait, MACH_PORT_NULL);
		if (mr != MACH_MSG_SUCCESS)
			break;
		destroy_received(f, h);
		n++;
		f->received++;
	}
	return n;
}

void targets_teardown(struct fuzz *f)
{
	drain_replies(f, 50);
	task_terminate(f->child);
	mach_port_destroy(f->self, f->child);
	for (int i = 0; i < CHILD_THREADS; i++)
		mach_port_destroy(f->self, f->child_thread[i]);
	device_close(f->hello);
	device_close(f->blk);
	mach_port_destroy(f->self, f->hello);
	mach_port_destroy(f->self, f->blk);
	for (int i = 0; i < OWN_PORTS; i++)
		mach_port_destroy(f->self, f->own[i]);
	mach_port_destroy(f->self, fuzz_spare);
	mach_port_destroy(f->self, f->rp);
	mach_port_destroy(f->self, f->drain);
	mach_port_destroy(f->self, f->empty_set);
	vm_deallocate(f->self, SCRATCH_ADDR, SCRATCH_BYTES);
}
