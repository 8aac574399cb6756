/*
 * test_elf.c - host unit test of the boot-module ELF checker
 * (kernel/kern/elf.c: elf_parse), built -m32 like the kernel.
 *
 * Images are built in memory from a small description (ELF header fields and
 * a program header table), so every case is self-contained: a valid static
 * i386 executable, then one malformation at a time, each expected to be
 * refused with the matching reason.  A fuzz loop then mutates a valid image
 * many thousands of times, parsing each copy where it ends right before an
 * unmapped page: the parser must never read past the bytes it is given, and
 * every image it accepts must satisfy the documented invariants.
 */
#include "check.h"
#include "kern/elf.h"
#include "i386/layout.h"

#include <string.h>

#define LOAD_LIMIT (USER_STACK_TOP - USER_STACK_SIZE)
#define PT_LOAD 1
#define PT_NOTE 4
#define PT_GNU_STACK 0x6474e551
#define PF_X 1
#define PF_W 2
#define PF_R 4
#define EHDR_SIZE 52
#define PHDR_SIZE 32
#define MAXPH 12
#define IMG_MAX 0x2000

struct ph { uint32_t type, offset, vaddr, filesz, memsz, flags; };

struct spec {
	uint8_t cls, data;
	uint16_t type, machine, phentsize, phnum;
	uint32_t entry, phoff;
	int nph;
	struct ph ph[MAXPH];
	size_t len;		/* bytes of the file */
};

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)v); put16(p + 2, (uint16_t)(v >> 16)); }

/*
 * The valid image: text (R+X) from offset 0 (headers included) at 0x400000,
 * 0x300 bytes; data (RW) from offset 0x300 at 0x401300, 0x80 bytes in the
 * file and 0x2000 in memory (bss); a PT_GNU_STACK header, as ld emits.
 */
static struct spec valid(void)
{
	struct spec s = {
		.cls = 1, .data = 1, .type = 2, .machine = 3,
		.phentsize = PHDR_SIZE, .phnum = 3, .entry = 0x400100, .phoff = EHDR_SIZE,
		.nph = 3, .len = 0x400,
		.ph = {
			{ PT_LOAD, 0, 0x400000, 0x300, 0x300, PF_R | PF_X },
			{ PT_LOAD, 0x300, 0x401300, 0x80, 0x2000, PF_R | PF_W },
			{ PT_GNU_STACK, 0, 0, 0, 0, PF_R | PF_W },
		},
	};
	return s;
}

/* Lays the image out in img (IMG_MAX bytes); returns its length. */
static size_t emit(const struct spec *s, uint8_t *img)
{
	memset(img, 0, IMG_MAX);
	for (size_t i = EHDR_SIZE; i < IMG_MAX; i++)
		img[i] = (uint8_t)(i * 13 + 7);		/* "code" and "data" */
	memcpy(img, "\177ELF", 4);
	img[4] = s->cls;
	img[5] = s->data;
	img[6] = 1;				/* EV_CURRENT */
	put16(img + 16, s->type);
	put16(img + 18, s->machine);
	put32(img + 20, 1);
	put32(img + 24, s->entry);
	put32(img + 28, s->phoff);
	put16(img + 40, EHDR_SIZE);
	put16(img + 42, s->phentsize);
	put16(img + 44, s->phnum);
	for (int i = 0; i < s->nph; i++) {
		uint64_t at = (uint64_t)s->phoff + (uint64_t)i * PHDR_SIZE;
		if (at + PHDR_SIZE > IMG_MAX)
			break;
		uint8_t *p = img + at;
		put32(p, s->ph[i].type);
		put32(p + 4, s->ph[i].offset);
		put32(p + 8, s->ph[i].vaddr);
		put32(p + 12, s->ph[i].vaddr);
		put32(p + 16, s->ph[i].filesz);
		put32(p + 20, s->ph[i].memsz);
		put32(p + 24, s->ph[i].flags);
		put32(p + 28, 0x1000);
	}
	return s->len;
}

