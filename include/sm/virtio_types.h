/*
 * sm/virtio_types.h - C types and constants of include/sm/virtio.defs, the
 * kernel's virtio transport interface for user-space drivers: the device
 * description and statistics records, the interrupt message, the error
 * and per-vector messages, the error codes, the port names a driver finds its devices at, and the limits.
 */
#ifndef _SM_VIRTIO_TYPES_H_
#define _SM_VIRTIO_TYPES_H_

#include <mach/std_types.h>

/* A task started with device=... (docs/virtio-implementation.md) finds a
 * send right to its first device at this name, the next at +1, and so on. */
#define SM_VIRTIO_FIRST_DEVICE_NAME	3

/* sm_virtio_info.transport */
#define SM_VIRTIO_MODERN		1
#define SM_VIRTIO_LEGACY		2

/* sm_virtio_info.state: how far the handshake has come. */
#define SM_VIRTIO_STATE_IDLE		0	/* reset, or never claimed */
#define SM_VIRTIO_STATE_DRIVER		1	/* ACKNOWLEDGE | DRIVER */
#define SM_VIRTIO_STATE_FEATURES_OK	2
#define SM_VIRTIO_STATE_DRIVER_OK	3

typedef struct sm_virtio_info {
	natural_t bus, dev, fn;			/* PCI address */
	natural_t vendor_id, device_id;
	natural_t subsys_vendor, subsys_id, revision;
	natural_t virtio_type;			/* VIRTIO_ID_* (<sm/virtio_spec.h>) */
	natural_t transport;			/* SM_VIRTIO_MODERN / _LEGACY */
	natural_t num_queues;			/* modern: num_queues; legacy: 0 (ask) */
	natural_t config_size;			/* bytes of device configuration */
	natural_t irq_line, irq_pin;		/* legacy INTx: PIC line, pin 1-4 */
	natural_t offered_lo, offered_hi;	/* device features (read at boot) */
	natural_t state;			/* SM_VIRTIO_STATE_* */
	natural_t owner_task;			/* task id holding it, 0 if none */
	natural_t msix_vectors;			/* MSI-X table size; 0: no MSI-X here
						   (none on the device, legacy transport,
						   or no APIC) */
	natural_t reserved[5];
} sm_virtio_info_t;

typedef struct sm_virtio_stats {
	natural_t interrupts;			/* INTx with this device's ISR set */
	natural_t irq_messages;			/* messages sent to the driver */
	natural_t irq_coalesced;		/* interrupts folded into a pending message */
	natural_t notifies_trap;		/* sm_virtio_notify */
	natural_t notifies_rpc;			/* virtio_queue_notify */
	natural_t resets;
	natural_t queues;			/* set up since the last reset */
	natural_t ring_pages;			/* their memory */
	natural_t dma_pages;			/* the owner's DMA memory, all devices */
	natural_t config_retries;		/* reads repeated for consistency */
	natural_t errors;			/* refused requests */
	natural_t reserved[5];
} sm_virtio_stats_t;

typedef char sm_virtio_config_t[256];
/* virtio_phys_pages: one physical page address each (no PAE: 32 bits). */
typedef natural_t sm_virtio_pages_t[256];

/* Error codes beyond the KERN_* ones (which keep their Mach meaning:
 * KERN_INVALID_CAPABILITY the port is not a virtio device, KERN_NO_ACCESS
 * another task holds it, KERN_INVALID_ARGUMENT an offset, width, size or
 * queue out of range, KERN_RESOURCE_SHORTAGE no memory or over a limit). */
#define SM_VIRTIO_E_STATE		7281	/* call out of order (3.1.1) */
#define SM_VIRTIO_E_REFUSED		7282	/* the device cleared FEATURES_OK */
#define SM_VIRTIO_E_BROKEN		7283	/* the device misbehaved: reset it */
#define SM_VIRTIO_E_FEATURES		7284	/* modern device without VERSION_1 */
#define SM_VIRTIO_E_EXISTS		7285	/* queue or interrupt port already set up */
#define SM_VIRTIO_E_NO_MSIX		7286	/* no MSI-X here: use virtio_irq_register */
#define SM_VIRTIO_E_VECTORS		7287	/* all the device's MSI-X vectors are in
						   use, or it refused one (NO_VECTOR) */

/* The interrupt message: sent to the port given to virtio_irq_register
 * when the device raises its interrupt and no earlier message is still
 * waiting to be received (receiving it re-arms; so does virtio_irq_ack,
 * earlier). isr holds the ISR status bits
 * (VIRTIO_ISR_QUEUE, VIRTIO_ISR_CONFIG) of every interrupt since the last
 * message; count is the device's interrupt total. The layout is that of a
 * MIG simpleroutine with two natural_t arguments. */
#define SM_VIRTIO_IRQ_MSG_ID		7300
typedef struct {
	mach_msg_header_t head;
	mach_msg_type_t isr_type;
	natural_t isr;
	mach_msg_type_t count_type;
	natural_t count;
} sm_virtio_irq_msg_t;

/* The per-source interrupt message (virtio_vector_register): sent to the
 * port registered for source (a queue index, or SM_VIRTIO_CONFIG_SOURCE for
 * configuration changes) when its MSI-X vector fires and no earlier message
 * for it waits to be received (receiving it re-arms the source; so do
 * virtio_vector_ack and sm_virtio_vector_ack, earlier); count
 * is the source's interrupt total. No ISR is read: the vector says which
 * source it was. Same layout as sm_virtio_irq_msg_t. */
#define SM_VIRTIO_VECTOR_MSG_ID		7301
#define SM_VIRTIO_CONFIG_SOURCE		0xFFFF
typedef struct {
	mach_msg_header_t head;
	mach_msg_type_t source_type;
	natural_t source;
	mach_msg_type_t count_type;
	natural_t count;
} sm_virtio_vector_msg_t;

/* DMA memory (virtio_dma_alloc): the largest single block, and what one
 * task may hold in all (queues not included). */
#define SM_VIRTIO_DMA_MAX_ALLOC		(1024 * 1024)
/* virtio_phys_pages: pages per call at most (sm_virtio_pages_t). */
#define SM_VIRTIO_PAGES_MAX		256
#define SM_VIRTIO_DMA_TASK_LIMIT	(4 * 1024 * 1024)

/* The notify and interrupt-acknowledge traps (<sm/virtio_notify.h>):
 * project trap numbers, outside the range GNU Mach uses. */
#define SM_TRAP_VIRTIO_NOTIFY		(-100)
#define SM_TRAP_VIRTIO_IRQ_ACK		(-101)
#define SM_TRAP_VIRTIO_VECTOR_ACK	(-102)

#endif /* _SM_VIRTIO_TYPES_H_ */
