# servers/servers.mk - user-task runtime (libsmrt.a, crt0.o), the Swift
# SDK (servers/sdk: modules Mach and Virtio, libmach.a and libvirtio.a) and
# the Embedded Swift servers servers/hello/hello and servers/blk/blk.
#
# Plain GNU make, included by the top Makefile.am.  Sources are read from
# $(top_srcdir); every output lands under the build directory.  From
# configure: SWIFTC, LIBGCC32 (gcc -m32 -print-libgcc-file-name), MIG.
# The MIG user stubs gen/smhost_user.c and gen/smhost.h come from
# include/mig.mk.
#
# Linking a C user program (e.g. in tests/user-qemu.mk):
#
#   tests/test-foo: tests/test-foo.o $(USER_LINK_DEPS)
#   	$(USER_LINK) -o $@ $(filter-out $(USER_LINK_DEPS),$^) $(USER_LIBS)
#
# USER_LINK already names crt0.o and user.ld; USER_LIBS must come after the
# program's objects (GNU ld reads archives in command-line order).  Compile
# the objects with $(USER_CC) $(USER_CFLAGS).

USER_CC = $(CC)
USER_AR = ar
USER_NM = nm
USER_OBJDUMP = objdump
USER_READELF = readelf

SMRT_SRC = $(top_srcdir)/servers/runtime
SMRT_DIR = servers/runtime
SMRT_GEN = $(top_builddir)/gen

USER_CPPFLAGS = -I$(SMRT_SRC)/include/libc -I$(SMRT_SRC)/include -I$(top_srcdir)/include -I$(SMRT_GEN)
USER_CFLAGS = -m32 -march=i686 -ffreestanding -fno-pic -fno-pie \
	-fno-stack-protector -fno-builtin -fno-tree-loop-distribute-patterns \
	-mno-sse -mno-mmx -fno-asynchronous-unwind-tables -std=gnu11 \
	-O2 -g -Wall -Wextra -Wno-unused-parameter $(USER_CPPFLAGS)

USER_LDSCRIPT = $(SMRT_SRC)/user.ld
USER_CRT0 = $(SMRT_DIR)/crt0.o
USER_LIBSMRT = $(SMRT_DIR)/libsmrt.a
USER_LINK_FLAGS = -m32 -nostdlib -static -no-pie -Wl,-T,$(USER_LDSCRIPT) \
	-Wl,-z,max-page-size=0x1000 -Wl,-z,noexecstack -Wl,--build-id=none
USER_LINK = $(USER_CC) $(USER_LINK_FLAGS) $(USER_CRT0)
USER_LIBS = $(USER_LIBSMRT) $(LIBGCC32)
USER_LINK_DEPS = $(USER_CRT0) $(USER_LIBSMRT) $(USER_LDSCRIPT)
# Optional after USER_LINK: drop unreferenced sections (the Swift programs
# use it; user.ld KEEPs .init_array).
USER_GC_SECTIONS = -Wl,--gc-sections
# `$(USER_CHECK_ELF) ELF` fails unless ELF is a static i386 task linked at
# 0x400000 with no undefined symbols and no SSE/MMX code; prints its sizes.
USER_CHECK_ELF = READELF=$(USER_READELF) NM=$(USER_NM) \
	OBJDUMP=$(USER_OBJDUMP) $(SHELL) $(SMRT_SRC)/check-user-elf.sh

# The MIG user stubs every task can call: the kernel's interfaces (GNU Mach's
# and smhost) and GNU Mach's device interface for clients of driver servers.
SMRT_USER_INTERFACES = smhost mach mach_port mach_host mach_host_ext gnumach device device_request device_reply virtio mach_i386
SMRT_OBJS = $(addprefix $(SMRT_DIR)/,traps.o mach_msg.o malloc.o string.o \
	console.o start.o support.o thread.o) $(SMRT_USER_INTERFACES:%=$(SMRT_DIR)/%_user.o)

