/* test-vm: the virtual memory calls on this task's own map — vm_allocate
 * anywhere and fixed, overlaps, partial deallocation, vm_protect (with a
 * helper task, tests/vm-fault-task, that writes to a read-only page and must
 * be killed), vm_inherit, vm_region, vm_read/vm_write/vm_copy, the task's
 * page limit, vm_allocate_contiguous, bad arguments, the runtime's heap
 * growing through vm_allocate, and no kernel memory left behind. */
#include "guest-check.h"
#include <sm/traps.h>
#include <mach/vm_prot.h>
#include <mach/vm_inherit.h>
#include <mach/mig_support.h>
#include "mach.h"
#include "gnumach.h"
#include "mach_port.h"
#include "mach_host.h"
#include "smhost.h"

#define PAGE 4096u
#define MiB (1024u * 1024u)
#define FIXED 0x20000000u

static mach_port_t self;

struct region { vm_address_t start; vm_size_t size; vm_prot_t prot, max; vm_inherit_t inherit; };

static kern_return_t region(vm_address_t addr, struct region *r)
{
	boolean_t shared;
	mach_port_t object;
	vm_offset_t offset;
	r->start = addr;
	return vm_region(self, &r->start, &r->size, &r->prot, &r->max, &r->inherit, &shared, &object, &offset);
}

static int all_equal(const uint8_t *p, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return 0;
	return 1;
}

static void test_anywhere(void)
{
	vm_address_t a = 0, b = 0, c = 0;
	CHECK_EQ(vm_allocate(self, &a, 3 * PAGE, TRUE), KERN_SUCCESS);
	CHECK(a >= 0x1000 && a < 0xC0000000u && a % PAGE == 0, "anywhere at %x", a);
	CHECK(all_equal((uint8_t *)a, 3 * PAGE, 0), "fresh memory is not zero");
	memset((void *)a, 0x5a, 3 * PAGE);
	CHECK(all_equal((uint8_t *)a, 3 * PAGE, 0x5a), "memory does not keep what was written");
	struct region r;
	CHECK_EQ(region(a, &r), KERN_SUCCESS);
	CHECK(r.start <= a && r.start + r.size >= a + 3 * PAGE, "region %x+%x", r.start, r.size);
	CHECK_EQ(r.prot, VM_PROT_DEFAULT);
	CHECK_EQ(r.max, VM_PROT_ALL);
	CHECK_EQ(r.inherit, VM_INHERIT_COPY);
	CHECK_EQ(vm_allocate(self, &b, PAGE, TRUE), KERN_SUCCESS);
	CHECK(b >= a + 3 * PAGE || b + PAGE <= a, "second allocation %x overlaps %x", b, a);
	CHECK_EQ(vm_allocate(self, &c, 100, TRUE), KERN_SUCCESS);         /* rounded to a page */
	((volatile uint8_t *)c)[PAGE - 1] = 1;
	CHECK_EQ(vm_deallocate(self, a, 3 * PAGE), KERN_SUCCESS);
	CHECK_EQ(vm_deallocate(self, b, PAGE), KERN_SUCCESS);
	CHECK_EQ(vm_deallocate(self, c, 100), KERN_SUCCESS);
	CHECK_EQ(vm_read(self, a, 1, &(pointer_t){ 0 }, &(mach_msg_type_number_t){ 0 }), KERN_INVALID_ADDRESS);
}

