// C wrappers for the btrfs ioctls (and lgetxattr) only the admin tool makes.
#include "CPushgateAdmin.h"

#include <errno.h>
#include <linux/btrfs.h>
#include <linux/btrfs_tree.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/vfs.h>
#include <sys/xattr.h>

/// Copies `name` into `args` if it is one non-empty path component that fits.
static int set_name(struct btrfs_ioctl_vol_args *args, const char *name) {
  memset(args, 0, sizeof *args);
  size_t length = strlen(name);
  if (length == 0 || length > BTRFS_PATH_NAME_MAX || strchr(name, '/') != NULL ||
      strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
    errno = EINVAL;
    return -1;
  }
  memcpy(args->name, name, length);
  return 0;
}

int pg_btrfs_subvolume_create(int directory, const char *name) {
  struct btrfs_ioctl_vol_args args;
  if (set_name(&args, name) != 0) return -1;
  return ioctl(directory, BTRFS_IOC_SUBVOL_CREATE, &args);
}

int pg_btrfs_is_read_only(int fd, int *read_only) {
  uint64_t flags = 0;
  if (ioctl(fd, BTRFS_IOC_SUBVOL_GETFLAGS, &flags) != 0) return -1;
  *read_only = (flags & BTRFS_SUBVOL_RDONLY) != 0;
  return 0;
}

int pg_btrfs_subvolume_delete(int directory, const char *name) {
  struct btrfs_ioctl_vol_args args;
  if (set_name(&args, name) != 0) return -1;
  return ioctl(directory, BTRFS_IOC_SNAP_DESTROY, &args);
}

int64_t pg_btrfs_magic(void) { return BTRFS_SUPER_MAGIC; }

uint64_t pg_btrfs_subvolume_inode(void) { return BTRFS_FIRST_FREE_OBJECTID; }

int pg_fs_type(const char *path, int64_t *type) {
  struct statfs info;
  if (statfs(path, &info) != 0) return -1;
  *type = (int64_t)info.f_type;
  return 0;
}

int pg_fd_fs_type(int fd, int64_t *type) {
  struct statfs info;
  if (fstatfs(fd, &info) != 0) return -1;
  *type = (int64_t)info.f_type;
  return 0;
}

long pg_lgetxattr(const char *path, const char *name, void *value, unsigned long size) {
  return (long)lgetxattr(path, name, value, size);
}
