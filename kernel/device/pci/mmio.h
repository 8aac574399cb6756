/* The kernel's window for device registers: physical MMIO ranges (BARs)
 * mapped uncached at MMIO_WINDOW (0xF0000000, i386/layout.h) and up. The page
 * tables of the window exist from boot (vm/pmap.c), shared by every address
 * space, so a mapping made here is visible in all of them, to the kernel only
 * (no PTE_U). Mappings are permanent: devices are found once, at boot. */
#ifndef DEVICE_PCI_MMIO_H
#define DEVICE_PCI_MMIO_H
#include <stdint.h>
/* Kernel virtual address of physical address pa, with len bytes mapped;
 * NULL if pa is above 4 GiB or the window is full. */
volatile void *mmio_map(uint64_t pa, uint32_t len);
/* Bytes of the window in use, for the boot log. */
uint32_t mmio_window_used(void);
#endif
