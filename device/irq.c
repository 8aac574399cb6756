#include "device/irq.h"
#include "i386/pic.h"
#include "kern/printf.h"

#define NIRQ 16
#define HANDLERS_PER_LINE 4

static struct { irq_handler_t fn; void *arg; } handlers[NIRQ][HANDLERS_PER_LINE];
static unsigned long counts[NIRQ];

int irq_register(int irq, irq_handler_t fn, void *arg)
{
	if (irq <= 0 || irq >= NIRQ || irq == 2)
		return -1;
	for (int i = 0; i < HANDLERS_PER_LINE; i++)
		if (!handlers[irq][i].fn) {
			handlers[irq][i].fn = fn;
			handlers[irq][i].arg = arg;
			pic_unmask(irq);
			return 0;
		}
	return -1;
}

void irq_dispatch(int irq)
{
	counts[irq]++;
	int handled = 0;
	for (int i = 0; i < HANDLERS_PER_LINE; i++)
		if (handlers[irq][i].fn) {
			handlers[irq][i].fn(irq, handlers[irq][i].arg);
			handled = 1;
		}
	if (!handled) {
		kwarn("irq %d with no handler: masking it\n", irq);
		pic_mask(irq);
	}
}

unsigned long irq_count(int irq) { return irq >= 0 && irq < NIRQ ? counts[irq] : 0; }
