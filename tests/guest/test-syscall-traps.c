/* test-syscall-traps: GNU Mach's syscall_* traps (-64 ... -76), each with
 * good arguments (it does what its RPC does) and bad ones: a target name
 * that is null, unused, dead, only a receive right (MACH_SEND_INTERRUPTED,
 * as in Mach) or a send right to the wrong kind of port (the routine's
 * error); rights the caller does not hold; result pointers in the kernel
 * half or on read-only pages (KERN_INVALID_ADDRESS, and nothing was made).
 * Kernel object counts return to their baseline at the end of each part. */
#include "guest-check.h"
#include <sm/traps.h>
#include <mach/mach_traps.h>
#include <mach/task_special_ports.h>
#include <mach/task_info.h>
#include "mach.h"
#include "mach_port.h"
#include "smhost.h"

#define KERNEL_ADDR 0xC0001000u

static mach_port_t self, host;
static uint32_t baseline[4];

static mach_port_type_t name_type(mach_port_t name)
{
	mach_port_type_t t = 0;
	return mach_port_type(self, name, &t) == KERN_SUCCESS ? t : 0;
}

static mach_port_urefs_t send_refs(mach_port_t name)
{
	mach_port_urefs_t r = 0;
	mach_port_get_refs(self, name, MACH_PORT_RIGHT_SEND, &r);
	return r;
}

/* Names no trap may accept as its target: null, never used, a dead name,
 * a receive right alone. */
static mach_port_t receive_only, dead_name;
static mach_port_t bad_targets[4];

static vm_address_t readonly_page;

static void setup(void)
{
	CHECK_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &receive_only), KERN_SUCCESS);
	CHECK_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_DEAD_NAME, &dead_name), KERN_SUCCESS);
	bad_targets[0] = MACH_PORT_NULL;
	bad_targets[1] = 0x7777;
	bad_targets[2] = dead_name;
	bad_targets[3] = receive_only;
	CHECK_EQ(vm_allocate(self, &readonly_page, 4096, TRUE), KERN_SUCCESS);
	CHECK_EQ(vm_protect(self, readonly_page, 4096, FALSE, VM_PROT_READ), KERN_SUCCESS);
	/* Back the page now, before any baseline: the traps read their in-out
	 * address argument, and a read of this reserved page zero-fills it
	 * (vm/vm_fault.h) as the task's own read would. That frame is this
	 * test's memory until it deallocates the page, not a kernel leak. */
	CHECK_EQ(*(volatile uint32_t *)readonly_page, 0);
}

