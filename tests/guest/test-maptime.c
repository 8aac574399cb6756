/* test-maptime: the mapped time as a GNU Mach program (the Hurd's maptime)
 * reads it: device_open of "time" on the device master port (answered by
 * the kernel itself, kern/kernel_device.c), device_map read-only, vm_map of
 * the memory object it returns (vm/vm_map_user.c), then the
 * seconds / microseconds / check_seconds protocol (kern/mapped_time.h).
 * The time advances and agrees with host_get_time within a tick or two; the
 * page cannot be written by a task (vm_protect, vm_write, a message
 * received into it, gsync_wake's mutate, a child's store, which kills the
 * child); write access and bad ranges and ports are refused with the right
 * codes; mapping and unmapping leave the kernel's counts at
 * their baseline; and the page outlives tasks that die with it mapped. */
#include "guest-check.h"
#include <stdbool.h>
#include <sm/traps.h>
#include <sm/threads.h>
#include <mach/vm_prot.h>
#include <mach/vm_inherit.h>
#include <mach/time_value.h>
#include <sm/mapped_time.h>
#include <mach/thread_status.h>
#include <mach/thread_switch.h>
#include <mach/task_special_ports.h>
#include <device/device_types.h>
#include <sm/gsync.h>
#include <mach/mach_traps.h>
#include "mach.h"
#include "mach_port.h"
#include "mach_host.h"
#include "device.h"
#include "gnumach.h"
#include "smhost.h"

#define PAGE 4096u
#define DEVICE_MASTER 2                /* boot modules hold it here */
#define REPORT_WROTE 4901              /* a child's report that its store went through */

static mach_port_t self;

static int64_t host_now(void)
{
	time_value_t tv = { 0, 0 };
	CHECK_EQ(host_get_time(mach_host_self(), &tv), KERN_SUCCESS);
	return (int64_t)tv.seconds * 1000000 + tv.microseconds;
}

/* The maptime sequence; the device and object rights are let go at once
 * (the mapping holds the page, not the ports). */
static const volatile mapped_time_value_t *map_time(vm_inherit_t inherit)
{
	mach_port_t dev = MACH_PORT_NULL, object = MACH_PORT_NULL;
	CHECK_EQ(device_open(DEVICE_MASTER, D_READ, "time", &dev), D_SUCCESS);
	CHECK_EQ(device_map(dev, VM_PROT_READ, 0, sizeof(mapped_time_value_t), &object, 0), D_SUCCESS);
	vm_address_t addr = 0;
	CHECK_EQ(vm_map(self, &addr, sizeof(mapped_time_value_t), 0, TRUE, object, 0, FALSE, VM_PROT_READ,
			VM_PROT_READ, inherit), KERN_SUCCESS);
	CHECK_EQ(mach_port_deallocate(self, object), KERN_SUCCESS);
	CHECK_EQ(device_close(dev), D_SUCCESS);
	CHECK_EQ(mach_port_deallocate(self, dev), KERN_SUCCESS);
	return (const volatile mapped_time_value_t *)addr;
}

static void unmap_time(const volatile mapped_time_value_t *m)
{
	CHECK_EQ(vm_deallocate(self, (vm_address_t)m, PAGE), KERN_SUCCESS);
}

/* The mapped time is host_get_time's, and it moves on. */
static void check_good_time(const volatile mapped_time_value_t *m, const char *when)
{
	int64_t before = sm_mapped_time_us(m), host = host_now(), after = sm_mapped_time_us(m);
	/* HZ is 1000: the page lags the clock by less than a tick; two allowed. */
	CHECK(before - 2000 <= host && host <= after + 2000, "%s: host %lld us not within mapped %lld..%lld us",
	      when, (long long)host, (long long)before, (long long)after);
	CHECK(m->microseconds >= 0 && m->microseconds < 1000000, "%s: microseconds %d", when, m->microseconds);
}

