/* Device interrupt lines other than the timer. Drivers in the kernel (and, with
 * the virtio transport, user-space drivers through messages) register here. */
#ifndef DEVICE_IRQ_H
#define DEVICE_IRQ_H
#include <stdbool.h>
/* A handler returns whether its device was the one interrupting. */
typedef bool (*irq_handler_t)(int irq, void *arg);
/* Several handlers may share one legacy line; each is called in turn. */
int irq_register(int irq, irq_handler_t fn, void *arg);
void irq_dispatch(int irq);
unsigned long irq_count(int irq);
/* A line that keeps interrupting with no handler claiming it is masked
 * after this many interrupts in a row (a device stuck asserting INTx). */
#define IRQ_UNCLAIMED_LIMIT 100000
#endif
