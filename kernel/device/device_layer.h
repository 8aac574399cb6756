/* The device layer: the one door between the core kernel (kern/, ipc/) and
 * the device classes (virtio today). The core calls only what is declared
 * here; a new class adds an entry to the table in device_layer.c and to the
 * PCI driver table, and no file of kern/ or ipc/ changes.
 *
 * What the core asks of the layer: find devices at boot (the PCI scan,
 * which offers each function to the drivers whose match table names it),
 * give a boot module the devices its arguments ask for, clean up after a
 * task that dies holding devices, run the device traps, serve the MIG
 * requests sent to device objects' ports, pass on what is sent to the
 * device master port (the name registry, device/registry.h), say which
 * tasks drive devices, and hear when an interrupt message it sent is taken
 * off its queue (device_event_taken, from ipc/kmsg.c). The device routines
 * of sminfo.defs (sm_device_at, sm_pci_at, sm_virtio_at) are served here
 * too (device/sminfo_devices.c, device/virtio/virtio_info.c), so
 * kern/sminfo.c names no device.
 * One other header of the layer is used by the core: device/irq.h, by
 * kern/console_input.c, the kernel's own serial line, which is not a class
 * device but takes its interrupt like one. */
#ifndef DEVICE_DEVICE_LAYER_H
#define DEVICE_DEVICE_LAYER_H
#include <stdint.h>
#include <stdbool.h>
#include <mach/mach_types.h>
#include "kern/syscall.h"

struct task;
struct ipc_port;


/* What a class gives the layer; any hook may be NULL. */
struct device_class {
	const char *name;
	/* Boot: give t the devices its argv names; returns how many. */
	int (*grant)(struct task *t, int argc, char **argv);
	/* t is being freed (before its memory): stop its devices' DMA,
	 * release what it held. */
	void (*task_cleanup)(struct task *t);
	const struct trap_entry *traps;     /* traps the class serves (project numbers) */
	int ntraps;
	/* The MIG demux of the class's kernel interface. */
	boolean_t (*server)(mach_msg_header_t *in, mach_msg_header_t *out);
	/* Whether t has claimed one of the class's devices (drives it). */
	bool (*task_drives)(const struct task *t);
};

/* Every device object's kernel object (port kotype IKOT_DEVICE_CLASS)
 * starts with this, so a port is checked to belong to the right class. */
struct device_object {
	const struct device_class *cls;
};

/* Scan the buses and attach drivers. */
void device_layer_init(void);
int device_grant_from_args(struct task *t, int argc, char **argv);
void device_task_cleanup(struct task *t);
/* Whether t drives a device of any class (sminfo's sm_task_at). */
bool device_task_drives(const struct task *t);
/* The device trap with this number, or NULL. */
const struct trap_entry *device_trap_find(int number);
boolean_t device_layer_server(mach_msg_header_t *in, mach_msg_header_t *out);
/* A message sent to the device master port (device/registry.c). */
struct kmsg;
void device_master_receive(struct kmsg *m);

/* For classes: a port for obj, and the object of class cls a port word
 * (as a MIG routine sees it) stands for, or NULL. */
struct ipc_port *device_object_port(struct device_object *obj);
void *device_object_from_port(uint32_t port_word, const struct device_class *cls);

/* An interrupt source that reports to its driver by message, at most one
 * message at a time, re-armed when the driver receives that message: the
 * receive is the acknowledgement, so a driver makes no call for it. A class
 * sends the message with device_event_attach on its kmsg; until the message
 * is taken, the class only gathers further interrupts (in_flight non-NULL);
 * once it is taken, `rearm` runs (in the receiver's mach_msg, interrupts
 * off) and may send the next message for what gathered meanwhile. The
 * driver drains its queues after the receive, then re-arms them and looks
 * once more, so a completion either is seen by that last look or raises an
 * interrupt after the receive, which finds the source re-armed and sends a
 * message: none is lost (docs/virtio-implementation.md, Interrupts). Only a
 * kmsg the kernel marked re-arms: a message a task sends to the same port
 * carries no mark. Clearing in_flight (an explicit acknowledgement, a
 * reset) makes a message still queued stale: taking it re-arms nothing. */
struct device_event {
	const struct kmsg *in_flight;      /* the message not yet received, or NULL */
	void (*rearm)(struct device_event *ev);
};
/* m is ev's message from now on (the class sends it next). */
void device_event_attach(struct device_event *ev, struct kmsg *m);
/* From the IPC layer: a message with m->event set was received or destroyed. */
void device_event_taken(struct kmsg *m);
#endif