# What sources including generated MIG headers wait for: the headers and
# mig.mk's size check of the stubs.
SMRT_MIG_HDRS = $(call mig_user_files,$(SMRT_USER_INTERFACES)) $(call mig_stamps,$(SMRT_USER_INTERFACES)) \
	$(MIG_GNU_HDRS)

$(SMRT_DIR)/%.o: $(SMRT_SRC)/%.c $(SMRT_MIG_HDRS)
	@mkdir -p $(@D)
	$(SM_V_CC)$(USER_CC) $(USER_CFLAGS) -MMD -MP -c -o $@ $<

$(SMRT_DIR)/%.o: $(SMRT_SRC)/%.S
	@mkdir -p $(@D)
	$(SM_V_CC)$(USER_CC) $(USER_CFLAGS) -MMD -MP -c -o $@ $<

# MIG output: generated code, so fewer warnings.  One section per stub, so
# a program linked with USER_GC_SECTIONS carries only the stubs it calls.
$(SMRT_DIR)/%_user.o: $(SMRT_GEN)/%_user.c $(SMRT_MIG_HDRS)
	@mkdir -p $(@D)
	$(SM_V_CC)$(USER_CC) $(USER_CFLAGS) -w -ffunction-sections -MMD -MP -c -o $@ $<

$(USER_LIBSMRT): $(SMRT_OBJS)
	@rm -f $@
	$(AM_V_GEN)$(USER_AR) rcs $@ $(SMRT_OBJS)

# ---------------------------------------------------------------- Swift

SWIFT_USER_FLAGS = -target i686-unknown-none-elf \
	-enable-experimental-feature Embedded -wmo -parse-as-library \
	-Osize -target-cpu i686 -Xfrontend -disable-stack-protector \
	-Xcc -ffreestanding \
	-I $(SMRT_SRC)/include $(addprefix -Xcc ,$(USER_CPPFLAGS))

# ------------------------------------------------------------ Swift SDK
# Module Mach (servers/sdk/Mach/*.swift over the C module CMach) compiled
# once: $(SDK_DIR)/Mach.swiftmodule for `import Mach`, and libmach.a with its
# object plus the device.defs server stub (device_server demux, whose ds_*
# routines DeviceServer.swift defines), linked by Swift programs before
# $(USER_LIBS).  A Swift program using the SDK:
#
#   foo.o: $(FOO_SWIFT) $(SDK_DEPS)
#   	$(SWIFTC) $(SWIFT_SDK_USER_FLAGS) -module-name Foo \
#   		-module-cache-path DIR/module-cache -c -o $@ $(FOO_SWIFT)
#   foo: foo.o $(SDK_LIB) $(USER_LINK_DEPS)
#   	$(USER_LINK) $(USER_GC_SECTIONS) -o $@ foo.o $(SDK_LIB) $(USER_LIBS)

SDK_SRC = $(top_srcdir)/servers/sdk/Mach
SDK_DIR = servers/sdk
SDK_LIB = $(SDK_DIR)/libmach.a
SDK_SWIFT = $(addprefix $(SDK_SRC)/,Port.swift Message.swift \
	ReceiveLoop.swift Notifications.swift Device.swift Support.swift \
	PendingReply.swift DeviceReplies.swift DeviceServer.swift WhenIdle.swift OpenTable.swift \
	NetFilter.swift NetInterface.swift NetDelivery.swift NetWrites.swift)
