/* Device interrupt lines other than the timer. Drivers in the kernel (and, with
 * the virtio transport, user-space drivers through messages) register here. */
#ifndef DEVICE_IRQ_H
#define DEVICE_IRQ_H
typedef void (*irq_handler_t)(int irq, void *arg);
/* Several handlers may share one legacy line; each is called in turn. */
int irq_register(int irq, irq_handler_t fn, void *arg);
void irq_dispatch(int irq);
unsigned long irq_count(int irq);
#endif
