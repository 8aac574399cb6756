/* test-cow: out-of-line data sent without the deallocate bit is a virtual
 * copy, shared copy-on-write (kernel/ipc/ool.h, kernel/vm/vm_fault.h). After
 * the send, a write by either side, by the task or by the kernel for it
 * (vm_write), is never seen by the other, also between two tasks; the
 * write faults are counted (task_info's cow_faults), so a silent physical
 * copy would fail here too. A page shared by VM_INHERIT_SHARE is copied,
 * never shared copy-on-write, and sharing a copy-on-write page with a child
 * gives the parent its own copy first. The tail of a partial last page
 * reads as zeros, a moved copy-on-write page stays a copy, and nothing
 * leaks (sm_kernel_stats). */
#include "guest-check.h"
#include <sm/traps.h>
#include <sm/threads.h>
#include <mach/task_info.h>
#include <mach/thread_switch.h>
#include <mach/vm_inherit.h>
#include "mach.h"
#include "smhost.h"

#define PAGE 4096u

#pragma pack(push, 4)
struct ool_msg {
	mach_msg_header_t head;
	mach_msg_type_long_t type;
	vm_offset_t data;
};
#pragma pack(pop)

static mach_port_t self, port;          /* port: our receive right */

static mach_msg_return_t send_ool(mach_port_t to, const void *data, uint32_t size, int dealloc)
{
	struct ool_msg m;
	memset(&m, 0, sizeof m);
	/* Our own port by its receive right, the child's by the send right we gave it. */
	m.head.msgh_bits = MACH_MSGH_BITS(to == port ? MACH_MSG_TYPE_MAKE_SEND : MACH_MSG_TYPE_COPY_SEND, 0) |
			   MACH_MSGH_BITS_COMPLEX;
	m.head.msgh_size = sizeof m;
	m.head.msgh_remote_port = to;
	m.head.msgh_id = 700;
	m.type = (mach_msg_type_long_t){ { 0, 0, 0, 0, 1, dealloc, 0 }, MACH_MSG_TYPE_BYTE, 8, size };
	m.data = (vm_offset_t)data;
	return mach_msg(&m.head, MACH_SEND_MSG | MACH_SEND_TIMEOUT, sizeof m, 0, MACH_PORT_NULL, 1000, MACH_PORT_NULL);
}

/* The data of the next message on port (NULL on failure), its size in *size. */
static uint8_t *receive_ool(uint32_t *size)
{
	struct ool_msg r;
	memset(&r, 0, sizeof r);
	mach_msg_return_t mr = mach_msg(&r.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof r, port, 2000, MACH_PORT_NULL);
	CHECK_EQ(mr, MACH_MSG_SUCCESS);
	if (mr != MACH_MSG_SUCCESS)
		return NULL;
	CHECK_EQ(r.head.msgh_id, 700);
	*size = r.type.msgtl_number;
	return (uint8_t *)r.data;
}

static uint8_t *alloc(uint32_t size)
{
	vm_address_t a = 0;
	CHECK_EQ(vm_allocate(self, &a, size, TRUE), KERN_SUCCESS);
	return (uint8_t *)a;
}

static void release(void *p, uint32_t size)
{
	CHECK_EQ(vm_deallocate(self, (vm_address_t)p, size), KERN_SUCCESS);
}

static uint8_t pattern(uint32_t i, uint32_t seed) { return (uint8_t)(i * 29u + (i >> 12) + seed); }

static void fill(uint8_t *p, uint32_t n, uint32_t seed)
{
	for (uint32_t i = 0; i < n; i++)
		p[i] = pattern(i, seed);
}

/* Bytes of p[0..n) that differ from the pattern. */
static uint32_t differ(const uint8_t *p, uint32_t n, uint32_t seed)
{
	uint32_t bad = 0;
	for (uint32_t i = 0; p && i < n; i++)
		bad += p[i] != pattern(i, seed);
	return bad;
}

static uint32_t cow_faults(mach_port_t task)
{
	struct task_events_info ei;
	mach_msg_type_number_t n = TASK_EVENTS_INFO_COUNT;
	CHECK_EQ(task_info(task, TASK_EVENTS_INFO, (task_info_t)&ei, &n), KERN_SUCCESS);
	return ei.cow_faults;
}

/* A buffer of size bytes filled with pattern `seed`, sent to ourselves
 * without the deallocate bit; the received copy in *dst (NULL on failure,
 * with src released). */
static uint8_t *sent_copy(uint32_t size, uint32_t seed, uint8_t **dst)
{
	uint8_t *src = alloc(size);
	uint32_t got = 0;
	fill(src, size, seed);
	CHECK_EQ(send_ool(port, src, size, 0), MACH_MSG_SUCCESS);
	CHECK((*dst = receive_ool(&got)) != NULL && got == size, "received %u of %u bytes", got, size);
	if (!*dst)
		release(src, size);
	return *dst ? src : NULL;
}

/* Sender writes after the send: one fault per page written, the receiver
 * keeps what was sent; then the receiver writes its copy. */
