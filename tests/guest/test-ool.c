/* test-ool: out-of-line memory and port arrays in messages sent to a port of
 * this task: sizes from 1 byte to 4 MiB, aligned and unaligned, moved (page
 * aligned with deallocate) and copied, contents checked byte for byte; the
 * sender's range after deallocate; port arrays; the errors a bad item must
 * give; messages destroyed unreceived; a receiver with no room left
 * (MACH_RCV_BODY_ERROR); OOL in the kernel's replies (task_threads,
 * vm_read); random items; and a leak check over repeated runs
 * (sm_kernel_stats). */
#include "guest-check.h"
#include <sm/traps.h>
#include <mach/mig_errors.h>
#include <mach/vm_prot.h>
#include "mach.h"
#include "mach_port.h"
#include "smhost.h"

#define PAGE 4096u
#define ROUND(x) (((x) + PAGE - 1) & ~(PAGE - 1))

#pragma pack(push, 4)
struct ool_msg {
	mach_msg_header_t head;
	mach_msg_type_long_t type;
	vm_offset_t data;
};
struct ool2_msg {
	mach_msg_header_t head;
	mach_msg_type_long_t type1;
	vm_offset_t data1;
	mach_msg_type_long_t type2;
	vm_offset_t data2;
};
#pragma pack(pop)

static mach_port_t port;             /* receive right; messages go here */

static mach_msg_type_long_t ool_type(uint32_t name, uint32_t bits, uint32_t number, int dealloc)
{
	mach_msg_type_long_t t = { { 0, 0, 0, 0, 1, dealloc, 0 }, name, bits, number };
	return t;
}

static void make_msg(struct ool_msg *m, uint32_t name, uint32_t bits, uint32_t number, vm_offset_t slot, int dealloc)
{
	memset(m, 0, sizeof *m);
	m->head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0) | MACH_MSGH_BITS_COMPLEX;
	m->head.msgh_size = sizeof *m;
	m->head.msgh_remote_port = port;
	m->head.msgh_id = 500;
	m->type = ool_type(name, bits, number, dealloc);
	m->data = slot;
}

