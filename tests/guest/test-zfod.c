/* test-zfod: zero-fill on demand (kernel/vm/vm_fault.h). vm_allocate
 * reserves address space; a frame is taken and zeroed on the first touch
 * (the task's, or the kernel's copying to or from the page); task_info
 * tells the reserved (virtual) size from the backed (resident) one; vm_wire
 * and vm_wire_all back pages at once; out-of-line data sent or read from
 * untouched memory takes no frames for it; and a task touching more than
 * memory holds is stopped (an EXC_BAD_ACCESS with KERN_RESOURCE_SHORTAGE to
 * its exception port, else killed) while the others, this test among them,
 * keep running. Kernel counts return to their baseline. */
#include "guest-check.h"
#include <stdbool.h>
#include <sm/traps.h>
#include <sm/threads.h>
#include <mach/exception.h>
#include <mach/task_info.h>
#include <mach/thread_status.h>
#include <mach/task_special_ports.h>
#include <mach/thread_switch.h>
#include <mach/vm_wire.h>
#include <mach/vm_prot.h>
#include "mach.h"
#include "mach_port.h"
#include "mach_host.h"
#include "gnumach.h"
#include "smhost.h"

#define PAGE 4096u
#define MiB (1024u * 1024u)
#define GiB (1024u * MiB)
#define HOG_BASE 0x40000000u                  /* where each hog reserves its GiB */
#define HOGS 5                                /* 5 x the 64 MiB page limit > 256 MiB of RAM */

extern boolean_t exc_server(mach_msg_header_t *in, mach_msg_header_t *out);

static mach_port_t self;

static natural_t free_pages(void)
{
	natural_t s[4] = { 0 };
	CHECK_EQ(sm_kernel_stats(mach_host_self(), &s[0], &s[1], &s[2], &s[3]), KERN_SUCCESS);
	return s[0];
}

static struct task_basic_info info_of(mach_port_t task)
{
	struct task_basic_info bi = { 0 };
	mach_msg_type_number_t n = TASK_BASIC_INFO_COUNT;
	CHECK_EQ(task_info(task, TASK_BASIC_INFO, (task_info_t)&bi, &n), KERN_SUCCESS);
	return bi;
}

/* A GiB costs nothing until touched; touching backs exactly what is touched. */
static void test_reserve(void)
{
	vm_address_t a = 0;
	CHECK_EQ(vm_allocate(self, &a, 16 * PAGE, TRUE), KERN_SUCCESS);   /* warms up the heap */
	CHECK_EQ(vm_deallocate(self, a, 16 * PAGE), KERN_SUCCESS);
	struct task_basic_info bi0 = info_of(self);
	natural_t free0 = free_pages();
	a = 0;
	CHECK_EQ(vm_allocate(self, &a, GiB, TRUE), KERN_SUCCESS);
	natural_t free1 = free_pages();
	struct task_basic_info bi1 = info_of(self);
	printf("test-zfod: 1 GiB reserved at 0x%x: free pages %u -> %u, virtual %u -> %u KiB, resident %u -> %u KiB\n",
	       a, free0, free1, bi0.virtual_size / 1024, bi1.virtual_size / 1024, bi0.resident_size / 1024,
	       bi1.resident_size / 1024);
	CHECK_EQ(free1, free0);
	CHECK_EQ(bi1.virtual_size, bi0.virtual_size + GiB);
	CHECK_EQ(bi1.resident_size, bi0.resident_size);

	/* Five pages, each in its own 4 MiB (so each may need a page table). */
	static const uint32_t offsets[] = { 0, 200 * MiB + 123, 400 * MiB + 4000, 600 * MiB + 8, GiB - 4 };
	for (unsigned i = 0; i < 5; i++)
		((volatile uint32_t *)(a + (offsets[i] & ~3u)))[0] = 0xab00 + i;
	natural_t free2 = free_pages();
	struct task_basic_info bi2 = info_of(self);
	CHECK_EQ(bi2.resident_size, bi0.resident_size + 5 * PAGE);
	CHECK(free1 - free2 >= 5 && free1 - free2 <= 10, "%u frames for 5 pages and their page tables", free1 - free2);
	for (unsigned i = 0; i < 5; i++)
		CHECK_EQ(((volatile uint32_t *)(a + (offsets[i] & ~3u)))[0], 0xab00 + i);
	/* A read backs a page too, and it reads zero. */
	CHECK_EQ(((volatile uint32_t *)(a + 300 * MiB))[7], 0);
	CHECK_EQ(info_of(self).resident_size, bi0.resident_size + 6 * PAGE);
	CHECK_EQ(vm_deallocate(self, a, GiB), KERN_SUCCESS);
	struct task_basic_info bi3 = info_of(self);
	CHECK_EQ(bi3.resident_size, bi0.resident_size);
	CHECK_EQ(bi3.virtual_size, bi0.virtual_size);
	natural_t free3 = free_pages();
	CHECK(free0 - free3 <= 6, "%u frames kept (only page tables may stay)", free0 - free3);
}

