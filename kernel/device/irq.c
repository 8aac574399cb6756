#include "device/irq.h"
#include "device/device_layer.h"
#include "ipc/kmsg.h"
#include "i386/irqchip.h"
#include "i386/lapic.h"
#include "kern/printf.h"

#define NIRQ 16
#define HANDLERS_PER_LINE 4

static struct { irq_handler_t fn; void *arg; } handlers[NIRQ][HANDLERS_PER_LINE];
static unsigned long unclaimed[NIRQ];   /* interrupts in a row nobody claimed */

int irq_register(int irq, irq_handler_t fn, void *arg)
{
	if (irq <= 0 || irq >= NIRQ || irq == 2)
		return -1;
	for (int i = 0; i < HANDLERS_PER_LINE; i++)
		if (!handlers[irq][i].fn) {
			handlers[irq][i].fn = fn;
			handlers[irq][i].arg = arg;
			unclaimed[irq] = 0;
			irqchip_unmask(irq);
			return 0;
		}
	return -1;
}

void irq_dispatch(int irq)
{
	int present = 0, claimed = 0;
	for (int i = 0; i < HANDLERS_PER_LINE; i++)
		if (handlers[irq][i].fn) {
			present = 1;
			claimed |= handlers[irq][i].fn(irq, handlers[irq][i].arg);   /* every one: shared lines */
		}
	if (!present) {
		kwarn("irq %d with no handler: masking it\n", irq);
		irqchip_mask(irq);
		return;
	}
	/* An unclaimed interrupt now and then is normal on a shared line (one
	 * handler already served the event); an endless run is a stuck device. */
	if (claimed) {
		unclaimed[irq] = 0;
	} else if (++unclaimed[irq] >= IRQ_UNCLAIMED_LIMIT) {
		kwarn("irq %d: %d interrupts in a row that no handler claimed: masking it\n", irq, IRQ_UNCLAIMED_LIMIT);
		irqchip_mask(irq);
	}
}


/* ---------------------------------------------------------------- MSI vectors */

static struct { irq_handler_t fn; void *arg; } msi[MSI_VECTORS];

int msi_vector_alloc(irq_handler_t fn, void *arg)
{
	if (!irqchip_apic())
		return -1;
	for (int i = 0; i < MSI_VECTORS; i++)
		if (!msi[i].fn) {
			msi[i].fn = fn;
			msi[i].arg = arg;
			return T_MSI0 + i;
		}
	return -1;
}

void msi_vector_free(int vector)
{
	if (vector >= T_MSI0 && vector < T_MSI0 + MSI_VECTORS)
		msi[vector - T_MSI0].fn = NULL;
}

void msi_dispatch(int vector)
{
	int i = vector - T_MSI0;
	if (msi[i].fn)
		msi[i].fn(vector, msi[i].arg);
	else
		kwarn("msi: vector %d with no owner (a device kept a freed vector); ignored\n", vector);
}

void msi_message(int vector, uint32_t *address, uint32_t *data)
{
	lapic_msi_message(vector, address, data);
}


/* ---------------------------------------------------------------- events re-armed on receipt */

void device_event_attach(struct device_event *ev, struct kmsg *m)
{
	m->event = ev;
	ev->in_flight = m;
}

void device_event_taken(struct kmsg *m)
{
	struct device_event *ev = m->event;
	m->event = NULL;
	if (ev->in_flight != m)
		return;                     /* stale: acknowledged or reset since it was sent */
	ev->in_flight = NULL;
	ev->rearm(ev);
}
