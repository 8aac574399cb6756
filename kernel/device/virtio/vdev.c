/* Virtio PCI functions as kernel objects: discovery at boot, handing a
 * device to a boot module, interrupts delivered as messages, the notify
 * trap, and cleanup when a driver task dies. The MIG routines are in
 * virtio_server.c, the memory handed to drivers in vmem.c.
 *
 * Interrupts, INTx (MSI-X is in vectors.c): each device hooks
 * its PCI interrupt line (device/irq.c calls every handler of a shared line
 * in turn). The handler reads the ISR status byte, which acknowledges the
 * interrupt and makes the device deassert the line (4.1.4.5); a zero ISR
 * means the interrupt was another device's. The ISR bits are collected and
 * one message (sm_virtio_irq_msg_t) goes to the driver's port; until the
 * driver receives it, further interrupts only add bits (the "mask"), and
 * the receive re-arms (a device_event, device_layer.h): with bits pending
 * the next message goes at once, so nothing is lost and the driver's queue
 * never holds more than one. virtio_irq_ack re-arms too, for a driver that
 * wants the next message before it has received the last. */
#include "device/virtio/vdev.h"
#include "device/irq.h"
#include "kern/task.h"
#include "kern/printf.h"
#include "kern/string.h"
#include "ipc/port.h"
#include "ipc/kmsg.h"
#include "ipc/space.h"
#include "ipc/kmsg.h"
#include "ipc/mqueue.h"
#include <stdarg.h>

#define LOGGED_ERRORS_PER_DEVICE 16

static struct vdev devices[VDEV_MAX];
static int ndevices;

struct vdev *vdev_at(int i) { return i >= 0 && i < ndevices ? &devices[i] : NULL; }

struct vdev *vdev_from_port(uint32_t port_word)
{
	return device_object_from_port(port_word, &virtio_class);
}

void vdev_refuse(struct vdev *d, const char *fmt, ...)
{
	d->st.errors++;
	if (d->st.errors > LOGGED_ERRORS_PER_DEVICE)
		return;
	char line[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	struct task *t = current_task();
	kwarn("virtio %s: task %u (%s): %s%s\n", d->name, t->id, t->name, line,
	      d->st.errors == LOGGED_ERRORS_PER_DEVICE ? " (further errors not logged)" : "");
}

static uint32_t virtio_type_of(const struct pci_function *f)
{
	if (f->device >= 0x1040 && f->device <= 0x107f)
		return f->device - 0x1040;                  /* 4.1.2 */
	return f->subsys_id;                            /* 4.1.2.2: transitional */
}

static const char *type_name(uint32_t type)
{
	switch (type) {
	case VIRTIO_ID_NET: return "virtio-net";
	case VIRTIO_ID_BLOCK: return "virtio-blk";
	case VIRTIO_ID_CONSOLE: return "virtio-console";
	case VIRTIO_ID_ENTROPY: return "virtio-rng";
	case VIRTIO_ID_BALLOON: return "virtio-balloon";
	case VIRTIO_ID_SCSI: return "virtio-scsi";
	default: return "virtio";
	}
}

/* ---------------------------------------------------------------- interrupts */

bool vdev_send_event(struct vdev *d, struct ipc_port **portp, struct device_event *ev, uint32_t id,
		     uint32_t a, uint32_t b)
{
	struct ipc_port *p = *portp;
	if (!p->active) {
		kwarn("virtio %s: interrupt port of task %u is dead; interrupts dropped\n", d->name,
		      d->owner ? d->owner->id : 0);
		ipc_port_release_send(p);
		*portp = NULL;
		return false;
	}
	struct kmsg *m = kmsg_alloc(sizeof(sm_virtio_irq_msg_t));
	if (!m)
		return false;                           /* the event stays pending for the next try */
	_Static_assert(sizeof(sm_virtio_irq_msg_t) == sizeof(sm_virtio_vector_msg_t), "one event layout");
	sm_virtio_irq_msg_t *msg = (sm_virtio_irq_msg_t *)m->hdr;
	memset(msg, 0, sizeof *msg);
	msg->head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_PORT_SEND, 0);
	msg->head.msgh_size = sizeof *msg;
	msg->head.msgh_id = id;
	msg->isr_type = KMSG_INT32_TYPE;
	msg->isr = a;
	msg->count_type = msg->isr_type;
	msg->count = b;
	msg->head.msgh_remote_port = (uint32_t)ipc_port_copy_send(p);   /* the message's own right */
	/* Marked only once queued (or handed to a waiting receiver, which
	 * copies it out after this returns): a message the queue bounds drop
	 * is destroyed unmarked, so its destruction cannot re-arm and send
	 * again from inside this send, and the event stays pending for the
	 * next interrupt. */
	if (ipc_mqueue_send(m) != MACH_MSG_SUCCESS)
		return false;
	device_event_attach(ev, m);
	d->st.irq_messages++;
	return true;
}