static struct guard guard;

/* Parses the image described by s, placed flush against the guard page. */
static const char *parse(const struct spec *s, struct elf_image *out)
{
	static uint8_t img[IMG_MAX];
	size_t len = emit(s, img);
	uint8_t *at = guard_place(&guard, len);
	memcpy(at, img, len);
	return elf_parse(at, len, out);
}

/* Expects a refusal with exactly this reason (NULL: acceptance). */
#define EXPECT(s, want, what) do {					\
	struct elf_image out_;						\
	const char *why_ = parse(&(s), &out_);				\
	const char *want_ = (want);					\
	CHECK(want_ ? why_ && strcmp(why_, want_) == 0 : why_ == NULL,	\
	      "%s: got \"%s\", want \"%s\"", what,			\
	      why_ ? why_ : "(accepted)", want_ ? want_ : "(accepted)"); \
} while (0)

static const char *const OUTSIDE_USER = "segment outside user space";
static const char *const SHARE = "segments share a page";
static const char *const NO_ENTRY = "entry point not in an executable segment";
static const char *const DATA_OUT = "segment data outside the file";
static const char *const PH_OUT = "program headers outside the file";

static void test_valid(void)
{
	struct spec s = valid();
	struct elf_image out;
	memset(&out, 0xa5, sizeof out);
	const char *why = parse(&s, &out);
	CHECK(why == NULL, "valid image refused: %s", why);
	if (why)
		return;
	CHECK(out.entry == 0x400100 && out.nsegments == 2, "entry %#x nseg %d", out.entry, out.nsegments);
	const struct elf_segment *t = &out.seg[0], *d = &out.seg[1];
	CHECK(t->vaddr == 0x400000 && t->memsz == 0x300 && t->offset == 0 && t->filesz == 0x300 &&
	      t->executable && !t->writable, "text segment");
	CHECK(d->vaddr == 0x401300 && d->memsz == 0x2000 && d->offset == 0x300 && d->filesz == 0x80 &&
	      !d->executable && d->writable, "data segment");

	s.phoff = 0x35;			/* unaligned program headers are fine */
	EXPECT(s, NULL, "unaligned phoff");
	s = valid();
	s.ph[1].offset = 0x400 - 0x80;	/* data ending exactly at the end of the file */
	EXPECT(s, NULL, "data flush with end of file");
	s = valid();
	s.ph[1].filesz = 0;		/* pure bss */
	EXPECT(s, NULL, "bss-only segment");
	s = valid();
	s.ph[0].memsz = 0x1000;
	s.ph[1].vaddr = 0x401000;	/* adjacent pages, not shared */
	EXPECT(s, NULL, "adjacent segments");
	s = valid();
	s.ph[2].type = PT_NOTE;		/* other header types are ignored, whatever they hold */
	s.ph[2].offset = 0xffffffff;
	s.ph[2].vaddr = 0xc0000000;
	s.ph[2].memsz = 0xffffffff;
	EXPECT(s, NULL, "garbage in a PT_NOTE");
	s = valid();
	s.ph[2] = (struct ph){ PT_LOAD, 0xffffffff, 0, 0x10, 0, PF_X };
	EXPECT(s, NULL, "PT_LOAD with memsz 0 is skipped");
	s = valid();
	s.entry = 0x4002ff;
	EXPECT(s, NULL, "entry at the last byte of text");
	s = valid();
	s.ph[1].flags |= PF_X;
	s.entry = 0x4022ff;		/* in bss of an executable segment */
	EXPECT(s, NULL, "entry in executable bss");
}

