/*
 * insn-count.c - the "count" step of tools/insn-profile.py, fast enough for
 * QEMU logs of many gigabytes.
 *
 * Reads a log of "-d exec,nochain,in_asm" on stdin and writes ROWS as
 * "pc instructions executions" per translated block (hexadecimal pc, then
 * decimal), the input of "insn-profile.py report".  A block's instruction
 * count is the number of disassembled lines after its "IN:" line; its
 * executions are the "Trace" lines naming its pc.
 *
 *   cc -O2 -o insn-count tools/insn-count.c
 *   mkfifo log; ./insn-count rows < log & qemu-system-i386 ... -D log
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS (1u << 22)	/* open addressing; far more than the blocks of a run */

static unsigned pcs[SLOTS];
static unsigned long long runs[SLOTS];
static int insns[SLOTS];
static unsigned char used[SLOTS];

static unsigned
slot(unsigned pc)
{
	unsigned h = (pc * 2654435761u) & (SLOTS - 1);

	while (used[h] && pcs[h] != pc)
		h = (h + 1) & (SLOTS - 1);
	if (!used[h]) {
		used[h] = 1;
		pcs[h] = pc;
		insns[h] = 0;
	}
	return h;
}

int
main(int argc, char **argv)
{
	static char line[4096];
	long block = -1;	/* pc of the block being disassembled */
	int n = 0;
	FILE *out;

	if (argc != 2) {
		fprintf(stderr, "usage: insn-count ROWS < qemu-log\n");
		return 2;
	}
	while (fgets(line, sizeof line, stdin)) {
		if (!strncmp(line, "Trace", 5)) {
			/* "Trace 0: 0xHOST [cs_base/pc/flags/cflags] ..." */
			char *p = strchr(line, '[');
			if (p && (p = strchr(p, '/')))
				runs[slot(strtoul(p + 1, NULL, 16))]++;
		} else if (!strncmp(line, "IN:", 3)) {
			if (block >= 0)
				insns[slot(block)] = n;
			block = -1;
			n = 0;
		} else if (line[0] == '0' && line[1] == 'x') {
			char *end;
			unsigned long pc = strtoul(line + 2, &end, 16);
			if (*end == ':') {
				if (block < 0)
					block = (long)pc;
				n++;
			}
		}
	}
	if (block >= 0)
		insns[slot(block)] = n;
	if (!(out = fopen(argv[1], "w"))) {
		perror(argv[1]);
		return 1;
	}
	for (unsigned i = 0; i < SLOTS; i++)
		if (used[i] && runs[i])
			fprintf(out, "%x %d %llu\n", pcs[i], insns[i], runs[i]);
	return fclose(out) ? 1 : 0;
}
