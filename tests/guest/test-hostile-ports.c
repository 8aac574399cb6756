/* test-hostile-ports: a task attacks the kernel through the port arguments of
 * its routines (issue 9) and every attack must fail with its error code,
 * leave the kernel running and leave nothing behind:
 * - an integer (0xdeadbeef, or the address of a fake port in this task's
 *   memory) as the polymorphic port of mach_port_insert_right;
 * - MACH_PORT_DEAD and MACH_PORT_NULL as the task of vm_allocate_contiguous
 *   and thread_terminate_release, and as the port of sm_device_register;
 * - kernel objects' ports (the device master port itself, the host port,
 *   a task port) registered as devices, then opened;
 * - more registrations than the registry has slots, of ports that then die;
 * - host_reboot and vm_allocate_contiguous with the plain host port;
 * - the task send right of vm_allocate_contiguous / thread_terminate_release
 *   kept by the kernel on success (a port per call);
 * - 100,000 bad calls in a row: the kernel's warnings are rate-limited
 *   (tests/expect/test-hostile-ports.expect and the post-check count the lines).
 * This task is a boot module: name 1 is the privileged host port, 2 the
 * device master port. */
#include "guest-check.h"
#include <sm/traps.h>
#include <mach/mig_errors.h>
#include <mach/mig_support.h>
#include "mach.h"
#include "mach_host.h"
#include "mach_port.h"
#include "gnumach.h"
#include "smhost.h"
#include "device.h"
#include "device_request.h"

#define DEVICE_MASTER 2
#define PAGE 4096u
#define REGISTRY_SLOTS 32
#define BURST_CALLS 100000

static mach_port_t self, host, host_priv;

struct stats { natural_t free_pages, heap_bytes, ports, ool_items; };

/* The kernel's counts, once the dead threads are freed (the scheduler frees
 * them when it switches, so this task sleeps a little first). */
static struct stats kernel_stats(void)
{
	struct stats s = { 0, 0, 0, 0 };
	smrt_sleep_ms(10);
	CHECK_EQ(sm_kernel_stats(host, &s.free_pages, &s.heap_bytes, &s.ports, &s.ool_items), KERN_SUCCESS);
	return s;
}

static void check_same_stats(const char *what, struct stats a, struct stats b)
{
	CHECK(a.free_pages == b.free_pages && a.heap_bytes == b.heap_bytes && a.ports == b.ports &&
	      a.ool_items == b.ool_items, "%s: free pages %u->%u, heap %u->%u, ports %u->%u, ool %u->%u", what,
	      a.free_pages, b.free_pages, a.heap_bytes, b.heap_bytes, a.ports, b.ports, a.ool_items, b.ool_items);
}

/* The kernel still serves this task: a round trip through a kernel object. */
static void check_kernel_alive(void)
{
	uint64_t ns = 0;
	CHECK_EQ(sm_host_uptime(host, &ns), KERN_SUCCESS);
	CHECK(ns > 0, "uptime %llu", (unsigned long long)ns);
}

/* Whether a name is in use in this task's space. */
static int name_used(mach_port_name_t name)
{
	mach_port_type_t type;
	return mach_port_type(self, name, &type) == KERN_SUCCESS;
}

static void test_integer_as_port(void)
{
	const mach_port_name_t name = 0x4242;
	/* An integer poly: refused, and the name stays free. */
	CHECK_EQ(mach_port_insert_right(self, name, 0xdeadbeef, MACH_MSG_TYPE_INTEGER_32), KERN_INVALID_VALUE);
	CHECK(!name_used(name), "0xdeadbeef was inserted as a port");
	CHECK_EQ(mach_port_insert_right(self, name, 0xdeadbeef, MACH_MSG_TYPE_PORT_NAME), KERN_INVALID_VALUE);
	CHECK(!name_used(name), "a port name item was inserted as a port");

	/* A fake port in this task's memory: a plausible struct (one reference,
	 * active, no kernel object, a queue limit) and a guard pattern. The
	 * kernel must neither insert it nor queue on it nor write to it. */
	vm_address_t page = 0;
	CHECK_EQ(vm_allocate(self, &page, PAGE, TRUE), KERN_SUCCESS);
	uint32_t *fake = (uint32_t *)page;
	for (unsigned i = 0; i < PAGE / 4; i++)
		fake[i] = 0x5a5a0000u | i;
	fake[0] = 1;                     /* refs */
	fake[1] = 1;                     /* active */
	fake[2] = 0;                     /* no kernel object */
	static uint32_t copy[PAGE / 4];
	memcpy(copy, fake, PAGE);
	CHECK_EQ(mach_port_insert_right(self, name, (mach_port_t)page, MACH_MSG_TYPE_INTEGER_32), KERN_INVALID_VALUE);
	CHECK(!name_used(name), "the fake port was inserted");
	mach_msg_header_t msg = { .msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0),
				  .msgh_size = sizeof msg, .msgh_remote_port = name, .msgh_id = 1 };
	CHECK_EQ(mach_msg(&msg, MACH_SEND_MSG | MACH_SEND_TIMEOUT, sizeof msg, 0, 0, 0, 0), MACH_SEND_INVALID_DEST);
	CHECK(memcmp(copy, fake, PAGE) == 0, "the kernel wrote into the fake port");
	CHECK_EQ(vm_deallocate(self, page, PAGE), KERN_SUCCESS);

	/* A real right still goes in. */
	mach_port_t rcv = mach_reply_port();
	CHECK_EQ(mach_port_insert_right(self, rcv, rcv, MACH_MSG_TYPE_MAKE_SEND), KERN_SUCCESS);
	CHECK_EQ(mach_port_mod_refs(self, rcv, MACH_PORT_RIGHT_RECEIVE, -1), KERN_SUCCESS);
	CHECK_EQ(mach_port_deallocate(self, rcv), KERN_SUCCESS);   /* the dead name left */
	check_kernel_alive();
}

