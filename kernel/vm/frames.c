#include "vm/frames.h"

static inline void set_bit(uint32_t *b, uint32_t i)   { b[i / 32] |= 1u << (i % 32); }
static inline void clear_bit(uint32_t *b, uint32_t i) { b[i / 32] &= ~(1u << (i % 32)); }
static inline bool test_bit(const uint32_t *b, uint32_t i) { return b[i / 32] & (1u << (i % 32)); }

void frames_init(struct frames *f, uint32_t *bitmap, uint32_t nframes)
{
	f->bitmap = bitmap;
	f->nframes = nframes;
	f->nfree = 0;
	f->hint = 0;
	for (uint32_t i = 0; i < (nframes + 31) / 32; i++)
		bitmap[i] = 0xFFFFFFFFu;
}

/* The end of [first, first + count), clamped to the map even if the sum wraps. */
static uint32_t range_end(const struct frames *f, uint32_t first, uint32_t count)
{
	uint32_t end = first + count;
	return end < first || end > f->nframes ? f->nframes : end;
}

void frames_release_range(struct frames *f, uint32_t first, uint32_t count)
{
	for (uint32_t i = first, end = range_end(f, first, count); i < end; i++)
		if (test_bit(f->bitmap, i)) {
			clear_bit(f->bitmap, i);
			f->nfree++;
		}
}

void frames_reserve_range(struct frames *f, uint32_t first, uint32_t count)
{
	for (uint32_t i = first, end = range_end(f, first, count); i < end; i++)
		if (!test_bit(f->bitmap, i)) {
			set_bit(f->bitmap, i);
			f->nfree--;
		}
}

int64_t frames_alloc(struct frames *f)
{
	if (f->nfree == 0)
		return -1;
	uint32_t words = (f->nframes + 31) / 32;
	for (uint32_t n = 0; n < words; n++) {
		uint32_t w = (f->hint / 32 + n) % words;
		if (f->bitmap[w] == 0xFFFFFFFFu)
			continue;
		for (uint32_t bit = 0; bit < 32; bit++) {
			uint32_t i = w * 32 + bit;
			if (i < f->nframes && !test_bit(f->bitmap, i)) {
				set_bit(f->bitmap, i);
				f->nfree--;
				f->hint = i;
				return i;
			}
		}
	}
	return -1;
}

/* The first frame of [from, end) that is in use (`used`) or free
 * (!`used`), or end if there is none: whole words of the other kind are
 * skipped at once. */
static uint32_t first_frame(const struct frames *f, uint32_t from, uint32_t end, bool used)
{
	const uint32_t other = used ? 0 : 0xFFFFFFFFu;
	while (from < end) {
		if (from % 32 == 0 && end - from >= 32 && f->bitmap[from / 32] == other)
			from += 32;
		else if (test_bit(f->bitmap, from) == used)
			return from;
		else
			from++;
	}
	return end;
}

int64_t frames_alloc_contig(struct frames *f, uint32_t count, uint32_t align)
{
	if (count == 0 || count > f->nfree)
		return -1;
	if (align == 0)
		align = 1;
	uint32_t start = 0;
	while (count <= f->nframes && start <= f->nframes - count) {
		uint32_t i = first_frame(f, start, start + count, true) - start;
		if (i == count) {
			for (i = 0; i < count; i++)
				set_bit(f->bitmap, start + i);
			f->nfree -= count;
			return start;
		}
		/* Frame start + i is in use, so no run starting at or before it
		 * fits: go on from the next free frame, rounded up to `align`. */
		uint32_t next = first_frame(f, start + i + 1, f->nframes, false);
		uint32_t aligned = (next + align - 1) / align * align;
		if (aligned < next)
			return -1;                      /* wrapped: nothing fits */
		start = aligned;
	}
	return -1;
}

bool frames_free(struct frames *f, uint32_t frame)
{
	if (frame >= f->nframes || !test_bit(f->bitmap, frame))
		return false;
	clear_bit(f->bitmap, frame);
	f->nfree++;
	return true;
}

bool frames_in_use(const struct frames *f, uint32_t frame)
{
	return frame < f->nframes && test_bit(f->bitmap, frame);
}