static void send_irq_message(struct vdev *d)
{
	if (vdev_send_event(d, &d->irq_port, &d->irq_event, SM_VIRTIO_IRQ_MSG_ID, d->irq_pending, d->st.interrupts))
		d->irq_pending = 0;
}

void vdev_irq_raise(struct vdev *d, uint8_t isr)
{
	d->st.interrupts++;
	d->irq_pending |= isr;
	if (!d->irq_port)
		return;
	if (d->irq_event.in_flight)
		d->st.irq_coalesced++;
	else
		send_irq_message(d);
}

/* The driver took the device-wide message (or acknowledged it). */
static void irq_rearm(struct device_event *ev)
{
	struct vdev *d = (struct vdev *)((char *)ev - offsetof(struct vdev, irq_event));
	if (d->irq_port && d->irq_pending)
		send_irq_message(d);
}

static bool irq_handler(int irq, void *arg)
{
	struct vdev *d = arg;
	if (d->msix.enabled)
		return false;                               /* its interrupts come as MSI-X: no ISR read */
	uint8_t isr = d->tr.ops->isr_read(&d->tr);   /* acknowledges (4.1.4.5) */
	if (!isr)
		return false;                               /* a neighbour on a shared line */
	vdev_irq_raise(d, isr);
	return true;
}

void vdev_irq_set_port(struct vdev *d, struct ipc_port *port)
{
	if (d->irq_port)
		ipc_port_release_send(d->irq_port);
	d->irq_port = port;
	d->irq_event.in_flight = NULL;
	irq_rearm(&d->irq_event);
}

void vdev_irq_ack(struct vdev *d)
{
	d->irq_event.in_flight = NULL;
	irq_rearm(&d->irq_event);
}

/* ---------------------------------------------------------------- discovery */

void virtio_pci_probe(const struct pci_function *f)
{
	if (f->vendor != VIRTIO_PCI_VENDOR || f->device < 0x1000 || f->device > 0x107f)
		return;                                     /* 4.1.2 */
	char name[16];
	snprintf(name, sizeof name, "%02x:%02x.%u", f->bus, f->dev, f->fn);
	if (ndevices == VDEV_MAX) {
		kwarn("virtio %s: more than %d devices; ignored\n", name, VDEV_MAX);
		return;
	}
	struct vdev *d = &devices[ndevices];
	memset(d, 0, sizeof *d);
	strlcpy(d->name, name, sizeof d->name);
	d->pci = f;
	d->virtio_type = virtio_type_of(f);
	d->irq_event.rearm = irq_rearm;
	const char *why;
	if (vmodern_present(f))
		why = vmodern_attach(&d->tr, &d->regs.modern, f);
	else if (f->device >= 0x1040)
		why = "no virtio capabilities on a non-transitional device";
	else
		why = vlegacy_attach(&d->tr, &d->regs.legacy, f);
	if (why) {
		kwarn("virtio %s: not usable: %s\n", name, why);
		return;
	}
	d->obj.cls = &virtio_class;
	d->port = device_object_port(&d->obj);
	if (!d->port) {
		kwarn("virtio %s: no memory for its port\n", name);
		return;
	}
	vcore_init(&d->core, &d->tr);
	/* Enable decoding of its BARs; bus mastering waits for a driver. */
	uint16_t cmd = pci_read(f, PCI_COMMAND, 2);
	pci_write(f, PCI_COMMAND, 2, (cmd | PCI_CMD_IO | PCI_CMD_MEMORY) & ~PCI_CMD_BUS_MASTER);
	vcore_stop(&d->core);                           /* quiet until a driver claims it */
	d->offered = d->tr.ops->get_features(&d->tr);
	ndevices++;
	vdev_msix_attach(d);
	if (f->irq_pin && f->irq_line > 0 && f->irq_line < 16)
		d->irq_hooked = irq_register(f->irq_line, irq_handler, d) == 0;
	kprintf("virtio %s: %s, %s transport, %u queues, %u bytes of config, features %#llx, irq %s%u, %u MSI-X vectors\n",
		name, type_name(d->virtio_type), d->tr.ops->name, d->tr.num_queues, d->tr.config_size,
		(unsigned long long)d->offered, d->irq_hooked ? "" : "not hooked, line ", f->irq_line,
		d->msix.table_size);
}

