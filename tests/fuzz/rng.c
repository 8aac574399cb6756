/* The fuzzer's only source of randomness: xorshift64* from the run's seed,
 * so a seed names a run. */
#include "fuzz.h"

void rng_seed(struct fuzz *f, uint32_t seed)
{
	f->rng = ((uint64_t)seed << 32 | 0x9e3779b9u) ^ 0x2545f4914f6cdd1dull;
	for (int i = 0; i < 8; i++)
		rng(f);
}

uint32_t rng(struct fuzz *f)
{
	uint64_t x = f->rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	f->rng = x;
	return (uint32_t)((x * 0x2545f4914f6cdd1dull) >> 32);
}

uint32_t rng_below(struct fuzz *f, uint32_t n)
{
	return n ? rng(f) % n : 0;
}

int rng_chance(struct fuzz *f, uint32_t one_in)
{
	return rng_below(f, one_in) == 0;
}

/* Values at the edges of what a size, count, address or index can be. */
uint32_t rng_interesting(struct fuzz *f)
{
	static const uint32_t edges[] = {
		0, 1, 2, 3, 4, 7, 8, 16, 31, 32, 33, 63, 64, 127, 128, 255, 256, 511, 512, 1023,
		1024, 4095, 4096, 4097, 8191, 8192, 65535, 65536, 0x7fff, 0x8000, 0xffff,
		0x7fffffff, 0x80000000u, 0x80000001u, 0xfffffffeu, 0xffffffffu, 0xfffff000u,
		0xc0000000u, 0xbffff000u, 0x1000, 0x100000, 0x400000, SCRATCH_ADDR,
	};
	switch (rng_below(f, 4)) {
	case 0: return edges[rng_below(f, sizeof edges / sizeof edges[0])];
	case 1: return edges[rng_below(f, sizeof edges / sizeof edges[0])] + rng_below(f, 5) - 2;
	case 2: return rng_below(f, 16);
	default: return rng(f);
	}
}