/* The kernel's own copies touch pages as the task would: a message
 * received into reserved memory, vm_write to it; vm_read of untouched
 * memory reads zeros without backing it, and the copy it returns is
 * itself untouched memory. */
struct small_msg { mach_msg_header_t head; mach_msg_type_t type; uint32_t value[64]; };

static void test_copyio(void)
{
	mach_port_t port = MACH_PORT_NULL;
	CHECK_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &port), KERN_SUCCESS);
	vm_address_t a = 0;
	CHECK_EQ(vm_allocate(self, &a, 64 * PAGE, TRUE), KERN_SUCCESS);
	uint32_t resident0 = info_of(self).resident_size;

	struct small_msg m;
	memset(&m, 0, sizeof m);
	m.head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0);
	m.head.msgh_size = sizeof m;
	m.head.msgh_remote_port = port;
	m.head.msgh_id = 1234;
	m.type = (mach_msg_type_t){ MACH_MSG_TYPE_INTEGER_32, 32, 64, 1, 0, 0, 0 };
	for (int i = 0; i < 64; i++)
		m.value[i] = 0x5000 + i;
	CHECK_EQ(mach_msg(&m.head, MACH_SEND_MSG, sizeof m, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL), MACH_MSG_SUCCESS);
	/* Straddling two untouched pages of the reservation. */
	struct small_msg *in = (struct small_msg *)(a + 8 * PAGE - 100);
	CHECK_EQ(mach_msg(&in->head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof m, port, 1000, MACH_PORT_NULL),
		 MACH_MSG_SUCCESS);
	CHECK_EQ(in->head.msgh_id, 1234);
	CHECK_EQ(in->value[63], 0x5000 + 63);
	CHECK_EQ(info_of(self).resident_size, resident0 + 2 * PAGE);

	static uint8_t data[300];
	memset(data, 0x77, sizeof data);
	CHECK_EQ(vm_write(self, a + 20 * PAGE + 50, (pointer_t)(data), sizeof data), KERN_SUCCESS);
	CHECK_EQ(((volatile uint8_t *)a)[20 * PAGE + 349], 0x77);
	CHECK_EQ(info_of(self).resident_size, resident0 + 3 * PAGE);

	/* 16 MiB never touched, read out of line: no frame taken for it. */
	vm_address_t big = 0;
	CHECK_EQ(vm_allocate(self, &big, 16 * MiB, TRUE), KERN_SUCCESS);
	natural_t free0 = free_pages();
	pointer_t out = 0;
	mach_msg_type_number_t n = 0;
	CHECK_EQ(vm_read(self, big, 16 * MiB, &out, &n), KERN_SUCCESS);
	CHECK_EQ(n, 16 * MiB);
	natural_t free1 = free_pages();
	/* Only the out-of-line descriptor's list of 4096 (zero) frames. */
	CHECK(free0 - free1 <= 8, "vm_read of 16 untouched MiB took %u frames", free0 - free1);
	CHECK_EQ(info_of(self).resident_size, resident0 + 3 * PAGE);
	CHECK_EQ(((volatile uint32_t *)(out))[4 * MiB / 4], 0);               /* zeros, backed on touch */
	CHECK_EQ(info_of(self).resident_size, resident0 + 4 * PAGE);
	CHECK_EQ(vm_deallocate(self, ((vm_address_t)(out)), 16 * MiB), KERN_SUCCESS);
	/* A partly touched range keeps its data through the copy. */
	((volatile uint32_t *)big)[1000] = 42;
	CHECK_EQ(vm_read(self, big + 3000, 2 * PAGE, &out, &n), KERN_SUCCESS);
	CHECK_EQ(((volatile uint32_t *)(out))[250], 42);
	CHECK_EQ(((volatile uint32_t *)(out))[1500], 0);
	CHECK_EQ(vm_deallocate(self, ((vm_address_t)(out)), 2 * PAGE), KERN_SUCCESS);
	CHECK_EQ(vm_deallocate(self, big, 16 * MiB), KERN_SUCCESS);
	CHECK_EQ(vm_deallocate(self, a, 64 * PAGE), KERN_SUCCESS);
	mach_port_destroy(self, port);
}

