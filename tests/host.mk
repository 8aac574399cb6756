# tests/host.mk - host unit tests (tests/host/*.c): kernel and runtime logic
# that does no I/O, built as ordinary 32-bit Linux programs and run here.
#
# Plain GNU make, included by the top Makefile.am.  Sources come from
# $(top_srcdir); programs, objects and logs land in tests/host/ under the
# build directory.  From configure: CC (gcc with multilib, for -m32).
#
#   make check-host     build and run every program in HOST_TESTS, show each
#                       one's output, then one line "host: N passed, M failed"
#                       summed over them; fails if any check failed or any
#                       program died without printing its summary line.
#
# Each program prints "N passed, M failed" as its last line of standard
# output (tests/host/check.h).  Adding a test of a pure kernel source:
#   HOST_TESTS += tests/host/test_foo
#   tests/host/test_foo: tests/host/obj/tests/host/test_foo.o tests/host/obj/kernel/x/foo.o
# (the link rule below is generic).
#
# Sanitizers: HOST_SANITIZE is tried once (tests/host/sanitize-flags); if a
# program built with it does not link or run here, the tests build without.

HOST_TEST_DIR = tests/host
HOST_OBJ_DIR = $(HOST_TEST_DIR)/obj
HOST_CC = $(CC)
HOST_SANITIZE = -fsanitize=address,undefined -fno-sanitize-recover=all
HOST_SANITIZE_FLAGS = $(HOST_TEST_DIR)/sanitize-flags
HOST_CFLAGS = -m32 -std=gnu11 -O1 -g -fno-omit-frame-pointer -Wall -Wextra \
	-Wno-unused-parameter
# Kernel sources and their tests see the kernel's include paths and -DKERNEL.
HOST_KERNEL_CPPFLAGS = -DKERNEL -I$(top_srcdir)/kernel -I$(top_srcdir) \
	-I$(top_srcdir)/include
# The runtime allocator test includes the runtime sources itself.
HOST_RUNTIME_CPPFLAGS = -I$(top_srcdir)/servers/runtime/include \
	-I$(top_srcdir)/include

HOST_TESTS = \
	$(HOST_TEST_DIR)/test_printf \
	$(HOST_TEST_DIR)/test_ratelimit \
	$(HOST_TEST_DIR)/test_frames \
	$(HOST_TEST_DIR)/test_elf \
	$(HOST_TEST_DIR)/test_msg_body \
	$(HOST_TEST_DIR)/test_malloc \
	$(HOST_TEST_DIR)/test_ipc_space \
	$(HOST_TEST_DIR)/test_ipc_rights \
	$(HOST_TEST_DIR)/test_ipc_notify \
	$(HOST_TEST_DIR)/test_ipc_model \
	$(HOST_TEST_DIR)/test_ipc_transit \
	$(HOST_TEST_DIR)/test_ipc_body_items \
	$(HOST_TEST_DIR)/test_ipc_pset \
	$(HOST_TEST_DIR)/test_virtio \
	$(HOST_TEST_DIR)/test_virtio_sdk \
	$(HOST_TEST_DIR)/test_virtio_sdk_speed \
	$(HOST_TEST_DIR)/test_acpi_madt \
	$(HOST_TEST_DIR)/test_msix

# test program: its own object plus the pure kernel sources it exercises
# (freestanding/format.c is #included by the test, under other names.)
$(HOST_TEST_DIR)/test_printf: $(HOST_OBJ_DIR)/tests/host/test_printf.o
$(HOST_TEST_DIR)/test_ratelimit: $(HOST_OBJ_DIR)/tests/host/test_ratelimit.o \
	$(HOST_OBJ_DIR)/kernel/kern/ratelimit.o
$(HOST_TEST_DIR)/test_frames: $(HOST_OBJ_DIR)/tests/host/test_frames.o \
	$(HOST_OBJ_DIR)/kernel/vm/frames.o
$(HOST_TEST_DIR)/test_elf: $(HOST_OBJ_DIR)/tests/host/test_elf.o \
	$(HOST_OBJ_DIR)/kernel/kern/elf.o
