#include "kern/elf.h"
#include "i386/layout.h"

struct ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version, entry, phoff, shoff, flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct phdr {
	uint32_t type, offset, vaddr, paddr, filesz, memsz, flags, align;
};

#define PT_LOAD 1
#define PF_X 1
#define PF_W 2
#define LOAD_LIMIT (USER_STACK_TOP - USER_STACK_SIZE)

static uint32_t read32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint16_t read16(const uint8_t *p) { return p[0] | p[1] << 8; }

const char *elf_parse(const void *data, size_t len, struct elf_image *out)
{
	const uint8_t *b = data;
	if (len < sizeof(struct ehdr))
		return "shorter than an ELF header";
	if (b[0] != 0x7f || b[1] != 'E' || b[2] != 'L' || b[3] != 'F')
		return "not an ELF file";
	if (b[4] != 1)
		return "not 32-bit ELF";
	if (b[5] != 1)
		return "not little-endian";
	if (read16(b + 16) != 2)
		return "not an executable (ET_EXEC)";
	if (read16(b + 18) != 3)
		return "not for i386";
	uint32_t phoff = read32(b + 28);
	uint16_t phentsize = read16(b + 42), phnum = read16(b + 44);
	if (phentsize != sizeof(struct phdr))
		return "unexpected program header size";
	if (phnum == 0)
		return "no program headers";
	if (phoff > len || (size_t)phnum * phentsize > len - phoff)
		return "program headers outside the file";
	out->entry = read32(b + 24);
	out->nsegments = 0;
	bool entry_ok = false;
	for (unsigned i = 0; i < phnum; i++) {
		const uint8_t *ph = b + phoff + i * phentsize;
		if (read32(ph) != PT_LOAD)
			continue;
		struct elf_segment s = {
			.offset = read32(ph + 4), .vaddr = read32(ph + 8),
			.filesz = read32(ph + 16), .memsz = read32(ph + 20),
		};
		uint32_t flags = read32(ph + 24);
		s.writable = flags & PF_W;
		s.executable = flags & PF_X;
		if (s.memsz == 0)
			continue;
		if (out->nsegments == ELF_MAX_SEGMENTS)
			return "too many loadable segments";
		if (s.filesz > s.memsz)
			return "segment file size exceeds its memory size";
		if (s.offset > len || s.filesz > len - s.offset)
			return "segment data outside the file";
		if (s.vaddr < USER_BASE || s.vaddr >= LOAD_LIMIT || s.memsz > LOAD_LIMIT - s.vaddr)
			return "segment outside user space";
		uint32_t first = PAGE_ROUND_DOWN(s.vaddr), end = PAGE_ROUND_UP(s.vaddr + s.memsz);
		for (int j = 0; j < out->nsegments; j++) {
			const struct elf_segment *o = &out->seg[j];
			uint32_t ofirst = PAGE_ROUND_DOWN(o->vaddr), oend = PAGE_ROUND_UP(o->vaddr + o->memsz);
			if (first < oend && ofirst < end)
				return "segments share a page";
		}
		if (s.executable && out->entry >= s.vaddr && out->entry < s.vaddr + s.memsz)
			entry_ok = true;
		out->seg[out->nsegments++] = s;
	}
	if (out->nsegments == 0)
		return "no loadable segments";
	if (!entry_ok)
		return "entry point not in an executable segment";
	return NULL;
}
