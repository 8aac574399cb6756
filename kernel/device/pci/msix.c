/* MSI-X tables (msix.h). Capability layout (PCI 3.0, 6.8.2): +2 Message
 * Control (bits 0-10 table size - 1, bit 14 function mask, bit 15 enable),
 * +4 table offset (low 3 bits: the BAR, BIR), +8 PBA offset. Each table
 * entry is 16 bytes: address low, address high, data, vector control
 * (bit 0: masked). An entry is masked while it is rewritten (6.8.3.5: the
 * result of changing an unmasked entry is undefined). */
#include "device/pci/msix.h"
#include "device/pci/mmio.h"
#include "kern/printf.h"

#define MSIX_CONTROL  2
#define MSIX_TABLE    4
#define CONTROL_ENABLE (1u << 15)
#define CONTROL_FUNCTION_MASK (1u << 14)
#define ENTRY_WORDS   4
#define VECTOR_CONTROL_MASKED 1u

const char *msix_attach(struct msix *x, const struct pci_function *f)
{
	*x = (struct msix){ .f = f };
	uint8_t cap = pci_find_cap(f, PCI_CAP_ID_MSIX);
	if (!cap)
		return NULL;
	uint16_t control = pci_read(f, cap + MSIX_CONTROL, 2);
	uint32_t where = pci_read(f, cap + MSIX_TABLE, 4);
	uint16_t size = (control & 0x7FF) + 1;
	uint8_t bir = where & 7;
	uint32_t offset = where & ~7u;
	if (bir >= PCI_MAX_BARS || (f->bar[bir].type != PCI_BAR_MEM32 && f->bar[bir].type != PCI_BAR_MEM64))
		return "MSI-X table in a BAR that is not memory";
	if ((uint64_t)offset + size * 16u > f->bar[bir].size)
		return "MSI-X table outside its BAR";
	x->table = mmio_map(f->bar[bir].base + offset, size * 16u);
	if (!x->table)
		return "MSI-X table cannot be mapped";
	x->cap = cap;
	x->table_size = size;
	for (uint16_t e = 0; e < size; e++)
		msix_mask_entry(x, e);
	/* The firmware may have left MSI-X on; off until a driver asks. */
	pci_write(f, cap + MSIX_CONTROL, 2, control & ~(CONTROL_ENABLE | CONTROL_FUNCTION_MASK));
	return NULL;
}

void msix_mask_entry(struct msix *x, uint16_t entry)
{
	x->table[entry * ENTRY_WORDS + 3] |= VECTOR_CONTROL_MASKED;
}

void msix_set_entry(struct msix *x, uint16_t entry, uint32_t address, uint32_t data)
{
	volatile uint32_t *e = &x->table[entry * ENTRY_WORDS];
	e[3] |= VECTOR_CONTROL_MASKED;
	e[0] = address;
	e[1] = 0;
	e[2] = data;
	e[3] &= ~VECTOR_CONTROL_MASKED;
}

void msix_enable(struct msix *x, bool on)
{
	if (!x->cap)
		return;
	if (!on)
		for (uint16_t e = 0; e < x->table_size; e++)
			msix_mask_entry(x, e);
	uint16_t control = pci_read(x->f, x->cap + MSIX_CONTROL, 2) & ~CONTROL_FUNCTION_MASK;
	pci_write(x->f, x->cap + MSIX_CONTROL, 2, on ? control | CONTROL_ENABLE : control & ~CONTROL_ENABLE);
	x->enabled = on;
}
