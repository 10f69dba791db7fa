#ifndef CSUPPORT_H
#define CSUPPORT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// copy_file_range(2), a GNU extension Swift's Glibc module does not export: copies inside the
/// kernel, advancing `*source_offset`. Returns the bytes copied, 0 at end of file, or -1 with
/// errno set (ENOSYS where the system has no such call).
int64_t csupport_copy_file_range(int source, int64_t *source_offset, int destination, size_t length);

/// syncfs(2), likewise a GNU extension: flushes the whole file system holding `descriptor`, one
/// flush for many files written together. Returns 0, or -1 with errno set.
int csupport_syncfs(int descriptor);

/// sync_file_range(2) with SYNC_FILE_RANGE_WRITE over the whole file: starts writing its dirty
/// pages to the disk and returns at once, so that a later fsync finds them written. A hint, not
/// durability: returns 0, or -1 with errno set (ENOSYS where the system has no such call).
int csupport_start_writeback(int descriptor);

#ifdef __cplusplus
}
#endif

#endif
