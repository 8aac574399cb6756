#include "vm/pmm.h"
#include <stdbool.h>
#include "vm/frames.h"
#include "kern/printf.h"
#include "kern/string.h"
#include "i386/layout.h"

#define MAX_FRAMES PMM_MAX_FRAMES

/* PMM_KEPT and PMM_DEVICE_VISIBLE, a byte per frame (pmm.h). */
uint8_t pmm_frame_flags[MAX_FRAMES];

extern char kernel_image_end[];
static uint32_t bitmap[MAX_FRAMES / 32];
static struct frames frames;
static size_t total;
static uintptr_t ram_top;

static void reserve_bytes(uintptr_t start, uintptr_t end)
{
	uint32_t first = start / PAGE_SIZE, last = PAGE_ROUND_UP(end) / PAGE_SIZE;
	frames_reserve_range(&frames, first, last - first);
}

void pmm_init(const struct multiboot_info *mbi)
{
	frames_init(&frames, bitmap, MAX_FRAMES);
	if (!(mbi->flags & MULTIBOOT_INFO_MEM_MAP))
		panic("pmm: the boot loader gave no memory map");
	uintptr_t p = mbi->mmap_addr, end = p + mbi->mmap_length;
	while (p < end) {
		const struct multiboot_mmap_entry *e = P2V(p);
		if (e->type == 1 && e->addr < (uint64_t)MAX_FRAMES * PAGE_SIZE) {
			uint64_t top = e->addr + e->len;
			if (top > (uint64_t)MAX_FRAMES * PAGE_SIZE)
				top = (uint64_t)MAX_FRAMES * PAGE_SIZE;
			uint32_t first = PAGE_ROUND_UP((uint32_t)e->addr) / PAGE_SIZE;
			uint32_t last = (uint32_t)(top / PAGE_SIZE);
			if (last > first) {
				frames_release_range(&frames, first, last - first);
				if (last * PAGE_SIZE > ram_top)
					ram_top = last * PAGE_SIZE;
			}
		}
		p += e->size + 4;
	}
	reserve_bytes(0, 0x100000);                         /* BIOS, VGA, real-mode data */
	reserve_bytes(0x100000, V2P(kernel_image_end));
	reserve_bytes(PAGE_ROUND_DOWN((uintptr_t)mbi - KERNBASE), (uintptr_t)mbi - KERNBASE + sizeof *mbi);
	reserve_bytes(PAGE_ROUND_DOWN(mbi->mmap_addr), mbi->mmap_addr + mbi->mmap_length);
	if (mbi->flags & MULTIBOOT_INFO_MODS) {
		const struct multiboot_module *mods = P2V(mbi->mods_addr);
		reserve_bytes(PAGE_ROUND_DOWN(mbi->mods_addr), mbi->mods_addr + mbi->mods_count * sizeof *mods);
		for (uint32_t i = 0; i < mbi->mods_count; i++) {
			reserve_bytes(PAGE_ROUND_DOWN(mods[i].mod_start), mods[i].mod_end);
			/* the module's name string lives somewhere GRUB chose too */
			reserve_bytes(PAGE_ROUND_DOWN(mods[i].string), mods[i].string + 256);
		}
	}
	if (mbi->flags & MULTIBOOT_INFO_CMDLINE)
		reserve_bytes(PAGE_ROUND_DOWN(mbi->cmdline), mbi->cmdline + 256);
	total = frames.nfree;
	kprintf("pmm: %u KiB free of %u KiB RAM mapped\n",
		(unsigned)(frames.nfree * 4), (unsigned)(ram_top / 1024));
}

/* Zero whole pages with plain 32-bit stores, 64 bytes a loop. Under TCG
 * this takes about 1.1 us a page against 2.2 us for memset's rep stosl
 * (each string iteration is a trip through the translated block), and
 * every page a task or the device gets is zeroed here first
 * (docs/benchmarks.md, Block I/O). */
static void zero_pages(uintptr_t pa, size_t pages)
{
	for (uint32_t *w = P2V(pa), *end = w + pages * (PAGE_SIZE / 4); w < end; w += 16) {
		w[0] = 0; w[1] = 0; w[2] = 0; w[3] = 0; w[4] = 0; w[5] = 0; w[6] = 0; w[7] = 0;
		w[8] = 0; w[9] = 0; w[10] = 0; w[11] = 0; w[12] = 0; w[13] = 0; w[14] = 0; w[15] = 0;
	}
}

/* ------------------------------------------------------------ pre-zeroed pool
 * The idle loop zeroes free frames ahead of time (pmm_prezero_one), at most
 * PREZERO_MAX of them, and marks them in `zeroed`. A set bit means: the
 * frame is free in `frames` and holds only zeros. Nothing writes a free
 * frame, so the mark stays true until the frame is allocated, which clears
 * it; an allocation zeroes only the frames not marked. The idle zeroer
 * walks up from the lowest free frame, which is where frames_alloc_contig
 * (first fit) takes its runs, and pmm_alloc_page takes the lowest marked
 * frame first. */
#define PREZERO_MAX 1024                   /* 4 MiB */
static uint32_t zeroed[MAX_FRAMES / 32];
static uint32_t nzeroed;
static uint32_t zscan;                     /* the zeroer's next frame to look at */
static uint32_t zlow;                      /* no marked frame below this word */

static inline bool is_zeroed(uint32_t f) { return zeroed[f / 32] & (1u << (f % 32)); }