static void test_dead_and_null_tasks(void)
{
	vm_address_t va = 0;
	rpc_phys_addr_t pa = 0;
	CHECK_EQ(vm_allocate_contiguous(host_priv, MACH_PORT_DEAD, &va, &pa, PAGE, 0, 0, 0), KERN_INVALID_TASK);
	CHECK_EQ(vm_allocate_contiguous(host_priv, MACH_PORT_NULL, &va, &pa, PAGE, 0, 0, 0), KERN_INVALID_TASK);
	CHECK_EQ(vm_allocate_contiguous(host_priv, host, &va, &pa, PAGE, 0, 0, 0), KERN_INVALID_TASK);

	/* thread_terminate_release is a simpleroutine (no reply): the refusal
	 * shows as a thread that is still there. */
	mach_port_t th = MACH_PORT_NULL;
	CHECK_EQ(thread_create(self, &th), KERN_SUCCESS);
	CHECK_EQ(thread_terminate_release(th, MACH_PORT_DEAD, MACH_PORT_NULL, MACH_PORT_NULL, 0, 0), KERN_SUCCESS);
	CHECK_EQ(thread_terminate_release(th, MACH_PORT_NULL, MACH_PORT_NULL, MACH_PORT_NULL, 0, 0), KERN_SUCCESS);
	CHECK_EQ(thread_terminate_release(th, host, MACH_PORT_NULL, MACH_PORT_NULL, 0, 0), KERN_SUCCESS);
	CHECK_EQ(thread_suspend(th), KERN_SUCCESS);      /* still alive */
	CHECK_EQ(thread_terminate(th), KERN_SUCCESS);
	CHECK_EQ(mach_port_deallocate(self, th), KERN_SUCCESS);
	check_kernel_alive();
}

/* sm_device_register with the port item sent as the caller chooses (the MIG
 * stub always sends MAKE_SEND; COPY_SEND passes a send right one holds). */
static kern_return_t register_raw(const char *name, mach_port_t port, mach_msg_type_name_t disposition)
{
	struct {
		mach_msg_header_t head;
		mach_msg_type_long_t name_type;
		char name[64];
		mach_msg_type_t port_type;
		mach_port_t port;
	} req;
	memset(&req, 0, sizeof req);
	mach_port_t reply = mig_get_reply_port();
	req.head.msgh_bits = MACH_MSGH_BITS_COMPLEX | MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE);
	req.head.msgh_size = sizeof req;
	req.head.msgh_remote_port = DEVICE_MASTER;
	req.head.msgh_local_port = reply;
	req.head.msgh_id = 7003;
	req.name_type.msgtl_header.msgt_inline = TRUE;
	req.name_type.msgtl_header.msgt_longform = TRUE;
	req.name_type.msgtl_name = MACH_MSG_TYPE_STRING_C;
	req.name_type.msgtl_size = 512;
	req.name_type.msgtl_number = 1;
	snprintf(req.name, sizeof req.name, "%s", name);
	req.port_type = (mach_msg_type_t){ disposition, 32, 1, TRUE, FALSE, FALSE, 0 };
	req.port = port;
	mach_msg_return_t mr = mach_msg(&req.head, MACH_SEND_MSG | MACH_RCV_MSG, sizeof req, sizeof req, reply,
					MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
	if (mr != MACH_MSG_SUCCESS)
		return mr;
	struct { mach_msg_header_t head; mach_msg_type_t t; kern_return_t code; } *rep = (void *)&req;
	return rep->head.msgh_id == 7103 ? rep->code : MIG_REPLY_MISMATCH;
}

