/* Finding the MADT in firmware memory (acpi_madt.h's madt_read). Tables are
 * found as ACPI 6.x 5.2.5 says (RSDP: in the first KiB of the EBDA or at a
 * 16-byte boundary in 0xE0000-0xFFFFF, signature "RSD PTR ", 20-byte
 * checksum) and 5.2.7 (RSDT: 32-bit table addresses); acpi_madt.c checks
 * and parses what is found. Firmware tables are in RAM below the direct
 * map's end, so they are read through it; one that is not is refused
 * rather than mapped. */
#include "i386/acpi_madt.h"
#include "i386/layout.h"
#include "vm/pmm.h"
#include "kern/printf.h"
#include "kern/string.h"

#define BIOS_AREA_FIRST 0xE0000u
#define BIOS_AREA_END   0x100000u
#define EBDA_SEGMENT_AT 0x40Eu        /* BIOS data area word: EBDA segment */
#define RSDP_CHECKED_BYTES 20         /* the ACPI 1.0 part the checksum covers */
#define RSDP_RSDT_AT 16

/* Bytes readable through the direct map from physical address 0. */
static uint64_t mapped_top(void)
{
	uint64_t top = pmm_ram_top() < DIRECT_END - KERNBASE ? pmm_ram_top() : DIRECT_END - KERNBASE;
	return (top + (4u << 20) - 1) & ~(uint64_t)((4u << 20) - 1);   /* 4 MiB pages */
}

/* Physical [pa, pa+len) through the direct map, or NULL if it is not there. */
static const uint8_t *phys(uint32_t pa, uint32_t len)
{
	return (uint64_t)pa + len <= mapped_top() ? P2V(pa) : NULL;
}

/* How many bytes from pa on can be read (0: none). */
static uint32_t readable_from(uint32_t pa)
{
	uint64_t top = mapped_top();
	return pa < top ? (uint32_t)(top - pa > UINT32_MAX ? UINT32_MAX : top - pa) : 0;
}

static const uint8_t *find_rsdp_in(uint32_t first, uint32_t end)
{
	for (uint32_t pa = first; pa + RSDP_CHECKED_BYTES <= end; pa += 16) {
		const uint8_t *p = phys(pa, RSDP_CHECKED_BYTES);
		if (p && memcmp(p, "RSD PTR ", 8) == 0 && acpi_checksum_ok(p, RSDP_CHECKED_BYTES))
			return p;
	}
	return NULL;
}

static const uint8_t *find_rsdp(void)
{
	const uint8_t *bda = phys(EBDA_SEGMENT_AT, 2);
	uint32_t ebda = bda ? (uint32_t)(bda[0] | bda[1] << 8) << 4 : 0;
	const uint8_t *r = ebda >= 0x400 && ebda < BIOS_AREA_FIRST ? find_rsdp_in(ebda, ebda + 1024) : NULL;
	return r ? r : find_rsdp_in(BIOS_AREA_FIRST, BIOS_AREA_END);
}

/* A system description table at pa, whole and with a right checksum, or NULL. */
static const uint8_t *table_at(uint32_t pa, uint32_t *len)
{
	uint32_t readable = readable_from(pa);
	const uint8_t *h = readable ? P2V(pa) : NULL;
	if (!h || !acpi_sdt_valid(h, readable))
		return NULL;
	*len = acpi_rd32(h + 4);
	return h;
}

bool madt_read(struct madt_info *m)
{
	madt_defaults(m);
	const uint8_t *rsdp = find_rsdp();
	if (!rsdp) {
		kprintf("acpi: no RSDP\n");
		return false;
	}
	uint32_t rsdt_len;
	const uint8_t *rsdt = table_at(acpi_rd32(rsdp + RSDP_RSDT_AT), &rsdt_len);
	if (!rsdt || memcmp(rsdt, "RSDT", 4) != 0) {
		kwarn("acpi: RSDT at %#x missing or corrupt\n", acpi_rd32(rsdp + RSDP_RSDT_AT));
		return false;
	}
	uint32_t n = (rsdt_len - ACPI_SDT_HEADER_SIZE) / 4;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t pa = acpi_rd32(rsdt + ACPI_SDT_HEADER_SIZE + 4 * i), len;
		const uint8_t *t = table_at(pa, &len);
		if (t && memcmp(t, "APIC", 4) == 0)
			return madt_parse(t, len, m);
	}
	kprintf("acpi: no MADT\n");
	return false;
}