SDK_MIG = $(call mig_server_files,device) $(call mig_stamps,device)
SDK_C_DEPS = $(SDK_SRC)/include/module.modulemap $(SDK_SRC)/include/cmach.h \
	$(SMRT_SRC)/include/module.modulemap $(wildcard $(SMRT_SRC)/include/sm/*.h) \
	$(SMRT_MIG_HDRS) $(SDK_MIG)
# What a Swift program importing Mach waits for.
SDK_DEPS = $(SDK_DIR)/Mach.o $(SDK_C_DEPS)
SWIFT_SDK_USER_FLAGS = $(SWIFT_USER_FLAGS) -I $(SDK_SRC)/include -I $(SDK_DIR)

# Mach.swiftmodule is written beside the object by the same command.
# Programs get most of Mach compiled into their own object (Embedded
# Swift); what they take from Mach.o is chiefly DeviceServer's ds_*
# routines, so one section per function lets USER_GC_SECTIONS drop the rest.
$(SDK_DIR)/Mach.o: $(SDK_SWIFT) $(SDK_C_DEPS)
	@mkdir -p $(@D)
	$(AM_V_GEN)$(SWIFTC) $(SWIFT_USER_FLAGS) -I $(SDK_SRC)/include \
		-Xfrontend -function-sections \
		-module-name Mach -module-cache-path $(SDK_DIR)/module-cache \
		-emit-module -emit-module-path $(SDK_DIR)/Mach.swiftmodule \
		-c -o $@ $(SDK_SWIFT)

$(SDK_DIR)/device_server.o: $(SMRT_GEN)/device_server.c $(SDK_MIG) $(SMRT_MIG_HDRS)
	@mkdir -p $(@D)
	$(SM_V_CC)$(USER_CC) $(USER_CFLAGS) -w -c -o $@ $<

$(SDK_LIB): $(SDK_DIR)/Mach.o $(SDK_DIR)/device_server.o
	@rm -f $@
	$(AM_V_GEN)$(USER_AR) rcs $@ $(SDK_DIR)/Mach.o $(SDK_DIR)/device_server.o

# ---------------------------------------------------------------- hello

HELLO_DIR = servers/hello
HELLO_ELF = $(HELLO_DIR)/hello
HELLO_SWIFT = $(addprefix $(top_srcdir)/servers/hello/,Hello.swift \
	Console.swift Uptime.swift Outcome.swift ScratchDevice.swift)

$(HELLO_DIR)/hello.o: $(HELLO_SWIFT) $(SDK_DEPS)
	@mkdir -p $(@D)
	$(AM_V_GEN)$(SWIFTC) $(SWIFT_SDK_USER_FLAGS) -module-name HelloTask \
		-module-cache-path $(HELLO_DIR)/module-cache \
		-c -o $@ $(HELLO_SWIFT)

# Linked to a temporary name and only renamed once the checks pass, so a
# bad ELF never looks up to date.
$(HELLO_ELF): $(HELLO_DIR)/hello.o $(SDK_LIB) $(USER_LINK_DEPS) \
		$(SMRT_SRC)/check-user-elf.sh
	$(SM_V_LD)$(USER_LINK) $(USER_GC_SECTIONS) -o $@.tmp $(HELLO_DIR)/hello.o \
		$(SDK_LIB) $(USER_LIBS)
	$(AM_V_at)$(USER_CHECK_ELF) $@.tmp
	$(AM_V_at)mv -f $@.tmp $@

# ------------------------------------------------------ Swift SDK: Virtio
# Module Virtio (servers/sdk/Virtio/*.swift over the C modules CVirtio and
# CVirtioRing in servers/sdk/Virtio/include): device attach, features,
# split virtqueues, DMA pools, interrupts (docs/sdk.md).  A virtio driver:
#
#   drv.o: $(DRV_SWIFT) $(VIRTIO_SDK_DEPS)
#   	$(SWIFTC) $(SWIFT_VIRTIO_USER_FLAGS) -module-name Drv \
#   		-module-cache-path DIR/module-cache -c -o $@ $(DRV_SWIFT)
#   drv: drv.o $(VIRTIO_SDK_LIB) $(SDK_LIB) $(USER_LINK_DEPS)
#   	$(USER_LINK) $(USER_GC_SECTIONS) -o $@ drv.o $(VIRTIO_SDK_LIB) $(SDK_LIB) $(USER_LIBS)

VIRTIO_SDK_SRC = $(top_srcdir)/servers/sdk/Virtio
VIRTIO_SDK_LIB = $(SDK_DIR)/libvirtio.a
# The ring logic (no kernel calls) comes first: tests/host.mk builds it
# into a host test with a fake device.
VIRTIO_SDK_RING_SWIFT = $(addprefix $(VIRTIO_SDK_SRC)/,Features.swift DMA.swift \
	InFlightChain.swift IndirectTables.swift Virtqueue.swift DMAPool.swift \
	PageReserve.swift InFlightTable.swift BootArguments.swift)
VIRTIO_SDK_SWIFT = $(VIRTIO_SDK_RING_SWIFT) $(addprefix $(VIRTIO_SDK_SRC)/,\
	VirtioDevice.swift Interrupts.swift KernelPages.swift BatchedKick.swift)
VIRTIO_SDK_C_DEPS = $(addprefix $(VIRTIO_SDK_SRC)/include/,module.modulemap cvirtio.h \
	vring_access.h) $(call mig_user_files,virtio gnumach)
VIRTIO_SDK_DEPS = $(SDK_DIR)/Virtio.o $(SDK_DEPS) $(VIRTIO_SDK_C_DEPS)
SWIFT_VIRTIO_USER_FLAGS = $(SWIFT_SDK_USER_FLAGS) -I $(VIRTIO_SDK_SRC)/include

$(SDK_DIR)/Virtio.o: $(VIRTIO_SDK_SWIFT) $(SDK_DEPS) $(VIRTIO_SDK_C_DEPS)
	@mkdir -p $(@D)
	$(AM_V_GEN)$(SWIFTC) $(SWIFT_VIRTIO_USER_FLAGS) -module-name Virtio \
		-module-cache-path $(SDK_DIR)/virtio-module-cache \
		-emit-module -emit-module-path $(SDK_DIR)/Virtio.swiftmodule \
		-c -o $@ $(VIRTIO_SDK_SWIFT)

$(VIRTIO_SDK_LIB): $(SDK_DIR)/Virtio.o
	@rm -f $@
	$(AM_V_GEN)$(USER_AR) rcs $@ $(SDK_DIR)/Virtio.o

# ------------------------------------------------------------------ blk
# The virtio-blk server (servers/blk): "vda", "vdb", ... behind the device
# master port.  Boot module line: blk device=virtio-blk[,...] [inflight=N]
# [zerocopy=0] ... (servers/blk/Main.swift lists the arguments).

BLK_DIR = servers/blk
BLK_ELF = $(BLK_DIR)/blk
BLK_SRC = $(top_srcdir)/servers/blk
BLK_SWIFT = $(addprefix $(BLK_SRC)/,Main.swift BlockSpec.swift Config.swift \
	Disk.swift IORequest.swift Engine.swift Completion.swift Opens.swift \
	Status.swift DeviceRoutines.swift)
BLK_C_DEPS = $(BLK_SRC)/include/module.modulemap $(BLK_SRC)/include/cblk.h \
	$(top_srcdir)/include/sm/blk_stats.h

$(BLK_DIR)/blk.o: $(BLK_SWIFT) $(VIRTIO_SDK_DEPS) $(BLK_C_DEPS)
	@mkdir -p $(@D)
	$(AM_V_GEN)$(SWIFTC) $(SWIFT_VIRTIO_USER_FLAGS) -I $(BLK_SRC)/include \
		-module-name BlkServer -module-cache-path $(BLK_DIR)/module-cache \
		-c -o $@ $(BLK_SWIFT)

$(BLK_ELF): $(BLK_DIR)/blk.o $(VIRTIO_SDK_LIB) $(SDK_LIB) $(USER_LINK_DEPS) \
		$(SMRT_SRC)/check-user-elf.sh
	$(SM_V_LD)$(USER_LINK) $(USER_GC_SECTIONS) -o $@.tmp $(BLK_DIR)/blk.o \
		$(VIRTIO_SDK_LIB) $(SDK_LIB) $(USER_LIBS)
	$(AM_V_at)$(USER_CHECK_ELF) $@.tmp
	$(AM_V_at)mv -f $@.tmp $@

# ------------------------------------------------------------------ net
# The virtio-net server (servers/net): "eth0", "eth1", ... behind the device
# master port.  Boot module line: net device=virtio-net[,...] [queue=N] ...
# (servers/net/Config.swift lists the arguments).

NET_DIR = servers/net
NET_ELF = $(NET_DIR)/net
NET_SRC = $(top_srcdir)/servers/net
NET_SWIFT = $(addprefix $(NET_SRC)/,Main.swift NetSpec.swift Config.swift Nic.swift \
	Rings.swift Control.swift Routines.swift Stats.swift)
NET_C_DEPS = $(NET_SRC)/include/module.modulemap $(NET_SRC)/include/cnet.h \
	$(top_srcdir)/include/sm/net_stats.h $(top_srcdir)/include/device/net_status.h

$(NET_DIR)/net.o: $(NET_SWIFT) $(VIRTIO_SDK_DEPS) $(NET_C_DEPS)
	@mkdir -p $(@D)
	$(AM_V_GEN)$(SWIFTC) $(SWIFT_VIRTIO_USER_FLAGS) -I $(NET_SRC)/include \
		-module-name NetServer -module-cache-path $(NET_DIR)/module-cache \
		-c -o $@ $(NET_SWIFT)

$(NET_ELF): $(NET_DIR)/net.o $(VIRTIO_SDK_LIB) $(SDK_LIB) $(USER_LINK_DEPS) \
		$(SMRT_SRC)/check-user-elf.sh
	$(SM_V_LD)$(USER_LINK) $(USER_GC_SECTIONS) -o $@.tmp $(NET_DIR)/net.o \
		$(VIRTIO_SDK_LIB) $(SDK_LIB) $(USER_LIBS)
	$(AM_V_at)$(USER_CHECK_ELF) $@.tmp
	$(AM_V_at)mv -f $@.tmp $@

.PHONY: servers
servers: $(USER_LIBSMRT) $(USER_CRT0) $(SDK_LIB) $(HELLO_ELF) $(VIRTIO_SDK_LIB) $(BLK_ELF) $(NET_ELF)

-include $(SMRT_OBJS:.o=.d) $(USER_CRT0:.o=.d)

CLEANFILES += $(SMRT_OBJS) $(SMRT_OBJS:.o=.d) $(USER_CRT0) \
	$(USER_CRT0:.o=.d) $(USER_LIBSMRT) $(HELLO_DIR)/hello.o \
	$(HELLO_ELF) $(HELLO_ELF).tmp $(SDK_LIB) $(SDK_DIR)/Mach.o \
	$(SDK_DIR)/device_server.o $(SDK_DIR)/Mach.swiftmodule \
	$(SDK_DIR)/Mach.swiftdoc $(SDK_DIR)/Mach.swiftsourceinfo
CLEANFILES += $(SDK_DIR)/Virtio.o $(VIRTIO_SDK_LIB) $(SDK_DIR)/Virtio.swiftmodule \
	$(SDK_DIR)/Virtio.swiftdoc $(SDK_DIR)/Virtio.swiftsourceinfo $(BLK_DIR)/blk.o \
	$(BLK_ELF) $(BLK_ELF).tmp $(NET_DIR)/net.o $(NET_ELF) $(NET_ELF).tmp
CLEAN_DIRS += $(HELLO_DIR)/module-cache $(SDK_DIR)/module-cache \
	$(SDK_DIR)/virtio-module-cache $(BLK_DIR)/module-cache $(NET_DIR)/module-cache