static void test_time(void)
{
	const volatile mapped_time_value_t *m = map_time(VM_INHERIT_NONE);
	int64_t t0 = sm_mapped_time_us(m);
	printf("test-maptime: mapped at %p, time %d.%06d s\n", (void *)m, m->seconds, m->microseconds);
	check_good_time(m, "first read");
	thread_switch(MACH_PORT_NULL, SWITCH_OPTION_WAIT, 20);
	int64_t t1 = sm_mapped_time_us(m);
	CHECK(t1 - t0 >= 15000, "20 ms later the mapped time moved %lld us", (long long)(t1 - t0));
	check_good_time(m, "20 ms later");
	/* Many reads: never backwards. */
	int64_t last = sm_mapped_time_us(m);
	for (int i = 0; i < 100000; i++) {
		int64_t now = sm_mapped_time_us(m);
		if (now < last) {
			CHECK(false, "time went back from %lld to %lld us", (long long)last, (long long)now);
			break;
		}
		last = now;
	}
	unmap_time(m);
}

/* The page is the kernel's: no task gets to write it. */
static void test_read_only(void)
{
	const volatile mapped_time_value_t *m = map_time(VM_INHERIT_NONE);
	vm_address_t a = (vm_address_t)m;
	CHECK_EQ(vm_protect(self, a, PAGE, FALSE, VM_PROT_READ | VM_PROT_WRITE), KERN_PROTECTION_FAILURE);
	CHECK_EQ(vm_protect(self, a, PAGE, TRUE, VM_PROT_ALL), KERN_PROTECTION_FAILURE);
	static integer_t junk[3] = { 0x7fffffff, 0, 0x7fffffff };
	CHECK(vm_write(self, a, (vm_offset_t)junk, sizeof junk) != KERN_SUCCESS, "vm_write to the time page");
	/* A message received into it is refused too. */
	CHECK(receive_into((void *)a) != MACH_MSG_SUCCESS, "a message received into the time page");
	/* gsync_wake's GSYNC_MUTATE stores through copyout too (a simple
	 * routine: no answer, the value must just not land). */
	CHECK_EQ(gsync_wake(self, a + 8, 0x7fffffff, GSYNC_MUTATE), KERN_SUCCESS);
	CHECK_EQ(gsync_wake(self, a + 8, 0x7fffffff, GSYNC_MUTATE | GSYNC_SHARED), KERN_SUCCESS);
	CHECK(m->check_seconds != 0x7fffffff, "gsync_wake stored into the time page");
	check_good_time(m, "after the write attempts");
	/* copy TRUE: a private, writable snapshot; the kernel's page is untouched. */
	mach_port_t dev = MACH_PORT_NULL, object = MACH_PORT_NULL;
	CHECK_EQ(device_open(DEVICE_MASTER, D_READ, "time", &dev), D_SUCCESS);
	CHECK_EQ(device_map(dev, VM_PROT_READ, 0, PAGE, &object, 0), D_SUCCESS);
	vm_address_t c = 0;
	CHECK_EQ(vm_map(self, &c, PAGE, 0, TRUE, object, 0, TRUE, VM_PROT_READ | VM_PROT_WRITE, VM_PROT_ALL,
			VM_INHERIT_NONE), KERN_SUCCESS);
	volatile mapped_time_value_t *copy = (volatile mapped_time_value_t *)c;
	CHECK(copy->seconds == copy->check_seconds && copy->seconds <= m->seconds, "the copy holds a time");
	copy->seconds = 0x7fffffff;
	copy->check_seconds = 0x7fffffff;
	check_good_time(m, "after writing a copy");
	CHECK_EQ(vm_deallocate(self, c, PAGE), KERN_SUCCESS);
	CHECK_EQ(mach_port_deallocate(self, object), KERN_SUCCESS);
	CHECK_EQ(mach_port_deallocate(self, dev), KERN_SUCCESS);
	unmap_time(m);
}