static void test_header(void)
{
	struct spec s = valid();
	for (size_t len = 0; len < EHDR_SIZE; len += (len < 8 ? 1 : 11)) {
		s.len = len;
		EXPECT(s, "shorter than an ELF header", "truncated header");
	}
	s.len = EHDR_SIZE;
	EXPECT(s, PH_OUT, "header only");
	s.len = EHDR_SIZE + 3 * PHDR_SIZE - 1;
	EXPECT(s, PH_OUT, "last program header cut short");

	for (int i = 0; i < 4; i++) {
		static uint8_t img[IMG_MAX];
		struct elf_image out;
		s = valid();
		size_t len = emit(&s, img);
		img[i] ^= 0x20;
		const char *why = elf_parse(img, len, &out);
		CHECK(why && strcmp(why, "not an ELF file") == 0, "magic byte %d: %s", i, why ? why : "accepted");
	}
	s = valid(); s.cls = 2; EXPECT(s, "not 32-bit ELF", "ELFCLASS64");
	s = valid(); s.cls = 0; EXPECT(s, "not 32-bit ELF", "ELFCLASSNONE");
	s = valid(); s.data = 2; EXPECT(s, "not little-endian", "big-endian");
	s = valid(); s.data = 0; EXPECT(s, "not little-endian", "ELFDATANONE");
	static const uint16_t types[] = { 0, 1, 3, 4, 0xfe00, 0x0200 };
	for (unsigned i = 0; i < sizeof types / sizeof types[0]; i++) {
		s = valid(); s.type = types[i];
		EXPECT(s, "not an executable (ET_EXEC)", "e_type");
	}
	static const uint16_t machines[] = { 0, 6, 62, 40, 0x0300 };
	for (unsigned i = 0; i < sizeof machines / sizeof machines[0]; i++) {
		s = valid(); s.machine = machines[i];
		EXPECT(s, "not for i386", "e_machine");
	}
	static const uint16_t phsizes[] = { 0, 31, 33, 56, 64, 0xffff };
	for (unsigned i = 0; i < sizeof phsizes / sizeof phsizes[0]; i++) {
		s = valid(); s.phentsize = phsizes[i];
		EXPECT(s, "unexpected program header size", "e_phentsize");
	}
	s = valid(); s.phnum = 0; EXPECT(s, "no program headers", "e_phnum 0");
}

static void test_phdr_bounds(void)
{
	struct spec s = valid();
	static const uint32_t phoffs[] = { 0x400, 0x401, 0x400 - 3 * PHDR_SIZE + 1, 0xffffffff,
					   0xfffffff0, 0x80000000 };
	for (unsigned i = 0; i < sizeof phoffs / sizeof phoffs[0]; i++) {
		s = valid(); s.phoff = phoffs[i];
		EXPECT(s, PH_OUT, "e_phoff beyond the file");
	}
	s = valid(); s.phoff = 0x400 - 3 * PHDR_SIZE;
	EXPECT(s, NULL, "program headers flush with the end");
	s = valid(); s.phnum = 0xffff;
	EXPECT(s, PH_OUT, "e_phnum 65535");
	s = valid(); s.phnum = 31;	/* 52 + 31*32 = 1044 > 1024 */
	EXPECT(s, PH_OUT, "e_phnum past the end");
	s = valid(); s.nph = 0; s.ph[0].type = 0;
	s.phnum = 1;			/* one PT_NULL header */
	EXPECT(s, "no loadable segments", "only PT_NULL");
}

