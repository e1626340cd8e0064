// Built into the servers mcpxx ships when they link tcmalloc (CMake MCPXX_TCMALLOC), never
// into the library.
#include <gperftools/malloc_extension.h>

#include <cstdlib>

namespace {

// tcmalloc lets its per-thread caches grow to 32 MiB in all, a little at a time: under a
// steady load the servers' RSS climbed ~50 KiB/s for minutes (bench/run --memory). 4 MiB
// keeps it flat at the same throughput (bench/README.md). The operator's own setting wins.
const bool thread_caches_limited = [] {
  if (std::getenv("TCMALLOC_MAX_TOTAL_THREAD_CACHE_BYTES") != nullptr) return false;
  return MallocExtension::instance()->SetNumericProperty("tcmalloc.max_total_thread_cache_bytes",
                                                         std::size_t{4} << 20);
}();

}  // namespace