static mach_msg_return_t send(void *m, uint32_t size)
{
	return mach_msg(m, MACH_SEND_MSG | MACH_SEND_TIMEOUT, size, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
}

static mach_msg_return_t receive(void *m, uint32_t size)
{
	return mach_msg(m, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, size, port, 0, MACH_PORT_NULL);
}

static uint8_t pattern(uint32_t i, uint32_t seed) { return (uint8_t)(i * 131u + (i >> 12) * 7u + seed); }

static vm_address_t alloc(vm_size_t size)
{
	vm_address_t a = 0;
	kern_return_t kr = vm_allocate(mach_task_self(), &a, size, TRUE);
	CHECK_EQ(kr, KERN_SUCCESS);
	return kr == KERN_SUCCESS ? a : 0;
}

static int nothing_queued(void)
{
	struct ool2_msg r;
	return receive(&r, sizeof r) == MACH_RCV_TIMED_OUT;
}

/* Send size bytes from offset `off` of a fresh buffer, receive, compare. */
static void round_trip(uint32_t size, uint32_t off, int dealloc, uint64_t *ns)
{
	static uint32_t seed;
	seed += 17;
	vm_size_t bufsize = ROUND(off + size);
	vm_address_t buf = alloc(bufsize);
	if (!buf)
		return;
	uint8_t *src = (uint8_t *)buf + off;
	for (uint32_t i = 0; i < size; i++)
		src[i] = pattern(i, seed);
	struct ool_msg m, r;
	make_msg(&m, MACH_MSG_TYPE_BYTE, 8, size, (vm_offset_t)(src), dealloc);
	uint64_t t0 = 0, t1 = 0;
	sm_host_uptime(mach_host_self(), &t0);
	CHECK_EQ(send(&m, sizeof m), MACH_MSG_SUCCESS);
	memset(&r, 0, sizeof r);
	CHECK_EQ(receive(&r, sizeof r), MACH_MSG_SUCCESS);
	sm_host_uptime(mach_host_self(), &t1);
	if (ns)
		*ns = t1 - t0;
	CHECK_EQ(r.head.msgh_id, 500);
	CHECK_EQ(r.type.msgtl_number, size);
	CHECK(!r.type.msgtl_header.msgt_inline && r.type.msgtl_name == MACH_MSG_TYPE_BYTE, "type");
	uint8_t *dst = ((uint8_t *)(r.data));
	CHECK(dst && ((uintptr_t)dst & (PAGE - 1)) == 0, "received at %p", dst);
	uint32_t bad = 0;
	for (uint32_t i = 0; dst && i < size; i++)
		if (dst[i] != pattern(i, seed) && bad++ == 0)
			printf("size %u off %u: byte %u is %02x, expected %02x\n", size, off, i, dst[i], pattern(i, seed));
	CHECK(bad == 0, "size %u off %u dealloc %d: %u bytes differ", size, off, dealloc, bad);
	for (uint32_t i = size; dst && i < ROUND(size); i++)
		if (dst[i] && bad++ == 0)
			printf("size %u off %u: byte %u past the data is %02x\n", size, off, i, dst[i]);
	CHECK(bad == 0, "size %u: tail of the last page not zero", size);
	if (dst && size) {
		dst[0] ^= 0xff;                          /* the receiver's copy is writable */
		CHECK(dealloc || src[0] == pattern(0, seed), "sender's data changed");
		CHECK_EQ(vm_deallocate(mach_task_self(), (vm_address_t)dst, size), KERN_SUCCESS);
	}
	if (dealloc) {
		/* The sender's pages are gone: the exact range can be allocated again. */
		vm_address_t again = buf;
		CHECK_EQ(vm_allocate(mach_task_self(), &again, bufsize, FALSE), KERN_SUCCESS);
	} else {
		uint32_t changed = 0;
		for (uint32_t i = 0; i < size; i++)
			changed += src[i] != pattern(i, seed);
		CHECK(changed == 0, "sender's buffer changed in %u bytes", changed);
	}
	CHECK_EQ(vm_deallocate(mach_task_self(), buf, bufsize), KERN_SUCCESS);
}

static void test_sizes(int verbose)
{
	static const uint32_t sizes[] = { 1, 100, 4095, 4096, 4097, 65536, 1u << 20, 4u << 20 };
	static const uint32_t offsets[] = { 0, 100, 1, 4095 };
	for (unsigned s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
		for (unsigned o = 0; o < (sizes[s] >= (1u << 20) ? 2 : 4); o++)
			for (int d = 0; d <= 1; d++) {
				uint64_t ns = 0;
				round_trip(sizes[s], offsets[o], d, &ns);
				if (verbose && sizes[s] == (4u << 20) && o == 0)
					printf("test-ool: 4 MiB round trip (%s): %u us\n", d ? "moved" : "copied",
					       (unsigned)(ns / 1000));
			}
}

/* Zero-length items: the receiver gets address 0 whatever was sent. */
static void test_empty(void)
{
	struct ool_msg m, r;
	make_msg(&m, MACH_MSG_TYPE_BYTE, 8, 0, 0x12345678ull, 1);
	CHECK_EQ(send(&m, sizeof m), MACH_MSG_SUCCESS);
	CHECK_EQ(receive(&r, sizeof r), MACH_MSG_SUCCESS);
	CHECK_EQ(r.data, 0);
	CHECK_EQ(r.type.msgtl_number, 0);
	make_msg(&m, MACH_MSG_TYPE_COPY_SEND, 32, 0, 0xC0000000ull, 0);
	CHECK_EQ(send(&m, sizeof m), MACH_MSG_SUCCESS);
	CHECK_EQ(receive(&r, sizeof r), MACH_MSG_SUCCESS);
	CHECK_EQ(r.data, 0);
}

static void test_port_arrays(void)
{
	mach_port_t a = mach_reply_port(), b = mach_reply_port();
	mach_port_t names[5] = { a, b, MACH_PORT_NULL, a, MACH_PORT_DEAD };
	struct ool_msg m, r;
	make_msg(&m, MACH_MSG_TYPE_MAKE_SEND, 32, 5, (vm_offset_t)(names), 0);
	CHECK_EQ(send(&m, sizeof m), MACH_MSG_SUCCESS);
	CHECK_EQ(receive(&r, sizeof r), MACH_MSG_SUCCESS);
	CHECK_EQ(r.type.msgtl_name, MACH_MSG_TYPE_PORT_SEND);
	CHECK_EQ(r.type.msgtl_number, 5);
	mach_port_t *got = ((mach_port_t *)(r.data));
	CHECK(got != NULL && got != names, "array at %p", got);
	if (got) {
		CHECK_EQ(got[0], a);                     /* send rights join the receive right's name */
		CHECK_EQ(got[1], b);
		CHECK_EQ(got[2], MACH_PORT_NULL);
		CHECK_EQ(got[3], a);
		CHECK_EQ(got[4], MACH_PORT_DEAD);
		vm_deallocate(mach_task_self(), (vm_address_t)got, 5 * sizeof *got);
	}
	/* The received send rights work. */
	mach_msg_header_t h = { 0 }, hr;
	h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
	h.msgh_size = sizeof h;
	h.msgh_remote_port = b;
	CHECK_EQ(mach_msg(&h, MACH_SEND_MSG, sizeof h, 0, 0, 0, 0), MACH_MSG_SUCCESS);
	CHECK_EQ(mach_msg(&hr, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof hr, b, 0, 0), MACH_MSG_SUCCESS);

	/* 3000 send rights made from one receive right: a multi-page name array. */
	vm_address_t big = alloc(3000 * 4);
	mach_port_t *many = (mach_port_t *)big;
	for (int i = 0; many && i < 3000; i++)
		many[i] = a;
	make_msg(&m, MACH_MSG_TYPE_MAKE_SEND, 32, 3000, (vm_offset_t)(many), 1);
	CHECK_EQ(send(&m, sizeof m), MACH_MSG_SUCCESS);
	CHECK_EQ(receive(&r, sizeof r), MACH_MSG_SUCCESS);
	got = ((mach_port_t *)(r.data));
	int same = 0;
	for (int i = 0; got && i < 3000; i++)
		same += got[i] == a;
	CHECK_EQ(same, 3000);
	vm_deallocate(mach_task_self(), (vm_address_t)got, 3000 * 4);
	vm_address_t again = big;                    /* deallocated by the send */
	CHECK_EQ(vm_allocate(mach_task_self(), &again, 3000 * 4, FALSE), KERN_SUCCESS);
	vm_deallocate(mach_task_self(), big, 3000 * 4);
	mach_port_destroy(mach_task_self(), a);
	mach_port_destroy(mach_task_self(), b);
}

static void test_errors(void)
{
	struct ool_msg m;
	struct ool2_msg m2;
	vm_address_t buf = alloc(2 * PAGE);
	make_msg(&m, MACH_MSG_TYPE_BYTE, 8, 100, 0x30000000ull, 0);       /* unmapped */
	CHECK_EQ(send(&m, sizeof m), MACH_SEND_INVALID_MEMORY);
	make_msg(&m, MACH_MSG_TYPE_BYTE, 8, 100, 0xC0000000ull, 1);       /* kernel space */
	CHECK_EQ(send(&m, sizeof m), MACH_SEND_INVALID_MEMORY);
	make_msg(&m, MACH_MSG_TYPE_BYTE, 8, 3 * PAGE, buf, 1);             /* runs past the region */
	CHECK_EQ(send(&m, sizeof m), MACH_SEND_INVALID_MEMORY);
	make_msg(&m, MACH_MSG_TYPE_BYTE, 8, 0x10000, 0xBFFFFF00ull, 0);    /* past user space */
	CHECK_EQ(send(&m, sizeof m), MACH_SEND_INVALID_MEMORY);
	make_msg(&m, MACH_MSG_TYPE_BYTE, 8, 0x7FFFFFFF, buf, 0);           /* absurd */
	CHECK_EQ(send(&m, sizeof m), MACH_SEND_NO_BUFFER);
	make_msg(&m, MACH_MSG_TYPE_INTEGER_32, 32, 0x40000000, buf, 1);   /* 4 GiB */
	CHECK_EQ(send(&m, sizeof m), MACH_SEND_NO_BUFFER);
	make_msg(&m, MACH_MSG_TYPE_COPY_SEND, 32, 1u << 20, buf, 0);      /* a million ports */
	CHECK_EQ(send(&m, sizeof m), MACH_SEND_NO_BUFFER);
	/* Inaccessible pages, with and without deallocate: refused, left alone. */
	CHECK_EQ(vm_protect(mach_task_self(), buf, 2 * PAGE, FALSE, VM_PROT_NONE), KERN_SUCCESS);
	make_msg(&m, MACH_MSG_TYPE_BYTE, 8, 2 * PAGE, buf, 1);
	CHECK_EQ(send(&m, sizeof m), MACH_SEND_INVALID_MEMORY);
	make_msg(&m, MACH_MSG_TYPE_BYTE, 8, 10, buf + 5, 0);
	CHECK_EQ(send(&m, sizeof m), MACH_SEND_INVALID_MEMORY);
	CHECK_EQ(vm_protect(mach_task_self(), buf, 2 * PAGE, FALSE, VM_PROT_READ), KERN_SUCCESS);
	/* Read-only pages can be sent, even moved. */
	make_msg(&m, MACH_MSG_TYPE_BYTE, 8, 2 * PAGE, buf, 0);
	CHECK_EQ(send(&m, sizeof m), MACH_MSG_SUCCESS);
	struct ool_msg r;
	CHECK_EQ(receive(&r, sizeof r), MACH_MSG_SUCCESS);
	CHECK_EQ(vm_deallocate(mach_task_self(), (vm_address_t)r.data, 2 * PAGE), KERN_SUCCESS);
	/* A bad right after a good data item: the data item is released too. */
	mach_port_t bad = 4000;
	memset(&m2, 0, sizeof m2);
	m2.head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0) | MACH_MSGH_BITS_COMPLEX;
	m2.head.msgh_size = sizeof m2;
	m2.head.msgh_remote_port = port;
	m2.type1 = ool_type(MACH_MSG_TYPE_BYTE, 8, PAGE, 0);
	m2.data1 = buf;
	m2.type2 = ool_type(MACH_MSG_TYPE_COPY_SEND, 32, 1, 0);
	m2.data2 = (vm_offset_t)(&bad);
	CHECK_EQ(send(&m2, sizeof m2), MACH_SEND_INVALID_RIGHT);
	/* A port array whose second name is bad: the right made for the first goes. */
	mach_port_t c = mach_reply_port();
	mach_port_t two[2] = { c, 4000 };
	make_msg(&m, MACH_MSG_TYPE_MAKE_SEND, 32, 2, (vm_offset_t)(two), 0);
	CHECK_EQ(send(&m, sizeof m), MACH_SEND_INVALID_RIGHT);
	mach_port_urefs_t refs = 99;
	CHECK_EQ(mach_port_get_refs(mach_task_self(), c, MACH_PORT_RIGHT_SEND, &refs), KERN_SUCCESS);
	CHECK_EQ(refs, 0);
	CHECK(nothing_queued(), "a refused message was queued");
	CHECK_EQ(vm_deallocate(mach_task_self(), buf, 2 * PAGE), KERN_SUCCESS);
	mach_port_destroy(mach_task_self(), c);
}

/* Messages that are never received: too large for the receiver's buffer,
 * or queued on a port that dies. Their memory and rights must go. */
static void test_destroyed(void)
{
	vm_address_t buf = alloc(1u << 20);
	struct ool_msg m;
	struct ool2_msg m2;
	make_msg(&m, MACH_MSG_TYPE_BYTE, 8, 1u << 20, buf, 0);
	CHECK_EQ(send(&m, sizeof m), MACH_MSG_SUCCESS);
	mach_msg_header_t small;
	CHECK_EQ(mach_msg(&small, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof small, port, 0, 0), MACH_RCV_TOO_LARGE);
	CHECK(nothing_queued(), "too-large message still queued");

	mach_port_t doomed = mach_reply_port(), a = mach_reply_port();
	mach_port_t names[2] = { a, a };
	memset(&m2, 0, sizeof m2);
	m2.head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0) | MACH_MSGH_BITS_COMPLEX;
	m2.head.msgh_size = sizeof m2;
	m2.head.msgh_remote_port = doomed;
	m2.type1 = ool_type(MACH_MSG_TYPE_BYTE, 8, 1u << 20, 1);        /* moved */
	m2.data1 = buf;
	m2.type2 = ool_type(MACH_MSG_TYPE_MAKE_SEND, 32, 2, 0);
	m2.data2 = (vm_offset_t)(names);
	CHECK_EQ(send(&m2, sizeof m2), MACH_MSG_SUCCESS);
	make_msg(&m, MACH_MSG_TYPE_BYTE, 8, sizeof names, (uintptr_t)names, 0);
	m.head.msgh_remote_port = doomed;
	CHECK_EQ(send(&m, sizeof m), MACH_MSG_SUCCESS);
	CHECK_EQ(mach_port_destroy(mach_task_self(), doomed), KERN_SUCCESS);
	mach_port_urefs_t refs = 99;
	CHECK_EQ(mach_port_get_refs(mach_task_self(), a, MACH_PORT_RIGHT_SEND, &refs), KERN_SUCCESS);
	CHECK_EQ(refs, 0);                               /* the queued send rights died with it */
	mach_port_destroy(mach_task_self(), a);
}

