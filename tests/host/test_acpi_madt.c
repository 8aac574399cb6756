/* Host unit tests of the MADT parser (kernel/i386/acpi_madt.c) on tables
 * built here: a good table like QEMU's i440FX one, interrupt source
 * overrides and their MPS INTI flags, a table whose length lies (longer
 * than the bytes there, shorter than its own header), a bad checksum, a
 * wrong signature, entries that run past the end or claim length 0, more
 * I/O APICs than the kernel keeps, and a table with no I/O APIC. Tables
 * sit at the end of a guarded buffer, so any read past the bytes given
 * faults. */
#include "check.h"
#include "kernel_stubs.h"
#include "i386/acpi_madt.h"
#include <string.h>

struct table { uint8_t b[512]; uint32_t len; };

static void put32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = v >> (8 * i); }

/* A MADT header: signature, length filled in by finish(), local APIC
 * address, flags (PCAT_COMPAT if pcat). */
static void begin(struct table *t, const char *sig, int pcat)
{
	memset(t, 0, sizeof *t);
	memcpy(t->b, sig, 4);
	t->b[8] = 3;                                  /* revision */
	memcpy(t->b + 10, "SMTEST", 6);
	put32(t->b + 36, 0xFEE00000u);
	put32(t->b + 40, pcat ? 1 : 0);
	t->len = 44;
}

static void add(struct table *t, const uint8_t *e, uint8_t n)
{
	memcpy(t->b + t->len, e, n);
	t->len += n;
}

static void add_lapic(struct table *t, uint8_t id, int enabled)
{
	uint8_t e[8] = { 0, 8, id, id, enabled ? 1 : 0, 0, 0, 0 };
	add(t, e, sizeof e);
}

static void add_ioapic(struct table *t, uint8_t id, uint32_t address, uint32_t gsi_base)
{
	uint8_t e[12] = { 1, 12, id, 0 };
	put32(e + 4, address);
	put32(e + 8, gsi_base);
	add(t, e, sizeof e);
}

static void add_override(struct table *t, uint8_t bus, uint8_t irq, uint32_t gsi, uint16_t flags)
{
	uint8_t e[10] = { 2, 10, bus, irq };
	put32(e + 4, gsi);
	e[8] = flags & 0xFF;
	e[9] = flags >> 8;
	add(t, e, sizeof e);
}

/* Write the length and make the bytes sum to 0 (ACPI 6.x 5.2.6). */
static void finish(struct table *t)
{
	put32(t->b + 4, t->len);
	t->b[9] = 0;
	uint8_t sum = 0;
	for (uint32_t i = 0; i < t->len; i++)
		sum += t->b[i];
	t->b[9] = (uint8_t)-sum;
}

static struct guard g;

/* Parse `readable` bytes of t placed to end at the guard page. */
static bool parse(const struct table *t, uint32_t readable, struct madt_info *m)
{
	uint8_t *at = guard_place(&g, readable);
	memcpy(at, t->b, readable);
	return madt_parse(at, readable, m);
}

/* QEMU i440FX's: one CPU, one I/O APIC, IRQ 0 at GSI 2, PCI lines level/high. */
static void qemu_like(struct table *t)
{
	begin(t, "APIC", 1);
	add_lapic(t, 0, 1);
	add_ioapic(t, 0, 0xFEC00000u, 0);
	add_override(t, 0, 0, 2, 0);
	add_override(t, 0, 5, 5, 0xD);
	add_override(t, 0, 9, 9, 0xD);
	add_override(t, 0, 10, 10, 0xD);
	add_override(t, 0, 11, 11, 0xD);
	finish(t);
}