static void test_segments(void)
{
	struct spec s;
	s = valid(); s.ph[1].filesz = 0x2001;
	EXPECT(s, "segment file size exceeds its memory size", "filesz > memsz");
	s = valid(); s.ph[1].offset = 0x400 - 0x7f;
	EXPECT(s, DATA_OUT, "data one byte past the end");
	s = valid(); s.ph[1].offset = 0x401; s.ph[1].filesz = 0;
	EXPECT(s, DATA_OUT, "offset past the end");
	s = valid(); s.ph[1].offset = 0xffffffff; s.ph[1].filesz = 2;
	EXPECT(s, DATA_OUT, "offset + filesz wraps");
	s = valid(); s.ph[1].offset = 0x10; s.ph[1].filesz = 0xfffffff8; s.ph[1].memsz = 0xfffffff8;
	EXPECT(s, DATA_OUT, "huge filesz");

	/* where a segment may be */
	struct { uint32_t vaddr, memsz; const char *want; const char *what; } where[] = {
		{ 0, 0x100, OUTSIDE_USER, "vaddr 0" },
		{ 0xfff, 0x10, OUTSIDE_USER, "vaddr in the null page" },
		{ USER_BASE, 0x10, NULL, "vaddr at USER_BASE" },
		{ KERNBASE, 0x1000, OUTSIDE_USER, "kernel space" },
		{ 0xffff0000, 0x1000, OUTSIDE_USER, "top of memory" },
		{ USER_TOP, 0x10, OUTSIDE_USER, "USER_TOP" },
		{ USER_STACK_TOP - 0x1000, 0x1000, OUTSIDE_USER, "inside the stack" },
		{ LOAD_LIMIT, 0x10, OUTSIDE_USER, "stack bottom" },
		{ LOAD_LIMIT - 0x1000, 0x1001, OUTSIDE_USER, "running into the stack" },
		{ LOAD_LIMIT - 0x1000, 0x1000, NULL, "ending at the stack" },
		{ 0x500000, 0xfff00000, OUTSIDE_USER, "wrap-around" },
		{ 0x500000, 0xffffffff, OUTSIDE_USER, "memsz 2^32-1" },
		{ 0x500000, LOAD_LIMIT - 0x500000 + 1, OUTSIDE_USER, "one byte too long" },
	};
	for (unsigned i = 0; i < sizeof where / sizeof where[0]; i++) {
		s = valid();
		s.ph[1].vaddr = where[i].vaddr;
		s.ph[1].memsz = where[i].memsz;
		s.ph[1].filesz = where[i].memsz < 0x80 ? where[i].memsz : 0x80;
		EXPECT(s, where[i].want, where[i].what);
	}

	/* sharing pages, in either order */
	s = valid(); s.ph[1].vaddr = 0x400300;
	EXPECT(s, SHARE, "data in the last page of text");
	s = valid(); s.ph[1].vaddr = 0x3ff000; s.ph[1].memsz = 0x1001;
	EXPECT(s, SHARE, "data ending in the first page of text");
	s = valid(); s.ph[1].vaddr = 0x3f0000; s.ph[1].memsz = 0x20000;
	EXPECT(s, SHARE, "data covering text");
	s = valid(); s.ph[1].vaddr = 0x400000; s.ph[1].memsz = 0x300;
	EXPECT(s, SHARE, "identical ranges");
	s = valid();
	struct ph tmp = s.ph[0]; s.ph[0] = s.ph[1]; s.ph[1] = tmp;
	EXPECT(s, NULL, "data before text in the table");
	s.ph[0].vaddr = 0x4002f0;
	EXPECT(s, SHARE, "data first, sharing text's page");

	/* the entry point */
	s = valid(); s.entry = 0x400300; EXPECT(s, NO_ENTRY, "entry just past text");
	s = valid(); s.entry = 0x3fffff; EXPECT(s, NO_ENTRY, "entry just before text");
	s = valid(); s.entry = 0; EXPECT(s, NO_ENTRY, "entry 0");
	s = valid(); s.entry = 0x401300; EXPECT(s, NO_ENTRY, "entry in data");
	s = valid(); s.ph[0].flags = PF_R; EXPECT(s, NO_ENTRY, "no executable segment");
	s = valid(); s.ph[0].type = PT_NOTE; s.ph[1].type = PT_NOTE;
	EXPECT(s, "no loadable segments", "no PT_LOAD");

	/* the segment limit */
	for (int n = ELF_MAX_SEGMENTS - 1; n <= ELF_MAX_SEGMENTS + 2; n++) {
		s = valid();
		s.nph = s.phnum = (uint16_t)(1 + n);	/* text plus n small data segments */
		for (int i = 1; i <= n; i++)
			s.ph[i] = (struct ph){ PT_LOAD, 0x300, 0x500000 + 0x2000 * i, 0x10, 0x20, PF_R | PF_W };
		EXPECT(s, n + 1 > ELF_MAX_SEGMENTS ? "too many loadable segments" : NULL, "segment count");
	}
	s = valid();				/* more headers than the limit, but few load */
	s.nph = s.phnum = MAXPH;
	for (int i = 2; i < MAXPH; i++)
		s.ph[i] = (struct ph){ i & 1 ? PT_NOTE : PT_LOAD, 0, 0x600000, 0, 0, 0 };
	EXPECT(s, NULL, "many headers, two loadable");
}

