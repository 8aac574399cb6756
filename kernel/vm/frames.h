/* A physical frame allocator: one bit per 4 KiB frame, set when the frame is in
 * use. It holds no global state and does no I/O, so the same code runs in the
 * kernel (over the multiboot memory map) and in host unit tests. */
#ifndef VM_FRAMES_H
#define VM_FRAMES_H
#include <stdint.h>
#include <stdbool.h>

struct frames {
	uint32_t *bitmap;     /* nframes bits */
	uint32_t nframes;
	uint32_t nfree;
	uint32_t hint;        /* where the next search starts */
};

/* Every frame starts in use; the caller frees what the memory map says is RAM. */
void frames_init(struct frames *f, uint32_t *bitmap, uint32_t nframes);
void frames_release_range(struct frames *f, uint32_t first, uint32_t count);
void frames_reserve_range(struct frames *f, uint32_t first, uint32_t count);
/* Returns a frame number, or -1 when none is free. */
int64_t frames_alloc(struct frames *f);
/* count contiguous frames whose first frame number is a multiple of align. */
int64_t frames_alloc_contig(struct frames *f, uint32_t count, uint32_t align);
/* False (and nothing changes) for a frame out of range or already free. */
bool frames_free(struct frames *f, uint32_t frame);
bool frames_in_use(const struct frames *f, uint32_t frame);
#endif
