# tests/user-qemu.mk - in-guest tests. Each tests/guest/test-TOPIC.c is a user
# program; its boot image holds the kernel (told to halt QEMU when the test
# task ends, or when every task has), the test and the modules in
# test_TOPIC_MODULES (FILE or FILE:ARGS; the test's own arguments, if any,
# in test_TOPIC_ARGS). The harness
# (tests/scripts/run-guest-test.sh) boots it headless and judges the serial log.
#   make check-guest     every topic
#   make check-TOPIC     one topic, headless; exits with its verdict
#   make run-TOPIC       the same with the serial console on this terminal
#   make debug-TOPIC     boot one topic stopped, waiting for gdb on :1234
# A topic in GUEST_VARIANTS boots another topic's program (test_TOPIC_PROGRAM)
# in another configuration; test_TOPIC_SETUP runs before each boot and
# test_TOPIC_POSTCHECK (given the serial log) after it; test_TOPIC_TIMEOUT
# replaces GUEST_TIMEOUT; test_TOPIC_KERNEL_ARGS are added to the kernel's.
# GUEST_QEMU_EXTRA is added to every boot: GUEST_QEMU_EXTRA="-cpu qemu32,-apic"
# boots every topic on the 8259s (no local APIC: the kernel falls back).

# Every tests/guest/test-TOPIC.c is a topic, and so is every variant.
GUEST_TOPICS = $(patsubst $(top_srcdir)/tests/guest/test-%.c,%,$(sort $(wildcard $(top_srcdir)/tests/guest/test-*.c))) \
	$(GUEST_VARIANTS)
GUEST_TIMEOUT = 60
# The program a topic boots: its own, or test_TOPIC_PROGRAM's.
guest_program = $(or $(test_$(1)_PROGRAM),$(1))
GUEST_KERNEL_ARGS = exit-when-idle halt-when=test-$(call guest_program,$*) $(test_$*_KERNEL_ARGS)
RUN_GUEST_TEST = $(SHELL) $(top_srcdir)/tests/scripts/run-guest-test.sh

# Modules beside each test: the Swift task, a task that faults, and two files
# that are not loadable ELF executables.
test_boot_MODULES = $(HELLO_ELF) tests/fault-task tests/not-an-elf.bin tests/truncated-elf.bin
# Its random messages are walked with the fuzzer's body walk (tests/lib/msg-body-walk.c).
tests/test-boot: tests/test-boot.o tests/msg-body-walk.o tests/guest-check.o $(USER_LINK_DEPS)
	$(SM_V_LD)$(USER_LINK) -o $@ tests/test-boot.o tests/msg-body-walk.o tests/guest-check.o $(USER_LIBS)

# Guest-side objects have flat names in the build tree (tests/test-ipc.o,
# tests/vdisk.o) whichever folder of tests/ holds the source
# (tests/README.md); tests/fuzz/ objects keep their folder.
TESTS_SOURCE_DIRS = guest/ lib/ peers/ bench/
TESTS_INCLUDES = -I$(top_srcdir)/tests -I$(top_srcdir)/tests/lib -I$(top_srcdir)/tests/guest
define tests_object_rule
tests/%.o: $(top_srcdir)/tests/$(1)%.c $$(USER_LINK_DEPS) $$(SMRT_MIG_HDRS)
	@mkdir -p $$(@D)
	$$(SM_V_CC)$$(USER_CC) $$(USER_CFLAGS) $$(TESTS_INCLUDES) -MMD -MP -c -o $$@ $$<
