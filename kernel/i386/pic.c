#include "i386/pic.h"
#include "i386/cpu.h"
#include "i386/trap.h"

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xA0
#define PIC2_DATA 0xA1

static uint16_t irq_mask = 0xFFFF & ~(1u << 2);   /* all masked but the cascade */

static void write_mask(void)
{
	outb(PIC1_DATA, irq_mask & 0xFF);
	outb(PIC2_DATA, irq_mask >> 8);
}

void pic_init(void)
{
	outb(PIC1_CMD, 0x11);            /* ICW1: edge, cascade, ICW4 follows */
	outb(PIC2_CMD, 0x11);
	outb(PIC1_DATA, T_IRQ0);         /* ICW2: vector base */
	outb(PIC2_DATA, T_IRQ0 + 8);
	outb(PIC1_DATA, 1 << 2);         /* ICW3: slave on IRQ2 */
	outb(PIC2_DATA, 2);
	outb(PIC1_DATA, 0x01);           /* ICW4: 8086 mode */
	outb(PIC2_DATA, 0x01);
	write_mask();
}

void pic_unmask(int irq) { irq_mask &= ~(1u << irq); write_mask(); }
void pic_mask(int irq)   { irq_mask |= 1u << irq; write_mask(); }
void pic_mask_all(void)  { irq_mask = 0xFFFF; write_mask(); }

void pic_eoi(int irq)
{
	if (irq >= 8)
		outb(PIC2_CMD, 0x20);
	outb(PIC1_CMD, 0x20);
}

int pic_spurious(int irq)
{
	if (irq != 7 && irq != 15)
		return 0;
	uint16_t cmd = irq == 7 ? PIC1_CMD : PIC2_CMD;
	outb(cmd, 0x0B);                 /* read the in-service register */
	if (inb(cmd) & 0x80)
		return 0;
	if (irq == 15)                   /* the master did see the cascade line */
		outb(PIC1_CMD, 0x20);
	return 1;
}