/* What device_map and vm_map refuse. */
static void test_refusals(void)
{
	mach_port_t dev = MACH_PORT_NULL, object = MACH_PORT_NULL;
	CHECK_EQ(device_open(DEVICE_MASTER, D_READ, "time", &dev), D_SUCCESS);
	CHECK_EQ(device_map(dev, VM_PROT_READ | VM_PROT_WRITE, 0, PAGE, &object, 0), D_INVALID_OPERATION);
	CHECK_EQ(device_map(dev, VM_PROT_WRITE, 0, PAGE, &object, 0), D_INVALID_OPERATION);
	CHECK_EQ(device_map(dev, VM_PROT_READ, 0, 2 * PAGE, &object, 0), D_INVALID_SIZE);
	CHECK_EQ(device_map(dev, VM_PROT_READ, 0xfffff000u, 0x2000, &object, 0), D_INVALID_SIZE);
	CHECK_EQ(object, MACH_PORT_NULL);
	int written = 0;
	static const io_buf_ptr_inband_t one = "x";   /* the routine's argument is a whole inband buffer */
	CHECK_EQ(device_write_inband(dev, 0, 0, one, 1, &written), D_INVALID_OPERATION);
	CHECK_EQ(device_map(dev, VM_PROT_READ, 0, PAGE, &object, 0), D_SUCCESS);

	vm_address_t a = 0;
#define MAP(addr_, size_, anywhere_, obj_, off_, cur_, max_) \
	vm_map(self, &(addr_), size_, 0, anywhere_, obj_, off_, FALSE, cur_, max_, VM_INHERIT_NONE)
	CHECK_EQ(MAP(a, PAGE, TRUE, object, PAGE, VM_PROT_READ, VM_PROT_READ), KERN_INVALID_ARGUMENT);
	CHECK_EQ(MAP(a, PAGE, TRUE, object, 100, VM_PROT_READ, VM_PROT_READ), KERN_INVALID_ARGUMENT);
	CHECK_EQ(MAP(a, 2 * PAGE, TRUE, object, 0, VM_PROT_READ, VM_PROT_READ), KERN_INVALID_ARGUMENT);
	CHECK_EQ(MAP(a, PAGE, TRUE, object, 0xfffff000u, VM_PROT_READ, VM_PROT_READ), KERN_INVALID_ARGUMENT);
	CHECK_EQ(MAP(a, 0x2000, TRUE, object, 0xfffff000u, VM_PROT_READ, VM_PROT_READ), KERN_INVALID_ARGUMENT);
	CHECK_EQ(MAP(a, 0, TRUE, object, 0, VM_PROT_READ, VM_PROT_READ), KERN_INVALID_ARGUMENT);
	CHECK_EQ(MAP(a, PAGE, TRUE, object, 0, VM_PROT_READ | VM_PROT_WRITE, VM_PROT_ALL), KERN_PROTECTION_FAILURE);
	CHECK_EQ(MAP(a, PAGE, TRUE, object, 0, VM_PROT_ALL, VM_PROT_READ), KERN_INVALID_ARGUMENT);
	/* Ports that are not the kernel's memory objects: a task's own, a
	 * kernel object of another kind, the device itself. */
	mach_port_t mine = MACH_PORT_NULL;
	CHECK_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &mine), KERN_SUCCESS);
	CHECK_EQ(mach_port_insert_right(self, mine, mine, MACH_MSG_TYPE_MAKE_SEND), KERN_SUCCESS);
	CHECK_EQ(MAP(a, PAGE, TRUE, mine, 0, VM_PROT_READ, VM_PROT_READ), KERN_INVALID_ARGUMENT);
	CHECK_EQ(MAP(a, PAGE, TRUE, self, 0, VM_PROT_READ, VM_PROT_READ), KERN_INVALID_ARGUMENT);
	CHECK_EQ(MAP(a, PAGE, TRUE, dev, 0, VM_PROT_READ, VM_PROT_READ), KERN_INVALID_ARGUMENT);
	CHECK_EQ(MAP(a, PAGE, TRUE, 0x7777, 0, VM_PROT_READ, VM_PROT_READ), MACH_SEND_INVALID_RIGHT);
	/* Fixed: at a free address it maps there, on a taken one it is refused. */
	vm_address_t fixed = 0;
	CHECK_EQ(vm_allocate(self, &fixed, 2 * PAGE, TRUE), KERN_SUCCESS);
	CHECK_EQ(MAP(fixed, PAGE, FALSE, object, 0, VM_PROT_READ, VM_PROT_READ), KERN_NO_SPACE);
	CHECK_EQ(vm_deallocate(self, fixed + PAGE, PAGE), KERN_SUCCESS);
	vm_address_t at = fixed + PAGE;
	CHECK_EQ(MAP(at, PAGE, FALSE, object, 0, VM_PROT_READ, VM_PROT_READ | VM_PROT_WRITE), KERN_SUCCESS);
	CHECK_EQ(at, fixed + PAGE);
	check_good_time((const volatile mapped_time_value_t *)at, "mapped at a fixed address");
	/* max_protection lost its write: raising to write is refused. */
	CHECK_EQ(vm_protect(self, at, PAGE, FALSE, VM_PROT_READ | VM_PROT_WRITE), KERN_PROTECTION_FAILURE);
	CHECK_EQ(vm_deallocate(self, fixed, 2 * PAGE), KERN_SUCCESS);
	/* The syscall_vm_map trap maps it too, and leaves the caller's right. */
	vm_address_t t = 0;
	CHECK_EQ(syscall_vm_map(self, &t, PAGE, 0, TRUE, object, 0, FALSE, VM_PROT_READ, VM_PROT_READ,
				VM_INHERIT_NONE), KERN_SUCCESS);
	check_good_time((const volatile mapped_time_value_t *)t, "mapped by the trap");
	CHECK_EQ(syscall_vm_map(self, &t, PAGE, 0, TRUE, object, PAGE, FALSE, VM_PROT_READ, VM_PROT_READ,
				VM_INHERIT_NONE), KERN_INVALID_ARGUMENT);
	CHECK_EQ(vm_deallocate(self, t, PAGE), KERN_SUCCESS);
	mach_port_urefs_t refs = 0;
	CHECK_EQ(mach_port_get_refs(self, object, MACH_PORT_RIGHT_SEND, &refs), KERN_SUCCESS);
	CHECK_EQ(refs, 1);
	/* No driver may take the kernel's device name. */
	CHECK_EQ(sm_device_register(DEVICE_MASTER, "time", mine), KERN_NAME_EXISTS);
	CHECK_EQ(mach_port_destroy(self, mine), KERN_SUCCESS);
	CHECK_EQ(mach_port_deallocate(self, object), KERN_SUCCESS);
	CHECK_EQ(device_close(dev), D_SUCCESS);
	CHECK_EQ(mach_port_deallocate(self, dev), KERN_SUCCESS);
