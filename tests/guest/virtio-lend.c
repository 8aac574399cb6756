/* virtio_lend_pages, for the virtio transport test (virtio-transport.c
 * calls virtio_lend_test with its virtio-blk queue up): pages a driver
 * lends its device to read are a virtual copy. The test is both sides:
 * as the client it makes a buffer and gets a copy-on-write copy of it out
 * of line (vm_read), as the driver it lends the copy's pages and has the
 * device write them to the disk. Whatever the client does to its buffer
 * after the lend (writes it, frees it) and whatever the driver tries (a
 * write into the lent page), the device must write what the buffer held at
 * the lend, and the frames must all come back once the copy is freed. */
#include "virtio-guest.h"
#include "smhost.h"
#include "mach.h"

#define LEND_SECTOR 400			/* 16 sectors from here: no other check reads them */
#define LEND_PAGES 2

static natural_t free_pages(void)
{
	natural_t s[4] = { 0 };
	CHECK_EQ(sm_kernel_stats(mach_host_self(), &s[0], &s[1], &s[2], &s[3]), KERN_SUCCESS);
	return s[0];
}

/* Sector data of the pattern: its number, the stamp, then a word per 4
 * bytes derived from both. */
static void fill(uint8_t *p, uint32_t sector, uint32_t nsect, uint32_t stamp)
{
	for (uint32_t s = 0; s < nsect; s++)
		for (uint32_t w = 0; w < 128; w++)
			((uint32_t *)(p + s * 512))[w] = w == 0 ? sector + s : (sector + s) * 2654435761u ^ stamp ^ w;
}

/* Read nsect sectors at sector back through m and compare with the pattern. */
static bool disk_holds(struct vdev_u *d, struct vq_u *q, struct dma_u *m, uint32_t sector, uint32_t nsect,
		       uint32_t stamp)
{
	static uint8_t want[4096];
	if (vg_blk_rw(d, q, m, VIRTIO_BLK_T_IN, sector, nsect) != VIRTIO_BLK_S_OK)
		return false;
	fill(want, sector, nsect, stamp);
	return memcmp(m->va + 4096, want, nsect * 512) == 0;
}

/* The device can write what the pages at va (the driver's) hold, from
 * their lent frames, to LEND_SECTOR and on: KERN_SUCCESS if it did. */
static kern_return_t lend_and_write(struct vdev_u *d, struct vq_u *q, struct dma_u *m, vm_address_t va,
				    natural_t *phys)
{
	mach_msg_type_number_t n = SM_VIRTIO_PAGES_MAX;
	kern_return_t kr = virtio_lend_pages(d->port, va, LEND_PAGES * 4096, phys, &n);
	if (kr != KERN_SUCCESS || n != LEND_PAGES)
		return kr != KERN_SUCCESS ? kr : KERN_FAILURE;
	for (unsigned i = 0; i < LEND_PAGES; i++)
		if (vg_blk_rw_at(d, q, m, phys[i], VIRTIO_BLK_T_OUT, LEND_SECTOR + 8 * i, 8) != VIRTIO_BLK_S_OK)
			return KERN_FAILURE;
	return KERN_SUCCESS;
}

static void refusals(struct vdev_u *d, vm_address_t va)
{
	natural_t phys[SM_VIRTIO_PAGES_MAX];
	mach_msg_type_number_t n = SM_VIRTIO_PAGES_MAX;
	CHECK_EQ(virtio_lend_pages(d->port, va + 8, 4096, phys, &n), KERN_INVALID_ARGUMENT);     /* unaligned */
	n = SM_VIRTIO_PAGES_MAX;
	CHECK_EQ(virtio_lend_pages(d->port, va, 0, phys, &n), KERN_INVALID_ARGUMENT);
	n = SM_VIRTIO_PAGES_MAX;
	CHECK_EQ(virtio_lend_pages(d->port, va, (SM_VIRTIO_PAGES_MAX + 1) * 4096, phys, &n), KERN_INVALID_ARGUMENT);
	n = SM_VIRTIO_PAGES_MAX;
	CHECK_EQ(virtio_lend_pages(d->port, 0xfffff000u, 2 * 4096, phys, &n), KERN_INVALID_ARGUMENT);   /* wraps */
	n = SM_VIRTIO_PAGES_MAX;
	CHECK_EQ(virtio_lend_pages(d->port, 0xc0000000u, 4096, phys, &n), KERN_INVALID_ARGUMENT);  /* the kernel's */
	n = SM_VIRTIO_PAGES_MAX;
	CHECK_EQ(virtio_lend_pages(smrt_host_port(), va, 4096, phys, &n), KERN_INVALID_CAPABILITY);
	n = SM_VIRTIO_PAGES_MAX;
	/* rng: the quitter's, or nobody's yet; never this task's. */
	CHECK_EQ(virtio_lend_pages(SM_VIRTIO_FIRST_DEVICE_NAME + 2, va, 4096, phys, &n), KERN_NO_ACCESS);
	vm_address_t hole = 0;
	CHECK_EQ(vm_allocate(mach_task_self(), &hole, 4096, TRUE), KERN_SUCCESS);
	CHECK_EQ(vm_deallocate(mach_task_self(), hole, 4096), KERN_SUCCESS);
	n = SM_VIRTIO_PAGES_MAX;
	CHECK_EQ(virtio_lend_pages(d->port, hole, 4096, phys, &n), KERN_INVALID_ADDRESS);         /* not mapped */
}

