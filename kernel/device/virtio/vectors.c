/* MSI-X for virtio devices: the kernel owns the device's MSI-X table
 * (device/pci/msix.c) and its vector fields (config_msix_vector,
 * queue_msix_vector); a driver only says which port each interrupt source
 * goes to. Two ways to use it:
 *
 *  - the device-wide port of virtio_irq_register: when the device has an
 *    MSI-X table (modern transport only) and the platform delivers MSI (the
 *    APIC path), entry 0 carries configuration changes and entry 1 every
 *    queue, each to a CPU vector of its own, so the kernel knows the cause
 *    without reading the ISR. The driver sees the same sm_virtio_irq_msg_t
 *    as with INTx (isr: VIRTIO_ISR_QUEUE / VIRTIO_ISR_CONFIG).
 *  - one vector per source (virtio_vector_register): queue i, or
 *    configuration changes (SM_VIRTIO_CONFIG_SOURCE), each raising
 *    sm_virtio_vector_msg_t on the port the driver chose, re-armed per
 *    source when the driver receives the message (a device_event,
 *    device_layer.h), or earlier by virtio_vector_ack / sm_virtio_vector_ack.
 *
 * The two do not mix on one device. MSI-X is enabled on the function while
 * vectors are in use (INTx stops then, PCI 3.0 6.8.2) and disabled at the
 * next reset or when the owner dies (the device unmaps every event on reset,
 * virtio 4.1.5.1.2.1); the driver registers again after a reset. */
#include "device/virtio/vdev.h"
#include "device/irq.h"
#include "i386/irqchip.h"
#include "kern/task.h"
#include "kern/printf.h"
#include "ipc/port.h"
#include "ipc/space.h"

static void source_rearm(struct device_event *ev);

/* Source slot s of d unregistered: no port, no vector, nothing pending. */
static void source_clear(struct vdev *d, struct vsource *s)
{
	*s = (struct vsource){ .dev = d, .event.rearm = source_rearm };
}

void vdev_msix_attach(struct vdev *d)
{
	for (int i = 0; i < VDEV_SOURCES; i++)
		source_clear(d, &d->src[i]);
	if (!d->tr.ops->set_queue_vector)
		return;                                  /* legacy: the kernel offers MSI-X on modern only */
	const char *why = msix_attach(&d->msix, d->pci);
	if (why)
		kwarn("virtio %s: %s; interrupts by INTx only\n", d->name, why);
}

bool vdev_msix_usable(const struct vdev *d)
{
	return d->msix.table_size && d->tr.ops->set_queue_vector && irqchip_apic();
}

/* A CPU vector for handler/arg aimed at table entry `entry`; -1 if none. */
static int take_vector(struct vdev *d, uint16_t entry, irq_handler_t handler, void *arg)
{
	int v = msi_vector_alloc(handler, arg);
	if (v < 0)
		return -1;
	uint32_t address, data;
	msi_message(v, &address, &data);
	msix_set_entry(&d->msix, entry, address, data);
	return v;
}

/* ---------------------------------------------------------------- device-wide port */

static bool whole_handler(int vector, void *arg)
{
	struct vdev *d = arg;
	bool config = vector == d->whole_vector[0];
	bool shared = d->whole_vector[0] == d->whole_vector[1];
	vdev_irq_raise(d, shared ? VIRTIO_ISR_QUEUE | VIRTIO_ISR_CONFIG : config ? VIRTIO_ISR_CONFIG : VIRTIO_ISR_QUEUE);
	return true;
}

static uint16_t queue_entry(const struct vdev *d) { return d->msix.table_size > 1 ? 1 : 0; }

bool vdev_whole_msix_start(struct vdev *d)
{
	if (d->whole_msix)
		return true;                             /* a new port: the vectors stay */
	if (!vdev_msix_usable(d) || d->entries_used)
		return false;
	uint16_t qe = queue_entry(d);
	d->whole_vector[0] = take_vector(d, 0, whole_handler, d);
	d->whole_vector[1] = qe ? take_vector(d, qe, whole_handler, d) : d->whole_vector[0];
	d->entries_used = qe + 1;
	d->whole_msix = true;
	if (d->whole_vector[0] < 0 || d->whole_vector[1] < 0 ||
	    d->tr.ops->set_config_vector(&d->tr, 0) != 0) {
		kwarn("virtio %s: no CPU vector, or the device refused MSI-X entry 0; INTx instead\n", d->name);
		vdev_msix_release(d);
		return false;
	}
	msix_enable(&d->msix, true);
	for (uint16_t q = 0; q < VT_MAX_QUEUES; q++)
		if (d->q[q].active)
			vdev_msix_queue_added(d, q);
	if (d->whole_msix)
		kprintf("virtio %s: interrupts by MSI-X: config vector %d, queues vector %d\n", d->name,
			d->whole_vector[0], d->whole_vector[1]);
	return d->whole_msix;
}

void vdev_msix_queue_added(struct vdev *d, uint16_t q)
{
	if (!d->whole_msix)
		return;
	uint16_t qe = queue_entry(d);
	if (d->tr.ops->set_queue_vector(&d->tr, q, qe) != qe) {
		kwarn("virtio %s: queue %u refused MSI-X entry %u; INTx instead\n", d->name, q, qe);
		vdev_msix_release(d);
	}
}

/* ---------------------------------------------------------------- release */

