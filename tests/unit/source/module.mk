# Unit tests of source-controller: one binary per tests/unit/source/test_*.c,
# linked with the controller's modules (all but main.c) and libcommon.
UT_SOURCE := $(patsubst tests/unit/source/%.c,$(O)/tests/source/%,$(wildcard tests/unit/source/test_*.c))
UT_SOURCE_OBJS := $(call objs,$(filter-out source-controller/main.c,$(SOURCEC_SRCS)))
TESTS += $(UT_SOURCE)
$(UT_SOURCE): $(O)/tests/source/%: $(O)/tests/unit/source/%.o $(O)/tests/unit/testlib.o $(UT_SOURCE_OBJS) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