void virtio_lend_test(struct vdev_u *d, struct vq_u *q, struct dma_u *m, const char *topic);

void virtio_lend_test(struct vdev_u *d, struct vq_u *q, struct dma_u *m, const char *topic)
{
	const vm_size_t size = LEND_PAGES * 4096;
	natural_t free0 = free_pages();
	uint32_t stamp = (uint32_t)vg_uptime_ns();
	/* The client's buffer, and the driver's virtual copy of it. */
	vm_address_t client = 0;
	CHECK_EQ(vm_allocate(mach_task_self(), &client, size, TRUE), KERN_SUCCESS);
	fill((uint8_t *)client, LEND_SECTOR, 8 * LEND_PAGES, stamp);
	vm_offset_t copy = 0;
	mach_msg_type_number_t count = 0;
	CHECK_EQ(vm_read(mach_task_self(), client, size, &copy, &count), KERN_SUCCESS);
	CHECK_EQ(count, size);
	natural_t phys[SM_VIRTIO_PAGES_MAX], again[SM_VIRTIO_PAGES_MAX];
	mach_msg_type_number_t n = SM_VIRTIO_PAGES_MAX;
	CHECK_EQ(virtio_lend_pages(d->port, copy, size, phys, &n), KERN_SUCCESS);
	CHECK_EQ(n, LEND_PAGES);
	/* The client writes its buffer: a copy of its own, not the lent frame. */
	memset((void *)client, 0x5a, size);
	/* The driver may not write a page it lent (the kernel's copy into it
	 * is refused as the task's own write would be). */
	CHECK_EQ(vm_write(mach_task_self(), copy, client, 4096), KERN_PROTECTION_FAILURE);
	CHECK_EQ(*(uint32_t *)copy, LEND_SECTOR);
	/* The client lets go of its buffer: the frames stay the driver's. */
	CHECK_EQ(vm_deallocate(mach_task_self(), client, size), KERN_SUCCESS);
	vm_address_t other = 0;                       /* a task taking frames meanwhile gets others */
	CHECK_EQ(vm_allocate(mach_task_self(), &other, 16 * 4096, TRUE), KERN_SUCCESS);
	memset((void *)other, 0xa5, 16 * 4096);
	for (unsigned i = 0; i < LEND_PAGES; i++)
		CHECK_EQ(vg_blk_rw_at(d, q, m, phys[i], VIRTIO_BLK_T_OUT, LEND_SECTOR + 8 * i, 8), VIRTIO_BLK_S_OK);
	CHECK(disk_holds(d, q, m, LEND_SECTOR, 8, stamp) && disk_holds(d, q, m, LEND_SECTOR + 8, 8, stamp),
	      "the device did not write what the client's buffer held when lent");
	/* Lent again: the same frames. */
	n = SM_VIRTIO_PAGES_MAX;
	CHECK_EQ(virtio_lend_pages(d->port, copy, size, again, &n), KERN_SUCCESS);
	CHECK(n == LEND_PAGES && again[0] == phys[0] && again[1] == phys[1], "lent again: %x %x, first %x %x",
	      again[0], again[1], phys[0], phys[1]);
	refusals(d, copy);
	CHECK_EQ(vm_deallocate(mach_task_self(), copy, size), KERN_SUCCESS);
	CHECK_EQ(vm_deallocate(mach_task_self(), other, 16 * 4096), KERN_SUCCESS);
	n = SM_VIRTIO_PAGES_MAX;
	CHECK_EQ(virtio_lend_pages(d->port, copy, 4096, phys, &n), KERN_INVALID_ADDRESS);         /* freed */

	/* Loans end with the pages: 64 rounds of copy, lend, write, free leave
	 * the free frames where they were after the first (page tables stay). */
	natural_t free1 = free_pages();
	for (int round = 0; round < 64 && !guest_failed; round++) {
		vm_offset_t c = 0;
		CHECK_EQ(vm_allocate(mach_task_self(), &client, size, TRUE), KERN_SUCCESS);
		fill((uint8_t *)client, LEND_SECTOR, 8 * LEND_PAGES, stamp + round);
		CHECK_EQ(vm_read(mach_task_self(), client, size, &c, &count), KERN_SUCCESS);
		CHECK_EQ(lend_and_write(d, q, m, c, phys), KERN_SUCCESS);
		CHECK_EQ(vm_deallocate(mach_task_self(), c, size), KERN_SUCCESS);
		CHECK_EQ(vm_deallocate(mach_task_self(), client, size), KERN_SUCCESS);
	}
	natural_t free2 = free_pages();
	CHECK(free2 == free1, "free pages %u before 64 loans, %u after", free1, free2);
	printf("%s: lent pages: free pages %u at the start, %u and %u around 64 loans\n", topic,
	       free0, free1, free2);
}
