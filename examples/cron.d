# /etc/cron.d/pushgate: snapshot levels and retention (pushgate-rotate(8)).
# `pushgate init` prints the lines for the root it made; these are for the default levels.

# snapshots = rsnapshot: every level through pushgate rotate, as the backup account (here
# `backup`; the user field must be the owner of the areas).
0 * * * *   backup  /usr/bin/pushgate rotate hourly --config /backup/pushgate.conf
0 3 * * *   backup  /usr/bin/pushgate rotate daily --config /backup/pushgate.conf
30 3 * * 1  backup  /usr/bin/pushgate rotate weekly --config /backup/pushgate.conf

# snapshots = btrfs: one line instead of the three above, as root (only root deletes
# btrfs snapshots; preserve and preserve_min in pushgate.conf say which).
#17 * * * *  root  /usr/bin/pushgate rotate --config /backup/pushgate.conf