/* Out-of-line memory moved (deallocate, page aligned) from a range mostly
 * never touched: its untouched pages travel as zero pages, taking no frame,
 * and arrive reserved; the one touched page keeps its data. */
#pragma pack(push, 4)
struct ool_msg { mach_msg_header_t head; mach_msg_type_long_t type; vm_offset_t data; };
#pragma pack(pop)

static void test_moved_ool(void)
{
	mach_port_t port = MACH_PORT_NULL;
	CHECK_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &port), KERN_SUCCESS);
	vm_address_t a = 0;
	CHECK_EQ(vm_allocate(self, &a, 8 * MiB, TRUE), KERN_SUCCESS);
	((volatile uint32_t *)(a + 5 * PAGE))[3] = 77;
	uint32_t resident0 = info_of(self).resident_size;
	natural_t free0 = free_pages();
	struct ool_msg m;
	memset(&m, 0, sizeof m);
	m.head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0) | MACH_MSGH_BITS_COMPLEX;
	m.head.msgh_size = sizeof m;
	m.head.msgh_remote_port = port;
	m.head.msgh_id = 777;
	m.type = (mach_msg_type_long_t){ { 0, 0, 0, 0, 1, 1, 0 }, MACH_MSG_TYPE_BYTE, 8, 8 * MiB };
	m.data = (vm_offset_t)(a);
	CHECK_EQ(mach_msg(&m.head, MACH_SEND_MSG, sizeof m, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL), MACH_MSG_SUCCESS);
	CHECK_EQ(info_of(self).resident_size, resident0 - PAGE);          /* the touched page left with it */
	natural_t free1 = free_pages();
	CHECK(free0 - free1 <= 4, "moving 8 mostly untouched MiB took %u frames", free0 - free1);
	struct ool_msg r;
	memset(&r, 0, sizeof r);
	CHECK_EQ(mach_msg(&r.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof r, port, 1000, MACH_PORT_NULL),
		 MACH_MSG_SUCCESS);
	CHECK_EQ(r.type.msgtl_number, 8 * MiB);
	volatile uint32_t *got = ((volatile uint32_t *)(r.data));
	CHECK_EQ(info_of(self).resident_size, resident0);                 /* only the touched page came back */
	CHECK(got && got[5 * PAGE / 4 + 3] == 77, "the touched page's data");
	CHECK(got && got[7 * MiB / 4] == 0, "an untouched page reads zero");
	CHECK_EQ(info_of(self).resident_size, resident0 + PAGE);
	CHECK_EQ(vm_deallocate(self, ((vm_address_t)(r.data)), 8 * MiB), KERN_SUCCESS);
	mach_port_destroy(self, port);
}

