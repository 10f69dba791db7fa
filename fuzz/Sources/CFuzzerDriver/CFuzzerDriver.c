// Only the header matters: LLVMFuzzerRunDriver comes from libclang_rt.fuzzer, linked by
// -sanitize=fuzzer. SwiftPM needs a source file to make this a C target.
#include "CFuzzerDriver.h"