static void test_fixed(void)
{
	vm_address_t f = FIXED, g;
	CHECK_EQ(vm_allocate(self, &f, 4 * PAGE, FALSE), KERN_SUCCESS);
	CHECK_EQ(f, FIXED);
	g = FIXED + 3 * PAGE;
	CHECK_EQ(vm_allocate(self, &g, 2 * PAGE, FALSE), KERN_NO_SPACE);
	g = FIXED - PAGE;
	CHECK_EQ(vm_allocate(self, &g, 2 * PAGE, FALSE), KERN_NO_SPACE);
	g = FIXED;
	CHECK_EQ(vm_allocate(self, &g, PAGE, FALSE), KERN_NO_SPACE);
	g = FIXED + 4 * PAGE;                                               /* adjacent is fine */
	CHECK_EQ(vm_allocate(self, &g, PAGE, FALSE), KERN_SUCCESS);
	CHECK_EQ(vm_deallocate(self, g, PAGE), KERN_SUCCESS);
	for (int i = 0; i < 4; i++)
		memset((void *)(FIXED + i * PAGE), 'a' + i, PAGE);

	/* Deallocating the middle splits the region. */
	CHECK_EQ(vm_deallocate(self, FIXED + PAGE, 2 * PAGE), KERN_SUCCESS);
	struct region r;
	CHECK_EQ(region(FIXED, &r), KERN_SUCCESS);
	CHECK(r.start == FIXED && r.size == PAGE, "first part %x+%x", r.start, r.size);
	CHECK_EQ(region(FIXED + PAGE, &r), KERN_SUCCESS);
	CHECK(r.start == FIXED + 3 * PAGE && r.size == PAGE, "second part %x+%x", r.start, r.size);
	CHECK(all_equal((uint8_t *)FIXED, PAGE, 'a') && all_equal((uint8_t *)(FIXED + 3 * PAGE), PAGE, 'd'),
	      "data around the hole");
	g = FIXED + PAGE;
	CHECK_EQ(vm_allocate(self, &g, 2 * PAGE, FALSE), KERN_SUCCESS);   /* the hole is free again */
	CHECK(all_equal((uint8_t *)g, 2 * PAGE, 0), "refilled hole is not zero");
	CHECK_EQ(vm_deallocate(self, FIXED, 4 * PAGE), KERN_SUCCESS);
	CHECK_EQ(vm_deallocate(self, FIXED, 4 * PAGE), KERN_SUCCESS);      /* already free: fine */
	CHECK_EQ(region(FIXED, &r), KERN_SUCCESS);
	CHECK(r.start >= FIXED + 4 * PAGE, "region %x after deallocation", r.start);

	/* The boot loader's regions: the program at 0x400000, the stack below 0xBFFFF000. */
	CHECK_EQ(region(0, &r), KERN_SUCCESS);
	CHECK_EQ(r.start, 0x400000);
	CHECK(r.prot & VM_PROT_READ, "text prot %d", r.prot);
	int local;
	CHECK_EQ(region((vm_address_t)&local, &r), KERN_SUCCESS);
	CHECK(r.start <= (vm_address_t)&local && r.start + r.size == 0xBFFFF000u, "stack %x+%x", r.start, r.size);
	g = 0x400000;
	CHECK_EQ(vm_allocate(self, &g, PAGE, FALSE), KERN_NO_SPACE);
	g = 0xBFFFE000u;
	CHECK_EQ(vm_allocate(self, &g, PAGE, FALSE), KERN_NO_SPACE);
	vm_address_t top = 0xBFFFF000u;
	CHECK_EQ(vm_region(self, &top, &r.size, &r.prot, &r.max, &r.inherit, &(boolean_t){ 0 },
			   &(mach_port_t){ 0 }, &(vm_offset_t){ 0 }), KERN_NO_SPACE);
}

