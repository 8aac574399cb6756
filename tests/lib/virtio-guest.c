/* The driver helpers of tests/lib/virtio-guest.h. */
#include "virtio-guest.h"
#include "smhost.h"

uint64_t vg_uptime_ns(void)
{
	return smrt_now_ns();
}

kern_return_t vg_claim(struct vdev_u *d, mach_port_t port, uint64_t wanted)
{
	kern_return_t kr;
	d->port = port;
	d->irq = MACH_PORT_NULL;
	if ((kr = virtio_device_info(port, &d->info)) != KERN_SUCCESS)
		return kr;
	if ((kr = virtio_reset(port)) != KERN_SUCCESS)
		return kr;
	return virtio_negotiate(port, wanted, &d->features);
}

kern_return_t vg_bring_up(struct vdev_u *d, mach_port_t port, uint64_t wanted)
{
	kern_return_t kr = vg_claim(d, port, wanted);
	if (kr != KERN_SUCCESS)
		return kr;
	d->irq = mach_reply_port();
	return virtio_irq_register(port, d->irq);
}

kern_return_t vg_queue_vector(struct vdev_u *d, struct vq_u *q)
{
	q->vector = mach_reply_port();
	return virtio_vector_register(d->port, q->index, q->vector);
}

kern_return_t vg_queue(struct vdev_u *d, struct vq_u *q, unsigned index, unsigned size)
{
	natural_t n = 0;
	vm_address_t desc, avail, used;
	kern_return_t kr = virtio_queue_setup(d->port, index, size, &n, &desc, &q->desc_phys, &avail,
					      &q->avail_phys, &used, &q->used_phys);
	if (kr != KERN_SUCCESS)
		return kr;
	q->index = index;
	q->vector = MACH_PORT_NULL;
	q->desc = desc, q->avail = avail, q->used = used;
	vring_init(&q->ring, n, (void *)desc, (void *)avail, (void *)used);
	return KERN_SUCCESS;
}

kern_return_t vg_dma(struct vdev_u *d, struct dma_u *m, uint32_t size)
{
	vm_address_t va = 0;
	kern_return_t kr = virtio_dma_alloc(d->port, size, &va, &m->pa);
	m->va = (uint8_t *)va;
	m->size = size;
	return kr;
}

void vg_kick(struct vdev_u *d, struct vq_u *q)
{
	if (vring_should_notify(&q->ring))
		sm_virtio_notify(d->port, q->index);
}

int vg_wait_used(struct vdev_u *d, struct vq_u *q, unsigned timeout_ms)
{
	while (!vring_has_used(&q->ring)) {
		sm_virtio_irq_msg_t m;
		memset(&m, 0, sizeof m);
		mach_port_t from = q->vector ? q->vector : d->irq;
		mach_msg_return_t r = mach_msg(&m.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof m, from,
					       timeout_ms, MACH_PORT_NULL);
		if (r != MACH_MSG_SUCCESS)
			return vring_has_used(&q->ring) ? 0 : -1;
		if (q->vector) {
			/* sm_virtio_vector_msg_t: same layout, the source where isr is. */
			CHECK(m.head.msgh_id == SM_VIRTIO_VECTOR_MSG_ID && m.isr == q->index,
			      "queue %u's vector port got message %d for source %u", q->index, m.head.msgh_id, m.isr);
			CHECK_EQ(sm_virtio_vector_ack(d->port, q->index), KERN_SUCCESS);
			continue;
		}
		if (m.head.msgh_id != SM_VIRTIO_IRQ_MSG_ID || m.head.msgh_size != sizeof m)
			printf("virtio-guest: unexpected message id %d size %u on the interrupt port\n",
			       m.head.msgh_id, m.head.msgh_size);
		virtio_irq_ack(d->port);
	}
	return 0;
}

int vg_blk_submit(struct vdev_u *d, struct vq_u *q, struct dma_u *m, uint32_t type, uint64_t sector, uint32_t nsect)
{
	return vg_blk_submit_at(d, q, m, m->pa + 4096, type, sector, nsect);
}

int vg_blk_submit_at(struct vdev_u *d, struct vq_u *q, struct dma_u *m, uint64_t data_pa, uint32_t type,
		     uint64_t sector, uint32_t nsect)
{
	struct virtio_blk_req_hdr *h = (struct virtio_blk_req_hdr *)m->va;
	volatile uint8_t *status = m->va + 64;
	h->type = type;
	h->reserved = 0;
	h->sector = sector;
	*status = 0xFF;
	struct vring_buf bufs[3] = {
		{ m->pa, sizeof *h },
		{ data_pa, nsect * VIRTIO_BLK_SECTOR_SIZE },
		{ m->pa + 64, 1 },
	};
	bool out = type == VIRTIO_BLK_T_OUT;
	int head = vring_add(&q->ring, bufs, out ? 2 : 1, out ? 1 : 2);
	if (head >= 0)
		vg_kick(d, q);
	return head;
}

int vg_blk_rw(struct vdev_u *d, struct vq_u *q, struct dma_u *m, uint32_t type, uint64_t sector, uint32_t nsect)
{
	return vg_blk_rw_at(d, q, m, m->pa + 4096, type, sector, nsect);
}

int vg_blk_rw_at(struct vdev_u *d, struct vq_u *q, struct dma_u *m, uint64_t data_pa, uint32_t type, uint64_t sector,
		 uint32_t nsect)
{
	volatile uint8_t *status = m->va + 64;
	int head = vg_blk_submit_at(d, q, m, data_pa, type, sector, nsect);
	if (head < 0 || vg_wait_used(d, q, 2000) < 0)
		return -1;
	uint32_t len;
	if (vring_get_used(&q->ring, &len) != head)
		return -1;
	return *status;
}

unsigned vg_net_hdr_size(const struct vdev_u *d)
{
	bool v1 = d->features & VIRTIO_BIT(VIRTIO_F_VERSION_1);
	bool mrg = d->features & VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF);
	return v1 || mrg ? VIRTIO_NET_HDR_SIZE : VIRTIO_NET_HDR_SIZE_LEGACY;
}

unsigned vg_arp_request(uint8_t *f, const uint8_t mac[6], const uint8_t spa[4], const uint8_t tpa[4])
{
	static const uint8_t head[] = { 0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01 };
	memset(f, 0xFF, 6);                      /* broadcast */
	memcpy(f + 6, mac, 6);
	memcpy(f + 12, head, sizeof head);       /* ethertype ARP; Ethernet, IPv4, request */
	memcpy(f + 22, mac, 6);
	memcpy(f + 28, spa, 4);
	memset(f + 32, 0, 6);
	memcpy(f + 38, tpa, 4);
	return 42;
}

int vg_is_arp_reply(const uint8_t *f, unsigned len, const uint8_t mac[6], const uint8_t spa[4])
{
	return len >= 42 && f[12] == 0x08 && f[13] == 0x06 && f[20] == 0x00 && f[21] == 0x02 &&
	       memcmp(f + 28, spa, 4) == 0 && memcmp(f + 32, mac, 6) == 0 && memcmp(f, mac, 6) == 0;
}
