/* test-hostile-uptr: user pointers that are not the task's to use. Every
 * trap argument and message field that is an address is tried with kernel
 * addresses (KERNBASE, the kernel image at 0xC0011000, the top page, a range
 * wrapping past 4 GiB) and with ranges crossing USER_TOP, and each gets an
 * error: mach_msg send and receive buffers, MACH_RCV_LARGE's size report
 * (also into a read-only page), the trap's own argument block, mach_print,
 * out-of-line data and port arrays, the vm_* calls. Then the 4 MiB page
 * attack: a task with physically contiguous memory at a 4 MiB boundary
 * writes page-table entries into it, which a kernel that walked the kernel
 * half's 4 MiB directory entries as page tables would follow; they must be
 * ignored (the probe: bytes of our own page read, or written, through a
 * kernel address). Kernel object counts return to their baseline. */
#include "guest-check.h"
#include <sm/traps.h>
#include <mach/vm_prot.h>
#include "mach.h"
#include "mach_port.h"
#include "gnumach.h"
#include "smhost.h"

#define PAGE     4096u
#define KERNBASE 0xC0000000u
#define USER_TOP 0xBFFFF000u
#define MiB      (1024u * 1024u)

static mach_port_t self, host, port;
static uint32_t baseline[4];

struct msg { mach_msg_header_t head; mach_msg_type_t type; uint32_t words[4]; };

static void make_msg(struct msg *m, uint32_t id)
{
	memset(m, 0, sizeof *m);
	m->head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0);
	m->head.msgh_size = sizeof *m;
	m->head.msgh_remote_port = port;
	m->head.msgh_id = id;
	m->type = (mach_msg_type_t){ MACH_MSG_TYPE_INTEGER_32, 32, 4, 1, 0, 0, 0 };
	for (int i = 0; i < 4; i++)
		m->words[i] = id * 16 + i;
}

static void queue_msg(uint32_t id)
{
	struct msg m;
	make_msg(&m, id);
	CHECK_EQ(mach_msg(&m.head, MACH_SEND_MSG, sizeof m, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL), MACH_MSG_SUCCESS);
}

/* The message queued on port is id, intact: a refused receive left it there. */
static void expect_queued(uint32_t id)
{
	struct msg m;
	memset(&m, 0, sizeof m);
	CHECK_EQ(mach_msg(&m.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof m, port, 0, MACH_PORT_NULL), MACH_MSG_SUCCESS);
	CHECK_EQ(m.head.msgh_id, id);
	CHECK_EQ(m.words[3], id * 16 + 3);
}

/* Addresses outside user space, or ranges of sizeof(struct msg) that leave it. */
static const uint32_t bad_addrs[] = { KERNBASE, 0xC0011000u, 0xFFFFF000u, 0xFFFFFFF0u, USER_TOP - 4, USER_TOP,
				      0xDFFFF000u, 0x10u };