endef
$(foreach d,$(TESTS_SOURCE_DIRS),$(eval $(call tests_object_rule,$(d))))
$(eval $(call tests_object_rule,))
# Each object's headers (tests/lib/vdisk.h's structures are compiled into
# several programs): a changed header rebuilds every object that includes it.
-include $(wildcard tests/*.d)

tests/test-%: tests/test-%.o tests/guest-check.o $(USER_LINK_DEPS)
	$(SM_V_LD)$(USER_LINK) -o $@ tests/test-$*.o tests/guest-check.o $(USER_LIBS)

# The IPC attacks, with their random stress in a file of its own.
tests/test-hostile-ipc: tests/test-hostile-ipc.o tests/hostile-ipc-stress.o tests/guest-check.o $(USER_LINK_DEPS)
	$(SM_V_LD)$(USER_LINK) -o $@ tests/test-hostile-ipc.o tests/hostile-ipc-stress.o tests/guest-check.o $(USER_LIBS)

# Two copies of the peer: the second takes over the name when the first dies.
test_ipc_MODULES = tests/ipc-peer tests/ipc-peer:second
# One writes to a page it made read-only, one reads a page it deallocated.
test_vm_MODULES = tests/vm-fault-task tests/vm-fault-task:unmapped

test_fpu_MODULES = tests/fpu-peer

# A GNU Mach program with the stubs <mach/syscall_sw.h> generates.
tests/gnumach-traps.o: $(top_srcdir)/tests/lib/gnumach-traps.S $(USER_LINK_DEPS)
	$(SM_V_CC)$(USER_CC) $(USER_CFLAGS) -c -o $@ $<
tests/test-gnumach-headers: tests/test-gnumach-headers.o tests/gnumach-traps.o tests/guest-check.o $(USER_LINK_DEPS)
	$(SM_V_LD)$(USER_LINK) -o $@ tests/test-gnumach-headers.o tests/gnumach-traps.o tests/guest-check.o $(USER_LIBS)

# GNU Mach boot-script words (kern/boot_script.c), quoted as in a GNU Mach
# menu entry so that GRUB hands them over: the test's own line is served, the
# four fault-task lines are refused (a user variable, a binding, ${root}
# without root=, a task left suspended). \$$ survives make and the shell.
test_bootscript_ARGS = "'--host-priv-port=\$${host-port}' '--device-master-port=\$${device-port}' \
	'--cmdline=\$${kernel-command-line}' '\$$(task-create)' '\$$(task-resume)'"
test_bootscript_MODULES = tests/fault-task:'--exec=\$${exec-task}'+'\$$(task-create)'+'\$$(task-resume)' \
	tests/fault-task:'\$$(exec-task=task-create)' \
	tests/fault-task:'\$${root}'+'\$$(task-create)'+'\$$(task-resume)' \
	tests/fault-task:'--host=\$${host-port}'+'\$$(task-create)'

# 100,000 calls that each earn a kernel warning: the log must stay short.
$(eval test_hostile-ports_POSTCHECK = $$(SHELL) $$(top_srcdir)/tests/scripts/warning-count-check.sh 1000)

# The time server beside test-time, with the RTC at a date the test knows
# (its RTC_BASE).
test_time_MODULES = $(TIME_ELF)
test_time_QEMU_ARGS = -rtc base=2026-01-02T03:04:05

# The Swift device server, a second C client and a Swift client, all at once.
test_hello_MODULES = $(HELLO_ELF) tests/hello-peer tests/swift-client/swift-client

tests/hello-peer: tests/hello-peer.o tests/guest-check.o $(USER_LINK_DEPS)
	$(SM_V_LD)$(USER_LINK) -o $@ tests/hello-peer.o tests/guest-check.o $(USER_LIBS)

# A Swift client of the device, built on the SDK (servers/servers.mk).
SWIFT_CLIENT_SWIFT = $(top_srcdir)/tests/peers/swift-client/SwiftClient.swift
tests/swift-client/swift-client.o: $(SWIFT_CLIENT_SWIFT) $(SDK_DEPS)
	@mkdir -p $(@D)
	$(AM_V_GEN)$(SWIFTC) $(SWIFT_SDK_USER_FLAGS) -module-name SwiftClient \
		-module-cache-path tests/swift-client/module-cache -c -o $@ $(SWIFT_CLIENT_SWIFT)

tests/swift-client/swift-client: tests/swift-client/swift-client.o $(SDK_LIB) \
		$(USER_LINK_DEPS) $(SMRT_SRC)/check-user-elf.sh
	$(SM_V_LD)$(USER_LINK) $(USER_GC_SECTIONS) -o $@.tmp $< $(SDK_LIB) $(USER_LIBS)
	$(AM_V_at)$(USER_CHECK_ELF) $@.tmp >/dev/null
	$(AM_V_at)mv -f $@.tmp $@

# The virtio transport test once per transport (tests/guest/virtio-transport.c
# and virtio-lend.c, docs/virtio-implementation.md): blk, net and rng at fixed PCI slots (3 and
# 4 share IRQ 11 on QEMU's i440FX), all given to the test, rng also to
# virtio-quitter, which claims it and dies holding it. Each transport has
# its own scratch disk from tools/mkdisk.py (sectors start with their number).
VIRTIO_TESTS = tests/test-virtio_modern tests/test-virtio_legacy
$(VIRTIO_TESTS): tests/test-virtio_%: tests/test-virtio_%.o tests/virtio-transport.o tests/virtio-lend.o \
		tests/virtio-guest.o tests/guest-check.o $(USER_LINK_DEPS)
	$(SM_V_LD)$(USER_LINK) -o $@ tests/test-virtio_$*.o tests/virtio-transport.o tests/virtio-lend.o \
		tests/virtio-guest.o tests/guest-check.o $(USER_LIBS)
# test-hostile-df drives a null-co virtio-blk disk itself (tests/lib/virtio-guest.c)
# while a thread spins with the direction flag set.
tests/test-hostile-df: tests/test-hostile-df.o tests/virtio-guest.o tests/guest-check.o $(USER_LINK_DEPS)
	$(SM_V_LD)$(USER_LINK) -o $@ tests/test-hostile-df.o tests/virtio-guest.o tests/guest-check.o $(USER_LIBS)
$(eval test_hostile-df_ARGS = device=00:03.0)
$(eval test_hostile-df_QEMU_ARGS = -nic none -blockdev driver=null-co,node-name=hdf0,size=16777216,read-zeroes=on \
	-device virtio-blk-pci,drive=hdf0,addr=3)
tests/virtio-quitter: tests/virtio-quitter.o tests/virtio-guest.o tests/guest-check.o $(USER_LINK_DEPS)
	$(SM_V_LD)$(USER_LINK) -o $@ tests/virtio-quitter.o tests/virtio-guest.o tests/guest-check.o $(USER_LIBS)
virtio_test_devices = -drive file=tests/virtio-$(1).img,if=none,id=vd0,format=raw \
	-device virtio-blk-pci,drive=vd0,addr=3,$(2) \
	-netdev user,id=n0 -device virtio-net-pci,netdev=n0,addr=4,$(2) \
	-device virtio-rng-pci,addr=5,$(2)
test_virtio_modern_ARGS = device=00:03.0,00:04.0,00:05.0
test_virtio_legacy_ARGS = $(test_virtio_modern_ARGS)
test_virtio_modern_MODULES = tests/virtio-quitter:device=00:05.0
test_virtio_legacy_MODULES = $(test_virtio_modern_MODULES)
# Net has 3 MSI-X vectors (rx, tx, config: the test asks for a fourth and
# is refused); topic virtio_modern-intx has none on any device (INTx only).
test_virtio_modern_QEMU_ARGS = $(subst virtio-net-pci$(vd_comma)netdev=n0$(vd_comma),virtio-net-pci$(vd_comma)netdev=n0$(vd_comma)vectors=3$(vd_comma),\
	$(call virtio_test_devices,modern,disable-legacy=on))
$(eval test_virtio_modern-intx_PROGRAM = virtio_modern)
$(eval test_virtio_modern-intx_ARGS = $$(test_virtio_modern_ARGS))
$(eval test_virtio_modern-intx_MODULES = $$(test_virtio_modern_MODULES))
$(eval test_virtio_modern-intx_QEMU_ARGS = $$(call virtio_test_devices,modern,disable-legacy=on$$(vd_comma)vectors=0))
# The same on the 8259s: the kernel is told noapic.
$(eval test_virtio_modern-noapic_PROGRAM = virtio_modern)
$(eval test_virtio_modern-noapic_ARGS = $$(test_virtio_modern_ARGS))
$(eval test_virtio_modern-noapic_MODULES = $$(test_virtio_modern_MODULES))
$(eval test_virtio_modern-noapic_KERNEL_ARGS = noapic)
$(eval test_virtio_modern-noapic_QEMU_ARGS = $$(test_virtio_modern_QEMU_ARGS))
test_virtio_legacy_QEMU_ARGS = $(call virtio_test_devices,legacy,disable-modern=on)
tests/virtio-modern.img tests/virtio-legacy.img: $(top_srcdir)/tools/mkdisk.py
	@mkdir -p $(@D)
	$(AM_V_GEN)$(PYTHON) $(top_srcdir)/tools/mkdisk.py $@ 16
check-guest run-virtio_modern run-virtio_legacy $(foreach t,virtio_modern virtio_legacy virtio_modern-intx virtio_modern-noapic,check-$t): \
	tests/virtio-modern.img tests/virtio-legacy.img
CLEANFILES += tests/virtio-quitter tests/virtio-modern.img tests/virtio-legacy.img

# A new driver: make new-driver NAME=foo DEVICE=<virtio device ID> makes
# servers/foo (tools/new-driver.sh); make run-driver NAME=foo boots it with
# tests/driver-probe, which opens its device (tools/run-driver.sh).
new-driver:
	@$(SHELL) $(top_srcdir)/tools/new-driver.sh $(top_srcdir) "$(NAME)" "$(DEVICE)"

run-driver: servers/$(NAME)/$(NAME) tests/driver-probe $(KERNEL_ELF)
	@$(SHELL) $(top_srcdir)/tools/run-driver.sh $(top_srcdir) "$(NAME)" $(KERNEL_ELF)

tests/driver-probe: tests/driver-probe.o tests/guest-check.o $(USER_LINK_DEPS)
	$(SM_V_LD)$(USER_LINK) -o $@ tests/driver-probe.o tests/guest-check.o $(USER_LIBS)

.PHONY: new-driver run-driver

# The virtio-rng server (servers/rng, device "rng0") before a slow entropy
# source: QEMU's rate limit lets 4 KiB through every 50 ms.
test_rng_MODULES = servers/rng/rng:device=virtio-rng
test_rng_QEMU_ARGS = -nic none -object rng-builtin,id=rng0 \
	-device virtio-rng-pci,rng=rng0,max-bytes=4096,period=50

# The virtio-blk server (servers/blk, device "vda") under test-virtio
# (tests/guest/test-virtio.c), booted in several configurations. Topic virtio:
# modern transport, 256-entry queue, 512-byte blocks, three virtio-client
# tasks on the same disk; each virtio-V topic changes one thing. Every topic
# has its own scratch disk, made afresh before each boot; after QEMU exits,
# tools/vdisk-check.py replays the writes the log records over a fresh image
# and compares the result with the disk byte for byte.
BLK_ELF ?= servers/blk/blk
BLK_MODULE ?= $(BLK_ELF):device=00:03.0
VDISK_MIB = 16
vd_comma = ,
vdisk_img = tests/vdisk-$(1).img
# $(call vdisk_devices,TOPIC,DEVICE OPTIONS,DRIVE OPTIONS): the disk at 00:03.0
# (no default network card in that slot).
vdisk_devices = -nic none -drive file=$(call vdisk_img,$(1)),if=none,id=vd0,format=raw$(3) \
	-device virtio-blk-pci,drive=vd0,addr=3,$(2)
# $(call virtio_blk_topic,TOPIC,TEST ARGS,DEVICE OPTIONS,DRIVE OPTIONS,MORE SERVER ARGS,MORE MODULES)
# (topic names with a dash cannot be assigned directly in an automake file).
virtio_blk_topic = $(eval test_$(1)_PROGRAM = virtio)$(eval test_$(1)_ARGS = $(2))\
	$(eval test_$(1)_QEMU_ARGS = $(call vdisk_devices,$(1),$(3),$(4)))\
	$(eval test_$(1)_MODULES = $$(BLK_MODULE)$(5) $(6))\
	$(eval test_$(1)_SETUP = $$(PYTHON) $$(top_srcdir)/tools/mkdisk.py $(call vdisk_img,$(1)) $$(VDISK_MIB))\
	$(eval test_$(1)_POSTCHECK = $$(PYTHON) $$(top_srcdir)/tools/vdisk-check.py $(call vdisk_img,$(1)))
$(call virtio_blk_topic,virtio,clients=3,disable-legacy=on$(vd_comma)queue-size=256,,,\
	tests/virtio-client:1 tests/virtio-client:2 tests/virtio-client:3)
$(call virtio_blk_topic,virtio-legacy,clients=1$(vd_comma)legacy,disable-modern=on,,,tests/virtio-client:1)
# A 64-entry queue, and the server's waiting paths: no indirect descriptors
# (the ring fills), 8 KiB chains (requests split), a pool of 4 to 16
# buffers, no event index.
$(call virtio_blk_topic,virtio-q64,qsize=64,disable-legacy=on$(vd_comma)queue-size=64,,+indirect=0+chain=8+pool=4+poolmax=16+eventidx=0)
$(call virtio_blk_topic,virtio-4k,bs=4096,disable-legacy=on$(vd_comma)logical_block_size=4096$(vd_comma)physical_block_size=4096)
$(call virtio_blk_topic,virtio-ro,ro,disable-legacy=on,$(vd_comma)readonly=on)
# INTx forced (no MSI-X table on the device), and the 8259 path (a CPU
# without a local APIC: the kernel falls back by itself).
$(call virtio_blk_topic,virtio-intx,clients=1,disable-legacy=on$(vd_comma)vectors=0,,,tests/virtio-client:1)
$(call virtio_blk_topic,virtio-8259,clients=1,disable-legacy=on,,,tests/virtio-client:1)
$(eval test_virtio-8259_QEMU_ARGS += -cpu qemu32,-apic)
VIRTIO_BLK_TOPICS = virtio virtio-legacy virtio-q64 virtio-4k virtio-ro virtio-intx virtio-8259
GUEST_VARIANTS = $(filter-out virtio,$(VIRTIO_BLK_TOPICS)) virtio_modern-intx virtio_modern-noapic

tests/test-virtio tests/virtio-client tests/test-blk-errors tests/test-blk-disks: tests/%: tests/%.o tests/vdisk.o tests/vdisk-async.o tests/guest-check.o $(USER_LINK_DEPS)
	$(SM_V_LD)$(USER_LINK) -o $@ tests/$*.o tests/vdisk.o tests/vdisk-async.o tests/guest-check.o $(USER_LIBS)
CLEANFILES += tests/virtio-client $(VIRTIO_BLK_TOPICS:%=tests/vdisk-%.img) $(VIRTIO_BLK_TOPICS:%=tests/test-%.check)

# The virtio-blk server's smoke test (tests/guest/test-blk-smoke.c): servers/blk
# on a 16 MiB scratch disk from tools/mkdisk.py, made afresh before each boot
# (the dashed name is assigned through $(eval), which automake leaves alone).
BLK_SMOKE_IMG = tests/blk-smoke.img
$(eval test_blk-smoke_MODULES = $$(BLK_ELF):device=virtio-blk)
$(eval test_blk-smoke_QEMU_ARGS = -drive file=$(BLK_SMOKE_IMG),if=none,id=vd0,format=raw \
	-device virtio-blk-pci,drive=vd0)
$(eval test_blk-smoke_SETUP = $$(PYTHON) $$(top_srcdir)/tools/mkdisk.py $(BLK_SMOKE_IMG) 16)
$(BLK_SMOKE_IMG): $(top_srcdir)/tools/mkdisk.py
	@mkdir -p $(@D)
	$(AM_V_GEN)$(PYTHON) $(top_srcdir)/tools/mkdisk.py $@ 16
check-guest run-blk-smoke check-blk-smoke: $(BLK_SMOKE_IMG)
CLEANFILES += $(BLK_SMOKE_IMG)

# Hostile clients of the virtio-blk server (tests/guest/test-blk-hostile.c,
# tests/guest/test-blk-fuzz.c): servers/blk on an 8 MiB scratch image made afresh
# before each boot; requests built by hand (tests/lib/blkmsg.c).  The fuzzer
# takes seed=N,iters=N (SEED= and BLK_FUZZ_ITERS= on the make command line).
# zcchunk=1 keeps no read pages in reserve and pool=256 poolmax=256 fix the DMA pool
# at its size, so the kernel's free pages return exactly to baseline.
BLK_FUZZ_ITERS ?= 2000
BLK_HOSTILE_IMG = tests/blk-hostile.img
BLK_FUZZ_IMG = tests/blk-fuzz.img
$(eval test_blk-hostile_MODULES = $$(BLK_ELF):device=virtio-blk+zcchunk=1)
$(eval test_blk-hostile_QEMU_ARGS = -nic none -drive file=$(BLK_HOSTILE_IMG),if=none,id=vd0,format=raw \
	-device virtio-blk-pci,drive=vd0)
$(eval test_blk-hostile_SETUP = $$(PYTHON) $$(top_srcdir)/tools/mkdisk.py $(BLK_HOSTILE_IMG) 8)
$(eval test_blk-fuzz_MODULES = $$(BLK_ELF):device=virtio-blk+zcchunk=1+pool=256+poolmax=256)
$(eval test_blk-fuzz_QEMU_ARGS = -nic none -drive file=$(BLK_FUZZ_IMG),if=none,id=vd0,format=raw \
	-device virtio-blk-pci,drive=vd0)
$(eval test_blk-fuzz_SETUP = $$(PYTHON) $$(top_srcdir)/tools/mkdisk.py $(BLK_FUZZ_IMG) 8)
$(eval test_blk-fuzz_ARGS = iters=$$(BLK_FUZZ_ITERS)$$(if $$(SEED),$$(vd_comma)seed=$$(SEED)))
# The arguments are written into the boot image: it is made again when they
# change (tests/blk-fuzz.args holds the last ones).
tests/blk-fuzz.args: blk-fuzz-args-check
	@echo '$(test_blk-fuzz_ARGS)' | cmp -s - $@ || echo '$(test_blk-fuzz_ARGS)' > $@
.PHONY: blk-fuzz-args-check
tests/test-blk-fuzz.iso: tests/blk-fuzz.args
CLEANFILES += tests/blk-fuzz.args
# Up to six rounds of BLK_FUZZ_ITERS requests (about 1 ms each under TCG).
$(eval test_blk-fuzz_TIMEOUT = $$(shell expr 60 + $$(BLK_FUZZ_ITERS) / 50))
# Large writes lent to the device, no copy (tests/guest/test-blk-zcwrite.c):
# the same server arguments as the fuzzer's (a fixed pool, no read reserve),
# so the kernel's free pages return exactly and an unused pool shows that
# no write was copied.
BLK_ZCWRITE_IMG = tests/blk-zcwrite.img
$(eval test_blk-zcwrite_MODULES = $$(BLK_ELF):device=virtio-blk+zcchunk=1+pool=256+poolmax=256)
$(eval test_blk-zcwrite_QEMU_ARGS = -nic none -drive file=$(BLK_ZCWRITE_IMG),if=none,id=vd0,format=raw \
	-device virtio-blk-pci,drive=vd0)
$(eval test_blk-zcwrite_SETUP = $$(PYTHON) $$(top_srcdir)/tools/mkdisk.py $(BLK_ZCWRITE_IMG) 8)
tests/test-blk-hostile tests/test-blk-fuzz tests/test-blk-zcwrite: tests/%: tests/%.o tests/vdisk.o tests/blkmsg.o \
		tests/guest-check.o $(USER_LINK_DEPS)
	$(SM_V_LD)$(USER_LINK) -o $@ tests/$*.o tests/vdisk.o tests/blkmsg.o tests/guest-check.o $(USER_LIBS)
check-guest run-blk-hostile run-blk-fuzz run-blk-zcwrite check-blk-hostile check-blk-fuzz check-blk-zcwrite: \
		$(BLK_HOSTILE_IMG) $(BLK_FUZZ_IMG) $(BLK_ZCWRITE_IMG)
$(BLK_HOSTILE_IMG) $(BLK_FUZZ_IMG) $(BLK_ZCWRITE_IMG): $(top_srcdir)/tools/mkdisk.py
	@mkdir -p $(@D)
	$(AM_V_GEN)$(PYTHON) $(top_srcdir)/tools/mkdisk.py $@ 8
CLEANFILES += $(BLK_HOSTILE_IMG) $(BLK_FUZZ_IMG) $(BLK_ZCWRITE_IMG)

# I/O errors (tests/guest/test-blk-errors.c): a 4 MiB image behind QEMU's blkdebug
# driver, whose rules (made from these numbers) fail every read and write
# touching sectors BLK_ERR_FIRST..+BLK_ERR_COUNT-1 and BLK_ERR_LONE with EIO;
# the device reports errors to the guest and does not merge requests.
BLK_ERR_IMG = tests/blk-errors.img
BLK_ERR_CONF = tests/blk-errors.conf
BLK_ERR_FIRST = 2048
BLK_ERR_COUNT = 8
BLK_ERR_LONE = 5001
BLK_ERR_DRIVE = driver=raw,node-name=ev,file.driver=blkdebug,file.config=$(BLK_ERR_CONF),file.image.driver=file
BLK_ERR_DEVICE = drive=ev,addr=3,disable-legacy=on,rerror=report,werror=report,request-merging=off
$(eval test_blk-errors_ARGS = bad=$(BLK_ERR_FIRST),nbad=$(BLK_ERR_COUNT),lone=$(BLK_ERR_LONE))
$(eval test_blk-errors_MODULES = $$(BLK_ELF):device=virtio-blk)
$(eval test_blk-errors_QEMU_ARGS = -nic none -blockdev $$(BLK_ERR_DRIVE),file.image.filename=$(BLK_ERR_IMG) \
	-device virtio-blk-pci,$$(BLK_ERR_DEVICE))
$(eval test_blk-errors_SETUP = $$(PYTHON) $$(top_srcdir)/tools/mkdisk.py $(BLK_ERR_IMG) 4)
$(eval test_blk-errors_POSTCHECK = $$(PYTHON) $$(top_srcdir)/tools/vdisk-check.py $(BLK_ERR_IMG))
$(BLK_ERR_CONF): $(top_srcdir)/tests/user-qemu.mk
	@mkdir -p $(@D)
	$(AM_V_GEN)for s in $$(seq $(BLK_ERR_FIRST) $$(($(BLK_ERR_FIRST) + $(BLK_ERR_COUNT) - 1))) $(BLK_ERR_LONE); do \
		for e in read_aio write_aio; do \
			printf '[inject-error]\nevent = "%s"\nerrno = "5"\nsector = "%s"\nonce = "off"\n\n' $$e $$s; \
		done; \
	done > $@.tmp && mv -f $@.tmp $@
check-guest run-blk-errors check-blk-errors: $(BLK_ERR_CONF)
CLEANFILES += $(BLK_ERR_IMG) $(BLK_ERR_CONF) tests/test-blk-errors.check

# Two disks on one server (tests/guest/test-blk-disks.c): vda at 00:03.0 and vdb
# at 00:06.0, images of different sizes made afresh before each boot; the
# host check replays each disk's logged writes over its own image.
BLK_DISKS_MIB = 6 3
blk_disks_img = tests/blk-disks-$(1).img
$(eval test_blk-disks_ARGS = a=$(word 1,$(BLK_DISKS_MIB)),b=$(word 2,$(BLK_DISKS_MIB)))
$(eval test_blk-disks_MODULES = $$(BLK_ELF):device=00:03.0$(vd_comma)00:06.0)
$(eval test_blk-disks_QEMU_ARGS = -nic none \
	-drive file=$(call blk_disks_img,a),if=none,id=vd0,format=raw -device virtio-blk-pci,drive=vd0,addr=3 \
	-drive file=$(call blk_disks_img,b),if=none,id=vd1,format=raw -device virtio-blk-pci,drive=vd1,addr=6)
$(eval test_blk-disks_SETUP = $$(PYTHON) $$(top_srcdir)/tools/mkdisk.py $(call blk_disks_img,a) $(word 1,$(BLK_DISKS_MIB)) \
	&& $$(PYTHON) $$(top_srcdir)/tools/mkdisk.py $(call blk_disks_img,b) $(word 2,$(BLK_DISKS_MIB)))
$(eval test_blk-disks_POSTCHECK = $$(SHELL) $$(top_srcdir)/tests/scripts/blk-disks-check.sh $$(PYTHON) \
	$$(top_srcdir)/tools/vdisk-check.py vda=$(call blk_disks_img,a) vdb=$(call blk_disks_img,b))
CLEANFILES += $(call blk_disks_img,a) $(call blk_disks_img,b) tests/test-blk-disks.check \
	tests/test-blk-disks.log.vda tests/test-blk-disks.log.vdb

# Helper tasks booted beside a test (not tests themselves).
tests/fault-task tests/ipc-peer tests/vm-fault-task tests/fpu-peer: tests/%: tests/%.o $(USER_LINK_DEPS)
	$(SM_V_LD)$(USER_LINK) -o $@ tests/$*.o $(USER_LIBS)

tests/not-an-elf.bin:
	@mkdir -p $(@D)
	printf 'This is a text file, not a program. The kernel must refuse it as a\nmodule, say why, and go on starting the others.\n' > $@

tests/truncated-elf.bin: tests/fault-task
	head -c 100 tests/fault-task > $@

.SECONDEXPANSION:
# A module is FILE or FILE:ARGS (a + in ARGS stands for a space between two
# arguments); the files are prerequisites.
module_files = $(foreach m,$(1),$(firstword $(subst :, ,$(m))))
tests/test-%.iso: $(KERNEL_ELF) tests/test-$$(call guest_program,$$*) $$(call module_files,$$(test_$$*_MODULES)) \
		$(top_srcdir)/tools/mkiso.sh
	$(AM_V_GEN)$(MKISO) $@ "$(GUEST_KERNEL_ARGS)" $(KERNEL_ELF) \
		tests/test-$(call guest_program,$*)$(if $(test_$*_ARGS),:$(test_$*_ARGS)) \
		$(foreach m,$(test_$*_MODULES),"$(subst +, ,$(m))")

GUEST_ISOS = $(GUEST_TOPICS:%=tests/test-%.iso)

# Devices on the machine for a topic, as QEMU arguments (none by default).
# null-co is a disk that reads zeroes and needs no image file.
VIRTIO_TEST_DEVICES = -blockdev driver=null-co,node-name=blk0,size=16777216 \
	-device virtio-blk-pci,drive=blk0 \
	-netdev user,id=net0 -device virtio-net-pci,netdev=net0
test_boot_QEMU_ARGS = $(VIRTIO_TEST_DEVICES)

# $(call guest_run,TOPIC[,TIMEOUT]): boots TOPIC and judges it (exit status
# 0 when it passed); GUEST_CONSOLE=1 in front puts the console on the terminal.
guest_run = QEMU=$(QEMU) GUEST_SUMMARY=test-$(call guest_program,$(1)) GUEST_SETUP='$(test_$(1)_SETUP)' \
	GUEST_POSTCHECK='$(test_$(1)_POSTCHECK)' $(RUN_GUEST_TEST) tests/test-$(1) tests/test-$(1).iso \
	$(top_srcdir)/tests/expect/test-$(1).expect $(or $(2),$(test_$(1)_TIMEOUT),$(GUEST_TIMEOUT)) $(test_$(1)_QEMU_ARGS) \
	$(GUEST_QEMU_EXTRA)

check-guest: $(GUEST_ISOS)
	@pass=0; fail=0; \
	$(foreach t,$(GUEST_TOPICS),\
	if $(call guest_run,$(t)); \
	then pass=$$((pass+1)); else fail=$$((fail+1)); fi;) \
	echo "guest: $$pass passed, $$fail failed"; \
	test $$fail -eq 0

# make check-TOPIC: one topic, headless, judged as check-guest judges it;
# make run-TOPIC: the same with the console on this terminal and no time
# limit.  Both exit 0 exactly when the test passed.  (make debug-TOPIC,
# QEMU waiting for gdb with a .gdbinit written, is in Makefile.am beside
# make debug.)  (check-host, check-guest and the others are explicit
# rules, which make prefers to these.)
check-%: tests/test-%.iso
	@$(call guest_run,$*)

run-%: tests/test-%.iso
	@GUEST_CONSOLE=1 $(call guest_run,$*,0)

CLEANFILES += $(GUEST_ISOS) $(GUEST_TOPICS:%=tests/test-%) tests/*.o tests/*.log \
	tests/fault-task tests/ipc-peer tests/vm-fault-task tests/fpu-peer tests/not-an-elf.bin tests/truncated-elf.bin
CLEANFILES += tests/hello-peer tests/swift-client/swift-client tests/swift-client/swift-client.o tests/driver-probe
CLEAN_DIRS += tests/swift-client/module-cache

# Exception handlers: exc.defs' MIG server stub (exc_server, calling the
# test's catch_exception_raise) linked into the tests that raise exceptions.
tests/exc_server.o: $(MIG_GEN)/exc_server.c $(call mig_stamps,exc) $(SMRT_MIG_HDRS)
	@mkdir -p $(@D)
	$(SM_V_CC)$(USER_CC) $(USER_CFLAGS) -w -c -o $@ $<
tests/test-exc tests/test-zfod: tests/test-%: tests/test-%.o tests/exc_server.o tests/guest-check.o $(USER_LINK_DEPS)
	$(SM_V_LD)$(USER_LINK) -o $@ tests/test-$*.o tests/exc_server.o tests/guest-check.o $(USER_LIBS)
CLEANFILES += tests/exc_server.o

# The virtio-net server (servers/net, "eth0") under test-net
# (tests/guest/test-net.c) on QEMU's user network, with tools/net-host.py on the
# host: a UDP echo service on 127.0.0.1 (the guest reaches it at 10.0.2.2)
# and QEMU monitor commands (QMP) for link down/up, started before each boot
# and stopped after. Topic net: modern transport, 256-entry queues;
# net-legacy: the legacy transport; net-q64: 64-entry queues (the server's
# queue=64) and a device MTU of 1400 (VIRTIO_NET_F_MTU). The UDP port is derived from the build directory, so that
# worktrees testing at once do not collide.
NET_ECHO_PORT := $(shell $(PYTHON) -c 'import os, zlib; print(20000 + zlib.crc32(os.getcwd().encode()) % 20000)')
NET_ELF ?= servers/net/net
tests/test-net: tests/test-net.o tests/netclient.o tests/vdisk.o tests/guest-check.o $(USER_LINK_DEPS)
	$(SM_V_LD)$(USER_LINK) -o $@ tests/test-net.o tests/netclient.o tests/vdisk.o tests/guest-check.o $(USER_LIBS)
# $(call net_topic,TOPIC,PORT OFFSET,TEST ARGS,DEVICE OPTIONS,SERVER ARGS)
net_topic = $(eval test_$(1)_PROGRAM = net)\
	$(eval test_$(1)_ARGS = port=$(shell echo $$(($(NET_ECHO_PORT) + $(2)))),link$(3))\
	$(eval test_$(1)_MODULES = $$(NET_ELF):device=00:04.0$(5))\
	$(eval test_$(1)_QEMU_ARGS = -nic none -netdev user,id=n0 -device virtio-net-pci,netdev=n0,addr=4$(4) \
		-qmp unix:tests/test-$(1).qmp$(vd_comma)server=on$(vd_comma)wait=off)\
	$(eval test_$(1)_SETUP = $$(PYTHON) $$(top_srcdir)/tools/net-host.py --daemon \
		--port $(shell echo $$(($(NET_ECHO_PORT) + $(2)))) --log tests/test-$(1).log \
		--qmp tests/test-$(1).qmp --pidfile tests/test-$(1).host.pid)\
	$(eval test_$(1)_POSTCHECK = kill `cat tests/test-$(1).host.pid` 2>/dev/null; rm -f tests/test-$(1).qmp; true)
$(call net_topic,net,0,,$(vd_comma)disable-legacy=on)
$(call net_topic,net-legacy,1,$(vd_comma)legacy,$(vd_comma)disable-modern=on)
$(call net_topic,net-q64,2,$(vd_comma)queue=64$(vd_comma)mtu=1400,$(vd_comma)disable-legacy=on$(vd_comma)host_mtu=1400,+queue=64)
GUEST_VARIANTS += net-legacy net-q64
# test-net-nics: one server, two NICs (eth0 at 00:04.0, eth1 at 00:05.0),
# each on a user network of its own.
tests/test-net-nics: tests/test-net-nics.o tests/netclient.o tests/vdisk.o tests/guest-check.o $(USER_LINK_DEPS)
	$(SM_V_LD)$(USER_LINK) -o $@ tests/test-net-nics.o tests/netclient.o tests/vdisk.o tests/guest-check.o $(USER_LIBS)
$(eval test_net-nics_MODULES = $$(NET_ELF):device=00:04.0$(vd_comma)00:05.0)
$(eval test_net-nics_QEMU_ARGS = -nic none -netdev user$(vd_comma)id=n0 \
	-device virtio-net-pci$(vd_comma)netdev=n0$(vd_comma)addr=4$(vd_comma)disable-legacy=on \
	-netdev user$(vd_comma)id=n1 -device virtio-net-pci$(vd_comma)netdev=n1$(vd_comma)addr=5$(vd_comma)disable-legacy=on)
CLEANFILES += $(foreach t,net net-legacy net-q64,tests/test-$(t).host.pid tests/test-$(t).qmp tests/test-$(t).check)