#undef MAP
}

/* --- Children that die with the page mapped ----------------------------- */

static uint8_t child_stack[8192] __attribute__((aligned(16)));
static volatile integer_t *child_target;      /* in the child's copy of memory */

/* Store into the inherited time page: the fault must kill this task. Tells
 * the test (over its bootstrap port) if the store ever went through. */
static void __attribute__((noreturn, used)) writer_main(void *arg)
{
	(void)arg;
	smrt_task_forked();
	child_target[0] = 0x7fffffff;
	child_target[2] = 0x7fffffff;
	mach_port_t boot = MACH_PORT_NULL;
	task_get_special_port(mach_task_self(), TASK_BOOTSTRAP_PORT, &boot);
	mach_msg_header_t h = { 0 };
	h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
	h.msgh_size = sizeof h;
	h.msgh_remote_port = boot;
	h.msgh_id = REPORT_WROTE;
	mach_msg_trap(&h, MACH_SEND_MSG, sizeof h, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
	for (;;)
		thread_switch(MACH_PORT_NULL, SWITCH_OPTION_WAIT, 1000);
}

static bool is_dead(mach_port_t name)
{
	mach_port_type_t t = 0;
	return mach_port_type(self, name, &t) == KERN_SUCCESS && (t & MACH_PORT_TYPE_DEAD_NAME);
}

/* A child inheriting the page (VM_INHERIT_SHARE) that stores into it. */
static void test_child_writes(void)
{
	const volatile mapped_time_value_t *m = map_time(VM_INHERIT_SHARE);
	child_target = (volatile integer_t *)m;
	mach_port_t report = MACH_PORT_NULL, child = MACH_PORT_NULL, th = MACH_PORT_NULL;
	CHECK_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &report), KERN_SUCCESS);
	CHECK_EQ(mach_port_insert_right(self, report, report, MACH_MSG_TYPE_MAKE_SEND), KERN_SUCCESS);
	CHECK_EQ(task_create(self, TRUE, &child), KERN_SUCCESS);
	CHECK_EQ(task_set_name(child, "maptime-writer"), KERN_SUCCESS);
	CHECK_EQ(task_set_special_port(child, TASK_BOOTSTRAP_PORT, report), KERN_SUCCESS);
	/* The child cannot raise its inherited maximum protection either. */
	CHECK_EQ(vm_protect(child, (vm_address_t)m, PAGE, FALSE, VM_PROT_READ | VM_PROT_WRITE),
		 KERN_PROTECTION_FAILURE);
	uint32_t *sp = (uint32_t *)(child_stack + sizeof child_stack - 20);
	sp[0] = sp[1] = 0;
	start_thread_at(child, (uintptr_t)writer_main, (uintptr_t)sp, &th);
	CHECK_EQ(mach_port_deallocate(self, th), KERN_SUCCESS);
	for (int i = 0; i < 1000 && !is_dead(child); i++)
		thread_switch(MACH_PORT_NULL, SWITCH_OPTION_WAIT, 10);
	CHECK(is_dead(child), "the child that wrote the time page was killed");
	mach_msg_header_t h = { 0 };
	CHECK_EQ(mach_msg(&h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof h, report, 0, MACH_PORT_NULL),
		 MACH_RCV_TIMED_OUT);                      /* no report: its store never happened */
	CHECK_EQ(mach_port_deallocate(self, child), KERN_SUCCESS);
	CHECK_EQ(mach_port_destroy(self, report), KERN_SUCCESS);
	check_good_time(m, "after the writer died");

	/* A second child, terminated from outside with the page mapped. */
	CHECK_EQ(task_create(self, TRUE, &child), KERN_SUCCESS);
	CHECK_EQ(task_terminate(child), KERN_SUCCESS);
	CHECK_EQ(mach_port_deallocate(self, child), KERN_SUCCESS);
	/* Had a dying task freed the frame, new pages would now reuse it. */
	vm_address_t scratch = 0;
	CHECK_EQ(vm_allocate(self, &scratch, 64 * PAGE, TRUE), KERN_SUCCESS);
	for (unsigned off = 0; off < 64 * PAGE; off += 4)
		((volatile uint32_t *)scratch)[off / 4] = 0x7fffffff;
	check_good_time(m, "after both children died and 64 pages were written");
	CHECK_EQ(vm_deallocate(self, scratch, 64 * PAGE), KERN_SUCCESS);
	unmap_time(m);
}