static void test_protect(void)
{
	vm_address_t a = 0;
	CHECK_EQ(vm_allocate(self, &a, 2 * PAGE, TRUE), KERN_SUCCESS);
	memset((void *)a, 'x', 2 * PAGE);
	CHECK_EQ(vm_protect(self, a, 2 * PAGE, FALSE, VM_PROT_READ), KERN_SUCCESS);
	struct region r;
	CHECK_EQ(region(a, &r), KERN_SUCCESS);
	CHECK(r.start == a && r.size == 2 * PAGE && r.prot == VM_PROT_READ, "read-only %x+%x %d", r.start, r.size, r.prot);
	CHECK_EQ(((volatile char *)a)[PAGE], 'x');                         /* still readable */
	static char data[300];
	memset(data, 'y', sizeof data);
	CHECK_EQ(vm_write(self, a + 10, (pointer_t)(data), sizeof data), KERN_PROTECTION_FAILURE);
	/* The kernel will not receive a message into it either. */
	mach_port_t p = mach_reply_port();
	mach_msg_header_t h = { 0 };
	h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0);
	h.msgh_size = sizeof h;
	h.msgh_remote_port = p;
	CHECK_EQ(mach_msg(&h, MACH_SEND_MSG, sizeof h, 0, 0, 0, 0), MACH_MSG_SUCCESS);
	CHECK_EQ(mach_msg((void *)a, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof h, p, 0, 0), MACH_RCV_INVALID_DATA);
	CHECK_EQ(mach_msg(&h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof h, p, 0, 0), MACH_MSG_SUCCESS);
	CHECK_EQ(mach_port_destroy(self, p), KERN_SUCCESS);
	CHECK_EQ(vm_protect(self, a, 2 * PAGE, FALSE, VM_PROT_DEFAULT), KERN_SUCCESS);
	((volatile char *)a)[5] = 'z';
	CHECK_EQ(vm_write(self, a + 10, (pointer_t)(data), sizeof data), KERN_SUCCESS);
	CHECK(((char *)a)[5] == 'z' && all_equal((uint8_t *)a + 10, sizeof data, 'y'), "written");

	/* Lowering the maximum lowers the current protection and caps later ones. */
	CHECK_EQ(vm_protect(self, a, 2 * PAGE, TRUE, VM_PROT_READ), KERN_SUCCESS);
	CHECK_EQ(region(a, &r), KERN_SUCCESS);
	CHECK(r.max == VM_PROT_READ && r.prot == VM_PROT_READ, "max %d prot %d", r.max, r.prot);
	CHECK_EQ(vm_protect(self, a, PAGE, FALSE, VM_PROT_DEFAULT), KERN_PROTECTION_FAILURE);

	/* Protecting part of a region splits it; no access hides it from the kernel. */
	vm_address_t c = 0;
	CHECK_EQ(vm_allocate(self, &c, 3 * PAGE, TRUE), KERN_SUCCESS);
	CHECK_EQ(vm_protect(self, c + PAGE, PAGE, FALSE, VM_PROT_NONE), KERN_SUCCESS);
	CHECK_EQ(region(c, &r), KERN_SUCCESS);
	CHECK(r.size == PAGE && r.prot == VM_PROT_DEFAULT, "first %x %d", r.size, r.prot);
	CHECK_EQ(region(c + PAGE, &r), KERN_SUCCESS);
	CHECK(r.start == c + PAGE && r.size == PAGE && r.prot == VM_PROT_NONE, "middle %x+%x %d", r.start, r.size, r.prot);
	pointer_t out;
	mach_msg_type_number_t n;
	CHECK_EQ(vm_read(self, c + PAGE, 16, &out, &n), KERN_INVALID_ADDRESS);
	CHECK_EQ(vm_protect(self, c + PAGE, PAGE, FALSE, VM_PROT_DEFAULT), KERN_SUCCESS);
	CHECK_EQ(region(c, &r), KERN_SUCCESS);
	CHECK(r.start == c && r.size == 3 * PAGE, "merged again %x+%x", r.start, r.size);
	CHECK_EQ(vm_protect(self, 0x30000000u, PAGE, FALSE, VM_PROT_READ), KERN_INVALID_ADDRESS);
	CHECK_EQ(vm_protect(self, c, 4 * PAGE, FALSE, VM_PROT_READ), KERN_INVALID_ADDRESS);
	CHECK_EQ(vm_protect(self, c, PAGE, FALSE, 0x10), KERN_INVALID_ARGUMENT);
	CHECK_EQ(vm_inherit(self, c, 3 * PAGE, VM_INHERIT_NONE), KERN_SUCCESS);
	CHECK_EQ(region(c, &r), KERN_SUCCESS);
	CHECK_EQ(r.inherit, VM_INHERIT_NONE);
	CHECK_EQ(vm_inherit(self, c, PAGE, 7), KERN_INVALID_ARGUMENT);
	CHECK_EQ(vm_deallocate(self, a, 2 * PAGE), KERN_SUCCESS);           /* read-only memory goes too */
	CHECK_EQ(vm_deallocate(self, c, 3 * PAGE), KERN_SUCCESS);
}

