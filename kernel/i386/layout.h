/* The i386 virtual address layout shared by the kernel, boot code and loader.
 *
 *   0x00000000 - 0x00000FFF   never mapped (null pointer guard)
 *   0x00001000 - USER_TOP     the task's own address space
 *   USER_TOP   - KERNBASE     the time page, read-only, the same frame in every
 *                             task (include/sm/time_page.h, docs/time.md)
 *   KERNBASE   - DIRECT_END   all physical RAM, mapped 1:1 plus KERNBASE (4 MiB pages)
 *   DIRECT_END - 0xFFFFFFFF   kernel window for device memory (MMIO) mappings
 *
 * Every page directory shares the kernel's entries from KERNBASE up, so the kernel
 * is mapped the same in every address space. */
#ifndef I386_LAYOUT_H
#define I386_LAYOUT_H

#define KERNBASE        0xC0000000
#define USER_BASE       0x00001000
#define USER_TOP        0xBFFFF000      /* first address above user space */
#define USER_STACK_TOP  0xBFFFF000
#define USER_STACK_SIZE (256 * 1024)
#define DIRECT_END      0xF0000000      /* up to 768 MiB of RAM is direct-mapped */
#define MMIO_WINDOW     DIRECT_END
#define PAGE_SIZE       4096
#define PAGE_SHIFT      12

#ifndef __ASSEMBLER__
#include <stdint.h>
#define P2V(pa) ((void *)((uintptr_t)(pa) + KERNBASE))
#define V2P(va) ((uintptr_t)(va) - KERNBASE)
#define PAGE_ROUND_UP(x)   (((x) + PAGE_SIZE - 1) & ~(uintptr_t)(PAGE_SIZE - 1))
#define PAGE_ROUND_DOWN(x) ((x) & ~(uintptr_t)(PAGE_SIZE - 1))
#endif
#endif
