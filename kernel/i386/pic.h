/* The two cascaded 8259 interrupt controllers, remapped to vectors 32-47. */
#ifndef I386_PIC_H
#define I386_PIC_H
void pic_init(void);
void pic_unmask(int irq);
void pic_mask(int irq);
/* Mask every line, the cascade too (the APIC path, i386/irqchip.c). */
void pic_mask_all(void);
void pic_eoi(int irq);
/* True when the IRQ 7/15 that arrived was spurious (no EOI must be sent for it). */
int pic_spurious(int irq);
#endif