static void test_sender_writes(void)
{
	const uint32_t size = 16 * PAGE;
	uint8_t *dst, *src = sent_copy(size, 1, &dst);
	if (!src)
		return;
	uint32_t before = cow_faults(self);
	for (uint32_t i = 0; i < size; i += PAGE)
		src[i] = 0xEE;                             /* one write per page */
	CHECK_EQ(cow_faults(self) - before, size / PAGE);
	CHECK_EQ(differ(dst, size, 1), 0);
	fill(dst, size, 2);                                /* now sole holder: no copy needed, still a fault */
	CHECK_EQ(cow_faults(self) - before, 2 * size / PAGE);
	for (uint32_t i = 0; i < size; i++)
		if (src[i] != (i % PAGE ? pattern(i, 1) : 0xEE)) {
			CHECK(0, "sender's byte %u is %02x", i, src[i]);
			break;
		}
	release(dst, size);
	release(src, size);
}

/* Receiver writes first; the sender's pages stay as they were. */
static void test_receiver_writes(void)
{
	const uint32_t size = 4 * PAGE;
	uint8_t *dst, *src = sent_copy(size, 3, &dst);
	if (!src)
		return;
	fill(dst, size, 4);
	CHECK_EQ(differ(src, size, 3), 0);
	CHECK_EQ(differ(dst, size, 4), 0);
	fill(src, size, 5);                                /* the sender's pages are its own again */
	CHECK_EQ(differ(dst, size, 4), 0);
	release(dst, size);
	release(src, size);
}

/* The kernel writing for the task (vm_write's copyout) copies too. */
static void test_kernel_writes(void)
{
	const uint32_t size = 2 * PAGE;
	uint8_t *dst, *src = sent_copy(size, 6, &dst), *other = alloc(size);
	if (!src)
		return;
	fill(other, size, 7);
	CHECK_EQ(vm_write(self, (vm_address_t)src, (vm_offset_t)other, size), KERN_SUCCESS);
	CHECK_EQ(differ(src, size, 7), 0);
	CHECK_EQ(differ(dst, size, 6), 0);
	CHECK_EQ(vm_write(self, (vm_address_t)dst, (vm_offset_t)other, size), KERN_SUCCESS);
	CHECK_EQ(differ(dst, size, 7), 0);
	release(dst, size);
	release(src, size);
	release(other, size);
}

/* Three holders of one frame, then a copy-on-write page moved on (the
 * deallocate bit): every holder's writes stay its own. */
static void test_many_holders(void)
{
	uint8_t *src = alloc(PAGE), *a, *b, *c;
	uint32_t got = 0;
	fill(src, PAGE, 8);
	CHECK_EQ(send_ool(port, src, PAGE, 0), MACH_MSG_SUCCESS);
	CHECK_EQ(send_ool(port, src, PAGE, 0), MACH_MSG_SUCCESS);
	CHECK((a = receive_ool(&got)) != NULL, "first copy");
	CHECK((b = receive_ool(&got)) != NULL, "second copy");
	if (!a || !b)
		return;
	a[0] = 0xA1;
	CHECK(b[0] == pattern(0, 8) && src[0] == pattern(0, 8), "a write to one copy reached another");
	CHECK_EQ(send_ool(port, b, PAGE, 1), MACH_MSG_SUCCESS);     /* moved, still shared with src */
	CHECK((c = receive_ool(&got)) != NULL, "moved copy");
	if (!c)
		return;
	c[1] = 0xC1;
	src[2] = 0x51;
	CHECK(c[0] == pattern(0, 8) && c[2] == pattern(2, 8), "the moved copy saw a write");
	CHECK(src[1] == pattern(1, 8) && a[1] == pattern(1, 8), "a write to the moved copy leaked");
	CHECK(a[2] == pattern(2, 8), "the sender's write leaked");
	release(a, PAGE);
	release(c, PAGE);
	release(src, PAGE);
}

/* A partial last page is copied and cut at the data's end. */
static void test_partial_tail(void)
{
	const uint32_t size = PAGE + 100;
	uint8_t *src = alloc(2 * PAGE), *dst;
	uint32_t got = 0;
	fill(src, 2 * PAGE, 9);
	CHECK_EQ(send_ool(port, src, size, 0), MACH_MSG_SUCCESS);
	CHECK((dst = receive_ool(&got)) != NULL && got == size, "received %u bytes", got);
	if (!dst)
		return;
	fill(src, 2 * PAGE, 10);
	CHECK_EQ(differ(dst, size, 9), 0);
	uint32_t nonzero = 0;
	for (uint32_t i = size; dst && i < 2 * PAGE; i++)
		nonzero += dst[i] != 0;
	CHECK_EQ(nonzero, 0);
	release(dst, 2 * PAGE);
	release(src, 2 * PAGE);
}

static uint8_t child_stack[8192] __attribute__((aligned(16)));
struct handshake { volatile uint32_t stage, child_ok, scratch; };
static struct handshake *hs;                     /* VM_INHERIT_SHARE: seen by the child */
static uint8_t *child_buf;                       /* private: the child has its own copy */
#define CHILD_PORT ((mach_port_t)0x777)

