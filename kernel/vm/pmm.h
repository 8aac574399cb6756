/* Physical memory for the kernel: frames from the multiboot memory map, minus
 * the kernel image, the modules GRUB loaded and the first megabyte. */
#ifndef VM_PMM_H
#define VM_PMM_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include "kern/multiboot.h"

void pmm_init(const struct multiboot_info *mbi);
/* A zeroed page's physical address, or 0 when memory is exhausted. */
uintptr_t pmm_alloc_page(void);
uintptr_t pmm_alloc_contig(size_t pages, size_t align_pages);
/* The same, zeroed only if `zero`: for frames a device fills for a driver
 * (virtio_fill_alloc), who can read any frame through its device anyway. */
uintptr_t pmm_alloc_contig_filled(size_t pages, size_t align_pages, bool zero);
/* Frees one reference: a frame shared with pmm_share_page is freed when
 * its last holder frees it. */
void pmm_free_page(uintptr_t pa);
/* One more holder of an allocated frame (a second task mapping it); false
 * if the frame is not allocated or has too many holders already. */
bool pmm_share_page(uintptr_t pa);
/* Whether more than one task maps the frame. */
bool pmm_page_shared(uintptr_t pa);
void pmm_free_contig(uintptr_t pa, size_t pages);
size_t pmm_free_pages(void);
/* Idle work: zero one free frame ahead of allocation (a bounded pool).
 * False when the pool is full or no free frame is left to zero. */
bool pmm_prezero_one(void);
size_t pmm_total_pages(void);
/* Highest physical address below which RAM is mapped by the kernel. */
uintptr_t pmm_ram_top(void);
#endif
