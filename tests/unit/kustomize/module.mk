# Unit tests of the kustomize engine: one binary per tests/unit/kustomize/test_*.c,
# linked with the engine library and libcommon.
UT_KUSTOMIZE := $(patsubst tests/unit/kustomize/%.c,$(O)/tests/kustomize/%,\
                  $(wildcard tests/unit/kustomize/test_*.c))
TESTS += $(UT_KUSTOMIZE)
$(UT_KUSTOMIZE): $(O)/tests/kustomize/%: $(O)/tests/unit/kustomize/%.o $(O)/tests/unit/testlib.o $(LIBKSENGINE) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
