/* Virtio devices as kernel objects. Every virtio PCI function found at boot
 * becomes a struct vdev with a port (a device_layer.h object); a boot module
 * started with device=... gets a send right to it, and the MIG routines of
 * include/sm/virtio.defs (virtio_server.c) act on the device the port
 * names, for the task that claimed it with virtio_reset (its owner).
 *
 * Lifetime of what a driver gets: queue memory lives until the device is
 * reset again or its owner dies; DMA memory until the owner dies. Either
 * way the device is reset and its bus mastering turned off first, so no
 * DMA can land in a page after it is freed. */
#ifndef DEVICE_VIRTIO_VDEV_H
#define DEVICE_VIRTIO_VDEV_H
#include <stdint.h>
#include <stdbool.h>
#include "device/virtio/transport.h"
#include "device/virtio/pci_transport.h"
#include "device/pci/msix.h"
#include "device/device_layer.h"
#include <sm/virtio_types.h>

struct task;
struct ipc_port;

#define VDEV_MAX 16

struct vqueue {
	bool active;
	uint16_t size;
	uintptr_t pa;                 /* the block: desc table, avail, used (2.7.2 layout) */
	uint32_t pages;
	uintptr_t uva;                /* where the owner sees it */
};

/* One interrupt source with a vector of its own: queue i at src[i],
 * configuration changes at src[VDEV_CONFIG_SOURCE]. */
#define VDEV_CONFIG_SOURCE VT_MAX_QUEUES
#define VDEV_SOURCES (VT_MAX_QUEUES + 1)
struct vsource {
	struct vdev *dev;
	struct ipc_port *port;        /* send right; NULL when not registered */
	int vector;                   /* CPU vector (device/irq.h) */
	uint16_t entry;               /* MSI-X table entry */
	struct device_event event;    /* its message not yet received (device_layer.h) */
	bool pending;                 /* an interrupt since, not yet reported */
	uint32_t count;               /* interrupts on this source */
};

struct vdev {
	struct device_object obj;     /* first: the port's kernel object (device_layer.h) */
	char name[16];                /* "00:04.0" */
	const struct pci_function *pci;
	struct ipc_port *port;        /* IKOT_DEVICE_CLASS, kobject = this */
	struct vtransport tr;
	struct vcore core;
	union { struct vmodern modern; struct vlegacy legacy; } regs;
	uint32_t virtio_type;         /* VIRTIO_ID_* */
	uint64_t offered;             /* features offered, read at boot */
	bool granted;                 /* handed to a boot module */
	struct task *owner;           /* the task that claimed it (virtio_reset) */
	struct vqueue q[VT_MAX_QUEUES];
	/* Interrupts for the device-wide port (virtio_irq_register): INTx
	 * through the interrupt controller (irq.c shares the line), or two
	 * MSI-X vectors (vectors.c) when the device and the platform have them. */
	bool irq_hooked;
	struct ipc_port *irq_port;    /* send right, or NULL */
	struct device_event irq_event; /* its message not yet received (device_layer.h) */
	uint8_t irq_pending;          /* ISR bits not yet reported */
	/* MSI-X (vectors.c): the table, the CPU vectors of the device-wide
	 * port (config changes, all queues), or one source per queue and one
	 * for configuration changes (virtio_vector_register). */
	struct msix msix;
	bool whole_msix;              /* irq_port is fed by whole_vector[] */
	int whole_vector[2];
	uint16_t entries_used;
	struct vsource src[VDEV_SOURCES];
	sm_virtio_stats_t st;
};

/* The virtio class and its PCI driver, for the device layer's tables. */
extern const struct device_class virtio_class;
extern const struct pci_driver virtio_pci_driver;
/* From pci_scan: make a vdev for f if it is a virtio function. */
void virtio_pci_probe(const struct pci_function *f);
/* The vdev a port (as a MIG routine sees it) stands for, or NULL. */
struct vdev *vdev_from_port(uint32_t port_word);
struct vdev *vdev_at(int i);          /* i-th device, NULL past the end */
/* Boot: for every device=SPEC[,SPEC...] in argv, give t a send right to
 * that device at SM_VIRTIO_FIRST_DEVICE_NAME, +1, ... SPEC is BB:DD.F (that
 * device, even if another module has it too: a right may be shared, only
 * one task at a time can claim the device) or a type name (virtio-blk,
 * virtio-net, virtio-rng, virtio-console: the first such device not yet
 * given to any module). Returns how many were given. */