static void check_no_device(const char *name)
{
	mach_port_t dev = MACH_PORT_NULL;
	CHECK_EQ(device_open(DEVICE_MASTER, D_READ, (char *)name, &dev), D_NO_SUCH_DEVICE);
	CHECK_EQ(dev, MACH_PORT_NULL);
}

static void test_bad_device_ports(void)
{
	CHECK_EQ(sm_device_register(DEVICE_MASTER, "hostile-dead", MACH_PORT_DEAD), KERN_INVALID_ARGUMENT);
	CHECK_EQ(sm_device_register(DEVICE_MASTER, "hostile-null", MACH_PORT_NULL), KERN_INVALID_ARGUMENT);
	check_no_device("hostile-dead");
	check_no_device("hostile-null");
	/* No driver is the kernel: the master port (an open would forward to
	 * itself forever), the host ports, a task port. */
	CHECK_EQ(register_raw("hostile-master", DEVICE_MASTER, MACH_MSG_TYPE_COPY_SEND), KERN_INVALID_ARGUMENT);
	CHECK_EQ(register_raw("hostile-host", host, MACH_MSG_TYPE_COPY_SEND), KERN_INVALID_ARGUMENT);
	CHECK_EQ(register_raw("hostile-priv", host_priv, MACH_MSG_TYPE_COPY_SEND), KERN_INVALID_ARGUMENT);
	CHECK_EQ(register_raw("hostile-task", self, MACH_MSG_TYPE_COPY_SEND), KERN_INVALID_ARGUMENT);
	CHECK_EQ(register_raw("hostile-dead2", MACH_PORT_DEAD, MACH_MSG_TYPE_COPY_SEND), KERN_INVALID_ARGUMENT);
	check_no_device("hostile-master");
	check_no_device("hostile-host");
	check_no_device("hostile-task");
	/* A port of this task's own, sent the same way, is a driver. */
	mach_port_t driver = mach_reply_port();
	CHECK_EQ(mach_port_insert_right(self, driver, driver, MACH_MSG_TYPE_MAKE_SEND), KERN_SUCCESS);
	CHECK_EQ(register_raw("hostile-own", driver, MACH_MSG_TYPE_COPY_SEND), KERN_SUCCESS);
	CHECK_EQ(mach_port_mod_refs(self, driver, MACH_PORT_RIGHT_RECEIVE, -1), KERN_SUCCESS);
	CHECK_EQ(mach_port_deallocate(self, driver), KERN_SUCCESS);
	check_no_device("hostile-own");             /* its port died */
	check_kernel_alive();
}

/* Register `count` names for ports that die right after; all must succeed. */
static int register_dying(int round, int count)
{
	int ok = 0;
	for (int i = 0; i < count; i++) {
		char name[32];
		snprintf(name, sizeof name, "hostile-%d-%d", round, i);
		mach_port_t p = mach_reply_port();
		kern_return_t kr = sm_device_register(DEVICE_MASTER, name, p);
		ok += kr == KERN_SUCCESS;
		if (kr != KERN_SUCCESS)
			printf("test-hostile-ports: registration %s: %x\n", name, kr);
		mach_port_mod_refs(self, p, MACH_PORT_RIGHT_RECEIVE, -1);
	}
	return ok;
}

static void test_registry_reclaims_dead_slots(void)
{
	/* The first round fills every slot (others' slots too, if dead). */
	CHECK_EQ(register_dying(0, REGISTRY_SLOTS + 8), REGISTRY_SLOTS + 8);
	struct stats before = kernel_stats();
	CHECK_EQ(register_dying(1, REGISTRY_SLOTS + 8), REGISTRY_SLOTS + 8);
	/* A live driver still gets a slot, and opens reach it. */
	mach_port_t driver = mach_reply_port();
	CHECK_EQ(sm_device_register(DEVICE_MASTER, "hostile-live", driver), KERN_SUCCESS);
	mach_port_t reply = mach_reply_port();
	CHECK_EQ(device_open_request(DEVICE_MASTER, reply, D_READ, "hostile-live"), KERN_SUCCESS);
	mach_msg_header_t *in = malloc(256);
	memset(in, 0, 256);
	CHECK_EQ(mach_msg(in, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, 256, driver, 1000, 0), MACH_MSG_SUCCESS);
	CHECK_EQ(in->msgh_id, 2800);
	mach_port_deallocate(self, in->msgh_remote_port);       /* the client's reply right */
	free(in);
	CHECK_EQ(mach_port_mod_refs(self, reply, MACH_PORT_RIGHT_RECEIVE, -1), KERN_SUCCESS);
	CHECK_EQ(mach_port_mod_refs(self, driver, MACH_PORT_RIGHT_RECEIVE, -1), KERN_SUCCESS);
	/* The live driver's slot took a dead one's place; its own port is now
	 * dead and held, as the one it replaced was: nothing grew. */
	check_same_stats("registrations of dying ports", before, kernel_stats());
}

