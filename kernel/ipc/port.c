#include "ipc/port.h"
#include "ipc/kmsg.h"
#include "kern/printf.h"
#include "vm/kalloc.h"

static uint32_t live_ports;

struct ipc_port *ipc_port_alloc(void)
{
	struct ipc_port *p = kalloc(sizeof *p);
	if (!p)
		return NULL;
	p->refs = 1;
	p->active = true;
	p->qlimit = PORT_QLIMIT_DEFAULT;
	live_ports++;
	return p;
}

struct ipc_port *ipc_port_alloc_kobject(enum ikot type, void *object)
{
	struct ipc_port *p = ipc_port_alloc();
	if (p) {
		p->kotype = type;
		p->kobject = object;
	}
	return p;
}

void ipc_port_ref(struct ipc_port *p) { p->refs++; }

void ipc_port_release(struct ipc_port *p)
{
	if (p->refs == 0)
		panic("ipc_port_release: port %p has no references", p);
	if (--p->refs == 0) {
		if (p->active)
			panic("ipc_port_release: freeing live port %p", p);
		live_ports--;
		kfree(p);
	}
}

void ipc_port_destroy(struct ipc_port *p)
{
	if (!p->active)
		return;
	p->active = false;
	p->receiver = NULL;
	ipc_port_ref(p);                  /* hold it while its queue drains */
	while (p->msgs_head) {
		struct kmsg *m = p->msgs_head;
		p->msgs_head = m->next;
		kmsg_destroy(m);
	}
	p->msgs_tail = NULL;
	p->msgcount = 0;
	waitq_wake_all(&p->receivers, WAIT_INTERRUPTED);
	waitq_wake_all(&p->senders, WAIT_INTERRUPTED);
	ipc_port_release(p);
}

void ipc_port_destroy_kobject(struct ipc_port *p)
{
	p->kobject = NULL;
	p->kotype = IKOT_NONE;
	ipc_port_destroy(p);
	ipc_port_release(p);
}

void ipc_port_make_send(struct ipc_port *p) { p->srights++; p->mscount++; ipc_port_ref(p); }
void ipc_port_make_send_once(struct ipc_port *p) { p->sorights++; ipc_port_ref(p); }

void ipc_port_release_send(struct ipc_port *p)
{
	if (p->srights)
		p->srights--;
	ipc_port_release(p);
}

void ipc_port_release_send_once(struct ipc_port *p)
{
	if (p->sorights)
		p->sorights--;
	ipc_port_release(p);
}

void *ipc_port_kobject(uint32_t port_as_word, enum ikot type)
{
	struct ipc_port *p = (struct ipc_port *)port_as_word;
	if (!p || !p->active || p->kotype != type)
		return NULL;
	return p->kobject;
}

uint32_t ipc_port_count(void) { return live_ports; }