static void test_mach_msg_buffers(void)
{
	kernel_counts(baseline);
	for (unsigned i = 0; i < sizeof bad_addrs / sizeof bad_addrs[0]; i++) {
		void *at = (void *)(uintptr_t)bad_addrs[i];
		mach_msg_return_t r = mach_msg(at, MACH_SEND_MSG, sizeof(struct msg), 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
		CHECK(r == MACH_SEND_INVALID_DATA, "send from %p: 0x%x", at, r);
		queue_msg(100 + i);
		r = mach_msg(at, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof(struct msg), port, 0, MACH_PORT_NULL);
		CHECK(r == MACH_RCV_INVALID_DATA, "receive into %p: 0x%x", at, r);
		/* Too small a buffer with MACH_RCV_LARGE: the size goes into msgh_size. */
		r = mach_msg(at, MACH_RCV_MSG | MACH_RCV_LARGE | MACH_RCV_TIMEOUT, 0, sizeof(mach_msg_header_t), port, 0,
			     MACH_PORT_NULL);
		CHECK(r == MACH_RCV_INVALID_DATA, "MACH_RCV_LARGE into %p: 0x%x", at, r);
		expect_queued(100 + i);
	}
	/* MACH_RCV_LARGE into a page of ours we may only read. */
	vm_address_t ro = 0;
	CHECK_EQ(vm_allocate(self, &ro, PAGE, TRUE), KERN_SUCCESS);
	memset((void *)ro, 0x5a, PAGE);
	CHECK_EQ(vm_protect(self, ro, PAGE, FALSE, VM_PROT_READ), KERN_SUCCESS);
	queue_msg(200);
	mach_msg_return_t r = mach_msg((mach_msg_header_t *)ro, MACH_RCV_MSG | MACH_RCV_LARGE | MACH_RCV_TIMEOUT, 0,
				       sizeof(mach_msg_header_t), port, 0, MACH_PORT_NULL);
	CHECK(r == MACH_RCV_INVALID_DATA, "MACH_RCV_LARGE into a read-only page: 0x%x", r);
	CHECK_EQ(((volatile uint32_t *)ro)[1], 0x5a5a5a5a);
	/* The same into a writable buffer: the size needed, and it stays queued. */
	struct msg small;
	memset(&small, 0, sizeof small);
	r = mach_msg(&small.head, MACH_RCV_MSG | MACH_RCV_LARGE | MACH_RCV_TIMEOUT, 0, sizeof small.head, port, 0,
		     MACH_PORT_NULL);
	CHECK_EQ(r, MACH_RCV_TOO_LARGE);
	CHECK_EQ(small.head.msgh_size, sizeof(struct msg));
	expect_queued(200);
	CHECK_EQ(vm_deallocate(self, ro, PAGE), KERN_SUCCESS);
	check_counts_back(baseline, "mach_msg with bad buffers");
}

/* A trap whose argument block (at esp + 4) lies at `args`. */
static uint32_t trap_with_args_at(int number, uint32_t args)
{
	uint32_t r;
	__asm__ volatile("movl %%esp, %%edi\n\tmovl %[at], %%esp\n\tlcall $7, $0\n\tmovl %%edi, %%esp"
			 : "=a"(r) : "a"(number), [at] "S"(args - 4) : "edi", "memory", "cc");
	return r;
}

static void test_trap_arguments(void)
{
	kernel_counts(baseline);
	static const uint32_t blocks[] = { KERNBASE, 0xC0011000u, 0xFFFFF000u, 0xFFFFFFFCu, USER_TOP - 8, USER_TOP, 0x100u };
	for (unsigned i = 0; i < sizeof blocks / sizeof blocks[0]; i++) {
		CHECK_EQ(trap_with_args_at(SMRT_TRAP_MACH_MSG, blocks[i]), KERN_INVALID_ADDRESS);
		if (blocks[i] != USER_TOP - 8)             /* 8 bytes of stack: one argument fits */
			CHECK_EQ(trap_with_args_at(SMRT_TRAP_MACH_PRINT, blocks[i]), KERN_INVALID_ADDRESS);
	}
	/* mach_print of strings in the kernel, or running into USER_TOP. */
	for (unsigned i = 0; i < sizeof bad_addrs / sizeof bad_addrs[0]; i++) {
		if (bad_addrs[i] == USER_TOP - 4)
			continue;                         /* a string on our stack: tried below */
		uint32_t frame[2] = { 0, bad_addrs[i] };
		CHECK_EQ(trap_with_args_at(SMRT_TRAP_MACH_PRINT, (uint32_t)&frame[1]), KERN_INVALID_ADDRESS);
	}
	volatile char *last = (volatile char *)(USER_TOP - 1);   /* the top byte of our stack */
	char saved = *last;
	*last = 'x';
	uint32_t frame[2] = { 0, USER_TOP - 1 };
	CHECK_EQ(trap_with_args_at(SMRT_TRAP_MACH_PRINT, (uint32_t)&frame[1]), KERN_INVALID_ADDRESS);
	*last = saved;
	check_counts_back(baseline, "traps with bad argument blocks");
}

/* mach_msg's seven argument words are read through the stack page's window
 * when they lie in one page the task may read (kern/syscall.c), and copied
 * in otherwise: a block crossing into the next page still works, and one in
 * a page the task cannot read, or crossing into one, is refused as before. */
static void test_trap_argument_pages(void)
{
	kernel_counts(baseline);
	vm_address_t a = 0;
	CHECK_EQ(vm_allocate(self, &a, 2 * PAGE, TRUE), KERN_SUCCESS);
	struct msg m;
	make_msg(&m, 300);
	uint32_t args[7] = { (uint32_t)&m.head, MACH_SEND_MSG, sizeof m, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL };
	/* Three words at the end of the first page, four at the start of the second. */
	uint32_t *across = (uint32_t *)(a + PAGE - 12);
	memcpy(across, args, sizeof args);
	CHECK_EQ(trap_with_args_at(SMRT_TRAP_MACH_MSG, (uint32_t)across), MACH_MSG_SUCCESS);
	expect_queued(300);
	/* All seven at the end of one page: the window's last bytes. */
	uint32_t *at_end = (uint32_t *)(a + PAGE - sizeof args);
	memcpy(at_end, args, sizeof args);
	m.head.msgh_id = 301;
	CHECK_EQ(trap_with_args_at(SMRT_TRAP_MACH_MSG, (uint32_t)at_end), MACH_MSG_SUCCESS);
	struct msg got;
	memset(&got, 0, sizeof got);
	CHECK_EQ(mach_msg(&got.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof got, port, 0, MACH_PORT_NULL),
		 MACH_MSG_SUCCESS);
	CHECK_EQ(got.head.msgh_id, 301);
	/* The second page unreadable: a block inside it, and one crossing into it. */
	memcpy((void *)(a + PAGE), args, sizeof args);
	CHECK_EQ(vm_protect(self, a + PAGE, PAGE, FALSE, VM_PROT_NONE), KERN_SUCCESS);
	CHECK_EQ(trap_with_args_at(SMRT_TRAP_MACH_MSG, a + PAGE), KERN_INVALID_ADDRESS);
	CHECK_EQ(trap_with_args_at(SMRT_TRAP_MACH_MSG, (uint32_t)across), KERN_INVALID_ADDRESS);
	CHECK_EQ(vm_deallocate(self, a, 2 * PAGE), KERN_SUCCESS);
	/* Nothing was sent by the refused ones. */
	CHECK_EQ(mach_msg(&got.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof got, port, 0, MACH_PORT_NULL),
		 MACH_RCV_TIMED_OUT);
	check_counts_back(baseline, "trap arguments across and inside protected pages");
}

#pragma pack(push, 4)
struct ool_msg { mach_msg_header_t head; mach_msg_type_long_t type; vm_offset_t data; };
#pragma pack(pop)

static void test_ool_and_vm(void)
{
	kernel_counts(baseline);
	for (unsigned i = 0; i < sizeof bad_addrs / sizeof bad_addrs[0]; i++) {
		for (int ports = 0; ports < 2; ports++) {
			struct ool_msg m;
			memset(&m, 0, sizeof m);
			m.head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0) | MACH_MSGH_BITS_COMPLEX;
			m.head.msgh_size = sizeof m;
			m.head.msgh_remote_port = port;
			m.type = (mach_msg_type_long_t){ { 0, 0, 0, 0, 1, 0, 0 }, ports ? MACH_MSG_TYPE_COPY_SEND : MACH_MSG_TYPE_BYTE,
							 ports ? 32 : 8, ports ? 4 : 64 };
			m.data = bad_addrs[i];
			mach_msg_return_t r = mach_msg(&m.head, MACH_SEND_MSG | MACH_SEND_TIMEOUT, sizeof m, 0, MACH_PORT_NULL, 0,
						       MACH_PORT_NULL);
			CHECK(r == MACH_SEND_INVALID_MEMORY, "out-of-line %s at 0x%x: 0x%x", ports ? "ports" : "data", bad_addrs[i], r);
		}
		vm_address_t a = bad_addrs[i] & ~(PAGE - 1);
		if (a >= PAGE && a < USER_TOP)
			continue;                         /* a page of user space (our stack's top) */
		pointer_t data = 0;
		mach_msg_type_number_t count = 0;
		static char page[PAGE];
		CHECK(vm_read(self, a, PAGE, &data, &count) != KERN_SUCCESS, "vm_read at 0x%x", a);
		CHECK(vm_write(self, a, (pointer_t)(uintptr_t)page, PAGE) != KERN_SUCCESS, "vm_write at 0x%x", a);
		CHECK(vm_protect(self, a, PAGE, FALSE, VM_PROT_ALL) != KERN_SUCCESS, "vm_protect at 0x%x", a);
		CHECK(vm_deallocate(self, a, PAGE) != KERN_SUCCESS, "vm_deallocate at 0x%x", a);
		CHECK(vm_allocate(self, &a, PAGE, FALSE) != KERN_SUCCESS, "vm_allocate at 0x%x", a);
	}
	check_counts_back(baseline, "out-of-line items and vm calls at bad addresses");
}

