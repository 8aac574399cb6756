/* I/O APIC access (ioapic.h): registers are reached through an index
 * (IOREGSEL, offset 0) and a data window (IOWIN, offset 0x10); register 1
 * holds the number of inputs less one in bits 16-23, and input n's 64-bit
 * redirection entry is registers 0x10 + 2n (low) and 0x11 + 2n (high). */
#include "i386/ioapic.h"
#include "device/pci/mmio.h"
#include "kern/printf.h"

#define IOREGSEL 0x00
#define IOWIN    0x10
#define REG_VERSION 0x01
#define REG_REDIR   0x10
#define REDIR_MASKED     (1u << 16)
#define REDIR_LEVEL      (1u << 15)
#define REDIR_ACTIVE_LOW (1u << 13)

static struct chip {
	volatile uint8_t *base;
	uint32_t gsi_base, inputs;
} chips[MADT_MAX_IOAPICS];
static int nchips;

static uint32_t rd(struct chip *c, uint32_t reg)
{
	*(volatile uint32_t *)(c->base + IOREGSEL) = reg;
	return *(volatile uint32_t *)(c->base + IOWIN);
}

static void wr(struct chip *c, uint32_t reg, uint32_t v)
{
	*(volatile uint32_t *)(c->base + IOREGSEL) = reg;
	*(volatile uint32_t *)(c->base + IOWIN) = v;
}

static struct chip *chip_of(uint32_t gsi, uint32_t *pin)
{
	for (int i = 0; i < nchips; i++)
		if (gsi >= chips[i].gsi_base && gsi - chips[i].gsi_base < chips[i].inputs) {
			*pin = gsi - chips[i].gsi_base;
			return &chips[i];
		}
	return NULL;
}

bool ioapic_init(const struct madt_info *m)
{
	for (int i = 0; i < m->nioapics; i++) {
		struct chip *c = &chips[nchips];
		c->base = mmio_map(m->ioapic[i].address, 0x20);
		if (!c->base)
			continue;
		c->gsi_base = m->ioapic[i].gsi_base;
		c->inputs = ((rd(c, REG_VERSION) >> 16) & 0xFF) + 1;
		for (uint32_t pin = 0; pin < c->inputs; pin++) {
			wr(c, REG_REDIR + 2 * pin, REDIR_MASKED);
			wr(c, REG_REDIR + 2 * pin + 1, 0);
		}
		kprintf("ioapic: id %u at %#x, GSIs %u-%u\n", m->ioapic[i].id, m->ioapic[i].address, c->gsi_base,
			c->gsi_base + c->inputs - 1);
		nchips++;
	}
	return nchips > 0;
}

bool ioapic_route(const struct isa_route *r, uint8_t vector, uint8_t cpu)
{
	uint32_t pin;
	struct chip *c = chip_of(r->gsi, &pin);
	if (!c)
		return false;
	uint32_t low = vector | REDIR_MASKED | (r->level ? REDIR_LEVEL : 0) | (r->active_low ? REDIR_ACTIVE_LOW : 0);
	wr(c, REG_REDIR + 2 * pin + 1, (uint32_t)cpu << 24);
	wr(c, REG_REDIR + 2 * pin, low);
	return true;
}

void ioapic_set_masked(uint32_t gsi, bool masked)
{
	uint32_t pin;
	struct chip *c = chip_of(gsi, &pin);
	if (!c)
		return;
	uint32_t low = rd(c, REG_REDIR + 2 * pin);
	wr(c, REG_REDIR + 2 * pin, masked ? low | REDIR_MASKED : low & ~REDIR_MASKED);
}
