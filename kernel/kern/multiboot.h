/* The multiboot (version 1) boot information GRUB hands the kernel, as the
 * Multiboot Specification 0.6.96, section 3.3, lays it out. */
#ifndef KERN_MULTIBOOT_H
#define KERN_MULTIBOOT_H
#include <stdint.h>

#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002
#define MULTIBOOT_INFO_MEMORY   0x001
#define MULTIBOOT_INFO_CMDLINE  0x004
#define MULTIBOOT_INFO_MODS     0x008
#define MULTIBOOT_INFO_MEM_MAP  0x040

struct multiboot_info {
	uint32_t flags;
	uint32_t mem_lower, mem_upper;
	uint32_t boot_device;
	uint32_t cmdline;
	uint32_t mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
	/* later fields unused */
};

struct multiboot_module {
	uint32_t mod_start, mod_end;
	uint32_t string;          /* the module's command line */
	uint32_t reserved;
};

struct multiboot_mmap_entry {
	uint32_t size;            /* of the rest of this entry, not counting this field */
	uint64_t addr, len;
	uint32_t type;            /* 1 = available RAM */
} __attribute__((packed));
#endif
