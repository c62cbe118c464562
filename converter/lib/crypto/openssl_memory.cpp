#include "crypto/openssl_memory.h"

#include <openssl/crypto.h>

#include "base/locked_heap.h"
#include "pv2luks/pv2luks.h"

namespace pv2luks {

namespace {

void* locked_malloc(std::size_t size_bytes, const char*, int) {
  return locked_heap::allocate(size_bytes);
}

void* locked_realloc(void* block, std::size_t size_bytes, const char*, int) {
  return locked_heap::reallocate(block, size_bytes);
}

void locked_free(void* block, const char*, int) { locked_heap::release(block); }

}  // namespace

bool openssl_memory_is_locked() noexcept {
  CRYPTO_malloc_fn malloc_fn = nullptr;
  CRYPTO_realloc_fn realloc_fn = nullptr;
  CRYPTO_free_fn free_fn = nullptr;
  CRYPTO_get_mem_functions(&malloc_fn, &realloc_fn, &free_fn);
  return malloc_fn == &locked_malloc && realloc_fn == &locked_realloc && free_fn == &locked_free;
}

bool lock_openssl_memory() noexcept {
  if (openssl_memory_is_locked()) return true;
  return CRYPTO_set_mem_functions(&locked_malloc, &locked_realloc, &locked_free) == 1;
}

}  // namespace pv2luks