static void wait_stage(uint32_t stage)
{
	for (int i = 0; i < 3000 && hs->stage < stage; i++)
		thread_switch(MACH_PORT_NULL, SWITCH_OPTION_WAIT, 1);
}

/* In the child: send its buffer, overwrite it, and check the parent's
 * write to the received copy does not show in it. */
static void __attribute__((noreturn, used)) child_main(void)
{
	smrt_task_forked();
	fill(child_buf, 4 * PAGE, 11);
	if (send_ool(CHILD_PORT, child_buf, 4 * PAGE, 0) == MACH_MSG_SUCCESS) {
		fill(child_buf, 4 * PAGE, 12);
		hs->stage = 1;
		wait_stage(2);
		hs->child_ok = differ(child_buf, 4 * PAGE, 12) == 0;
	}
	hs->stage = 3;
	task_terminate(mach_task_self());
	for (;;)
		;
}

/* Between two tasks: a child made by task_create(inherit_memory). Also:
 * the handshake page is VM_INHERIT_SHARE, so sending it copies it (a later
 * write by us, seen by the child, must not reach the receiver). */
static void test_between_tasks(void)
{
	hs = (struct handshake *)alloc(PAGE);
	child_buf = alloc(4 * PAGE);
	if (!hs || !child_buf)
		return;
	CHECK_EQ(vm_inherit(self, (vm_address_t)hs, PAGE, VM_INHERIT_SHARE), KERN_SUCCESS);
	hs->stage = 0;
	mach_port_t child = MACH_PORT_NULL, thread = MACH_PORT_NULL;
	CHECK_EQ(task_create(self, TRUE, &child), KERN_SUCCESS);
	CHECK_EQ(mach_port_insert_right(child, CHILD_PORT, port, MACH_MSG_TYPE_MAKE_SEND), KERN_SUCCESS);
	uint32_t *sp = (uint32_t *)(child_stack + sizeof child_stack - 16);
	sp[0] = 0;
	start_thread_at(child, (uintptr_t)child_main, (uintptr_t)sp, &thread);
	uint32_t got = 0;
	uint8_t *dst = receive_ool(&got);
	CHECK(dst && got == 4 * PAGE, "received %u bytes from the child", got);
	if (!dst)
		return;
	wait_stage(1);
	CHECK_EQ(hs->stage, 1);
	CHECK_EQ(differ(dst, 4 * PAGE, 11), 0);          /* the child's later write is not seen */

	/* While the child still maps the handshake page: */
	uint32_t before = cow_faults(self);
	hs->scratch = 1;
	CHECK_EQ(send_ool(port, (void *)hs, PAGE, 0), MACH_MSG_SUCCESS);
	uint8_t *copy = receive_ool(&got);
	hs->scratch = 2;                                 /* no fault: the shared page was copied */
	CHECK_EQ(cow_faults(self), before);
	CHECK(copy && ((struct handshake *)copy)->scratch == 1, "the shared page's copy changed");
	if (!copy)
		return;

	fill(dst, 4 * PAGE, 13);
	hs->stage = 2;
	wait_stage(3);
	CHECK_EQ(hs->child_ok, 1);
	release(dst, 4 * PAGE);
	release(copy, PAGE);
	mach_port_deallocate(self, thread);
	task_terminate(child);
	mach_port_deallocate(self, child);
	release(hs, PAGE);
	release(child_buf, 4 * PAGE);
}

/* A copy-on-write page in a region then shared with a child is made ours
 * first: our writes reach the child, never the earlier receiver. */
static void test_share_after_send(void)
{
	uint8_t *dst, *p = sent_copy(PAGE, 14, &dst);
	if (!p)
		return;
	CHECK_EQ(vm_inherit(self, (vm_address_t)p, PAGE, VM_INHERIT_SHARE), KERN_SUCCESS);
	mach_port_t child = MACH_PORT_NULL;
	CHECK_EQ(task_create(self, TRUE, &child), KERN_SUCCESS);
	fill(p, PAGE, 15);
	CHECK_EQ(differ(dst, PAGE, 14), 0);
	vm_offset_t seen = 0;
	mach_msg_type_number_t n = 0;
	CHECK_EQ(vm_read(child, (vm_address_t)p, PAGE, &seen, &n), KERN_SUCCESS);
	CHECK(n == PAGE && differ((uint8_t *)seen, PAGE, 15) == 0, "the child does not see our write");
	if (seen)
		release((void *)seen, PAGE);
	task_terminate(child);
	mach_port_deallocate(self, child);
	release(dst, PAGE);
	release(p, PAGE);
}

static void suite(void)
{
	test_sender_writes();
	test_receiver_writes();
	test_kernel_writes();
	test_many_holders();
	test_partial_tail();
	test_between_tasks();
	test_share_after_send();
}

int main(void)
{
	self = mach_task_self();
	port = mach_reply_port();
	suite();                                          /* warms up page tables and heap */
	uint32_t base[4];
	kernel_counts_settled(base);
	suite();
	check_counts_back(base, "a second run");
	return guest_summary("test-cow");
}
