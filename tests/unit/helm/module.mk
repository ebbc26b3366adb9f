# Unit tests of the Helm template engine: one binary per tests/unit/helm/test_*.c.
UT_HELM := $(patsubst tests/unit/helm/%.c,$(O)/tests/helm/%,\
             $(wildcard tests/unit/helm/test_*.c))
TESTS += $(UT_HELM)
$(UT_HELM): $(O)/tests/helm/%: $(O)/tests/unit/helm/%.o $(O)/tests/unit/helm/helmtest.o $(O)/tests/unit/testlib.o $(LIBHELMENGINE) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
