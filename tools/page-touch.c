/* page-touch.c: a QEMU TCG plugin that counts the distinct 4 KiB pages the
 * guest touches between two CR3 loads, and the blocks it executes.
 *
 * Why: under TCG a CR3 load empties QEMU's software TLB, so every distinct
 * page touched after it (code fetched or data read or written, and the same
 * page once per privilege level: QEMU keeps one TLB per MMU mode) costs one
 * TLB refill, a software page walk. This counts those refills exactly, with
 * the page list, so a code or data layout can be judged by them.
 *
 * Build (QEMU's plugin API, version 1 of QEMU 7.2; the few declarations it
 * uses are written out below, the Debian package ships no header):
 *   gcc -O2 -shared -fPIC -o page-touch.so tools/page-touch.c
 * Run:
 *   qemu-system-i386 ... -plugin ./page-touch.so,out=OUT
 * OUT gets, when QEMU exits:
 *   "switches N refills R"                 CR3 loads seen, pages refilled
 *   "page MODE ADDR EPOCHS KIND PC"        per page: k(ernel) or u(ser)
 *                                          mode, the page's address, in how
 *                                          many switch intervals it was
 *                                          touched, c(ode) and/or d(ata),
 *                                          and the address of the
 *                                          instruction that touched it
 *                                          first in its 100th interval
 *                                          (for pages without symbols:
 *                                          stacks, heap, page tables)
 *   "line ADDR EPOCHS"                     per 16 bytes of data from the
 *                                          kernel image's start (4 MiB), in
 *                                          how many intervals touched
 *   "block PC INSNS EXECUTIONS"            per executed block, the rows of
 *                                          tools/insn-count.c, so
 *                                          tools/insn-profile.py report
 *                                          reads them too
 * Two runs that differ only in their operation count, differenced, give the
 * refills per operation (tools/page-touch.py).
 *
 * The mode of an access is that of the instruction making it, taken from
 * its address (from 0xC0000000 the kernel's): the kernel's accesses to user
 * pages (copyin, copyout) are kernel-mode refills, as in QEMU; so are a
 * user instruction's accesses to the kernel half (the CPU's own, see
 * on_mem). A CR3 load is recognised by its encoding (0F 22 /3); the count
 * restarts just before it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
typedef uint32_t qemu_plugin_meminfo_t;
struct qemu_info_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS };
enum qemu_plugin_mem_rw { QEMU_PLUGIN_MEM_R = 1, QEMU_PLUGIN_MEM_W, QEMU_PLUGIN_MEM_RW };

size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
	void (*cb)(qemu_plugin_id_t, struct qemu_plugin_tb *));
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb,
	void (*cb)(unsigned int, void *), enum qemu_plugin_cb_flags flags, void *userdata);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn,
	void (*cb)(unsigned int, void *), enum qemu_plugin_cb_flags flags, void *userdata);
void qemu_plugin_register_vcpu_mem_cb(struct qemu_plugin_insn *insn,
	void (*cb)(unsigned int, qemu_plugin_meminfo_t, uint64_t, void *),
	enum qemu_plugin_cb_flags flags, enum qemu_plugin_mem_rw rw, void *userdata);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id,
	void (*cb)(qemu_plugin_id_t, void *), void *userdata);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

#define KERNEL_BASE 0xC0000000u
#define PAGES (1u << 20)

/* Per mode and page: the interval it was last touched in (so each page is
 * counted once per interval without clearing anything at a switch), the
 * intervals it was touched in, and whether as code (1) or data (2). */
static uint32_t last_epoch[2][PAGES];
static uint32_t epochs_touched[2][PAGES];
static uint8_t kind[2][PAGES];
static uint32_t first_toucher[2][PAGES];
static uint32_t epoch = 1;

/* The kernel image's data, by 16-byte line: in how many intervals each was
 * touched, to tell which objects share the hot pages. */
#define IMAGE_START 0xC0100000u
#define IMAGE_LINES ((4u << 20) >> 4)
static uint32_t line_last_epoch[IMAGE_LINES], line_epochs[IMAGE_LINES];
static uint64_t switches, refills;

/* Executed blocks by start address, for insn-profile.py: a block may be
 * translated again (after a flush), so its rows are found by address. */
struct block { uint32_t pc, insns; uint64_t executions; };
#define BLOCK_SLOTS (1u << 20)
static struct block *blocks;
static const char *out_path;

static void touch(unsigned mode, uint32_t addr, uint8_t how, uint32_t pc)
{
	uint32_t page = addr >> 12;
	kind[mode][page] |= how;
	if (last_epoch[mode][page] != epoch) {
		last_epoch[mode][page] = epoch;
		epochs_touched[mode][page]++;
		/* The first toucher of the 100th interval: a hot page's, in the
		 * middle of a run rather than in its setup or teardown. */
		if (epochs_touched[mode][page] <= 100)
			first_toucher[mode][page] = pc;
		refills++;
	}
}

