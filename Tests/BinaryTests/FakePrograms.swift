// The fake rsync and rsnapshot each test root gets: /bin/sh scripts that record how
// pushgate-serve started them and then do what the test's scenario says.

extension Root {
  /// A stand-in for rsync: records argv, environment, cwd, descriptors and signal state under
  /// `record/<n>/`, then plays `scenario`, running the pre-xfer hook the way rsync does
  /// (FIELD-NOTES §3) and writing the transfer log the gate asked for (FIELD-NOTES §10).
  var fakeRsyncScript: String {
    #"""
    #!/bin/sh
    # A stand-in for rsync's daemon-over-ssh server: records how it was started, then plays
    # the scenario, running the pre-xfer hook and writing the transfer log as rsync does.
    set -f
    R='\#(path)'
    # The signal mask and ignored set as started, read with builtins before any fork (dash
    # blocks every signal around its own forks).
    signals=
    while read -r line; do
      case "$line" in SigBlk:* | SigIgn:*) signals="$signals$line
    " ;; esac
    done < "/proc/$$/status"
    mkdir -p "$R/record"
    n=1
    while ! mkdir "$R/record/$n" 2>/dev/null; do
      n=$((n + 1))
      [ "$n" -lt 1000 ] || exit 99
    done
    d="$R/record/$n"
    echo "$$" > "$d/pid"
    echo "$PPID" > "$d/ppid"
    for a in "$0" "$@"; do printf '%s\n' "$a"; done > "$d/argv"
    tr '\0' '\n' < "/proc/$$/environ" > "$d/env"
    readlink "/proc/$$/cwd" > "$d/cwd"
    /bin/sh -c 'echo "$$"; exec ls -l "/proc/$$/fd"' > "$d/fds"
    printf '%s' "$signals" > "$d/signals"
    . "$R/scenario"
    pre= logfile= tag=
    for a in "$@"; do
      case "$a" in
      "--dparam=pre-xfer exec="*) pre=${a#*exec=} ;;
      "--dparam=log file="*) logfile=${a#*log file=} ;;
      "--dparam=log format="*) tag=${a#*log format=}; tag=${tag%% *} ;;
      esac
    done
    if [ "$HOOKS" = pre ] && [ -n "$pre" ]; then
      (
        export RSYNC_MODULE_NAME="$MODULE" RSYNC_MODULE_PATH="$R/incoming" \
          RSYNC_HOST_ADDR=203.0.113.7 RSYNC_HOST_NAME=UNDETERMINED RSYNC_USER_NAME= \
          RSYNC_PID=$$ RSYNC_REQUEST="$REQUEST"
        i=0
        for w in $ARGS; do export "RSYNC_ARG$i=$w"; i=$((i + 1)); done
        exec /bin/sh -c "$pre"
      )
      echo "pre-xfer $?" >> "$d/hooks"
    fi
    # What rsync writes to its transfer log: its own lines, then one tagged line per item.
    if [ -n "$logfile" ]; then
      stamp="2026/11/30 12:00:00 [$$]"
      echo "$stamp connect from UNKNOWN (0.0.0.0)" >> "$logfile" 2>/dev/null
      IFS=';'
      for c in $CHANGES; do echo "$stamp $tag $MODULE $c" >> "$logfile"; done 2>/dev/null
      unset IFS
    fi
    if [ -n "$logfile" ] && [ "$SUMMARY" = yes ] && [ "$KILL" = no ]; then
      echo "$stamp sent 24 bytes  received 95 bytes  total size 3" >> "$logfile" 2>/dev/null
    fi
    if [ "$ECHO" = yes ]; then
      { printf 'fake rsync greeting\n'; cat; } | tee "$d/wrote"
    fi
    if [ "$SLEEP" -gt 0 ]; then
      sleep "$SLEEP" &
      echo "$!" > "$d/sleeppid"
      wait "$!"
    fi
    if [ "$KILL" = yes ]; then kill -TERM $$; fi
    exit "$STATUS"

    """#
  }

  /// A stand-in for rsnapshot: appends pid, argv, cwd and environment to `snapshots.log` and
  /// the target of its descriptor 3 to `snapshot-fds`, prints a line, then ends a `sync` with
  /// its status or plays `snapshot-scenario` for a level.
  var fakeRsnapshotScript: String {
    #"""
    #!/bin/sh
    # A stand-in for rsnapshot: logs pid, argv, cwd and environment, then plays its scenario.
    R='\#(path)'
    . "$R/snapshot-scenario"
    printf '%s\t%s\t%s\t%s\n' "$$" "$0 $*" "$(readlink /proc/$$/cwd)" \
      "$(tr '\0' ' ' < /proc/$$/environ)" >> "$R/snapshots.log"
    echo "$3 $(readlink /proc/$$/fd/3)" >> "$R/snapshot-fds"
    echo "fake rsnapshot: $*"
    # The sync step ends at once with its own status; the scenario plays in the level step.
    if [ "$3" = sync ]; then exit "$SNAP_SYNC_STATUS"; fi
    if [ "$SNAP_SLEEP" -gt 0 ]; then
      sleep "$SNAP_SLEEP" &
      echo "$!" >> "$R/snapshot-children"
      wait "$!"
    fi
    i=0
    while [ "$SNAP_HOLD" = yes ] && [ ! -e "$R/release" ] && [ "$i" -lt 300 ]; do
      sleep 0.1
      i=$((i + 1))
    done
    exit "$SNAP_STATUS"

    """#
  }
}