/* A receiver with no room left for an item: the message arrives without it
 * (slot 0) and mach_msg says MACH_RCV_BODY_ERROR | MACH_MSG_VM_SPACE. */
static void test_receiver_full(void)
{
	const uint32_t big = 8u << 20;
	vm_address_t buf = alloc(big), chunks[128];
	vm_size_t sizes[128];
	static uint8_t small[100];
	memset(small, 0x42, sizeof small);
	struct ool2_msg m, r;
	memset(&m, 0, sizeof m);
	m.head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0) | MACH_MSGH_BITS_COMPLEX;
	m.head.msgh_size = sizeof m;
	m.head.msgh_remote_port = port;
	m.head.msgh_id = 501;
	m.type1 = ool_type(MACH_MSG_TYPE_BYTE, 8, big, 1);             /* moved */
	m.data1 = buf;
	m.type2 = ool_type(MACH_MSG_TYPE_BYTE, 8, sizeof small, 0);
	m.data2 = (vm_offset_t)(small);
	CHECK_EQ(send(&m, sizeof m), MACH_MSG_SUCCESS);
	/* vm_allocate only reserves (frames come on first touch), so filling
	 * the address space costs nothing: from 1 GiB chunks down to pages. */
	int n = 0;
	for (vm_size_t step = 1u << 30; step >= PAGE; step /= 4)
		while (n < 128) {
			chunks[n] = 0;
			if (vm_allocate(mach_task_self(), &chunks[n], step, TRUE) != KERN_SUCCESS)
				break;
			sizes[n++] = step;
		}
	memset(&r, 0, sizeof r);
	CHECK_EQ(receive(&r, sizeof r), MACH_RCV_BODY_ERROR | MACH_MSG_VM_SPACE);
	CHECK_EQ(r.head.msgh_id, 501);
	CHECK_EQ(r.data1, 0);
	CHECK_EQ(r.type1.msgtl_number, big);
	for (int i = 0; i < n; i++)
		vm_deallocate(mach_task_self(), chunks[i], sizes[i]);
	CHECK(r.data2 == 0 || memcmp(((void *)(r.data2)), small, sizeof small) == 0, "second item");
	if (r.data2)
		vm_deallocate(mach_task_self(), (vm_address_t)r.data2, sizeof small);
}

