// System calls Swift cannot reach directly on Linux (variadic syscall(2)).
#ifndef C_SPECTRAL_SYSTEM_H
#define C_SPECTRAL_SYSTEM_H

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/syscall.h>

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

/// Atomically exchanges two paths (renameat2 with RENAME_EXCHANGE, Linux ≥ 3.15): 0 on success, else -1 and errno.
static inline int spectral_exchange_paths(const char *a, const char *b) {
#ifdef SYS_renameat2
    return (int)syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE);
#else
    errno = ENOSYS;
    return -1;
#endif
}

#endif
