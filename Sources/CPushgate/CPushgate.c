// C wrappers for the few Linux calls Swift's Glibc module does not expose.
#define _GNU_SOURCE
#include "CPushgate.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <string.h>
#include <unistd.h>
#include <linux/close_range.h>
#include <linux/btrfs.h>
#include <linux/falloc.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>

int pg_ofd_lock(int fd, int type, off_t start, off_t length, int wait) {
  struct flock lock;
  memset(&lock, 0, sizeof lock);  // OFD locks require l_pid == 0
  lock.l_type = (short)type;
  lock.l_whence = SEEK_SET;
  lock.l_start = start;
  lock.l_len = length;
  int r;
  do {
    r = fcntl(fd, wait ? F_OFD_SETLKW : F_OFD_SETLK, &lock);
  } while (r == -1 && errno == EINTR && !wait);
  return r;
}

int pg_reserve(int fd, off_t offset, off_t length) {
  int r;
  do {
    r = fallocate(fd, FALLOC_FL_KEEP_SIZE, offset, length);
  } while (r == -1 && errno == EINTR);
  return r;
}

int pg_ofd_getlk(int fd, off_t start, off_t length) {
  struct flock lock;
  memset(&lock, 0, sizeof lock);  // OFD locks require l_pid == 0
  lock.l_type = F_WRLCK;
  lock.l_whence = SEEK_SET;
  lock.l_start = start;
  lock.l_len = length;
  if (fcntl(fd, F_OFD_GETLK, &lock) == -1) return -1;
  return lock.l_type == F_UNLCK ? 0 : lock.l_type == F_RDLCK ? 1 : 2;
}

// Drops to `credentials` and checks the result: every id is the asked one, and a non-root
// uid cannot take root back. Returns 0, or -1 with errno set.
static int drop_to(const struct pg_credentials *credentials) {
  if (setgroups((size_t)credentials->group_count, credentials->groups) != 0) return -1;
  if (setgid(credentials->gid) != 0) return -1;
  if (setuid(credentials->uid) != 0) return -1;
  if (getuid() != credentials->uid || geteuid() != credentials->uid ||
      getgid() != credentials->gid || getegid() != credentials->gid) {
    errno = EPERM;
    return -1;
  }
  if (credentials->uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
    errno = EPERM;
    return -1;
  }
  return 0;
}

// Tells the parent which step failed and with which errno, then ends the child.
static void fail_in_child(int report, int step) {
  int failure[2] = {step, errno};
  ssize_t ignored = write(report, failure, sizeof failure);
  (void)ignored;
  _exit(127);
}

// fork and execve rather than posix_spawn: only a child of our own can ask the kernel
// (PR_SET_PDEATHSIG) to signal it when we die, so a killed gate never leaves an rsync
// running after its slot is free. Between fork and execve the child makes system calls only.
pid_t pg_spawn(const char *path, char *const argv[], char *const envp[], const char *directory,
               int in, int out, int err, int keep, int session, int death_signal,
               const struct pg_credentials *credentials, int *failed_step) {
  *failed_step = PG_STEP_NONE;
  int report[2];
  if (pipe2(report, O_CLOEXEC) != 0) {
    *failed_step = PG_STEP_FORK;
    return -errno;
  }
  sigset_t all, previous;
  sigfillset(&all);
  // No handler of ours may run in the child before its dispositions are reset.
  sigprocmask(SIG_SETMASK, &all, &previous);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = SIG_DFL;
    for (int number = 1; number < NSIG; number++) sigaction(number, &action, NULL);
    if (credentials != NULL && drop_to(credentials) != 0) fail_in_child(report[1], PG_STEP_CREDENTIALS);
    if (session == 1 && setsid() < 0) fail_in_child(report[1], PG_STEP_SESSION);
    if (session == 2 && setpgid(0, 0) != 0) fail_in_child(report[1], PG_STEP_SESSION);
    if (death_signal > 0) {
      prctl(PR_SET_PDEATHSIG, death_signal);
      if (getppid() != parent) _exit(127);  // the parent died before prctl
    }
    if (directory != NULL && chdir(directory) != 0) fail_in_child(report[1], PG_STEP_CHDIR);
    int sources[3] = {in, out, err};
    for (int target = 0; target < 3; target++) {
      if (sources[target] >= 0 && sources[target] != target) dup2(sources[target], target);
    }
    unsigned int first_closed = 3U;
    if (keep >= 0) {
      if (keep == 3) fcntl(3, F_SETFD, 0);
      else dup2(keep, 3);  // the copy is not close-on-exec
      first_closed = 4U;
    }
    syscall(SYS_close_range, first_closed, ~0U, CLOSE_RANGE_CLOEXEC);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execve(path, argv, envp);
    fail_in_child(report[1], PG_STEP_EXECVE);
  }
  int fork_error = errno;
  sigprocmask(SIG_SETMASK, &previous, NULL);
  close(report[1]);
  if (pid < 0) {
    close(report[0]);
    *failed_step = PG_STEP_FORK;
    return -fork_error;
  }
  int failure[2] = {0, 0};
  ssize_t count;
  do {
    count = read(report[0], failure, sizeof failure);
  } while (count < 0 && errno == EINTR);
  close(report[0]);
  if (count == (ssize_t)sizeof failure) {
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {}
    *failed_step = failure[0];
    return -failure[1];
  }
  return pid;
}

static volatile sig_atomic_t forward_target = 0;
static volatile sig_atomic_t received_signal = 0;
static volatile sig_atomic_t catching = 0;

// Async-signal-safe: stores a word and calls kill(2). Signals are noted only for a process that
// asked to catch them (the gate); `pushgate rotate` forwards and carries on as before.
static void forward(int signal_number) {
  if (catching && received_signal == 0) received_signal = signal_number;
  pid_t pid = (pid_t)forward_target;
  if (pid != 0) kill(pid, signal_number);
}

static void install(int on) {
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = on ? forward : SIG_DFL;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGTERM, &action, NULL);
  sigaction(SIGHUP, &action, NULL);
  sigaction(SIGINT, &action, NULL);
}

void pg_forward_signals_to(pid_t pid) {
  forward_target = pid;
  install(pid != 0 || catching);
  // A signal that came before the child existed is passed on now.
  int earlier = (int)received_signal;
  if (pid != 0 && earlier != 0) kill(pid, earlier);
}

void pg_catch_signals(int on) {
  catching = on;
  if (forward_target == 0) install(on);
}

int pg_received_signal(void) { return (int)received_signal; }

void pg_unblock_signals(void) {
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
}

int pg_cloexec_from_3(void) {
  return (int)syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
}

int pg_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int pg_btrfs_snapshot(int source, int directory, const char *name) {
  struct btrfs_ioctl_vol_args_v2 args;
  memset(&args, 0, sizeof args);
  size_t length = strlen(name);
  if (length == 0 || length > BTRFS_SUBVOL_NAME_MAX || strchr(name, '/') != NULL) {
    errno = EINVAL;
    return -1;
  }
  memcpy(args.name, name, length);
  args.fd = source;
  args.flags = BTRFS_SUBVOL_RDONLY;
  return ioctl(directory, BTRFS_IOC_SNAP_CREATE_V2, &args);
}