$(HOST_TEST_DIR)/test_msg_body: $(HOST_OBJ_DIR)/tests/host/test_msg_body.o \
	$(HOST_OBJ_DIR)/kernel/ipc/msg_body.o
$(HOST_TEST_DIR)/test_acpi_madt: $(HOST_OBJ_DIR)/tests/host/test_acpi_madt.o \
	$(HOST_OBJ_DIR)/tests/host/kernel_stubs.o $(HOST_OBJ_DIR)/kernel/i386/acpi_madt.o
# MSI-X table programming (device/pci/msix.c) and the virtio vector
# registration over it (device/virtio/vectors.c), over a fake PCI function
# and the fake transport's vector registers.
$(HOST_TEST_DIR)/test_msix: $(HOST_OBJ_DIR)/tests/host/test_msix.o \
	$(HOST_OBJ_DIR)/tests/host/kernel_stubs.o $(HOST_OBJ_DIR)/tests/host/virtio_fake.o \
	$(HOST_OBJ_DIR)/tests/host/virtio_ring_fake.o $(HOST_OBJ_DIR)/kernel/device/pci/msix.o $(HOST_OBJ_DIR)/kernel/device/virtio/vectors.o
# The IPC data structures, unchanged, over tests/host/ipc_stubs.c.
HOST_IPC_OBJS = $(HOST_OBJ_DIR)/tests/host/ipc_stubs.o $(HOST_OBJ_DIR)/tests/host/kernel_stubs.o \
	$(HOST_OBJ_DIR)/kernel/ipc/port.o $(HOST_OBJ_DIR)/kernel/ipc/space.o \
	$(HOST_OBJ_DIR)/kernel/ipc/right.o $(HOST_OBJ_DIR)/kernel/ipc/notify.o \
	$(HOST_OBJ_DIR)/kernel/ipc/kmsg.o $(HOST_OBJ_DIR)/kernel/ipc/msg_body.o \
	$(HOST_OBJ_DIR)/kernel/ipc/transit.o $(HOST_OBJ_DIR)/kernel/ipc/mqueue.o
$(HOST_TEST_DIR)/test_ipc_space: $(HOST_OBJ_DIR)/tests/host/test_ipc_space.o \
	$(HOST_IPC_OBJS)
$(HOST_TEST_DIR)/test_ipc_rights: $(HOST_OBJ_DIR)/tests/host/test_ipc_rights.o \
	$(HOST_IPC_OBJS)
$(HOST_TEST_DIR)/test_ipc_notify: $(HOST_OBJ_DIR)/tests/host/test_ipc_notify.o \
	$(HOST_IPC_OBJS)
$(HOST_TEST_DIR)/test_ipc_model: $(HOST_OBJ_DIR)/tests/host/test_ipc_model.o \
	$(HOST_IPC_OBJS)
$(HOST_TEST_DIR)/test_ipc_transit: $(HOST_OBJ_DIR)/tests/host/test_ipc_transit.o \
	$(HOST_IPC_OBJS)
$(HOST_TEST_DIR)/test_ipc_body_items: $(HOST_OBJ_DIR)/tests/host/test_ipc_body_items.o \
	$(HOST_IPC_OBJS)
$(HOST_TEST_DIR)/test_ipc_pset: $(HOST_OBJ_DIR)/tests/host/test_ipc_pset.o \
	$(HOST_IPC_OBJS)

# A task's address map (kernel/vm/vm_map.c, vm_space.c), unchanged, over a fake pmap,
# frame pool and heap (tests/host/vm_stubs.c).  Before the generic link
# rule below, which expands HOST_KERNEL_TESTS as it is read.
HOST_TESTS += $(HOST_TEST_DIR)/test_vm_map $(HOST_TEST_DIR)/test_vm_map_model $(HOST_TEST_DIR)/test_vm_map_move
HOST_VM_OBJS = $(HOST_OBJ_DIR)/tests/host/vm_stubs.o $(HOST_OBJ_DIR)/tests/host/kernel_stubs.o \
	$(HOST_OBJ_DIR)/kernel/vm/vm_map.o $(HOST_OBJ_DIR)/kernel/vm/vm_space.o