static void test_plain_host_is_not_privileged(void)
{
	vm_address_t va = 0;
	rpc_phys_addr_t pa = 0;
	CHECK(host != host_priv && MACH_PORT_VALID(host_priv), "host %u, privileged %u", host, host_priv);
	CHECK_EQ(vm_allocate_contiguous(host, self, &va, &pa, PAGE, 0, 0, 0), KERN_INVALID_HOST);
	CHECK_EQ(vm_allocate_contiguous(self, self, &va, &pa, PAGE, 0, 0, 0), KERN_INVALID_HOST);
	CHECK_EQ(va, 0);
	/* host_reboot with the privileged port would halt the machine: only the
	 * refusals are tried. */
	CHECK_EQ(host_reboot(host, 0), KERN_INVALID_HOST);
	CHECK_EQ(host_reboot(self, 0), KERN_INVALID_HOST);
	/* The queries take either host port. */
	kernel_version_t version;
	CHECK_EQ(host_kernel_version(host, version), KERN_SUCCESS);
	CHECK_EQ(host_kernel_version(host_priv, version), KERN_SUCCESS);
	check_kernel_alive();
}

/* One call that succeeds with a task port in the request body, in a child
 * task; the child dies, and its port must go with it. */
static void leak_round(int use_contiguous)
{
	mach_port_t child = MACH_PORT_NULL, th = MACH_PORT_NULL;
	CHECK_EQ(task_create(self, FALSE, &child), KERN_SUCCESS);
	if (use_contiguous) {
		vm_address_t va = 0;
		rpc_phys_addr_t pa = 0;
		CHECK_EQ(vm_allocate_contiguous(host_priv, child, &va, &pa, PAGE, 0, 0, 0), KERN_SUCCESS);
	} else {
		CHECK_EQ(thread_create(child, &th), KERN_SUCCESS);
		CHECK_EQ(thread_terminate_release(th, child, MACH_PORT_NULL, MACH_PORT_NULL, 0, 0), KERN_SUCCESS);
		mach_port_deallocate(self, th);
	}
	CHECK_EQ(task_terminate(child), KERN_SUCCESS);
	mach_port_deallocate(self, child);
	/* Let the scheduler free the dead thread now: a hundred of them at once
	 * would raise the kernel heap's high-water mark (its small blocks stay
	 * on its free lists), which is not what this counts. */
	smrt_sleep_ms(1);
}

static void test_no_right_kept(void)
{
	for (int kind = 0; kind < 2; kind++) {
		leak_round(kind);                       /* warm the kernel's heap */
		struct stats before = kernel_stats();
		for (int i = 0; i < 100; i++)
			leak_round(kind);
		check_same_stats(kind ? "vm_allocate_contiguous x100" : "thread_terminate_release x100",
				 before, kernel_stats());
	}
}

/* Many bad calls, each worth a kernel warning: they must be quick (the
 * warnings are rate-limited) and harmless. */
static void test_warning_flood(void)
{
	struct stats before = kernel_stats();
	uint64_t t0 = 0, t1 = 0;
	sm_host_uptime(host, &t0);
	int refused = 0;
	for (int i = 0; i < BURST_CALLS; i++)
		refused += mach_port_insert_right(self, 0x4243, 0xdeadbeef, MACH_MSG_TYPE_INTEGER_32) == KERN_INVALID_VALUE;
	sm_host_uptime(host, &t1);
	CHECK_EQ(refused, BURST_CALLS);
	printf("test-hostile-ports: %d bad calls in %llu ms\n", BURST_CALLS,
	       (unsigned long long)((t1 - t0) / 1000000));
	check_kernel_alive();
	check_same_stats("bad calls", before, kernel_stats());
}

int main(void)
{
	self = mach_task_self();
	host = mach_host_self();
	host_priv = smrt_host_priv_port();
	check_kernel_alive();
	/* Each attack twice: the first round warms the kernel's heap and this
	 * task's name table; the second must leave the counts where they were. */
	struct stats start = { 0, 0, 0, 0 };
	for (int round = 0; round < 2; round++) {
		if (round == 1)
			start = kernel_stats();
		test_integer_as_port();
		test_dead_and_null_tasks();
		test_bad_device_ports();
		test_plain_host_is_not_privileged();
	}
	check_same_stats("single attacks", start, kernel_stats());
	test_registry_reclaims_dead_slots();
	test_no_right_kept();
	test_warning_flood();              /* last: the warnings above must all be shown */
	return guest_summary("test-hostile-ports");
}