/* ---------------------------------------------------------------- boot grants */

static struct vdev *find_spec(const char *spec, size_t len)
{
	for (int i = 0; i < ndevices; i++) {
		struct vdev *d = &devices[i];
		if (strlen(d->name) == len && strncmp(d->name, spec, len) == 0)
			return d;
		const char *tn = type_name(d->virtio_type);
		if (!d->granted && strlen(tn) == len && strncmp(tn, spec, len) == 0)
			return d;
	}
	return NULL;
}

int virtio_grant_from_args(struct task *t, int argc, char **argv)
{
	int given = 0;
	struct vdev *mine[VDEV_MAX];
	for (int a = 1; a < argc; a++) {
		if (strncmp(argv[a], "device=", 7) != 0)
			continue;
		for (const char *s = argv[a] + 7; *s;) {
			size_t len = 0;
			while (s[len] && s[len] != ',')
				len++;
			struct vdev *d = find_spec(s, len);
			mach_port_name_t name = SM_VIRTIO_FIRST_DEVICE_NAME + given;
			for (int i = 0; d && i < given; i++)
				if (mine[i] == d)
					d = NULL;                   /* one name per port in a space */
			if (!d) {
				char spec[24];
				strlcpy(spec, s, len + 1 < sizeof spec ? len + 1 : sizeof spec);
				kwarn("bootstrap: task %u (%s): device %s: no such virtio device, or already given\n",
				      t->id, t->name, spec);
			} else {
				ipc_port_make_send(d->port);
				if (ipc_space_insert_at(t->space, name, d->port, MACH_PORT_TYPE_SEND)) {
					d->granted = true;
					mine[given++] = d;
					kprintf("virtio %s: given to task %u (%s) at name %u\n", d->name, t->id, t->name, name);
				} else {
					ipc_port_release_send(d->port);
					kwarn("bootstrap: task %u: name %u taken; %s not given\n", t->id, name, d->name);
				}
			}
			s += len;
			if (*s == ',')
				s++;
		}
	}
	return given;
}

/* ---------------------------------------------------------------- ownership */

static void set_bus_master(struct vdev *d, bool on)
{
	uint16_t cmd = pci_read(d->pci, PCI_COMMAND, 2);
	cmd = on ? cmd | PCI_CMD_BUS_MASTER : cmd & ~PCI_CMD_BUS_MASTER;
	pci_write(d->pci, PCI_COMMAND, 2, cmd);
}

void vdev_release_queues(struct vdev *d)
{
	uint32_t freed = 0;
	if (d->owner)
		vmem_release_dev(d->owner, d, &freed);
	for (int q = 0; q < VT_MAX_QUEUES; q++)
		d->q[q] = (struct vqueue){ 0 };
	d->st.queues = 0;
	d->st.ring_pages = 0;
}

int vdev_reset(struct vdev *d)
{
	/* The device stops using its queues before their memory goes. */
	set_bus_master(d, false);
	int r = vcore_reset(&d->core);
	vdev_release_queues(d);
	vdev_msix_release(d);
	d->irq_pending = 0;
	d->irq_event.in_flight = NULL;
	d->owner = current_task();
	if (r == VT_OK && d->irq_port)
		vdev_whole_msix_start(d);                  /* the reset unmapped its vectors */
	d->st.resets++;
	if (r == VT_OK)
		set_bus_master(d, true);
	return r;
}