static void test_vm(void)
{
	kernel_counts(baseline);
	vm_address_t at = 0;
	CHECK_EQ(syscall_vm_allocate(self, &at, 3 * 4096, TRUE), KERN_SUCCESS);
	CHECK(at >= 0x1000 && at < KERNEL_ADDR && at % 4096 == 0, "vm_allocate gave 0x%x", at);
	memset((void *)at, 0x5a, 3 * 4096);                 /* it is ours, writable */
	CHECK_EQ(syscall_vm_deallocate(self, at, 3 * 4096), KERN_SUCCESS);
	check_counts_back(baseline, "syscall_vm_allocate/deallocate");

	for (int i = 0; i < 4; i++) {
		vm_address_t a = 0;
		CHECK_EQ(syscall_vm_allocate(bad_targets[i], &a, 4096, TRUE), MACH_SEND_INTERRUPTED);
		CHECK_EQ(syscall_vm_deallocate(bad_targets[i], 0x10000, 4096), MACH_SEND_INTERRUPTED);
		CHECK_EQ(syscall_vm_map(bad_targets[i], &a, 4096, 0, TRUE, MACH_PORT_NULL, 0, FALSE, VM_PROT_DEFAULT,
					VM_PROT_ALL, VM_INHERIT_COPY), MACH_SEND_INTERRUPTED);
	}
	at = 0;
	CHECK_EQ(syscall_vm_allocate(host, &at, 4096, TRUE), KERN_INVALID_ARGUMENT);   /* not a task */
	/* Result pointers the task cannot write: nothing may be allocated. */
	CHECK_EQ(syscall_vm_allocate(self, (vm_address_t *)KERNEL_ADDR, 4096, TRUE), KERN_INVALID_ADDRESS);
	CHECK_EQ(syscall_vm_allocate(self, (vm_address_t *)readonly_page, 4096, TRUE), KERN_INVALID_ADDRESS);
	CHECK_EQ(syscall_vm_allocate(self, (vm_address_t *)0xFFFFFFFE, 4096, TRUE), KERN_INVALID_ADDRESS);
	at = KERNEL_ADDR;
	CHECK_EQ(syscall_vm_allocate(self, &at, 4096, FALSE), KERN_INVALID_ADDRESS);
	CHECK_EQ(syscall_vm_deallocate(self, KERNEL_ADDR, 4096), KERN_INVALID_ADDRESS);
	check_counts_back(baseline, "syscall_vm_allocate with bad arguments");

	/* vm_map: anonymous memory with a protection pair and inheritance. */
	at = 0;
	CHECK_EQ(syscall_vm_map(self, &at, 2 * 4096, 0, TRUE, MACH_PORT_NULL, 0, FALSE, VM_PROT_READ,
				VM_PROT_READ | VM_PROT_WRITE, VM_INHERIT_NONE), KERN_SUCCESS);
	vm_address_t region = at;
	vm_size_t size = 0;
	vm_prot_t prot = 0, max = 0;
	vm_inherit_t inherit = 0;
	boolean_t shared;
	mach_port_t object = MACH_PORT_NULL;
	vm_offset_t offset;
	CHECK_EQ(vm_region(self, &region, &size, &prot, &max, &inherit, &shared, &object, &offset), KERN_SUCCESS);
	CHECK(region == at && size == 2 * 4096 && prot == VM_PROT_READ && max == (VM_PROT_READ | VM_PROT_WRITE) &&
	      inherit == VM_INHERIT_NONE, "vm_map region 0x%x+0x%x prot %d max %d inherit %d", region, size, prot, max, inherit);
	CHECK_EQ(vm_protect(self, at, 4096, FALSE, VM_PROT_ALL), KERN_PROTECTION_FAILURE);   /* beyond max */
	CHECK_EQ(syscall_vm_deallocate(self, at, 2 * 4096), KERN_SUCCESS);
	at = 0;                                        /* a memory object: none exist here */
	CHECK_EQ(syscall_vm_map(self, &at, 4096, 0, TRUE, self, 0, FALSE, VM_PROT_DEFAULT, VM_PROT_ALL, VM_INHERIT_COPY),
		 KERN_INVALID_ARGUMENT);
	CHECK_EQ(syscall_vm_map(self, &at, 4096, 0, TRUE, 0x7777, 0, FALSE, VM_PROT_DEFAULT, VM_PROT_ALL, VM_INHERIT_COPY),
		 KERN_INVALID_NAME);
	CHECK_EQ(syscall_vm_map(self, &at, 4096, 0, TRUE, MACH_PORT_NULL, 0, FALSE, VM_PROT_ALL, VM_PROT_READ,
				VM_INHERIT_COPY), KERN_INVALID_ARGUMENT);          /* cur beyond max */
	CHECK_EQ(syscall_vm_map(self, &at, 4096, 0, TRUE, MACH_PORT_NULL, 0, FALSE, VM_PROT_DEFAULT, VM_PROT_ALL, 7),
		 KERN_INVALID_ARGUMENT);                                            /* no such inheritance */
	CHECK_EQ(syscall_vm_map(self, (vm_address_t *)KERNEL_ADDR, 4096, 0, TRUE, MACH_PORT_NULL, 0, FALSE,
				VM_PROT_DEFAULT, VM_PROT_ALL, VM_INHERIT_COPY), KERN_INVALID_ADDRESS);
	at = KERNEL_ADDR;
	CHECK_EQ(syscall_vm_map(self, &at, 4096, 0, FALSE, MACH_PORT_NULL, 0, FALSE, VM_PROT_DEFAULT, VM_PROT_ALL,
				VM_INHERIT_COPY), KERN_INVALID_ADDRESS);
	CHECK_EQ(send_refs(self), send_refs(self));
	check_counts_back(baseline, "syscall_vm_map");
}

