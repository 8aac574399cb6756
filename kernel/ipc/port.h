/* Ports: the kernel object behind every Mach port name. A port has at most one
 * receive right (held in a task's name space, or by the kernel for kernel
 * objects such as tasks and the host), any number of send rights, and a queue of
 * messages. A port whose receive right is destroyed is dead: its messages are
 * destroyed and every remaining right to it reads as a dead name. */
#ifndef IPC_PORT_H
#define IPC_PORT_H
#include <stdint.h>
#include <stdbool.h>
#include "kern/thread.h"

struct ipc_space;
struct kmsg;

/* What a kernel-owned port stands for. */
enum ikot { IKOT_NONE, IKOT_HOST, IKOT_HOST_PRIV, IKOT_TASK, IKOT_THREAD, IKOT_DEVICE_MASTER };

#define PORT_QLIMIT_DEFAULT 5

struct ipc_port {
	uint32_t refs;                /* rights, queued messages and kernel pointers */
	bool active;
	enum ikot kotype;
	void *kobject;
	struct ipc_space *receiver;   /* space holding the receive right, if a task does */
	uint32_t receiver_name;
	uint32_t srights;             /* send rights in existence */
	uint32_t sorights;            /* send-once rights in existence */
	uint32_t mscount;             /* make-send count */
	uint32_t seqno;
	struct kmsg *msgs_head, *msgs_tail;
	uint32_t msgcount, qlimit;
	struct waitq receivers;       /* threads blocked receiving */
	struct waitq senders;         /* threads blocked on a full queue */
};

struct ipc_port *ipc_port_alloc(void);
struct ipc_port *ipc_port_alloc_kobject(enum ikot type, void *object);
void ipc_port_ref(struct ipc_port *p);
void ipc_port_release(struct ipc_port *p);
/* Destroy the receive right: the port dies, its queue is emptied, waiters wake. */
void ipc_port_destroy(struct ipc_port *p);
/* A kernel object is going away: its port dies and the kernel's reference goes. */
void ipc_port_destroy_kobject(struct ipc_port *p);
/* Make a send right from the receive right (or the kernel's ownership). */
void ipc_port_make_send(struct ipc_port *p);
void ipc_port_make_send_once(struct ipc_port *p);
void ipc_port_release_send(struct ipc_port *p);
void ipc_port_release_send_once(struct ipc_port *p);
/* The object behind a kernel port of the given type, or NULL. */
void *ipc_port_kobject(uint32_t port_as_word, enum ikot type);
uint32_t ipc_port_count(void);
#endif
