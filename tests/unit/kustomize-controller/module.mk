# Unit tests of kustomize-controller's own modules (everything at the top of
# kustomize-controller/ except main.c): one binary per
# tests/unit/kustomize-controller/test_*.c, linked with those objects, the
# kustomize engine and libcommon.
KSC_UNIT_OBJS := $(call objs,$(filter-out kustomize-controller/main.c,$(KSC_SRCS)))
UT_KSC := $(patsubst tests/unit/kustomize-controller/%.c,$(O)/tests/kustomize-controller/%,\
            $(wildcard tests/unit/kustomize-controller/test_*.c))
TESTS += $(UT_KSC)
$(UT_KSC): $(O)/tests/kustomize-controller/%: $(O)/tests/unit/kustomize-controller/%.o $(O)/tests/unit/testlib.o \
           $(KSC_UNIT_OBJS) $(LIBKSENGINE) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