int virtio_grant_from_args(struct task *t, int argc, char **argv);
/* A task is being freed (before its memory): reset every device it owns,
 * stop their DMA, release its queues, DMA memory and interrupt ports. */
void virtio_task_cleanup(struct task *t);
/* The sm_virtio_notify trap: args[0] device name, args[1] queue index. */
uint32_t virtio_notify_trap(const uint32_t *args);
/* The sm_virtio_irq_ack trap: args[0] device name (virtio_irq_ack's work). */
uint32_t virtio_irq_ack_trap(const uint32_t *args);

/* Claim and reset d for the current task (virtio_reset). */
int vdev_reset(struct vdev *d);
/* Release what the owner holds of d's queues (after the device was reset). */
void vdev_release_queues(struct vdev *d);
/* The available-buffer notification of queue q (the sm_virtio_notify trap
 * and virtio_queue_notify; `what` names it in a refusal, counter counts
 * it): 0, KERN_INVALID_ARGUMENT for a queue not set up, or
 * SM_VIRTIO_E_BROKEN. */
int vdev_queue_notify(struct vdev *d, uint32_t q, const char *what, natural_t *counter);
/* Interrupt delivery: register (takes the send right), acknowledge. */
void vdev_irq_set_port(struct vdev *d, struct ipc_port *port);
void vdev_irq_ack(struct vdev *d);
/* Send the two-word event message id (a, b) on *portp (which a dead port
 * is dropped from) as ev's message; false if it could not be sent now. */
bool vdev_send_event(struct vdev *d, struct ipc_port **portp, struct device_event *ev, uint32_t id,
		     uint32_t a, uint32_t b);
/* The device-wide interrupt handler's work for the ISR bits isr. */
void vdev_irq_raise(struct vdev *d, uint8_t isr);

/* MSI-X (vectors.c). At probe: find the table. */
void vdev_msix_attach(struct vdev *d);
/* The device and the platform can deliver MSI-X. */
bool vdev_msix_usable(const struct vdev *d);
/* Feed the device-wide port from MSI-X; false (INTx stays) if not possible. */
bool vdev_whole_msix_start(struct vdev *d);
/* Queue q was set up: give it the device-wide queue vector if in use. */
void vdev_msix_queue_added(struct vdev *d, uint16_t q);
/* The device was reset or lost its owner: every vector is gone
 * (4.1.5.1.2.1: a reset device has all events unmapped), MSI-X off. */
void vdev_msix_release(struct vdev *d);
/* Per-source vectors (virtio_vector_register / _ack): 0 or a code. */
int vdev_vector_register(struct vdev *d, uint32_t source, struct ipc_port *port);
int vdev_vector_ack(struct vdev *d, uint32_t source);
/* The sm_virtio_vector_ack trap: args[0] device name, args[1] source. */
uint32_t virtio_vector_ack_trap(const uint32_t *args);

/* Count and log a refused request (only the first few per device). */
void vdev_refuse(struct vdev *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Memory mapped into a task for its devices (vmem.c): a reserved window of
 * its address space outside its vm_map regions, so vm_deallocate and
 * vm_protect cannot touch it. Frames are physically contiguous. */
#define VMEM_WINDOW_BASE 0xA0000000u
#define VMEM_WINDOW_END  0xB0000000u
/* 0, or a kern_return_t. dev is the device for queue memory, NULL for DMA. */
int vmem_alloc(struct task *t, struct vdev *dev, uint32_t pages, uintptr_t *uva, uintptr_t *pa);
/* Free one mapping the device was never told about (a failed setup). */
void vmem_release_one(struct task *t, uintptr_t uva);
void vmem_release_dev(struct task *t, struct vdev *dev, uint32_t *pages_freed);
void vmem_release_task(struct task *t, uint32_t *dma_pages_freed);
uint32_t vmem_dma_pages(const struct task *t);
#endif