$(HOST_TEST_DIR)/test_vm_map: $(HOST_OBJ_DIR)/tests/host/test_vm_map.o $(HOST_VM_OBJS)
$(HOST_TEST_DIR)/test_vm_map_model: $(HOST_OBJ_DIR)/tests/host/test_vm_map_model.o \
	$(HOST_VM_OBJS)
$(HOST_TEST_DIR)/test_vm_map_move: $(HOST_OBJ_DIR)/tests/host/test_vm_map_move.o $(HOST_VM_OBJS)
-include $(HOST_OBJ_DIR)/tests/host/test_vm_map.d \
	$(HOST_OBJ_DIR)/tests/host/test_vm_map_model.d $(HOST_OBJ_DIR)/tests/host/test_vm_map_move.d \
	$(HOST_VM_OBJS:.o=.d)

# The virtio transport logic (kernel/device/virtio/core.c) over a fake device.
$(HOST_TEST_DIR)/test_virtio: $(HOST_OBJ_DIR)/tests/host/test_virtio.o \
	$(HOST_OBJ_DIR)/tests/host/virtio_fake.o $(HOST_OBJ_DIR)/tests/host/virtio_ring_fake.o \
	$(HOST_OBJ_DIR)/kernel/device/virtio/core.o

# The Swift virtio SDK's ring and memory logic (servers/sdk/Virtio: the files
# that make no kernel calls) against the fake device ring the C tests use
# too (tests/host/virtio_ring_fake.c, a Clang module through
# tests/host/swift/module.modulemap), compiled as for the guest (Embedded,
# i686) and linked into a 32-bit Linux program (docs/sdk.md).  Twice: at
# -Osize, as most drivers compile the SDK into themselves, and at -O
# (test_virtio_sdk_speed), as blk does (servers/servers.mk), since the
# ring code must not depend on what the optimizer does with it.
VIRTIO_SDK_TEST_SRC = $(top_srcdir)/servers/sdk/Virtio/Tests
# The assertion helpers every Swift host test shares.
SWIFT_HOST_CHECK = $(top_srcdir)/tests/host/swift/Check.swift
VIRTIO_RING_FAKE_H = $(top_srcdir)/tests/host/virtio_ring_fake.h
VIRTIO_SDK_TEST_SWIFT = $(VIRTIO_SDK_RING_SWIFT) $(SWIFT_HOST_CHECK) $(addprefix $(VIRTIO_SDK_TEST_SRC)/,HostCheck.swift \
	RingTests.swift PoolTests.swift BufferRingTests.swift)
$(HOST_OBJ_DIR)/virtio_sdk_test.o: VIRTIO_SDK_TEST_OPT = -Osize
$(HOST_OBJ_DIR)/virtio_sdk_test_speed.o: VIRTIO_SDK_TEST_OPT = -O
$(HOST_OBJ_DIR)/virtio_sdk_test.o $(HOST_OBJ_DIR)/virtio_sdk_test_speed.o: $(VIRTIO_SDK_TEST_SWIFT) \
		$(VIRTIO_RING_FAKE_H) $(top_srcdir)/tests/host/swift/module.modulemap \
		$(VIRTIO_SDK_SRC)/include/vring_access.h $(top_srcdir)/include/sm/virtio_spec.h
	@mkdir -p $(@D)
	$(AM_V_GEN)$(SWIFTC) -target i686-unknown-none-elf -enable-experimental-feature Embedded \
		-wmo -parse-as-library $(VIRTIO_SDK_TEST_OPT) -target-cpu i686 -Xfrontend -disable-stack-protector \
		-I $(VIRTIO_SDK_SRC)/include -I $(top_srcdir)/tests/host/swift -Xcc -I$(top_srcdir)/include \
		-module-name VirtioHostTest -module-cache-path $(HOST_OBJ_DIR)/swift-module-cache \
		-c -o $@ $(VIRTIO_SDK_TEST_SWIFT)