void virtio_task_cleanup(struct task *t)
{
	int reset = 0;
	for (int i = 0; i < ndevices; i++) {
		struct vdev *d = &devices[i];
		if (d->owner != t)
			continue;
		/* Reset first, and cut bus mastering even if the reset hangs:
		 * after this the device cannot write to memory. */
		int r = vcore_stop(&d->core);
		set_bus_master(d, false);
		vdev_release_queues(d);
		vdev_msix_release(d);
		vdev_irq_set_port(d, NULL);
		d->irq_pending = 0;
		d->owner = NULL;
		reset++;
		kprintf("virtio %s: owner task %u (%s) ended: device reset%s, bus mastering off\n",
			d->name, t->id, t->name, r == VT_OK ? "" : " FAILED");
	}
	uint32_t dma = 0;
	vmem_release_task(t, &dma);
	if (reset || dma)
		kprintf("virtio: task %u (%s): %u DMA pages freed after %d device reset%s\n", t->id, t->name,
			dma, reset, reset == 1 ? "" : "s");
}

/* ---------------------------------------------------------------- notify trap */

/* The device named args[0] in the caller's space, if the caller owns it;
 * else NULL with *kr set. what names the trap in the refusal log. */
static struct vdev *trap_device(const uint32_t *args, const char *what, uint32_t *kr)
{
	struct task *t = current_task();
	struct ipc_entry *e = ipc_space_lookup(t->space, args[0]);
	if (!e || !e->port || !(e->type & MACH_PORT_TYPE_SEND)) {
		*kr = KERN_INVALID_NAME;
		return NULL;
	}
	struct vdev *d = vdev_from_port((uint32_t)e->port);
	if (!d) {
		*kr = KERN_INVALID_CAPABILITY;
		return NULL;
	}
	if (d->owner != t) {
		vdev_refuse(d, "%s from a task that does not own the device", what);
		*kr = KERN_NO_ACCESS;
		return NULL;
	}
	return d;
}

int vdev_queue_notify(struct vdev *d, uint32_t q, const char *what, natural_t *counter)
{
	if (q >= VT_MAX_QUEUES || !d->q[q].active) {
		vdev_refuse(d, "%s: queue %u is not set up", what, q);
		return KERN_INVALID_ARGUMENT;
	}
	if (d->tr.broken)
		return SM_VIRTIO_E_BROKEN;
	d->tr.ops->queue_notify(&d->tr, q);
	(*counter)++;
	return KERN_SUCCESS;
}

uint32_t virtio_notify_trap(const uint32_t *args)
{
	uint32_t kr;
	struct vdev *d = trap_device(args, "notify", &kr);
	return d ? (uint32_t)vdev_queue_notify(d, args[1], "notify", &d->st.notifies_trap) : kr;
}

/* The sm_virtio_irq_ack trap: what virtio_irq_ack does, without a message. */
uint32_t virtio_irq_ack_trap(const uint32_t *args)
{
	uint32_t kr;
	struct vdev *d = trap_device(args, "interrupt acknowledgement", &kr);
	if (!d)
		return kr;
	vdev_irq_ack(d);
	return KERN_SUCCESS;
}

uint32_t virtio_vector_ack_trap(const uint32_t *args)
{
	uint32_t kr;
	struct vdev *d = trap_device(args, "vector acknowledgement", &kr);
	return d ? (uint32_t)vdev_vector_ack(d, args[1]) : kr;
}

/* ---------------------------------------------------------------- the device layer's view */

extern boolean_t virtio_server(mach_msg_header_t *, mach_msg_header_t *);

static const struct trap_entry vdev_traps[] = {
	{ SM_TRAP_VIRTIO_NOTIFY, 2, virtio_notify_trap, "sm_virtio_notify" },
	{ SM_TRAP_VIRTIO_IRQ_ACK, 1, virtio_irq_ack_trap, "sm_virtio_irq_ack" },
	{ SM_TRAP_VIRTIO_VECTOR_ACK, 2, virtio_vector_ack_trap, "sm_virtio_vector_ack" },
};

static bool virtio_task_drives(const struct task *t)
{
	for (int i = 0; vdev_at(i); i++)
		if (vdev_at(i)->owner == t)
			return true;
	return false;
}

const struct device_class virtio_class = {
	.name = "virtio",
	.grant = virtio_grant_from_args,
	.task_cleanup = virtio_task_cleanup,
	.traps = vdev_traps, .ntraps = sizeof vdev_traps / sizeof vdev_traps[0],
	.server = virtio_server,
	.task_drives = virtio_task_drives,
};

static const struct pci_id virtio_ids[] = { { VIRTIO_PCI_VENDOR, 0x1000, 0x107f } };   /* 4.1.2 */

const struct pci_driver virtio_pci_driver = {
	.name = "virtio", .ids = virtio_ids, .nids = 1, .attach = virtio_pci_probe,
};