static void test_read_write_copy(void)
{
	vm_address_t a = 0, b = 0;
	CHECK_EQ(vm_allocate(self, &a, 3 * PAGE, TRUE), KERN_SUCCESS);
	CHECK_EQ(vm_allocate(self, &b, 3 * PAGE, TRUE), KERN_SUCCESS);
	for (unsigned i = 0; i < 3 * PAGE; i++)
		((uint8_t *)a)[i] = (uint8_t)(i * 7 + 3);
	pointer_t data = 0;
	mach_msg_type_number_t n = 0;
	CHECK_EQ(vm_read(self, a + 10, 5000, &data, &n), KERN_SUCCESS);
	CHECK_EQ(n, 5000);
	uint8_t *d = ((uint8_t *)(data));
	CHECK(d && memcmp(d, (uint8_t *)a + 10, 5000) == 0, "vm_read data differs");
	vm_deallocate(self, (vm_address_t)d, n);
	CHECK_EQ(vm_read(self, a, 0, &data, &n), KERN_SUCCESS);
	CHECK(data == 0 && n == 0, "empty read %llx %u", (unsigned long long)data, n);
	CHECK_EQ(vm_read(self, 0x30000000u, 10, &data, &n), KERN_INVALID_ADDRESS);
	CHECK_EQ(vm_read(self, b + 2 * PAGE, 2 * PAGE, &data, &n), KERN_INVALID_ADDRESS);   /* runs past b */
	CHECK_EQ(vm_read(self, 0xC0000000u, 10, &data, &n), KERN_INVALID_ADDRESS);
	CHECK_EQ(vm_read(self, a, 0x7FFFFFFF, &data, &n), KERN_INVALID_ARGUMENT);
	static uint8_t buf[PAGE + 300];
	memset(buf, 0xee, sizeof buf);
	CHECK_EQ(vm_write(self, b + 100, (pointer_t)(buf), sizeof buf), KERN_SUCCESS);
	CHECK(all_equal((uint8_t *)b + 100, sizeof buf, 0xee) && ((uint8_t *)b)[99] == 0 &&
	      ((uint8_t *)b)[100 + sizeof buf] == 0, "vm_write result");
	CHECK_EQ(vm_write(self, 0x30000000u, (pointer_t)(buf), 10), KERN_INVALID_ADDRESS);
	CHECK_EQ(vm_copy(self, a, 2 * PAGE, b + PAGE), KERN_SUCCESS);
	CHECK(memcmp((uint8_t *)b + PAGE, (uint8_t *)a, 2 * PAGE) == 0, "vm_copy result");
	CHECK_EQ(vm_copy(self, a, 2 * PAGE, 0x30000000u), KERN_INVALID_ADDRESS);
	CHECK_EQ(vm_copy(self, b, 4 * PAGE, a), KERN_INVALID_ADDRESS);
	vm_deallocate(self, a, 3 * PAGE);
	vm_deallocate(self, b, 3 * PAGE);
}

/* vm_allocate reserves address space, so far more than the task's limit of
 * 64 MiB of pages fits; the limit holds when pages are backed: vm_wire of
 * the whole range stops at it, and every frame goes back with the range. */