static void test_good(void)
{
	struct table t;
	struct madt_info m;
	qemu_like(&t);
	CHECK(parse(&t, t.len, &m), "QEMU-like MADT refused");
	CHECK(m.lapic_address == 0xFEE00000u, "local APIC at %#x", m.lapic_address);
	CHECK(m.has_8259, "PCAT_COMPAT lost");
	CHECK(m.ncpus == 1 && m.nioapics == 1, "%d CPUs, %d I/O APICs", m.ncpus, m.nioapics);
	CHECK(m.ioapic[0].address == 0xFEC00000u && m.ioapic[0].gsi_base == 0 && m.ioapic[0].id == 0,
	      "I/O APIC %u at %#x base %u", m.ioapic[0].id, m.ioapic[0].address, m.ioapic[0].gsi_base);
	CHECK(m.isa[0].gsi == 2 && !m.isa[0].level && !m.isa[0].active_low, "IRQ 0: GSI %u", m.isa[0].gsi);
	CHECK(m.isa[11].gsi == 11 && m.isa[11].level && !m.isa[11].active_low, "IRQ 11: level %d low %d",
	      m.isa[11].level, m.isa[11].active_low);
	/* Lines without an override keep GSI = IRQ, edge, active high. */
	CHECK(m.isa[1].gsi == 1 && !m.isa[1].level && m.isa[4].gsi == 4, "IRQ 1 at GSI %u", m.isa[1].gsi);
	/* More bytes readable than the table: only its own length counts. */
	CHECK(parse(&t, sizeof t.b, &m) && m.nioapics == 1, "a table followed by other bytes");
}

static void test_overrides(void)
{
	struct table t;
	struct madt_info m;
	begin(&t, "APIC", 0);
	add_ioapic(&t, 1, 0xFEC00000u, 0);
	add_ioapic(&t, 2, 0xFEC01000u, 24);
	add_lapic(&t, 0, 1);
	add_lapic(&t, 1, 0);                           /* disabled: not counted */
	add_override(&t, 0, 3, 30, 0xF);               /* level, active low */
	add_override(&t, 0, 4, 4, 0x1);                /* active high, edge (explicit) */
	add_override(&t, 1, 6, 40, 0xF);               /* bus 1 is not ISA: ignored */
	add_override(&t, 0, 16, 40, 0xF);              /* not an ISA line: ignored */
	finish(&t);
	CHECK(parse(&t, t.len, &m), "two I/O APICs refused");
	CHECK(!m.has_8259 && m.ncpus == 1 && m.nioapics == 2, "8259 %d, %d CPUs, %d I/O APICs", m.has_8259,
	      m.ncpus, m.nioapics);
	CHECK(m.ioapic[1].id == 2 && m.ioapic[1].gsi_base == 24, "second I/O APIC id %u base %u", m.ioapic[1].id,
	      m.ioapic[1].gsi_base);
	CHECK(m.isa[3].gsi == 30 && m.isa[3].level && m.isa[3].active_low, "IRQ 3: %u %d %d", m.isa[3].gsi,
	      m.isa[3].level, m.isa[3].active_low);
	CHECK(m.isa[4].gsi == 4 && !m.isa[4].level && !m.isa[4].active_low, "IRQ 4 changed");
	CHECK(m.isa[6].gsi == 6 && !m.isa[6].level, "a bus-1 override was applied to IRQ 6");

	begin(&t, "APIC", 0);
	for (uint8_t i = 0; i < MADT_MAX_IOAPICS + 2; i++)
		add_ioapic(&t, i, 0xFEC00000u + 0x1000u * i, 24u * i);
	finish(&t);
	int warnings = stub_kprintf_calls;
	CHECK(parse(&t, t.len, &m) && m.nioapics == MADT_MAX_IOAPICS, "%d I/O APICs kept", m.nioapics);
	CHECK(stub_kprintf_calls - warnings == 2, "%d warnings for 2 extra I/O APICs", stub_kprintf_calls - warnings);
}

