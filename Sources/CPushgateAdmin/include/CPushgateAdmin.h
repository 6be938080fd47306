// C wrappers for the btrfs ioctls (and the one extended attribute) only the admin tool reads or
// makes; pushgate-serve never builds them.
#ifndef CPUSHGATEADMIN_H
#define CPUSHGATEADMIN_H

#include <stdint.h>

/// Creates an empty btrfs subvolume `name` (one path component) in the directory open as
/// `directory` (BTRFS_IOC_SUBVOL_CREATE). Returns 0, or -1 with errno set.
int pg_btrfs_subvolume_create(int directory, const char *name);

/// Reads the subvolume flags of the subvolume open as `fd` (BTRFS_IOC_SUBVOL_GETFLAGS):
/// `*read_only` becomes 1 when BTRFS_SUBVOL_RDONLY is set, else 0. Returns 0, or -1 with errno.
int pg_btrfs_is_read_only(int fd, int *read_only);

/// Deletes the subvolume `name` (one path component) in the directory open as `directory`
/// (BTRFS_IOC_SNAP_DESTROY): by name below a descriptor, so no symlink is followed on the way.
/// Returns 0, or -1 with errno set.
int pg_btrfs_subvolume_delete(int directory, const char *name);

/// The file system type (statfs(2)'s f_type) of `path`, following symlinks as statfs does.
/// Returns 0, or -1 with errno set.
int pg_fs_type(const char *path, int64_t *type);

/// The file system type (fstatfs(2)'s f_type) of the file open as `fd`. Returns 0 or -1.
int pg_fd_fs_type(int fd, int64_t *type);

/// The magic number statfs(2) reports for btrfs (BTRFS_SUPER_MAGIC).
int64_t pg_btrfs_magic(void);

/// The inode number of every subvolume's root directory (BTRFS_FIRST_FREE_OBJECTID).
uint64_t pg_btrfs_subvolume_inode(void);

/// The value of the extended attribute `name` of `path`, not following a symlink (lgetxattr(2),
/// which Swift's Glibc module does not expose): its length, or -1 with errno set (ENODATA when
/// the file has no such attribute).
long pg_lgetxattr(const char *path, const char *name, void *value, unsigned long size);

#endif
