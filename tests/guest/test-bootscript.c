/* test-bootscript: GNU Mach's boot-script words in module command lines.
 * This test is booted as a module whose GRUB line is written the GNU Mach
 * way (tests/user-qemu.mk, test_bootscript_ARGS):
 *
 *   test-bootscript '--host-priv-port=${host-port}' '--device-master-port=${device-port}'
 *                   '--cmdline=${kernel-command-line}' '$(task-create)' '$(task-resume)'
 *
 * and checks the argv the kernel built from it: the port variables became
 * the names this task holds (1, the privileged host port; 2, the device
 * master port), the kernel's command line is one word, and the two
 * function words are gone. Beside it, modules whose lines the kernel must
 * refuse (an unknown variable, a function with a binding, ${root} without
 * root=, $(task-create) without $(task-resume)): test-bootscript.expect
 * requires a "not started" line for each. */
#include "guest-check.h"
#include <sm/traps.h>
#include "mach.h"
#include "mach_port.h"

static int starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The runtime's libc has no strstr or strchr. */
static int contains(const char *s, const char *part)
{
	for (; *s; s++)
		if (starts_with(s, part))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	mach_port_t self = mach_task_self();
	CHECK_EQ(argc, 4);
	if (argc == 4) {
		CHECK(!strcmp(argv[1], "--host-priv-port=1"), "argv[1] = \"%s\"", argv[1]);
		CHECK(!strcmp(argv[2], "--device-master-port=2"), "argv[2] = \"%s\"", argv[2]);
		CHECK(starts_with(argv[3], "--cmdline=") && contains(argv[3], "exit-when-idle halt-when=test-bootscript"),
		      "argv[3] = \"%s\"", argv[3]);
	}
	for (int i = 0; i < argc; i++)
		CHECK(!contains(argv[i], "$"), "argv[%d] = \"%s\" still holds a script word", i, argv[i]);
	/* The names substituted are the rights this task holds. */
	mach_port_type_t t = 0;
	CHECK_EQ(mach_port_type(self, 1, &t), KERN_SUCCESS);
	CHECK_EQ(t, MACH_PORT_TYPE_SEND);
	CHECK_EQ(mach_port_type(self, 2, &t), KERN_SUCCESS);
	CHECK_EQ(t, MACH_PORT_TYPE_SEND);
	return guest_summary("test-bootscript");
}