static void test_limits(void)
{
	natural_t free0, free1, heap, ports, ool;
	vm_address_t a = 0;
	CHECK_EQ(sm_kernel_stats(mach_host_self(), &free0, &heap, &ports, &ool), KERN_SUCCESS);
	CHECK_EQ(vm_allocate(self, &a, 128 * MiB, TRUE), KERN_SUCCESS);
	((volatile uint8_t *)a)[0] = 1;
	((volatile uint8_t *)a)[128 * MiB - 1] = 2;
	CHECK_EQ(vm_wire(smrt_host_priv_port(), self, a, 128 * MiB, VM_PROT_READ | VM_PROT_WRITE),
		 KERN_RESOURCE_SHORTAGE);
	CHECK_EQ(((volatile uint8_t *)a)[0], 1);
	CHECK_EQ(((volatile uint8_t *)a)[128 * MiB - 1], 2);
	CHECK_EQ(vm_deallocate(self, a, 128 * MiB), KERN_SUCCESS);
	CHECK_EQ(sm_kernel_stats(mach_host_self(), &free1, &heap, &ports, &ool), KERN_SUCCESS);
	/* The page tables of the range stay with the task (freed with it).
	 * More free pages than before is no leak: the fault tasks booted beside
	 * this test may die, and give theirs back, while it runs. */
	CHECK(free1 + 40 >= free0, "free pages %u -> %u", free0, free1);
}

static void test_contiguous(void)
{
	mach_port_t host = smrt_host_priv_port();     /* only the privileged host port will do */
	vm_address_t va = 0;
	rpc_phys_addr_t pa = 0;
	CHECK_EQ(vm_allocate_contiguous(mach_host_self(), self, &va, &pa, PAGE, 0, 0, 0), KERN_INVALID_HOST);
	CHECK_EQ(vm_allocate_contiguous(host, self, &va, &pa, 64 * 1024, 0, 0, 0), KERN_SUCCESS);
	CHECK(va && va % PAGE == 0, "va %x", va);
	CHECK(pa >= MiB && pa % PAGE == 0 && pa + 64 * 1024 <= 256ull * MiB, "pa %llx", (unsigned long long)pa);
	CHECK(all_equal((uint8_t *)va, 64 * 1024, 0), "contiguous memory is not zero");
	memset((void *)va, 0x77, 64 * 1024);
	CHECK_EQ(vm_deallocate(self, va, 64 * 1024), KERN_SUCCESS);
	CHECK_EQ(vm_allocate_contiguous(host, self, &va, &pa, 3 * PAGE, 0, 0, 64 * 1024), KERN_SUCCESS);
	CHECK(pa % (64 * 1024) == 0, "64 KiB aligned pa %llx", (unsigned long long)pa);
	CHECK_EQ(vm_deallocate(self, va, 3 * PAGE), KERN_SUCCESS);
	CHECK_EQ(vm_allocate_contiguous(host, self, &va, &pa, PAGE, 0, 0x100000, 0), KERN_RESOURCE_SHORTAGE);
	CHECK_EQ(vm_allocate_contiguous(host, self, &va, &pa, 0, 0, 0, 0), KERN_INVALID_ARGUMENT);
	CHECK_EQ(vm_allocate_contiguous(host, self, &va, &pa, 1024 * MiB, 0, 0, 0), KERN_INVALID_ARGUMENT);
	CHECK_EQ(vm_allocate_contiguous(host, self, &va, &pa, PAGE, 0, 0, 3 * PAGE), KERN_INVALID_ARGUMENT);
	CHECK_EQ(vm_allocate_contiguous(host, self, &va, &pa, PAGE, 0x200000, 0x100000, 0), KERN_INVALID_ARGUMENT);
	CHECK_EQ(vm_allocate_contiguous(self, self, &va, &pa, PAGE, 0, 0, 0), KERN_INVALID_HOST);
	CHECK_EQ(vm_allocate_contiguous(host, host, &va, &pa, PAGE, 0, 0, 0), KERN_INVALID_TASK);
}