/* The 4 MiB page attack. Kernel address KERNBASE + pa lies in a directory
 * entry mapping the 4 MiB at pa; read as a page table, that entry's frame
 * is our page 0. Every fake PTE there points at our page 1. */
static void test_fake_page_table(void)
{
	kernel_counts(baseline);
	vm_address_t va = 0;
	rpc_phys_addr_t pa = 0;
	kern_return_t kr = vm_allocate_contiguous(host, self, &va, &pa, 2 * PAGE, 0, 0, 4 * MiB);
	if (kr != KERN_SUCCESS) {
		/* Contiguous memory may need the privileged host port: then no
		 * task of ours can plant the table, and the rest covers the path. */
		printf("test-hostile-uptr: vm_allocate_contiguous refused (0x%x): no fake page table\n", kr);
		CHECK(kr == KERN_INVALID_HOST || kr == KERN_RESOURCE_SHORTAGE, "vm_allocate_contiguous: 0x%x", kr);
		return;
	}
	CHECK_EQ(pa % (4 * MiB), 0);
	uint32_t *table = (uint32_t *)va, *target = (uint32_t *)(va + PAGE);
	for (int i = 0; i < 1024; i++) {
		table[i] = (uint32_t)(pa + PAGE) | 7;          /* present, writable, user */
		target[i] = 0x600d0000u + i;
	}
	/* Entry 0x11 of the fake table for the kernel image's page (1 MiB + 0x11000). */
	table[0x11] = 0x00111000u | 7;
	uint32_t kva = KERNBASE + (uint32_t)pa;
	/* Read: a message sent from the kernel address. */
	mach_msg_return_t r = mach_msg((mach_msg_header_t *)kva, MACH_SEND_MSG, sizeof(struct msg), 0, MACH_PORT_NULL, 0,
				       MACH_PORT_NULL);
	CHECK(r == MACH_SEND_INVALID_DATA, "send from the fake table's page: 0x%x", r);
	r = mach_msg((mach_msg_header_t *)(kva + 0x11000), MACH_SEND_MSG, sizeof(struct msg), 0, MACH_PORT_NULL, 0,
		     MACH_PORT_NULL);
	CHECK(r == MACH_SEND_INVALID_DATA, "send from the kernel image through the fake table: 0x%x", r);
	CHECK_EQ(trap_with_args_at(SMRT_TRAP_MACH_MSG, kva + 0x100), KERN_INVALID_ADDRESS);
	/* Write: MACH_RCV_LARGE's size report, and a whole receive. */
	queue_msg(300);
	r = mach_msg((mach_msg_header_t *)kva, MACH_RCV_MSG | MACH_RCV_LARGE | MACH_RCV_TIMEOUT, 0,
		     sizeof(mach_msg_header_t), port, 0, MACH_PORT_NULL);
	CHECK(r == MACH_RCV_INVALID_DATA, "MACH_RCV_LARGE through the fake table: 0x%x", r);
	r = mach_msg((mach_msg_header_t *)kva, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof(struct msg), port, 0,
		     MACH_PORT_NULL);
	CHECK(r == MACH_RCV_INVALID_DATA, "receive through the fake table: 0x%x", r);
	int intact = 1;
	for (int i = 0; i < 1024; i++)
		intact &= target[i] == 0x600d0000u + i;
	CHECK(intact, "a kernel write landed in our page through the fake table");
	expect_queued(300);
	CHECK_EQ(vm_deallocate(self, va, 2 * PAGE), KERN_SUCCESS);
	check_counts_back(baseline, "the fake page table");
}

int main(void)
{
	self = mach_task_self();
	host = mach_host_self();
	CHECK_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &port), KERN_SUCCESS);
	test_mach_msg_buffers();
	test_trap_arguments();
	test_trap_argument_pages();
	test_ool_and_vm();
	test_fake_page_table();
	mach_port_destroy(self, port);
	printf("test-hostile-uptr: the kernel is still running\n");
	return guest_summary("test-hostile-uptr");
}