/* vm_wire backs a range now; vm_wire_all a whole task, now and later. */
static void test_wire(void)
{
	mach_port_t host_priv = smrt_host_priv_port();
	vm_address_t a = 0;
	CHECK_EQ(vm_allocate(self, &a, 64 * PAGE, TRUE), KERN_SUCCESS);
	uint32_t resident0 = info_of(self).resident_size;
	CHECK_EQ(vm_wire(mach_host_self(), self, a, 64 * PAGE, VM_PROT_READ), KERN_INVALID_HOST);
	CHECK_EQ(vm_wire(host_priv, self, a + 0x10000000u, PAGE, VM_PROT_READ), KERN_INVALID_ADDRESS);
	CHECK_EQ(info_of(self).resident_size, resident0);
	CHECK_EQ(vm_wire(host_priv, self, a, 64 * PAGE, VM_PROT_READ | VM_PROT_WRITE), KERN_SUCCESS);
	CHECK_EQ(info_of(self).resident_size, resident0 + 64 * PAGE);
	CHECK_EQ(vm_wire(host_priv, self, a, 64 * PAGE, VM_PROT_NONE), KERN_SUCCESS);     /* unwire */
	CHECK_EQ(vm_deallocate(self, a, 64 * PAGE), KERN_SUCCESS);

	mach_port_t child = MACH_PORT_NULL;
	CHECK_EQ(task_create(self, FALSE, &child), KERN_SUCCESS);
	vm_address_t c = 0;
	CHECK_EQ(vm_allocate(child, &c, 16 * PAGE, TRUE), KERN_SUCCESS);
	CHECK_EQ(info_of(child).resident_size, 0);
	CHECK_EQ(info_of(child).virtual_size, 16 * PAGE);
	CHECK_EQ(vm_wire_all(mach_host_self(), child, VM_WIRE_CURRENT), KERN_INVALID_HOST);
	CHECK_EQ(vm_wire_all(host_priv, child, VM_WIRE_CURRENT), KERN_SUCCESS);
	CHECK_EQ(info_of(child).resident_size, 16 * PAGE);
	CHECK_EQ(vm_wire_all(host_priv, child, VM_WIRE_FUTURE), KERN_SUCCESS);
	c = 0;
	CHECK_EQ(vm_allocate(child, &c, 8 * PAGE, TRUE), KERN_SUCCESS);
	CHECK_EQ(info_of(child).resident_size, 24 * PAGE);
	CHECK_EQ(vm_wire_all(host_priv, child, VM_WIRE_NONE), KERN_SUCCESS);
	c = 0;
	CHECK_EQ(vm_allocate(child, &c, 8 * PAGE, TRUE), KERN_SUCCESS);
	CHECK_EQ(info_of(child).resident_size, 24 * PAGE);
	CHECK_EQ(vm_wire_all(host_priv, child, 0x100), KERN_INVALID_ARGUMENT);
	CHECK_EQ(task_terminate(child), KERN_SUCCESS);
	mach_port_deallocate(self, child);
}

/* --- Hogs: children touching more than memory holds -------------------- */

static uint8_t hog_stacks[HOGS][8192] __attribute__((aligned(16)));

/* Reserve a GiB and touch every page of it: the touch past the task's page
 * limit, or past the memory left, stops the task. Reports if it ever got
 * through (it must not). A hog yields every 64 pages, so that hogs started
 * together grow together and their sum runs into the machine's memory
 * before each reaches its own limit: on a fast host one hog could otherwise
 * reach its limit (and free its pages) within a time slice, the next one
 * after it, and memory never ran out (CI saw that once). */