static void map_unmap_100(void)
{
	for (int i = 0; i < 100; i++) {
		const volatile mapped_time_value_t *m = map_time(i % 2 ? VM_INHERIT_SHARE : VM_INHERIT_NONE);
		if (m->seconds != m->check_seconds && sm_mapped_time_us(m) < 0)
			CHECK(false, "round %d: a bad time", i);
		unmap_time(m);
	}
}

int main(void)
{
	self = mach_task_self();
	memset(child_stack, 0, sizeof child_stack);       /* backed now, not while counting */
	test_time();
	test_read_only();
	test_refusals();
	test_child_writes();
	map_unmap_100();                                  /* warms up the heap and page tables */
	natural_t before[4], after[4];
	kernel_counts(before);
	map_unmap_100();
	test_refusals();
	test_child_writes();
	kernel_counts(after);
	printf("test-maptime: kernel after 100 maps and the attacks: free pages %u -> %u, heap %u -> %u bytes, "
	       "ports %u -> %u\n", before[0], after[0], before[1], after[1], before[2], after[2]);
	CHECK_EQ(after[0], before[0]);
	CHECK_EQ(after[1], before[1]);
	CHECK_EQ(after[2], before[2]);
	printf("test-maptime: the kernel is still running\n");
	return guest_summary("test-maptime");
}
