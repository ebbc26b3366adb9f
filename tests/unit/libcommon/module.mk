# Unit tests of libcommon: one binary per tests/unit/libcommon/test_*.c.
UT_LIBCOMMON := $(patsubst tests/unit/libcommon/%.c,$(O)/tests/libcommon/%,\
                  $(wildcard tests/unit/libcommon/test_*.c))
TESTS += $(UT_LIBCOMMON)
$(UT_LIBCOMMON): $(O)/tests/libcommon/%: $(O)/tests/unit/libcommon/%.o $(O)/tests/unit/testlib.o $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