/* The frame is leaving the free pool: it needs zeroing unless marked. */
static bool take_zeroed(uint32_t f)
{
	if (!is_zeroed(f))
		return false;
	zeroed[f / 32] &= ~(1u << (f % 32));
	nzeroed--;
	return true;
}

bool pmm_prezero_one(void)
{
	if (nzeroed >= PREZERO_MAX)
		return false;
	uint32_t words = frames.nframes / 32;
	for (uint32_t w = zscan / 32; w < words; w++) {
		uint32_t busy = bitmap[w] | zeroed[w];
		if (busy == 0xFFFFFFFFu)
			continue;
		uint32_t f = w * 32 + __builtin_ctz(~busy);
		zero_pages((uintptr_t)f * PAGE_SIZE, 1);
		zeroed[w] |= 1u << (f % 32);
		nzeroed++;
		if (w < zlow)
			zlow = w;
		zscan = f + 1;
		return true;
	}
	zscan = frames.nframes;                 /* nothing left; a free lowers it */
	return false;
}

uintptr_t pmm_alloc_page(void)
{
	for (uint32_t w = zlow; nzeroed && w < frames.nframes / 32; w++, zlow = w)
		if (zeroed[w]) {
			uint32_t f = w * 32 + __builtin_ctz(zeroed[w]);
			take_zeroed(f);
			frames_reserve_range(&frames, f, 1);
			return (uintptr_t)f * PAGE_SIZE;
		}
	int64_t f = frames_alloc(&frames);
	if (f < 0)
		return 0;
	uintptr_t pa = (uintptr_t)f * PAGE_SIZE;
	if (!take_zeroed((uint32_t)f))
		zero_pages(pa, 1);
	return pa;
}

void pmm_mark_device_visible(uintptr_t pa)
{
	uint32_t f = pa / PAGE_SIZE;
	if (f < MAX_FRAMES)
		pmm_frame_flags[f] |= PMM_DEVICE_VISIBLE;
}

bool pmm_page_device_visible(uintptr_t pa)
{
	uint32_t f = pa / PAGE_SIZE;
	return f < MAX_FRAMES && (pmm_frame_flags[f] & PMM_DEVICE_VISIBLE);
}

uintptr_t pmm_alloc_contig_filled(size_t pages, size_t align_pages, bool zero)
{
	int64_t f = frames_alloc_contig(&frames, pages, align_pages);
	if (f < 0)
		return 0;
	for (size_t i = 0; i < pages; i++)
		pmm_mark_device_visible((uintptr_t)(f + i) * PAGE_SIZE);
	/* Zero the unmarked frames, a stretch at a time (the marks go either
	 * way: the frames leave the free pool). */
	for (uint32_t i = 0, run = 0; i <= pages; i++) {
		if (i < pages && !take_zeroed((uint32_t)f + i)) {
			run++;
			continue;
		}
		if (run && zero)
			zero_pages((uintptr_t)(f + i - run) * PAGE_SIZE, run);
		run = 0;
	}
	return (uintptr_t)f * PAGE_SIZE;
}

uintptr_t pmm_alloc_contig(size_t pages, size_t align_pages)
{
	return pmm_alloc_contig_filled(pages, align_pages, true);
}

/* Frames mapped by more than one task (VM_INHERIT_SHARE): the number of
 * mappings beyond the first. Each mapping's removal frees the frame once,
 * and only the last really frees it. */
uint8_t pmm_extra_refs[MAX_FRAMES];
#define extra_refs pmm_extra_refs


void pmm_keep_page(uintptr_t pa)
{
	uint32_t f = pa / PAGE_SIZE;
	if (pa % PAGE_SIZE || f >= MAX_FRAMES || !frames_in_use(&frames, f))
		panic("pmm: keeping page %p that is not allocated", (void *)pa);
	pmm_frame_flags[f] |= PMM_KEPT;          /* never freed */
}

bool pmm_page_kept(uintptr_t pa) { return pmm_page_kept_inline(pa); }

bool pmm_share_page(uintptr_t pa)
{
	uint32_t f = pa / PAGE_SIZE;
	if (pa % PAGE_SIZE == 0 && pmm_page_kept(pa))
		return true;                    /* any number of holders: never freed anyway */
	if (pa % PAGE_SIZE || f >= MAX_FRAMES || !frames_in_use(&frames, f) || extra_refs[f] == UINT8_MAX)
		return false;
	extra_refs[f]++;
	return true;
}

bool pmm_share_copy_on_write(uintptr_t pa, bool cow) { return pmm_share_copy_on_write_inline(pa, cow); }
bool pmm_page_shared(uintptr_t pa) { return pmm_page_shared_inline(pa); }

void pmm_free_page(uintptr_t pa)
{
	if (pmm_drop_held_inline(pa))
		return;                         /* kept, or another holder still has it */
	if (pa % PAGE_SIZE || !frames_free(&frames, pa / PAGE_SIZE))
		panic("pmm: freeing page %p that is not allocated", (void *)pa);
	pmm_frame_flags[pa / PAGE_SIZE] &= (uint8_t)~PMM_DEVICE_VISIBLE;
	if (pa / PAGE_SIZE < zscan)
		zscan = pa / PAGE_SIZE;
}

void pmm_free_contig(uintptr_t pa, size_t pages)
{
	for (size_t i = 0; i < pages; i++)
		pmm_free_page(pa + i * PAGE_SIZE);
}

size_t pmm_free_pages(void) { return frames.nfree; }
size_t pmm_total_pages(void) { return total; }
uintptr_t pmm_ram_top(void) { return ram_top; }