# The fake ring, as the Swift test links it (no sanitizer: the Swift object
# is not instrumented).
$(HOST_OBJ_DIR)/virtio_ring_fake_plain.o: $(top_srcdir)/tests/host/virtio_ring_fake.c $(VIRTIO_RING_FAKE_H) \
		$(top_srcdir)/include/sm/virtio_spec.h
	@mkdir -p $(@D)
	$(SM_V_CC)$(HOST_CC) $(HOST_CFLAGS) -I$(top_srcdir)/include -c -o $@ $<
$(HOST_TEST_DIR)/test_virtio_sdk: $(HOST_OBJ_DIR)/virtio_sdk_test.o $(HOST_OBJ_DIR)/virtio_ring_fake_plain.o
	$(SM_V_LD)$(HOST_CC) -m32 -o $@ $^ $(LIBGCC32)
$(HOST_TEST_DIR)/test_virtio_sdk_speed: $(HOST_OBJ_DIR)/virtio_sdk_test_speed.o $(HOST_OBJ_DIR)/virtio_ring_fake_plain.o
	$(SM_V_LD)$(HOST_CC) -m32 -o $@ $^ $(LIBGCC32)

# The network-device class's packet filters (servers/sdk/Mach/NetFilter.swift,
# which makes no kernel calls) against hand-made frames, built the same way.
HOST_TESTS += $(HOST_TEST_DIR)/test_net_filter
NET_FILTER_TEST_SWIFT = $(SDK_SRC)/NetFilter.swift $(SWIFT_HOST_CHECK) $(SDK_SRC)/Tests/FilterTests.swift
$(HOST_OBJ_DIR)/net_filter_test.o: $(NET_FILTER_TEST_SWIFT)
	@mkdir -p $(@D)
	$(AM_V_GEN)$(SWIFTC) -target i686-unknown-none-elf -enable-experimental-feature Embedded \
		-wmo -parse-as-library -Osize -target-cpu i686 -Xfrontend -disable-stack-protector \
		-module-name NetFilterHostTest -module-cache-path $(HOST_OBJ_DIR)/swift-module-cache \
		-c -o $@ $(NET_FILTER_TEST_SWIFT)
$(HOST_TEST_DIR)/test_net_filter: $(HOST_OBJ_DIR)/net_filter_test.o
	$(SM_V_LD)$(HOST_CC) -m32 -o $@ $^ $(LIBGCC32)

HOST_KERNEL_TESTS = $(filter-out $(HOST_TEST_DIR)/test_malloc $(HOST_TEST_DIR)/test_virtio_sdk \
	$(HOST_TEST_DIR)/test_virtio_sdk_speed \
	$(HOST_TEST_DIR)/test_net_filter,$(HOST_TESTS))

$(HOST_KERNEL_TESTS): $(HOST_SANITIZE_FLAGS)
	$(SM_V_LD)$(HOST_CC) $(HOST_CFLAGS) `cat $(HOST_SANITIZE_FLAGS)` \
		-o $@ $(filter %.o,$^)

$(HOST_OBJ_DIR)/%.o: $(top_srcdir)/%.c $(HOST_SANITIZE_FLAGS)
	@mkdir -p $(@D)
	$(SM_V_CC)$(HOST_CC) $(HOST_CFLAGS) `cat $(HOST_SANITIZE_FLAGS)` \
		$(HOST_KERNEL_CPPFLAGS) -MMD -MP -c -o $@ $<

