/* The kernel heap: power-of-two size classes from 16 bytes to 2 KiB carved from
 * pages, and whole pages beyond that. Every block is 16-byte aligned, and
 * zeroed unless asked for with kalloc_unzeroed (for a caller that writes it
 * whole at once: a message, kernel/ipc/kmsg.c). */
#ifndef VM_KALLOC_H
#define VM_KALLOC_H
#include <stddef.h>
void *kalloc(size_t size);          /* NULL when memory is exhausted */
void *kalloc_unzeroed(size_t size);
void kfree(void *p);
size_t kalloc_bytes_in_use(void);
#endif