/* Out-of-line data and port arrays in the kernel's own replies. */
static void test_kernel_replies(void)
{
	mach_port_t self = mach_task_self();
	thread_array_t list = 0;
	mach_msg_type_number_t n = 0;
	CHECK_EQ(task_threads(self, &list, &n), KERN_SUCCESS);
	mach_port_t *threads = ((mach_port_t *)(list));
	CHECK(n == 1 && threads && MACH_PORT_VALID(threads[0]), "task_threads: %u at %p", n, threads);
	for (mach_msg_type_number_t i = 0; threads && i < n; i++)
		mach_port_deallocate(self, threads[i]);
	CHECK_EQ(vm_deallocate(self, (vm_address_t)threads, n * sizeof *threads), KERN_SUCCESS);

	vm_address_t a = alloc(3 * PAGE);
	for (uint32_t i = 0; a && i < 3 * PAGE; i++)
		((uint8_t *)a)[i] = pattern(i, 99);
	pointer_t data = 0;
	CHECK_EQ(vm_read(self, a + 1, 2 * PAGE, &data, &n), KERN_SUCCESS);
	uint8_t *d = ((uint8_t *)(data));
	CHECK(n == 2 * PAGE && d && memcmp(d, (uint8_t *)a + 1, n) == 0, "vm_read %u bytes", n);
	CHECK_EQ(vm_deallocate(self, (vm_address_t)d, n), KERN_SUCCESS);
	CHECK_EQ(vm_deallocate(self, a, 3 * PAGE), KERN_SUCCESS);
}