static void __attribute__((noreturn, used)) hog_main(void *arg)
{
	(void)arg;
	smrt_task_forked();
	vm_address_t a = HOG_BASE;
	if (vm_allocate(mach_task_self(), &a, GiB, FALSE) == KERN_SUCCESS)
		for (uint32_t off = 0; off < GiB; off += PAGE) {
			((volatile uint32_t *)(a + off))[0] = off;
			if (off / PAGE % 64 == 63)
				thread_switch(MACH_PORT_NULL, SWITCH_OPTION_NONE, 0);
		}
	mach_port_t boot = MACH_PORT_NULL;
	task_get_special_port(mach_task_self(), TASK_BOOTSTRAP_PORT, &boot);
	mach_msg_header_t h = { 0 };
	h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
	h.msgh_size = sizeof h;
	h.msgh_remote_port = boot;
	h.msgh_id = 4900;
	mach_msg_trap(&h, MACH_SEND_MSG, sizeof h, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
	for (;;)
		thread_switch(MACH_PORT_NULL, SWITCH_OPTION_WAIT, 1000);
}

static mach_port_t start_hog(int i, mach_port_t report, mach_port_t exc)
{
	char name[16];
	snprintf(name, sizeof name, "zfod-hog%d", i);
	uint32_t *sp = (uint32_t *)(hog_stacks[i] + sizeof hog_stacks[i] - 20);
	sp[0] = sp[1] = 0;
	mach_port_t child = MACH_PORT_NULL, th = MACH_PORT_NULL;
	CHECK_EQ(task_create(self, TRUE, &child), KERN_SUCCESS);
	CHECK_EQ(task_set_name(child, name), KERN_SUCCESS);
	CHECK_EQ(task_set_special_port(child, TASK_BOOTSTRAP_PORT, report), KERN_SUCCESS);
	CHECK_EQ(task_set_special_port(child, TASK_EXCEPTION_PORT, exc), KERN_SUCCESS);
	start_thread_at(child, (uintptr_t)hog_main, (uintptr_t)sp, &th);
	mach_port_deallocate(self, th);
	return child;
}

static bool is_dead(mach_port_t name)
{
	mach_port_type_t t = 0;
	return mach_port_type(self, name, &t) == KERN_SUCCESS && (t & MACH_PORT_TYPE_DEAD_NAME);
}

static mach_port_t new_port(void)
{
	mach_port_t p = MACH_PORT_NULL;
	CHECK_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &p), KERN_SUCCESS);
	CHECK_EQ(mach_port_insert_right(self, p, p, MACH_MSG_TYPE_MAKE_SEND), KERN_SUCCESS);
	return p;
}

static int seen_exception, seen_code;
static uint32_t seen_subcode;

kern_return_t catch_exception_raise(mach_port_t port, mach_port_t thread, mach_port_t task, integer_t exception,
				    integer_t code, integer_t subcode)
{
	seen_exception = exception;
	seen_code = code;
	seen_subcode = (uint32_t)subcode;
	mach_port_deallocate(self, thread);
	mach_port_deallocate(self, task);
	return KERN_FAILURE;                          /* not handled: the task is killed */
}

/* One hog with an exception port: its touch past the limit arrives as
 * EXC_BAD_ACCESS / KERN_RESOURCE_SHORTAGE at the address; refused, it dies. */