# servers/runtime/malloc.c and freestanding/string.c are #included by the test itself
# (with prefixed names), so one compile-and-link; its own header list.
$(HOST_TEST_DIR)/test_malloc: $(top_srcdir)/tests/host/test_malloc.c \
		$(top_srcdir)/servers/runtime/malloc.c \
		$(top_srcdir)/freestanding/string.c \
		$(wildcard $(top_srcdir)/servers/runtime/include/sm/*.h) \
		$(HOST_SANITIZE_FLAGS)
	@mkdir -p $(@D)
	$(SM_V_LD)$(HOST_CC) $(HOST_CFLAGS) `cat $(HOST_SANITIZE_FLAGS)` \
		$(HOST_RUNTIME_CPPFLAGS) -o $@ $(top_srcdir)/tests/host/test_malloc.c

# Which sanitizer flags work with this compiler, found once.
$(HOST_SANITIZE_FLAGS):
	@mkdir -p $(@D)
	@printf 'int main(void) { return 0; }\n' > $@.c; \
	if $(HOST_CC) -m32 $(HOST_SANITIZE) -o $@.exe $@.c >/dev/null 2>&1 && \
	   ./$@.exe >/dev/null 2>&1; then \
		echo '$(HOST_SANITIZE)' > $@.tmp; \
	else \
		echo "host tests: '$(HOST_SANITIZE)' does not work here; building without"; \
		: > $@.tmp; \
	fi; \
	rm -f $@.c $@.exe; mv -f $@.tmp $@

# Runs every program even after a failure; each one's stdout goes to
# PROG.log and stderr to PROG.err, both shown.
check-host: $(HOST_TESTS)
	@passed=0; failed=0; broken=''; \
	for t in $(HOST_TESTS); do \
		echo "== $$t"; \
		ASAN_OPTIONS=detect_leaks=0 ./$$t > $$t.log 2> $$t.err; rc=$$?; \
		cat $$t.log; cat $$t.err >&2; \
		last=`tail -n 1 $$t.log`; \
		p=`echo "$$last" | sed -n 's/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed$$/\1/p'`; \
		f=`echo "$$last" | sed -n 's/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed$$/\2/p'`; \
		if test -z "$$p"; then \
			echo "$$t: CRASHED (exit status $$rc, no summary line)"; \
			broken="$$broken $$t"; failed=`expr $$failed + 1`; \
		else \
			passed=`expr $$passed + $$p`; failed=`expr $$failed + $$f`; \
			if test $$rc -ne 0 && test $$f -eq 0; then \
				echo "$$t: exit status $$rc with no failed check"; \
				broken="$$broken $$t"; failed=`expr $$failed + 1`; \
			fi; \
		fi; \
	done; \
	echo "host: $$passed passed, $$failed failed"; \
	if test -n "$$broken"; then echo "host: crashed or bad exit:$$broken"; fi; \
	test $$failed -eq 0

.PHONY: check-host

-include $(HOST_OBJ_DIR)/tests/host/test_printf.d \
	$(HOST_OBJ_DIR)/tests/host/test_frames.d \
	$(HOST_OBJ_DIR)/tests/host/test_elf.d \
	$(HOST_OBJ_DIR)/tests/host/test_msg_body.d \
	$(HOST_OBJ_DIR)/kernel/kern/printf.d \
	$(HOST_OBJ_DIR)/kernel/vm/frames.d \
	$(HOST_OBJ_DIR)/kernel/kern/elf.d \
	$(HOST_OBJ_DIR)/kernel/ipc/msg_body.d \
	$(HOST_OBJ_DIR)/tests/host/test_ipc_space.d \
	$(HOST_OBJ_DIR)/tests/host/test_ipc_rights.d \
	$(HOST_OBJ_DIR)/tests/host/test_ipc_notify.d \
	$(HOST_OBJ_DIR)/tests/host/test_ipc_model.d \
	$(HOST_OBJ_DIR)/tests/host/test_ipc_transit.d \
	$(HOST_OBJ_DIR)/tests/host/test_ipc_body_items.d \
	$(HOST_OBJ_DIR)/tests/host/test_ipc_pset.d \
	$(HOST_IPC_OBJS:.o=.d)

CLEANFILES += $(HOST_TESTS) $(HOST_TESTS:=.log) $(HOST_TESTS:=.err) \
	$(HOST_SANITIZE_FLAGS)
CLEAN_DIRS += $(HOST_OBJ_DIR)