/* Random items over a scratch area whose edges are unmapped: every send is
 * refused or delivered, the kernel keeps its invariants (the leak check at
 * the end covers these too). */
static void release_item(const mach_msg_type_long_t *t, vm_offset_t slot)
{
	mach_port_t *names = ((mach_port_t *)(slot));
	uint32_t bytes = t->msgtl_size == 32 ? t->msgtl_number * 4 : t->msgtl_number * t->msgtl_size / 8;
	if (!names)
		return;
	if (t->msgtl_name == MACH_MSG_TYPE_PORT_SEND)
		for (uint32_t i = 0; i < t->msgtl_number; i++)
			if (MACH_PORT_VALID(names[i]))
				mach_port_deallocate(mach_task_self(), names[i]);
	vm_deallocate(mach_task_self(), (vm_address_t)names, bytes);
}

static void test_fuzz(void)
{
	const vm_address_t area = 0x28000000u, pages = 16;
	const mach_port_t choices[] = { 0, 1, port, MACH_PORT_DEAD, 4000 };
	int sent = 0, refused = 0;
	for (int i = 0; i < 1500; i++) {
		vm_address_t a = area;
		vm_deallocate(mach_task_self(), area - 4 * PAGE, (pages + 8) * PAGE);
		if (vm_allocate(mach_task_self(), &a, pages * PAGE, FALSE) != KERN_SUCCESS) {
			CHECK(0, "scratch area");
			return;
		}
		for (uint32_t w = 0; w < pages * PAGE / 4; w += 97)
			((mach_port_t *)area)[w] = choices[arc4random() % 5];
		struct ool2_msg m, r;
		memset(&m, 0, sizeof m);
		m.head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0) | MACH_MSGH_BITS_COMPLEX;
		m.head.msgh_size = sizeof m;
		m.head.msgh_remote_port = port;
		for (int k = 0; k < 2; k++) {
			uint32_t kind = arc4random() % 4, addr = area - 2 * PAGE + arc4random() % ((pages + 4) * PAGE);
			if (arc4random() % 2)
				addr &= ~(PAGE - 1);
			uint32_t n = arc4random() % ((pages + 2) * PAGE / (kind == 1 ? 4 : 1));
			if (arc4random() % 8 == 0)
				n = 0;
			mach_msg_type_long_t t = kind == 0 ? ool_type(MACH_MSG_TYPE_BYTE, 8, n, arc4random() % 2)
				: kind == 1 ? ool_type(MACH_MSG_TYPE_INTEGER_32, 32, n, arc4random() % 2)
				: ool_type(kind == 2 ? MACH_MSG_TYPE_COPY_SEND : MACH_MSG_TYPE_MAKE_SEND, 32, n % 8,
					   arc4random() % 2);
			*(k ? &m.type2 : &m.type1) = t;
			*(k ? &m.data2 : &m.data1) = addr;
		}
		if (send(&m, sizeof m) != MACH_MSG_SUCCESS) {
			refused++;
			continue;
		}
		sent++;
		CHECK_EQ(receive(&r, sizeof r), MACH_MSG_SUCCESS);
		release_item(&r.type1, r.data1);
		release_item(&r.type2, r.data2);
	}
	vm_deallocate(mach_task_self(), area, pages * PAGE);
	printf("test-ool: random items: %d messages delivered, %d refused\n", sent, refused);
	CHECK(sent > 100 && refused > 100, "fuzz: %d sent, %d refused", sent, refused);
}

static void get_stats(natural_t s[4])
{
	CHECK_EQ(sm_kernel_stats(mach_host_self(), &s[0], &s[1], &s[2], &s[3]), KERN_SUCCESS);
}

static void suite(int verbose)
{
	test_sizes(verbose);
	test_empty();
	test_port_arrays();
	test_errors();
	test_destroyed();
	test_kernel_replies();
	test_receiver_full();
	test_fuzz();
}

int main(void)
{
	port = mach_reply_port();
	natural_t before[4], after[4];
	suite(1);                                        /* warms up page tables and heap pages */
	get_stats(before);
	suite(0);
	suite(0);
	get_stats(after);
	printf("test-ool: kernel after 2 more runs: free pages %u -> %u, heap %u -> %u bytes, ports %u -> %u, OOL items %u -> %u\n",
	       before[0], after[0], before[1], after[1], before[2], after[2], before[3], after[3]);
	CHECK_EQ(after[0], before[0]);
	CHECK_EQ(after[1], before[1]);
	CHECK_EQ(after[2], before[2]);
	CHECK_EQ(after[3], 0);
	return guest_summary("test-ool");
}