static void test_hog_exception(void)
{
	mach_port_t report = new_port(), exc = new_port();
	mach_port_t hog = start_hog(0, report, exc);
	union { mach_msg_header_t h; uint8_t buf[512]; } in, out;
	CHECK_EQ(mach_msg(&in.h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof in, exc, 30000, MACH_PORT_NULL),
		 MACH_MSG_SUCCESS);
	CHECK(exc_server(&in.h, &out.h), "exc_server took message %d", in.h.msgh_id);
	CHECK_EQ(seen_exception, EXC_BAD_ACCESS);
	CHECK_EQ(seen_code, KERN_RESOURCE_SHORTAGE);
	CHECK(seen_subcode >= HOG_BASE + 32 * MiB && seen_subcode < HOG_BASE + 64 * MiB,
	      "stopped at 0x%x, within its 64 MiB limit", seen_subcode);
	CHECK_EQ(mach_msg(&out.h, MACH_SEND_MSG, out.h.msgh_size, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL),
		 MACH_MSG_SUCCESS);
	for (int i = 0; i < 1000 && !is_dead(hog); i++)
		smrt_sleep_ms(5);
	CHECK(is_dead(hog), "the refused hog was killed");
	mach_msg_header_t h;
	CHECK_EQ(mach_msg(&h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof h, report, 0, MACH_PORT_NULL),
		 MACH_RCV_TIMED_OUT);
	mach_port_deallocate(self, hog);
	mach_port_destroy(self, report);
	mach_port_destroy(self, exc);
}

/* Five hogs at once ask for more than the machine has: each is stopped,
 * at its limit or when memory runs out, while this task keeps making
 * calls; then every frame is back (checked on a second round: the first
 * grows the kernel heap's arena to five tasks at once, and it keeps it). */
static void test_hogs(bool check_baseline)
{
	natural_t before[4], after[4];
	kernel_counts(before);
	mach_port_t report = new_port(), hogs[HOGS];
	for (int i = 0; i < HOGS; i++)
		hogs[i] = start_hog(i, report, MACH_PORT_NULL);
	int alive = HOGS, calls = 0;
	for (int waited = 0; alive && waited < 60000; waited += 10) {
		mach_port_t p = MACH_PORT_NULL;          /* we keep running meanwhile */
		if (mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &p) == KERN_SUCCESS &&
		    mach_port_destroy(self, p) == KERN_SUCCESS)
			calls++;
		smrt_sleep_ms(10);
		alive = 0;
		for (int i = 0; i < HOGS; i++)
			alive += !is_dead(hogs[i]);
	}
	CHECK_EQ(alive, 0);
	CHECK(calls > 0, "%d calls made while the hogs ran", calls);
	mach_msg_header_t h;
	CHECK_EQ(mach_msg(&h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof h, report, 0, MACH_PORT_NULL),
		 MACH_RCV_TIMED_OUT);
	for (int i = 0; i < HOGS; i++)
		mach_port_deallocate(self, hogs[i]);
	mach_port_destroy(self, report);
	kernel_counts(after);
	printf("test-zfod: %d hogs stopped, %d calls meanwhile: free pages %u -> %u, heap %u -> %u, ports %u -> %u\n",
	       HOGS, calls, before[0], after[0], before[1], after[1], before[2], after[2]);
	if (check_baseline) {
		CHECK_EQ(after[0], before[0]);
		CHECK_EQ(after[1], before[1]);
		CHECK_EQ(after[2], before[2]);
	}
}

int main(void)
{
	self = mach_task_self();
	memset(hog_stacks, 0, sizeof hog_stacks);        /* backed now, not while counting frames */
	natural_t before[4], after[4];
	test_reserve();                                  /* warms up page tables and heap */
	test_copyio();
	test_moved_ool();
	test_wire();
	kernel_counts(before);
	test_reserve();
	test_copyio();
	test_moved_ool();
	test_wire();
	kernel_counts(after);
	printf("test-zfod: kernel after another run: free pages %u -> %u, heap %u -> %u bytes, ports %u -> %u\n",
	       before[0], after[0], before[1], after[1], before[2], after[2]);
	CHECK_EQ(after[0], before[0]);
	CHECK_EQ(after[1], before[1]);
	CHECK_EQ(after[2], before[2]);
	test_hog_exception();
	test_hogs(false);
	test_hogs(true);
	printf("test-zfod: the kernel is still running\n");
	return guest_summary("test-zfod");
}