static void on_insn(unsigned int vcpu, void *pc)
{
	uint32_t a = (uint32_t)(uintptr_t)pc;
	touch(a >= KERNEL_BASE, a, 1, a);
}

static void on_mem(unsigned int vcpu, qemu_plugin_meminfo_t info, uint64_t vaddr, void *pc)
{
	/* An access that crosses a page touches both pages; not told apart
	 * here (a few bytes of a misaligned access). */
	uint32_t line = ((uint32_t)vaddr - IMAGE_START) >> 4;
	/* A user instruction reaches the kernel half only through the CPU's
	 * own accesses (descriptor tables, the kernel stack of a gate or an
	 * interrupt), which QEMU makes in kernel mode. */
	unsigned kernel_mode = (uint32_t)(uintptr_t)pc >= KERNEL_BASE || (uint32_t)vaddr >= KERNEL_BASE;
	touch(kernel_mode, (uint32_t)vaddr, 2, (uint32_t)(uintptr_t)pc);
	if (line < IMAGE_LINES && line_last_epoch[line] != epoch) {
		line_last_epoch[line] = epoch;
		line_epochs[line]++;
	}
}

static void on_cr3_load(unsigned int vcpu, void *unused)
{
	switches++;
	epoch++;
}

static void on_block(unsigned int vcpu, void *b)
{
	((struct block *)b)->executions++;
}

static struct block *block_for(uint32_t pc, uint32_t insns)
{
	uint32_t i = (pc * 2654435761u) & (BLOCK_SLOTS - 1);
	while (blocks[i].insns && blocks[i].pc != pc)
		i = (i + 1) & (BLOCK_SLOTS - 1);
	blocks[i].pc = pc;
	blocks[i].insns = insns;
	return &blocks[i];
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t n = qemu_plugin_tb_n_insns(tb);
	qemu_plugin_register_vcpu_tb_exec_cb(tb, on_block, QEMU_PLUGIN_CB_NO_REGS,
		block_for((uint32_t)qemu_plugin_tb_vaddr(tb), n));
	for (size_t i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		void *pc = (void *)(uintptr_t)qemu_plugin_insn_vaddr(insn);
		const uint8_t *bytes = qemu_plugin_insn_data(insn);
		size_t size = qemu_plugin_insn_size(insn);
		if (size >= 3 && bytes[0] == 0x0f && bytes[1] == 0x22 && (bytes[2] & 0x38) == 0x18)
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_cr3_load, QEMU_PLUGIN_CB_NO_REGS, NULL);
		qemu_plugin_register_vcpu_insn_exec_cb(insn, on_insn, QEMU_PLUGIN_CB_NO_REGS, pc);
		qemu_plugin_register_vcpu_mem_cb(insn, on_mem, QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_MEM_RW, pc);
	}
}

static void on_qemu_exit(qemu_plugin_id_t id, void *unused)
{
	FILE *f = fopen(out_path, "w");
	if (!f) {
		perror(out_path);
		return;
	}
	fprintf(f, "switches %llu refills %llu\n", (unsigned long long)switches,
		(unsigned long long)refills);
	for (unsigned mode = 0; mode < 2; mode++)
		for (uint32_t p = 0; p < PAGES; p++)
			if (epochs_touched[mode][p])
				fprintf(f, "page %c %08x %u %s%s %08x\n", mode ? 'k' : 'u', p << 12,
					epochs_touched[mode][p], kind[mode][p] & 1 ? "c" : "",
					kind[mode][p] & 2 ? "d" : "", first_toucher[mode][p]);
	for (uint32_t i = 0; i < IMAGE_LINES; i++)
		if (line_epochs[i])
			fprintf(f, "line %08x %u\n", IMAGE_START + (i << 4), line_epochs[i]);
	for (uint32_t i = 0; i < BLOCK_SLOTS; i++)
		if (blocks[i].executions)
			fprintf(f, "block %x %u %llu\n", blocks[i].pc, blocks[i].insns,
				(unsigned long long)blocks[i].executions);
	fclose(f);
}

__attribute__((visibility("default")))
int qemu_plugin_install(qemu_plugin_id_t id, const struct qemu_info_t *info, int argc, char **argv)
{
	if (argc != 1 || strncmp(argv[0], "out=", 4) != 0) {
		fprintf(stderr, "page-touch: usage: -plugin page-touch.so,out=OUT\n");
		return -1;
	}
	out_path = argv[0] + 4;
	blocks = calloc(BLOCK_SLOTS, sizeof *blocks);
	if (!blocks)
		return -1;
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
	qemu_plugin_register_atexit_cb(id, on_qemu_exit, NULL);
	return 0;
}