static void test_tasks(void)
{
	kernel_counts(baseline);
	mach_port_t child = MACH_PORT_NULL;
	CHECK_EQ(syscall_task_create(self, FALSE, &child), KERN_SUCCESS);
	CHECK(name_type(child) == MACH_PORT_TYPE_SEND, "task_create gave name 0x%x of type 0x%x", child, name_type(child));
	CHECK_EQ(syscall_task_suspend(child), KERN_SUCCESS);
	struct task_basic_info info;
	mach_msg_type_number_t n = TASK_BASIC_INFO_COUNT;
	CHECK_EQ(task_info(child, TASK_BASIC_INFO, (task_info_t)&info, &n), KERN_SUCCESS);
	CHECK_EQ(info.suspend_count, 1);

	/* The child's bootstrap port, copied from a send right of ours. */
	mach_port_t boot = MACH_PORT_NULL;
	CHECK_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &boot), KERN_SUCCESS);
	CHECK_EQ(mach_port_insert_right(self, boot, boot, MACH_MSG_TYPE_MAKE_SEND), KERN_SUCCESS);
	CHECK_EQ(syscall_task_set_special_port(child, TASK_BOOTSTRAP_PORT, boot), KERN_SUCCESS);
	CHECK_EQ(send_refs(boot), 1);                 /* copied, not moved */
	mach_port_t got = MACH_PORT_NULL;
	CHECK_EQ(task_get_special_port(child, TASK_BOOTSTRAP_PORT, &got), KERN_SUCCESS);
	CHECK_EQ(got, boot);
	CHECK_EQ(send_refs(boot), 2);
	mach_port_deallocate(self, got);
	/* Rights we do not hold, a slot that cannot be set: our right stays. */
	CHECK_EQ(syscall_task_set_special_port(child, TASK_BOOTSTRAP_PORT, receive_only), KERN_INVALID_RIGHT);
	CHECK_EQ(syscall_task_set_special_port(child, TASK_BOOTSTRAP_PORT, 0x7777), KERN_INVALID_NAME);
	CHECK_EQ(syscall_task_set_special_port(child, TASK_BOOTSTRAP_PORT, dead_name), KERN_INVALID_RIGHT);
	CHECK_EQ(syscall_task_set_special_port(child, TASK_KERNEL_PORT, boot), KERN_INVALID_ARGUMENT);
	CHECK_EQ(syscall_task_set_special_port(child, 99, boot), KERN_INVALID_ARGUMENT);
	CHECK_EQ(send_refs(boot), 1);
	CHECK_EQ(syscall_task_set_special_port(host, TASK_BOOTSTRAP_PORT, boot), KERN_INVALID_ARGUMENT);
	CHECK_EQ(send_refs(boot), 1);

	CHECK_EQ(syscall_task_terminate(child), KERN_SUCCESS);
	CHECK(name_type(child) & MACH_PORT_TYPE_DEAD_NAME, "the terminated task's name is type 0x%x", name_type(child));
	CHECK_EQ(syscall_task_suspend(child), MACH_SEND_INTERRUPTED);       /* now a dead name */
	CHECK_EQ(syscall_task_terminate(child), MACH_SEND_INTERRUPTED);
	mach_port_deallocate(self, child);
	mach_port_destroy(self, boot);

	for (int i = 0; i < 4; i++) {
		mach_port_t c = MACH_PORT_NULL;
		CHECK_EQ(syscall_task_create(bad_targets[i], FALSE, &c), MACH_SEND_INTERRUPTED);
		CHECK_EQ(syscall_task_terminate(bad_targets[i]), MACH_SEND_INTERRUPTED);
		CHECK_EQ(syscall_task_suspend(bad_targets[i]), MACH_SEND_INTERRUPTED);
		CHECK_EQ(syscall_task_set_special_port(bad_targets[i], TASK_BOOTSTRAP_PORT, MACH_PORT_NULL),
			 MACH_SEND_INTERRUPTED);
	}
	mach_port_t c = MACH_PORT_NULL;
	CHECK_EQ(syscall_task_create(host, FALSE, &c), KERN_INVALID_ARGUMENT);
	CHECK_EQ(syscall_task_suspend(host), KERN_INVALID_ARGUMENT);
	CHECK_EQ(syscall_task_terminate(host), KERN_INVALID_ARGUMENT);
	/* No task may be made when its name cannot be returned. */
	CHECK_EQ(syscall_task_create(self, TRUE, (mach_port_t *)KERNEL_ADDR), KERN_INVALID_ADDRESS);
	CHECK_EQ(syscall_task_create(self, TRUE, (mach_port_t *)readonly_page), KERN_INVALID_ADDRESS);
	check_counts_back(baseline, "syscall_task_*");
}

