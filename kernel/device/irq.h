/* Device interrupts other than the timer: legacy lines (ISA numbers, shared
 * by PCI INTx) and MSI/MSI-X vectors (one owner each, APIC path only, see
 * i386/irqchip.h). Drivers in the kernel (and, with the virtio transport,
 * user-space drivers through messages) register here. */
#ifndef DEVICE_IRQ_H
#define DEVICE_IRQ_H
#include <stdbool.h>
#include <stdint.h>
/* A handler returns whether its device was the one interrupting. */
typedef bool (*irq_handler_t)(int irq, void *arg);
/* Several handlers may share one legacy line; each is called in turn. */
int irq_register(int irq, irq_handler_t fn, void *arg);
void irq_dispatch(int irq);
/* A line that keeps interrupting with no handler claiming it is masked
 * after this many interrupts in a row (a device stuck asserting INTx). */
#define IRQ_UNCLAIMED_LIMIT 100000

/* A free MSI vector for fn (called with the vector number), or -1 when
 * there is no APIC or every vector is taken. */
int msi_vector_alloc(irq_handler_t fn, void *arg);
void msi_vector_free(int vector);
void msi_dispatch(int vector);
/* The MSI address and data words that raise vector on this CPU. */
void msi_message(int vector, uint32_t *address, uint32_t *data);
#endif