void vdev_msix_release(struct vdev *d)
{
	if (!d->entries_used && !d->msix.enabled)
		return;
	msix_enable(&d->msix, false);
	if (!d->tr.broken && d->tr.ops->set_config_vector) {
		d->tr.ops->set_config_vector(&d->tr, VIRTIO_MSI_NO_VECTOR);
		for (uint16_t q = 0; q < VT_MAX_QUEUES && (d->tr.num_queues == 0 || q < d->tr.num_queues); q++)
			d->tr.ops->set_queue_vector(&d->tr, q, VIRTIO_MSI_NO_VECTOR);
	}
	if (d->whole_msix) {
		msi_vector_free(d->whole_vector[0]);
		if (d->whole_vector[1] != d->whole_vector[0])
			msi_vector_free(d->whole_vector[1]);
		d->whole_msix = false;
	}
	for (int i = 0; i < VDEV_SOURCES; i++) {
		struct vsource *s = &d->src[i];
		if (s->port)
			ipc_port_release_send(s->port);
		if (s->port || s->vector)
			msi_vector_free(s->vector);
		source_clear(d, s);
	}
	d->entries_used = 0;
}

/* ---------------------------------------------------------------- one vector per source */

static uint32_t source_number(const struct vsource *s)
{
	int i = s - s->dev->src;
	return i == VDEV_CONFIG_SOURCE ? SM_VIRTIO_CONFIG_SOURCE : (uint32_t)i;
}

static void send_source(struct vsource *s)
{
	if (vdev_send_event(s->dev, &s->port, &s->event, SM_VIRTIO_VECTOR_MSG_ID, source_number(s), s->count))
		s->pending = false;
}

/* The driver took the source's message (or acknowledged it). */
static void source_rearm(struct device_event *ev)
{
	struct vsource *s = (struct vsource *)((char *)ev - offsetof(struct vsource, event));
	if (s->pending && s->port)
		send_source(s);
}

static bool source_handler(int vector, void *arg)
{
	struct vsource *s = arg;
	s->count++;
	s->dev->st.interrupts++;
	s->pending = true;
	if (s->event.in_flight)
		s->dev->st.irq_coalesced++;
	else if (s->port)
		send_source(s);
	return true;
}

/* The slot of source, or NULL if it names neither a queue the device has
 * nor configuration changes. */
static struct vsource *slot(struct vdev *d, uint32_t source)
{
	if (source == SM_VIRTIO_CONFIG_SOURCE)
		return &d->src[VDEV_CONFIG_SOURCE];
	if (source >= VT_MAX_QUEUES || (d->tr.num_queues && source >= d->tr.num_queues))
		return NULL;
	return &d->src[source];
}

int vdev_vector_register(struct vdev *d, uint32_t source, struct ipc_port *port)
{
	struct vsource *s = slot(d, source);
	if (!s) {
		vdev_refuse(d, "virtio_vector_register: source %u is neither a queue of the device (%u) nor config",
			    source, d->tr.num_queues);
		return KERN_INVALID_ARGUMENT;
	}
	if (!vdev_msix_usable(d)) {
		vdev_refuse(d, "virtio_vector_register: no MSI-X (%s)", !d->tr.ops->set_queue_vector ?
			    "legacy transport" : !irqchip_apic() ? "no APIC" : "the device has no MSI-X table");
		return SM_VIRTIO_E_NO_MSIX;
	}
	if (d->irq_port || s->port) {
		vdev_refuse(d, "virtio_vector_register: source %u already has a port (or virtio_irq_register was used)",
			    source);
		return SM_VIRTIO_E_EXISTS;
	}
	if (d->entries_used >= d->msix.table_size) {
		vdev_refuse(d, "virtio_vector_register: the device has %u MSI-X vectors, all in use",
			    d->msix.table_size);
		return SM_VIRTIO_E_VECTORS;
	}
	uint16_t entry = d->entries_used;
	int v = take_vector(d, entry, source_handler, s);
	if (v < 0) {
		vdev_refuse(d, "virtio_vector_register: the kernel has no free CPU vector");
		return KERN_RESOURCE_SHORTAGE;
	}
	uint16_t back = source == SM_VIRTIO_CONFIG_SOURCE ? d->tr.ops->set_config_vector(&d->tr, entry)
							: d->tr.ops->set_queue_vector(&d->tr, source, entry);
	if (back != entry) {
		msix_mask_entry(&d->msix, entry);
		msi_vector_free(v);
		vdev_refuse(d, "virtio_vector_register: the device refused MSI-X entry %u for source %u (read back %#x)",
			    entry, source, back);
		return SM_VIRTIO_E_VECTORS;
	}
	d->entries_used++;
	s->vector = v;
	if (source == SM_VIRTIO_CONFIG_SOURCE)
		kprintf("virtio %s: config changes by MSI-X entry %u, vector %d\n", d->name, entry, v);
	else
		kprintf("virtio %s: queue %u by MSI-X entry %u, vector %d\n", d->name, source, entry, v);
	s->port = port;                                 /* the send right is ours now */
	if (!d->msix.enabled)
		msix_enable(&d->msix, true);
	return KERN_SUCCESS;
}

int vdev_vector_ack(struct vdev *d, uint32_t source)
{
	struct vsource *s = slot(d, source);
	if (!s || !s->port) {
		vdev_refuse(d, "vector acknowledgement of source %u, which has no port", source);
		return KERN_INVALID_ARGUMENT;
	}
	s->event.in_flight = NULL;
	source_rearm(&s->event);
	return KERN_SUCCESS;
}