static void test_bad_arguments(void)
{
	vm_address_t a = 0;
	CHECK_EQ(vm_allocate(self, &a, 0, TRUE), KERN_INVALID_ARGUMENT);
	CHECK_EQ(vm_allocate(self, &a, 0xFFFFF000u, TRUE), KERN_INVALID_ARGUMENT);
	a = FIXED + 16;
	CHECK_EQ(vm_allocate(self, &a, PAGE, FALSE), KERN_INVALID_ARGUMENT);
	a = 0xC0000000u;
	CHECK_EQ(vm_allocate(self, &a, PAGE, FALSE), KERN_INVALID_ADDRESS);
	a = 0;
	CHECK_EQ(vm_allocate(self, &a, PAGE, FALSE), KERN_INVALID_ADDRESS);    /* page 0 */
	a = 0xBFFF0000u;
	CHECK_EQ(vm_allocate(self, &a, 0x20000, FALSE), KERN_INVALID_ADDRESS);
	CHECK_EQ(vm_allocate(mach_host_self(), &a, PAGE, TRUE), KERN_INVALID_ARGUMENT);
	CHECK_EQ(vm_allocate(MACH_PORT_NULL, &a, PAGE, TRUE), MACH_SEND_INVALID_DEST);
	CHECK_EQ(vm_deallocate(self, 0xC0000000u, PAGE), KERN_INVALID_ADDRESS);
	CHECK_EQ(vm_deallocate(self, FIXED + 1, PAGE), KERN_INVALID_ARGUMENT);
	CHECK_EQ(vm_deallocate(self, 0x1000, 0xFFFFF000u), KERN_INVALID_ADDRESS);
	CHECK_EQ(vm_deallocate(self, FIXED + 1, 0), KERN_SUCCESS);
	CHECK_EQ(vm_deallocate(mach_host_self(), FIXED, PAGE), KERN_INVALID_ARGUMENT);
	CHECK_EQ(vm_protect(mach_host_self(), FIXED, PAGE, FALSE, VM_PROT_READ), KERN_INVALID_ARGUMENT);
}

static void test_runtime(void)
{
	struct smrt_heap_stats before, after;
	smrt_heap_stats(&before);
	uint8_t *big = malloc(3 * MiB);                     /* more than the 1 MiB .bss arena */
	CHECK(big != NULL, "malloc(3 MiB)");
	if (big) {
		memset(big, 0x33, 3 * MiB);
		CHECK(all_equal(big, 3 * MiB, 0x33), "heap memory");
	}
	free(big);
	void *small[64];
	for (int i = 0; i < 64; i++)
		small[i] = malloc(40000);
	for (int i = 0; i < 64; i++) {
		CHECK(small[i] != NULL, "malloc %d", i);
		free(small[i]);
	}
	smrt_heap_stats(&after);
	CHECK(after.arena_bytes > before.arena_bytes, "arena %u -> %u", (unsigned)before.arena_bytes,
	      (unsigned)after.arena_bytes);
	CHECK_EQ(smrt_heap_check(), 0);
	vm_address_t m = 0;
	mig_allocate(&m, 10000);
	CHECK(m && m % PAGE == 0, "mig_allocate %x", m);
	if (m)
		memset((void *)m, 1, 10000);
	mig_deallocate(m, 10000);
}

static void suite(void)
{
	test_anywhere();
	test_fixed();
	test_protect();
	test_read_write_copy();
	test_limits();
	test_contiguous();
	test_bad_arguments();
}

int main(void)
{
	self = mach_task_self();
	natural_t b[4], a[4];
	suite();
	CHECK_EQ(sm_kernel_stats(mach_host_self(), &b[0], &b[1], &b[2], &b[3]), KERN_SUCCESS);
	suite();
	CHECK_EQ(sm_kernel_stats(mach_host_self(), &a[0], &a[1], &a[2], &a[3]), KERN_SUCCESS);
	printf("test-vm: kernel after a second run: free pages %u -> %u, heap %u -> %u bytes\n", b[0], a[0], b[1], a[1]);
	CHECK_EQ(a[0], b[0]);
	CHECK_EQ(a[1], b[1]);
	test_runtime();
	return guest_summary("test-vm");
}