static void test_lying_lengths(void)
{
	struct table t;
	struct madt_info m;
	qemu_like(&t);
	/* The table says it is longer than the bytes that are there. */
	CHECK(!parse(&t, t.len - 1, &m), "a table longer than the readable bytes was accepted");
	CHECK(!parse(&t, ACPI_SDT_HEADER_SIZE - 1, &m), "less than a header was accepted");
	/* A length 64 bytes past the end of the readable bytes, with a
	 * checksum that would be right if they were there. */
	uint32_t real = t.len;
	t.len += 64;
	finish(&t);
	CHECK(!parse(&t, real + 63, &m), "a length past the readable bytes was accepted");
	CHECK(parse(&t, real + 64, &m) && m.nioapics == 1, "the same table, all there, was refused");
	/* Shorter than a MADT's fixed part, checksum right. */
	begin(&t, "APIC", 1);
	t.len = 40;
	finish(&t);
	CHECK(!parse(&t, t.len, &m), "a 40-byte MADT was accepted");
	/* Shorter than the header itself. */
	begin(&t, "APIC", 1);
	t.len = 44;
	finish(&t);
	put32(t.b + 4, 20);
	CHECK(!parse(&t, 44, &m), "a length under the header was accepted");
	/* An entry that runs past the table's end: the entries before it count,
	 * the parse stops there, and the warning says so. */
	begin(&t, "APIC", 1);
	add_ioapic(&t, 0, 0xFEC00000u, 0);
	uint8_t past[6] = { 1, 12, 7, 0, 0, 0 };       /* claims 12 bytes, 6 left */
	add(&t, past, sizeof past);
	finish(&t);
	int warnings = stub_kprintf_calls;
	CHECK(parse(&t, t.len, &m) && m.nioapics == 1 && m.ioapic[0].address == 0xFEC00000u,
	      "entry past the end: %d I/O APICs", m.nioapics);
	CHECK(stub_kprintf_calls > warnings && strstr(stub_kprintf_last, "rest ignored"), "no warning: %s",
	      stub_kprintf_last);
	/* An entry of length 0 or 1 would loop forever or overlap: stop there. */
	begin(&t, "APIC", 1);
	add_ioapic(&t, 0, 0xFEC00000u, 0);
	uint8_t zero[2] = { 1, 0 };
	add(&t, zero, sizeof zero);
	add_ioapic(&t, 1, 0xFEC01000u, 24);
	finish(&t);
	CHECK(parse(&t, t.len, &m) && m.nioapics == 1, "zero-length entry: %d I/O APICs", m.nioapics);
	/* Entries shorter than their type needs are skipped, not read past. */
	begin(&t, "APIC", 1);
	uint8_t short_ioapic[8] = { 1, 8, 5, 0, 0, 0, 0xC0, 0xFE };
	add(&t, short_ioapic, sizeof short_ioapic);
	add_ioapic(&t, 0, 0xFEC00000u, 0);
	finish(&t);
	CHECK(parse(&t, t.len, &m) && m.nioapics == 1 && m.ioapic[0].id == 0, "short I/O APIC entry used");
}

static void test_refusals(void)
{
	struct table t;
	struct madt_info m;
	qemu_like(&t);
	t.b[50] ^= 0x40;                                /* one bit of an entry: checksum now wrong */
	CHECK(!parse(&t, t.len, &m), "a bad checksum was accepted");
	CHECK(m.nioapics == 0 && m.isa[0].gsi == 0, "a refused table left values behind");
	qemu_like(&t);
	memcpy(t.b, "FACP", 4);
	finish(&t);
	CHECK(!parse(&t, t.len, &m), "a FACP was parsed as a MADT");
	begin(&t, "APIC", 1);
	add_lapic(&t, 0, 1);
	finish(&t);
	CHECK(!parse(&t, t.len, &m), "a MADT without an I/O APIC was accepted");
	CHECK(strstr(stub_kprintf_last, "no I/O APIC") != NULL, "log: %s", stub_kprintf_last);
}

static void test_checksum_and_header(void)
{
	uint8_t b[4] = { 1, 2, 3, 250 };
	CHECK(acpi_checksum_ok(b, 4) && !acpi_checksum_ok(b, 3), "checksum");
	CHECK(acpi_rd32((const uint8_t *)"\x78\x56\x34\x12") == 0x12345678u, "little-endian read");
}

int main(void)
{
	guard_init(&g, sizeof(struct table));
	test_good();
	test_overrides();
	test_lying_lengths();
	test_refusals();
	test_checksum_and_header();
	return check_summary();
}
