/* Checking a static i386 ELF executable before anything of it is mapped. The
 * parser only reads the bytes it is given and returns why it refuses a file, so
 * a malformed module is logged and skipped, and host tests feed it garbage. */
#ifndef KERN_ELF_H
#define KERN_ELF_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

#define ELF_MAX_SEGMENTS 8

struct elf_segment {
	uint32_t vaddr, memsz;
	uint32_t offset, filesz;
	bool writable, executable;
};

struct elf_image {
	uint32_t entry;
	int nsegments;
	struct elf_segment seg[ELF_MAX_SEGMENTS];
};

/* NULL when the image is loadable, else a short reason. Accepted: ELF32,
 * little-endian, ET_EXEC, EM_386, PT_LOAD segments inside the file and inside
 * user space below the stack, not sharing pages, and an entry point in an
 * executable segment. */
const char *elf_parse(const void *data, size_t len, struct elf_image *out);
#endif