/* ----- fuzz ----- */

static uint32_t get32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

/* The documented invariants of an accepted image, and that its segments are
 * exactly the PT_LOAD headers with a non-zero memsz, in table order. */
static int accepted_ok(const uint8_t *b, size_t len, const struct elf_image *o, char *why, size_t whylen)
{
#define BAD(...) do { snprintf(why, whylen, __VA_ARGS__); return 0; } while (0)
	if (o->nsegments < 1 || o->nsegments > ELF_MAX_SEGMENTS)
		BAD("nsegments %d", o->nsegments);
	if (get32(b + 24) != o->entry)
		BAD("entry %#x", o->entry);
	uint32_t phoff = get32(b + 28);
	int k = 0, entry_ok = 0;
	for (unsigned i = 0; i < get16(b + 44); i++) {
		const uint8_t *ph = b + phoff + i * PHDR_SIZE;
		if (get32(ph) != PT_LOAD || get32(ph + 20) == 0)
			continue;
		if (k >= o->nsegments)
			BAD("more loadable headers than segments");
		const struct elf_segment *s = &o->seg[k++];
		if (s->offset != get32(ph + 4) || s->vaddr != get32(ph + 8) || s->filesz != get32(ph + 16) ||
		    s->memsz != get32(ph + 20) || s->executable != !!(get32(ph + 24) & PF_X) ||
		    s->writable != !!(get32(ph + 24) & PF_W))
			BAD("segment %d differs from its header", k - 1);
	}
	if (k != o->nsegments)
		BAD("%d loadable headers, %d segments", k, o->nsegments);
	for (int i = 0; i < o->nsegments; i++) {
		const struct elf_segment *s = &o->seg[i];
		if (s->memsz == 0 || s->filesz > s->memsz)
			BAD("seg %d sizes %#x/%#x", i, s->filesz, s->memsz);
		if ((uint64_t)s->offset + s->filesz > len)
			BAD("seg %d data %#x+%#x past %zu", i, s->offset, s->filesz, len);
		if (s->vaddr < USER_BASE || (uint64_t)s->vaddr + s->memsz > LOAD_LIMIT)
			BAD("seg %d at %#x+%#x", i, s->vaddr, s->memsz);
		uint64_t a0 = s->vaddr & ~0xfffull, a1 = ((uint64_t)s->vaddr + s->memsz + 0xfff) & ~0xfffull;
		for (int j = 0; j < i; j++) {
			const struct elf_segment *t = &o->seg[j];
			uint64_t b0 = t->vaddr & ~0xfffull, b1 = ((uint64_t)t->vaddr + t->memsz + 0xfff) & ~0xfffull;
			if (a0 < b1 && b0 < a1)
				BAD("segs %d and %d share a page", j, i);
		}
		if (s->executable && o->entry >= s->vaddr && (uint64_t)o->entry < (uint64_t)s->vaddr + s->memsz)
			entry_ok = 1;
	}
	if (!entry_ok)
		BAD("entry %#x not in an executable segment", o->entry);
	return 1;
#undef BAD
}

