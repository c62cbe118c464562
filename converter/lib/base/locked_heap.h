// A heap for OpenSSL's allocations (crypto/openssl_memory.h installs it),
// so that the key schedules OpenSSL keeps in its cipher contexts are held
// like a SecureBuffer: in pages
//   - locked in RAM (mlock): never written to swap;
//   - left out of core dumps (MADV_DONTDUMP), whoever writes the core: the
//     kernel, a core_pattern handler, or gdb's gcore;
// and every block is wiped (explicit_bzero) when it is freed.
//
// Small blocks (up to 32 KiB, rounded up to a power of two) come from 1 MiB
// slabs and go back to a free list of their size; larger ones are mapped one
// by one and unmapped when freed. Memory never returns from the free lists
// to the system: OpenSSL's use is small and steady. Thread-safe (a mutex).
// Blocks are 16-byte aligned, as malloc's.
#pragma once

#include <cstddef>

namespace pv2luks::locked_heap {

// nullptr for 0 bytes, or when no more memory can be mapped and locked
// (then, once, a line on stderr says which limit to raise).
void* allocate(std::size_t size_bytes) noexcept;
// As realloc: nullptr `block` allocates, 0 bytes releases (and gives
// nullptr). The old block is wiped when the data moves.
void* reallocate(void* block, std::size_t size_bytes) noexcept;
// Wipes and frees a block from allocate or reallocate; nullptr is ignored.
// A pointer this heap did not give out aborts the process.
void release(void* block) noexcept;

// The bytes a block can hold (at least what was asked for).
std::size_t usable_bytes(const void* block) noexcept;

}  // namespace pv2luks::locked_heap
