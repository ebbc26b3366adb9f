# Helper programs for the e2e suites (run by tests/e2e/*.sh against the real
# local cluster, never by the unit runner): tests/e2e/libcommon/test_*.c are
# testlib suites needing a cluster; testctl.c is a controller on a test CRD.
E2E_TESTS := $(patsubst tests/e2e/libcommon/%.c,$(O)/e2e/%,$(wildcard tests/e2e/libcommon/test_*.c))
E2E_TESTCTL := $(O)/e2e/testctl
TESTS += $(E2E_TESTS) $(E2E_TESTCTL)

$(E2E_TESTS): $(O)/e2e/%: $(O)/tests/e2e/libcommon/%.o $(O)/tests/unit/testlib.o $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(E2E_TESTCTL): $(O)/tests/e2e/libcommon/testctl.o $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