static const uint32_t interesting[] = {
	0, 1, 0x1000, 0xfff, 0x400000, 0x401000, LOAD_LIMIT, LOAD_LIMIT - 0x1000,
	USER_STACK_TOP, KERNBASE, 0x7fffffff, 0x80000000, 0xfffff000, 0xffffffff, PT_LOAD, 0x400, 0x20,
};

static void test_fuzz(int rounds)
{
	static uint8_t base[IMG_MAX], cur[IMG_MAX];
	struct spec s = valid();
	s.nph = s.phnum = 4;
	s.ph[3] = (struct ph){ PT_LOAD, 0x380, 0x404380, 0x40, 0x100, PF_R };
	s.len = 0x400;
	size_t base_len = emit(&s, base);
	struct elf_image out;
	CHECK(elf_parse(base, base_len, &out) == NULL, "fuzz seed image refused");

	int accepted = 0, refused = 0, bad = 0;
	size_t hdr_end = EHDR_SIZE + 4 * PHDR_SIZE;
	for (int r = 0; r < rounds; r++) {
		memcpy(cur, base, base_len);
		size_t len = base_len;
		int edits = 1 + (int)rnd_below(4);
		for (int e = 0; e < edits; e++) {
			uint32_t kind = rnd_below(10);
			if (kind < 5)			/* a random byte in the headers */
				cur[rnd_below((uint32_t)hdr_end)] = (uint8_t)rnd32();
			else if (kind < 8) {		/* an interesting word at a field */
				uint32_t at = rnd_below((uint32_t)(hdr_end - 4)) & ~3u;
				put32(cur + at, interesting[rnd_below(sizeof interesting / sizeof interesting[0])]);
			} else if (kind < 9)		/* flip one bit anywhere */
				cur[rnd_below((uint32_t)len)] ^= (uint8_t)(1u << rnd_below(8));
			else				/* truncate */
				len = rnd_below((uint32_t)len + 1);
		}
		uint8_t *at = guard_place(&guard, len);
		memcpy(at, cur, len);
		memset(&out, 0x5a, sizeof out);
		const char *why = elf_parse(at, len, &out);
		if (why) {
			refused++;
			continue;
		}
		accepted++;
		char msg[160];
		if (!accepted_ok(at, len, &out, msg, sizeof msg) && ++bad <= 10)
			CHECK(0, "fuzz round %d accepted a bad image: %s", r, msg);
	}
	CHECK(bad == 0, "%d of %d accepted images break the invariants", bad, accepted);
	CHECK(accepted > rounds / 50 && refused > rounds / 50,
	      "fuzz coverage: %d accepted, %d refused", accepted, refused);
	printf("elf fuzz: %d rounds, %d accepted, %d refused\n", rounds, accepted, refused);

	/* pure noise behind a good ident, of every small length */
	for (int r = 0; r < 20000; r++) {
		size_t len = rnd_below(600);
		for (size_t i = 0; i < len; i++)
			cur[i] = (uint8_t)rnd32();
		if (len >= 20) {
			memcpy(cur, base, 20);		/* magic, class, type, machine */
			if (len >= 46) put16(cur + 42, PHDR_SIZE);
		}
		uint8_t *at = guard_place(&guard, len);
		memcpy(at, cur, len);
		if (elf_parse(at, len, &out) == NULL) {
			char msg[160];
			if (!accepted_ok(at, len, &out, msg, sizeof msg) && ++bad <= 10)
				CHECK(0, "noise round %d accepted a bad image: %s", r, msg);
		}
	}
	CHECK(bad == 0, "noise: invariants hold");
}

int main(void)
{
	guard_init(&guard, IMG_MAX);
	test_valid();
	test_header();
	test_phdr_bounds();
	test_segments();
	test_fuzz(300000);
	return check_summary();
}
