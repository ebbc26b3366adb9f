# kustomize-controller: the kustomize engine library (engine/, no Kubernetes
# client inside) and the controller binary built on it and libcommon.
KSENGINE_SRCS := $(sort $(wildcard kustomize-controller/engine/*.c))
LIBKSENGINE   := $(O)/libkustomize-engine.a
KSC_SRCS      := $(sort $(wildcard kustomize-controller/*.c))
LIBS          += $(LIBKSENGINE)
BINARIES      += $(BIN)/kustomize-controller

$(LIBKSENGINE): $(call objs,$(KSENGINE_SRCS))
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(BIN)/kustomize-controller: $(call objs,$(KSC_SRCS)) $(LIBKSENGINE) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
