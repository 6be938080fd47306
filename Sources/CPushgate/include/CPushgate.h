// C wrappers for the few Linux calls Swift's Glibc module does not expose.
#ifndef CPUSHGATE_H
#define CPUSHGATE_H

#include <sys/types.h>

/// Sets or clears an open-file-description lock (fcntl F_OFD_SETLK / F_OFD_SETLKW) on
/// `length` bytes at `start`. `type` is fcntl's `l_type`: F_RDLCK, F_WRLCK or F_UNLCK.
/// Returns 0, or -1 with errno set (EAGAIN when held elsewhere and `wait` is 0).
int pg_ofd_lock(int fd, int type, off_t start, off_t length, int wait);

/// Tests for an open-file-description lock on `length` bytes at `start` (fcntl F_OFD_GETLK,
/// probing with a write lock, which conflicts with any lock). Works on a read-only descriptor.
/// Returns 0 free, 1 held shared (read), 2 held exclusively (write), or -1 with errno set.
int pg_ofd_getlk(int fd, off_t start, off_t length);

/// Reserves `length` bytes at `offset` without changing the file's size (fallocate(2) with
/// FALLOC_FL_KEEP_SIZE), so a later write into them cannot fail for lack of space.
/// Returns 0, or -1 with errno set (ENOSPC, EDQUOT; EOPNOTSUPP where the file system cannot).
int pg_reserve(int fd, off_t offset, off_t length);

/// Who a child runs as: the groups are set with setgroups(2), then the gid, then the uid.
struct pg_credentials {
  uid_t uid;
  gid_t gid;
  const gid_t *groups;
  int group_count;
};

/// The step of starting a child that failed (`pg_spawn`'s `failed_step`).
enum pg_spawn_step {
  PG_STEP_NONE = 0,
  PG_STEP_FORK = 1,
  PG_STEP_CREDENTIALS = 2,
  PG_STEP_SESSION = 3,
  PG_STEP_CHDIR = 4,
  PG_STEP_EXECVE = 5,
};

/// Starts `path` (fork and execve): the given argv and envp (NULL-terminated), every
/// signal at its default disposition, an empty signal mask, descriptors 0-2 taken from
/// `in`, `out`, `err` (-1 keeps the current one), `keep` (unless -1) as descriptor 3, and
/// every other descriptor closed on exec.
/// With `credentials` (may be NULL) the child drops to those groups, gid and uid and checks
/// that the change stuck (a non-root uid can no longer become root) before anything else.
/// `session` 1 starts a new session (setsid: no controlling terminal), 2 a new process group,
/// 0 neither. `directory` (unless NULL) becomes the child's working directory, changed in the
/// child after the credentials, so it is entered with the child's own permissions.
/// `death_signal` > 0 is sent to the child when we die (prctl PR_SET_PDEATHSIG).
/// Returns the child's pid once execve succeeded, or -errno with `*failed_step` saying which
/// step failed.
pid_t pg_spawn(const char *path, char *const argv[], char *const envp[], const char *directory,
               int in, int out, int err, int keep, int session, int death_signal,
               const struct pg_credentials *credentials, int *failed_step);

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

/// Makes a read-only btrfs snapshot of the subvolume open as `source` (BTRFS_IOC_SNAP_CREATE_V2
/// with BTRFS_SUBVOL_RDONLY), named `name` (one path component) in the directory open as
/// `directory`. The kernel commits it before returning: it exists whole, or not at all.
/// Returns 0, or -1 with errno set (EEXIST, ENOSPC, EPERM for a source we do not own, ENOTTY
/// where `directory` is not on btrfs, EXDEV for another file system).
int pg_btrfs_snapshot(int source, int directory, const char *name);

#endif
