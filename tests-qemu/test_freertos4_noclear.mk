# test_freertos4 with the clearing off and the trace on (see the .c file).
test_freertos4_noclear_SRCS   := $(test_freertos4_SRCS)
test_freertos4_noclear_CFLAGS := $(test_freertos4_CFLAGS) -DconfigHEAP_CLEAR_MEMORY_ON_FREE=0
