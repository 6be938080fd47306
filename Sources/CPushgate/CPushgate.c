// C wrappers for the few Linux calls Swift's Glibc module does not expose.
#define _GNU_SOURCE
#include "CPushgate.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <unistd.h>
#include <linux/close_range.h>
#include <sys/syscall.h>

int pg_ofd_lock(int fd, int type, off_t start, off_t length, int wait) {
  struct flock lock;
  memset(&lock, 0, sizeof lock);  // OFD locks require l_pid == 0
  lock.l_type = type == 0 ? F_RDLCK : type == 1 ? F_WRLCK : F_UNLCK;
  lock.l_whence = SEEK_SET;
  lock.l_start = start;
  lock.l_len = length;
  int r;
  do {
    r = fcntl(fd, wait ? F_OFD_SETLKW : F_OFD_SETLK, &lock);
  } while (r == -1 && errno == EINTR && !wait);
  return r;
}

pid_t pg_spawn(const char *path, char *const argv[], char *const envp[], int in, int out,
               int err, int keep, int session) {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attributes;
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  if (posix_spawn_file_actions_init(&actions) != 0) return -ENOMEM;
  if (posix_spawnattr_init(&attributes) != 0) {
    posix_spawn_file_actions_destroy(&actions);
    return -ENOMEM;
  }
  short flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK;
  if (session == 1) flags |= POSIX_SPAWN_SETSID;
  if (session == 2) flags |= POSIX_SPAWN_SETPGROUP;
  int r = posix_spawnattr_setflags(&attributes, flags);
  if (r == 0) r = posix_spawnattr_setsigdefault(&attributes, &all);
  if (r == 0) r = posix_spawnattr_setsigmask(&attributes, &none);
  if (r == 0) r = posix_spawnattr_setpgroup(&attributes, 0);
  int sources[3] = {in, out, err};
  for (int target = 0; r == 0 && target < 3; target++) {
    if (sources[target] >= 0)
      r = posix_spawn_file_actions_adddup2(&actions, sources[target], target);
  }
  if (r == 0 && keep >= 0) r = posix_spawn_file_actions_adddup2(&actions, keep, 3);
  if (r == 0) r = posix_spawn_file_actions_addclosefrom_np(&actions, keep >= 0 ? 4 : 3);
  pid_t pid = -1;
  if (r == 0) r = posix_spawn(&pid, path, &actions, &attributes, argv, envp);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  return r == 0 ? pid : -r;
}

static volatile sig_atomic_t forward_target = 0;

static void forward(int signal_number) {
  pid_t pid = (pid_t)forward_target;
  if (pid > 0) kill(pid, signal_number);
}

void pg_forward_signals_to(pid_t pid) {
  forward_target = pid;
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = pid > 0 ? forward : SIG_DFL;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGTERM, &action, NULL);
  sigaction(SIGHUP, &action, NULL);
  sigaction(SIGINT, &action, NULL);
}

void pg_unblock_signals(void) {
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
}

int pg_cloexec_from_3(void) {
  return (int)syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
}

int pg_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }
