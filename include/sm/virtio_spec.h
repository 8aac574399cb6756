/*
 * sm/virtio_spec.h - what the virtio specification defines that both the
 * kernel's transport and user-space drivers need: status bits, feature bits,
 * the PCI capability and register layouts (modern and legacy), and the split
 * virtqueue structures with their sizes and alignment.
 *
 * Section numbers are those of "Virtual I/O Device (VIRTIO) Version 1.2".
 * Everything here is a fact of the specification, written as C for this
 * project; all fields are little-endian (the guest's own order on i386).
 * Device-type specifics are in one header per type: <sm/virtio_blk.h>,
 * <sm/virtio_rng.h>, and the network device's in <sm/virtio_devices.h>.
 */
#ifndef _SM_VIRTIO_SPEC_H_
#define _SM_VIRTIO_SPEC_H_

#include <stdint.h>

/* 2.1 Device Status Field. */
#define VIRTIO_STATUS_ACKNOWLEDGE	1
#define VIRTIO_STATUS_DRIVER		2
#define VIRTIO_STATUS_DRIVER_OK		4
#define VIRTIO_STATUS_FEATURES_OK	8
#define VIRTIO_STATUS_NEEDS_RESET	64
#define VIRTIO_STATUS_FAILED		128

/* 6 Reserved Feature Bits (bit numbers). Bits 0-23 and 50-127 are the
 * device type's, 24-40 the transport's and the ring's. */
#define VIRTIO_F_NOTIFY_ON_EMPTY	24	/* legacy only */
#define VIRTIO_F_ANY_LAYOUT		27	/* legacy only */
#define VIRTIO_F_INDIRECT_DESC		28
#define VIRTIO_F_EVENT_IDX		29
#define VIRTIO_F_VERSION_1		32
#define VIRTIO_F_ACCESS_PLATFORM	33
#define VIRTIO_F_RING_PACKED		34
#define VIRTIO_F_IN_ORDER		35
#define VIRTIO_F_ORDER_PLATFORM		36
#define VIRTIO_F_SR_IOV			37
#define VIRTIO_F_NOTIFICATION_DATA	38
#define VIRTIO_F_NOTIF_CONFIG_DATA	39
#define VIRTIO_F_RING_RESET		40
#define VIRTIO_BIT(n)			((uint64_t)1 << (n))

/* 5 Device Types: the virtio device ID (PCI device ID 0x1040 + ID, or a
 * transitional ID 0x1000-0x103f, 4.1.2). */
#define VIRTIO_ID_NET			1
#define VIRTIO_ID_BLOCK			2
#define VIRTIO_ID_CONSOLE		3
#define VIRTIO_ID_ENTROPY		4
#define VIRTIO_ID_BALLOON		5
#define VIRTIO_ID_SCSI			8
#define VIRTIO_PCI_VENDOR		0x1af4

/* 4.1.4 Virtio Structure PCI Capabilities: cfg_type of a vendor capability. */
#define VIRTIO_PCI_CAP_COMMON_CFG	1
#define VIRTIO_PCI_CAP_NOTIFY_CFG	2
#define VIRTIO_PCI_CAP_ISR_CFG		3
#define VIRTIO_PCI_CAP_DEVICE_CFG	4
#define VIRTIO_PCI_CAP_PCI_CFG		5
/* Byte offsets inside struct virtio_pci_cap (in PCI configuration space). */
#define VIRTIO_PCI_CAP_LEN		2
#define VIRTIO_PCI_CAP_CFG_TYPE		3
#define VIRTIO_PCI_CAP_BAR		4
#define VIRTIO_PCI_CAP_OFFSET		8
#define VIRTIO_PCI_CAP_LENGTH		12
#define VIRTIO_PCI_NOTIFY_MULTIPLIER	16	/* struct virtio_pci_notify_cap */

/* 4.1.4.3 Common configuration structure layout (byte offsets). */
#define VIRTIO_COMMON_DFSELECT		0	/* le32 device_feature_select */
#define VIRTIO_COMMON_DF		4	/* le32 device_feature */
#define VIRTIO_COMMON_GFSELECT		8	/* le32 driver_feature_select */
#define VIRTIO_COMMON_GF		12	/* le32 driver_feature */
#define VIRTIO_COMMON_MSIX		16	/* le16 config_msix_vector */
#define VIRTIO_COMMON_NUMQ		18	/* le16 num_queues */
#define VIRTIO_COMMON_STATUS		20	/* u8 device_status */
#define VIRTIO_COMMON_CFGGEN		21	/* u8 config_generation */
#define VIRTIO_COMMON_Q_SELECT		22	/* le16 queue_select */
#define VIRTIO_COMMON_Q_SIZE		24	/* le16 queue_size */
#define VIRTIO_COMMON_Q_MSIX		26	/* le16 queue_msix_vector */
#define VIRTIO_COMMON_Q_ENABLE		28	/* le16 queue_enable */
#define VIRTIO_COMMON_Q_NOFF		30	/* le16 queue_notify_off */
#define VIRTIO_COMMON_Q_DESC		32	/* le64 queue_desc */
#define VIRTIO_COMMON_Q_AVAIL		40	/* le64 queue_driver */
#define VIRTIO_COMMON_Q_USED		48	/* le64 queue_device */
#define VIRTIO_COMMON_SIZE		56	/* what this transport uses */
#define VIRTIO_MSI_NO_VECTOR		0xffff

/* 4.1.4.5 ISR status bits. */
#define VIRTIO_ISR_QUEUE		1
#define VIRTIO_ISR_CONFIG		2

/* 4.1.4.9 Legacy Interfaces: the I/O BAR0 layout, MSI-X disabled. */
#define VIRTIO_LEGACY_HOST_FEATURES	0	/* 32 R */
#define VIRTIO_LEGACY_GUEST_FEATURES	4	/* 32 R+W */
#define VIRTIO_LEGACY_QUEUE_PFN		8	/* 32 R+W: address / 4096 */
#define VIRTIO_LEGACY_QUEUE_SIZE	12	/* 16 R */
#define VIRTIO_LEGACY_QUEUE_SELECT	14	/* 16 R+W */
#define VIRTIO_LEGACY_QUEUE_NOTIFY	16	/* 16 R+W */
#define VIRTIO_LEGACY_STATUS		18	/* 8 R+W */
#define VIRTIO_LEGACY_ISR		19	/* 8 R */
#define VIRTIO_LEGACY_CONFIG		20	/* device-specific configuration */
#define VIRTIO_LEGACY_QUEUE_ALIGN	4096	/* 4.1.5.1.3.1 */

/* 2.7 Split Virtqueues. */
#define VIRTQ_DESC_F_NEXT		1
#define VIRTQ_DESC_F_WRITE		2	/* device writes (otherwise reads) */
#define VIRTQ_DESC_F_INDIRECT		4
#define VIRTQ_AVAIL_F_NO_INTERRUPT	1
#define VIRTQ_USED_F_NO_NOTIFY		1
#define VIRTQ_MAX_SIZE			32768	/* 2.7: Queue Size at most 32768 */

struct virtq_desc {			/* 2.7.5, 16 bytes, table aligned to 16 */
	uint64_t addr;			/* guest-physical */
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct virtq_avail {			/* 2.7.6, aligned to 2 */
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];		/* queue size entries, then le16 used_event */
};

struct virtq_used_elem {
	uint32_t id;			/* head of the used descriptor chain */
	uint32_t len;			/* bytes written into the chain */
};

struct virtq_used {			/* 2.7.8, aligned to 4 */
	uint16_t flags;
	uint16_t idx;
	struct virtq_used_elem ring[];	/* queue size entries, then le16 avail_event */
};

/* Where each field of a split virtqueue of `size` entries lies, from the
 * structs above: the one statement of the ring layout that every side uses
 * (the C driver ring <sm/vring.h>, the Swift SDK's Virtqueue through
 * servers/sdk/Virtio/include/vring_access.h, the host tests' fake device).
 * Ring positions are taken modulo size (a power of two, 2.7). With
 * VIRTIO_F_EVENT_IDX, used_event follows the available ring's entries
 * (2.7.6) and avail_event the used ring's (2.7.8). */
/* Always inlined: the Swift SDK calls these per descriptor and per used
 * entry, and clang gives the C functions it emits for Swift "no-builtins"
 * (-ffreestanding), which LLVM's inliner does not merge into Swift code
 * unless the callee is always_inline: each was a call of its own (~75
 * instructions per 4 KiB read in the block server, docs/benchmarks.md). */
#define VIRTQ_RING_INLINE static inline __attribute__((always_inline))
VIRTQ_RING_INLINE uint16_t *virtq_avail_flags(void *avail) { return &((struct virtq_avail *)avail)->flags; }
VIRTQ_RING_INLINE uint16_t *virtq_avail_idx(void *avail) { return &((struct virtq_avail *)avail)->idx; }
VIRTQ_RING_INLINE uint16_t *virtq_avail_entry(void *avail, uint16_t size, uint16_t at)
{
	return &((struct virtq_avail *)avail)->ring[at & (size - 1)];
}
VIRTQ_RING_INLINE uint16_t *virtq_used_event(void *avail, uint16_t size) { return &((struct virtq_avail *)avail)->ring[size]; }
VIRTQ_RING_INLINE uint16_t *virtq_used_flags(void *used) { return &((struct virtq_used *)used)->flags; }
VIRTQ_RING_INLINE uint16_t *virtq_used_idx(void *used) { return &((struct virtq_used *)used)->idx; }
VIRTQ_RING_INLINE struct virtq_used_elem *virtq_used_entry(void *used, uint16_t size, uint16_t at)
{
	return &((struct virtq_used *)used)->ring[at & (size - 1)];
}
VIRTQ_RING_INLINE uint16_t *virtq_avail_event(void *used, uint16_t size)
{
	return (uint16_t *)&((struct virtq_used *)used)->ring[size];
}

/* Where the three parts of a split virtqueue of 'size' entries lie in one
 * physically contiguous block. This is the legacy layout of 2.7.2 (used
 * ring at the next 4096 boundary), which also meets the modern alignment
 * rules of 2.7 (16, 2, 4), so one layout serves both transports. */
struct virtq_layout {
	uint32_t desc_offset, avail_offset, used_offset;
	uint32_t total;			/* bytes, a multiple of 4096 */
};

static inline uint32_t virtq_align_up(uint32_t x, uint32_t a) { return (x + a - 1) & ~(a - 1); }

static inline struct virtq_layout virtq_layout_for(uint32_t size)
{
	struct virtq_layout l;
	uint32_t avail_bytes = 2 * (3 + size);		/* flags, idx, ring, used_event */
	uint32_t used_bytes = 2 * 3 + 8 * size;		/* flags, idx, ring, avail_event */
	l.desc_offset = 0;
	l.avail_offset = 16 * size;
	l.used_offset = virtq_align_up(l.avail_offset + avail_bytes, VIRTIO_LEGACY_QUEUE_ALIGN);
	l.total = virtq_align_up(l.used_offset + used_bytes, VIRTIO_LEGACY_QUEUE_ALIGN);
	return l;
}

static inline int virtq_size_valid(uint32_t size)
{
	return size != 0 && size <= VIRTQ_MAX_SIZE && (size & (size - 1)) == 0;
}

#endif /* _SM_VIRTIO_SPEC_H_ */
