# tests/console.mk - the console session test: `make run`'s system (the
# ISO built by `make`) driven through its serial console by
# tests/console-session.py, on a fresh scratch disk, as part of `make check`.
#   make check-console

CONSOLE_SESSION = tests/console-session
CONSOLE_SESSION_TIMEOUT = 60

check-console: $(SYSTEM_ISO) $(top_srcdir)/tools/mkdisk.py $(top_srcdir)/tests/console-session.py
	@$(PYTHON) $(top_srcdir)/tools/mkdisk.py $(CONSOLE_SESSION).img 16
	@if $(PYTHON) $(top_srcdir)/tests/console-session.py $(QEMU) $(SYSTEM_ISO) $(CONSOLE_SESSION).img \
		$(CONSOLE_SESSION).log $(CONSOLE_SESSION_TIMEOUT) > $(CONSOLE_SESSION).out 2>&1; then \
		tail -n 1 $(CONSOLE_SESSION).out; \
	else grep -v '^ok:' $(CONSOLE_SESSION).out; echo "(serial log: $(CONSOLE_SESSION).log)"; exit 1; fi

CLEANFILES += $(CONSOLE_SESSION).img $(CONSOLE_SESSION).log $(CONSOLE_SESSION).out
.PHONY: check-console
