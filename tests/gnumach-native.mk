# tests/gnumach-native.mk - tests/guest/test-gnumach-native.c, built the way a GNU
# Mach user builds a program: Debian's i686-gnu-mig run on GNU Mach's own
# .defs with GNU Mach's own type .defs (no project .defs, no preprocessing of
# ours), and the program and its stubs compiled with -Werror against GNU
# Mach's installed i386 headers ($(GNUMACH_DEFS_DIR), gnumach-dev:i386) plus
# tests/lib/gnumach-libc (what a C library adds), without the project's headers
# or the runtime's libc headers on the path. Linked with the user runtime,
# whose own stubs (the same .defs, the same layout) stay unused.
#
# Plain GNU make, included by the top Makefile.am after tests/user-qemu.mk
# (whose pattern rules these explicit ones override).

GNUMACH_NATIVE_GEN = $(top_builddir)/gen/gnumach-native
GNUMACH_NATIVE_DEFS = mach/mach.defs mach/mach_host.defs mach/mach_port.defs device/device.defs
GNUMACH_NATIVE_NAMES = $(notdir $(GNUMACH_NATIVE_DEFS:.defs=))
GNUMACH_NATIVE_STUBS = $(GNUMACH_NATIVE_NAMES:%=$(GNUMACH_NATIVE_GEN)/%_user.c)
GNUMACH_NATIVE_HDRS = $(GNUMACH_NATIVE_NAMES:%=$(GNUMACH_NATIVE_GEN)/%.h)
GNUMACH_NATIVE_OBJS = $(GNUMACH_NATIVE_NAMES:%=tests/gnumach-native/%_user.o)
GNUMACH_NATIVE_CFLAGS = -m32 -march=i686 -ffreestanding -fno-pic -fno-pie \
	-fno-stack-protector -fno-builtin -mno-sse -mno-mmx -std=gnu11 -O2 -g \
	-Wall -Werror -nostdinc -isystem $(MIG_CHECK_SYSINC) \
	-I$(GNUMACH_NATIVE_GEN) -I$(GNUMACH_DEFS_DIR) -I$(top_srcdir)/tests/lib/gnumach-libc

# One MIG run per interface, exactly as GNU Mach's users write it.
$(GNUMACH_NATIVE_GEN)/%_user.c $(GNUMACH_NATIVE_GEN)/%.h:
	@$(MKDIR_P) $(GNUMACH_NATIVE_GEN)
	cd $(GNUMACH_NATIVE_GEN) && $(MIG) -I$(GNUMACH_DEFS_DIR) -user $*_user.c -header $*.h \
	  -server /dev/null $(GNUMACH_DEFS_DIR)/$(filter %/$*.defs,$(GNUMACH_NATIVE_DEFS)) \
	  && test -s $*_user.c || { rm -f $*_user.c $*.h; exit 1; }

tests/gnumach-native/%_user.o: $(GNUMACH_NATIVE_GEN)/%_user.c $(GNUMACH_NATIVE_HDRS)
	@mkdir -p $(@D)
	$(SM_V_CC)$(USER_CC) $(GNUMACH_NATIVE_CFLAGS) -c -o $@ $<

tests/test-gnumach-native.o: $(top_srcdir)/tests/guest/test-gnumach-native.c $(GNUMACH_NATIVE_HDRS) \
		$(wildcard $(top_srcdir)/tests/lib/gnumach-libc/*.h $(top_srcdir)/tests/lib/gnumach-libc/mach/*.h)
	@mkdir -p $(@D)
	$(SM_V_CC)$(USER_CC) $(GNUMACH_NATIVE_CFLAGS) -c -o $@ $<

tests/test-gnumach-native: tests/test-gnumach-native.o $(GNUMACH_NATIVE_OBJS) $(USER_LINK_DEPS)
	$(SM_V_LD)$(USER_LINK) -o $@ tests/test-gnumach-native.o $(GNUMACH_NATIVE_OBJS) $(USER_LIBS)

# The hello server provides the device it opens.
$(eval test_gnumach-native_MODULES = $$(HELLO_ELF))

CLEANFILES += tests/test-gnumach-native $(GNUMACH_NATIVE_OBJS) $(GNUMACH_NATIVE_STUBS) $(GNUMACH_NATIVE_HDRS)
