// libFuzzer's entry point for programs that have their own main (here: SwiftPM executables,
// whose `main` is the module's). Linked from libclang_rt.fuzzer by -sanitize=fuzzer.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