static void test_ports(void)
{
	kernel_counts(baseline);
	mach_port_t p = MACH_PORT_NULL;
	CHECK_EQ(syscall_mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &p), KERN_SUCCESS);
	CHECK_EQ(name_type(p), MACH_PORT_TYPE_RECEIVE);
	CHECK_EQ(syscall_mach_port_insert_right(self, p, p, MACH_MSG_TYPE_MAKE_SEND), KERN_SUCCESS);
	CHECK_EQ(name_type(p), MACH_PORT_TYPE_SEND_RECEIVE);
	CHECK_EQ(syscall_mach_port_insert_right(self, p, p, MACH_MSG_TYPE_MAKE_SEND), KERN_SUCCESS);
	CHECK_EQ(send_refs(p), 2);
	CHECK_EQ(syscall_mach_port_deallocate(self, p), KERN_SUCCESS);
	CHECK_EQ(send_refs(p), 1);
	/* Rights the caller does not have, dispositions that are none, names in use. */
	CHECK_EQ(syscall_mach_port_insert_right(self, 0x6000, dead_name, MACH_MSG_TYPE_COPY_SEND), KERN_INVALID_RIGHT);
	CHECK_EQ(syscall_mach_port_insert_right(self, 0x6000, 0x7777, MACH_MSG_TYPE_COPY_SEND), KERN_INVALID_NAME);
	CHECK_EQ(syscall_mach_port_insert_right(self, 0x6000, receive_only, MACH_MSG_TYPE_COPY_SEND), KERN_INVALID_RIGHT);
	CHECK_EQ(syscall_mach_port_insert_right(self, 0x6000, p, 99), KERN_INVALID_VALUE);
	CHECK_EQ(syscall_mach_port_insert_right(self, 0x6000, MACH_PORT_NULL, MACH_MSG_TYPE_COPY_SEND), KERN_INVALID_VALUE);
	CHECK_EQ(syscall_mach_port_insert_right(self, receive_only, p, MACH_MSG_TYPE_COPY_SEND), KERN_NAME_EXISTS);
	CHECK_EQ(send_refs(p), 1);                    /* the refused copy was given back */
	CHECK_EQ(name_type(0x6000), 0);
	/* Into another task's space: a send right to our port, at a name we choose. */
	mach_port_t child = MACH_PORT_NULL;
	CHECK_EQ(syscall_task_create(self, FALSE, &child), KERN_SUCCESS);
	CHECK_EQ(syscall_mach_port_insert_right(child, 0x6000, p, MACH_MSG_TYPE_MAKE_SEND), KERN_SUCCESS);
	mach_port_type_t t = 0;
	CHECK_EQ(mach_port_type(child, 0x6000, &t), KERN_SUCCESS);
	CHECK_EQ(t, MACH_PORT_TYPE_SEND);
	CHECK_EQ(syscall_mach_port_allocate_name(child, MACH_PORT_RIGHT_RECEIVE, 0x6001), KERN_SUCCESS);
	CHECK_EQ(syscall_mach_port_allocate_name(child, MACH_PORT_RIGHT_RECEIVE, 0x6001), KERN_NAME_EXISTS);
	CHECK_EQ(syscall_mach_port_allocate_name(child, MACH_PORT_RIGHT_RECEIVE, MACH_PORT_DEAD), KERN_INVALID_VALUE);
	CHECK_EQ(syscall_mach_port_allocate_name(child, 99, 0x6002), KERN_INVALID_VALUE);
	CHECK_EQ(syscall_mach_port_deallocate(child, 0x6000), KERN_SUCCESS);
	CHECK_EQ(mach_port_type(child, 0x6000, &t), KERN_INVALID_NAME);
	CHECK_EQ(syscall_task_terminate(child), KERN_SUCCESS);
	mach_port_deallocate(self, child);

	CHECK_EQ(syscall_mach_port_allocate(self, 99, &p), KERN_INVALID_VALUE);
	mach_port_t q = MACH_PORT_NULL;
	CHECK_EQ(syscall_mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, (mach_port_t *)KERNEL_ADDR), KERN_INVALID_ADDRESS);
	CHECK_EQ(syscall_mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, (mach_port_t *)readonly_page), KERN_INVALID_ADDRESS);
	CHECK_EQ(syscall_mach_port_deallocate(self, 0x7777), KERN_INVALID_NAME);
	CHECK_EQ(syscall_mach_port_deallocate(self, receive_only), KERN_INVALID_RIGHT);
	for (int i = 0; i < 4; i++) {
		CHECK_EQ(syscall_mach_port_allocate(bad_targets[i], MACH_PORT_RIGHT_RECEIVE, &q), MACH_SEND_INTERRUPTED);
		CHECK_EQ(syscall_mach_port_deallocate(bad_targets[i], p), MACH_SEND_INTERRUPTED);
		CHECK_EQ(syscall_mach_port_insert_right(bad_targets[i], 0x6000, p, MACH_MSG_TYPE_COPY_SEND),
			 MACH_SEND_INTERRUPTED);
		CHECK_EQ(syscall_mach_port_allocate_name(bad_targets[i], MACH_PORT_RIGHT_RECEIVE, 0x6000),
			 MACH_SEND_INTERRUPTED);
	}
	CHECK_EQ(syscall_mach_port_allocate(host, MACH_PORT_RIGHT_RECEIVE, &q), KERN_INVALID_TASK);
	CHECK_EQ(send_refs(p), 1);
	mach_port_destroy(self, p);
	check_counts_back(baseline, "syscall_mach_port_*");
}

static void test_thread_depress_abort(void)
{
	kernel_counts(baseline);
	mach_port_t me = mach_thread_self();
	CHECK_EQ(syscall_thread_depress_abort(me), KERN_SUCCESS);
	CHECK_EQ(syscall_thread_depress_abort(self), KERN_INVALID_ARGUMENT);    /* a task, not a thread */
	for (int i = 0; i < 4; i++)
		CHECK_EQ(syscall_thread_depress_abort(bad_targets[i]), MACH_SEND_INTERRUPTED);
	mach_port_deallocate(self, me);
	check_counts_back(baseline, "syscall_thread_depress_abort");
}

int main(void)
{
	self = mach_task_self();
	host = mach_host_self();
	setup();
	test_vm();
	test_tasks();
	test_ports();
	test_thread_depress_abort();
	printf("test-syscall-traps: the kernel is still running\n");
	return guest_summary("test-syscall-traps");
}
