// C wrappers for the few Linux calls Swift's Glibc module does not expose.
#ifndef CPUSHGATE_H
#define CPUSHGATE_H

#include <sys/types.h>

/// Sets or clears an open-file-description lock (fcntl F_OFD_SETLK / F_OFD_SETLKW) on
/// `length` bytes at `start`. `type` is 0 read (shared), 1 write (exclusive), 2 unlock.
/// Returns 0, or -1 with errno set (EAGAIN when held elsewhere and `wait` is 0).
int pg_ofd_lock(int fd, int type, off_t start, off_t length, int wait);

/// Tests for an open-file-description lock on `length` bytes at `start` (fcntl F_OFD_GETLK,
/// probing with a write lock, which conflicts with any lock). Works on a read-only descriptor.
/// Returns 0 free, 1 held shared (read), 2 held exclusively (write), or -1 with errno set.
int pg_ofd_getlk(int fd, off_t start, off_t length);

/// Starts `path` (fork and execve): the given argv and envp (NULL-terminated), every
/// signal at its default disposition, an empty signal mask, descriptors 0-2 taken from
/// `in`, `out`, `err` (-1 keeps the current one), `keep` (unless -1) as descriptor 3, and
/// every other descriptor closed on exec.
/// `session` 1 starts a new session (setsid), 2 a new process group, 0 neither.
/// `death_signal` > 0 is sent to the child when we die (prctl PR_SET_PDEATHSIG).
/// Returns the child's pid once execve succeeded, or -errno (of fork or of execve).
pid_t pg_spawn(const char *path, char *const argv[], char *const envp[], int in, int out,
               int err, int keep, int session, int death_signal);

/// Forwards SIGTERM, SIGHUP and SIGINT to `pid` (negative: a process group; 0 stops
/// forwarding) with a signal-safe handler installed by sigaction. While catching
/// (pg_catch_signals) the handler also notes the first such signal (see pg_received_signal),
/// and one noted before `pid` existed is sent to it at once. With forwarding stopped the
/// signals are caught (pg_catch_signals) or at their default.
void pg_forward_signals_to(pid_t pid);

/// With `on`, SIGTERM, SIGHUP and SIGINT are caught while nothing is forwarded: the handler
/// only notes the first one, for a wait loop to see; with 0 they are at their default again.
void pg_catch_signals(int on);

/// The first SIGTERM, SIGHUP or SIGINT caught or forwarded so far, or 0.
int pg_received_signal(void);

/// Unblocks every signal (sigprocmask SIG_SETMASK with an empty set): a parent may have
/// started us with SIGTERM blocked, which would make forwarding silently never happen.
void pg_unblock_signals(void);

/// Marks every descriptor from 3 up close-on-exec (close_range with CLOSE_RANGE_CLOEXEC).
/// Returns 0, or -1 with errno set.
int pg_cloexec_from_3(void);

/// Creates a pipe with both ends close-on-exec (pipe2 O_CLOEXEC). Returns 0 or -1.
int pg_pipe_cloexec(int fds[2]);

#endif
