// The system calls GptimgSupport needs that Swift's Glibc module leaves out (GNU extensions).

#define _GNU_SOURCE  // copy_file_range, sync_file_range
#include "csupport.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/types.h>
#include <unistd.h>

int64_t csupport_copy_file_range(int source, int64_t *source_offset, int destination, size_t length) {
#if defined(__linux__)
    loff_t offset = (loff_t)*source_offset;
    ssize_t copied = copy_file_range(source, &offset, destination, NULL, length, 0);
    *source_offset = (int64_t)offset;
    return (int64_t)copied;
#else
    (void)source; (void)source_offset; (void)destination; (void)length;
    errno = ENOSYS;
    return -1;
#endif
}

int csupport_syncfs(int descriptor) {
#if defined(__linux__)
    return syncfs(descriptor);
#else
    (void)descriptor;
    sync();
    return 0;
#endif
}

int csupport_start_writeback(int descriptor) {
#if defined(__linux__)
    return sync_file_range(descriptor, 0, 0, SYNC_FILE_RANGE_WRITE);
#else
    (void)descriptor;
    errno = ENOSYS;
    return -1;
#endif
}
