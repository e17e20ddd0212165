# Sourced by the benchmarks that write photos (bench/run, bench/geotag.sh):
# a second file system to measure on, one that shares blocks between files.
#
# On a file system with reflinks (btrfs, XFS) mly's writers share the
# photo's unchanged blocks instead of copying them, and `cp` does the same,
# so the floor and the ratios differ from those on the machine's own file
# system; both are shown. The XFS lives in a sparse image under the
# benchmark's scratch directory, mounted in a private mount namespace (root
# only), so it disappears with the benchmark whatever happens.
#
# private_mounts SCRIPT ARGS...: call first thing; as root, runs SCRIPT again
# in a private mount namespace (once: the scripts it starts inherit it).
# xfs_mount DIR SIZE: an XFS of SIZE (truncate's units) mounted on DIR;
# on failure prints why (for the table) and returns 1.

private_mounts() {
  if [ "${MLY_BENCH_PRIVATE_MOUNTS-}" != 1 ] && [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null 2>&1 &&
    unshare -m --propagation private true 2>/dev/null; then
    MLY_BENCH_PRIVATE_MOUNTS=1 exec unshare -m --propagation private -- bash "$@"
  fi
}

xfs_mount() {
  local dir=$1 size=$2
  if [ "${MLY_BENCH_PRIVATE_MOUNTS-}" != 1 ]; then
    echo "needs root and unshare -m"
    return 1
  fi
  command -v mkfs.xfs >/dev/null || { echo "mkfs.xfs is not installed (xfsprogs)"; return 1; }
  mkdir -p "$dir" && truncate -s "$size" "$dir.img" || { echo "cannot make $dir.img"; return 1; }
  mkfs.xfs -q -f -m reflink=1 "$dir.img" >/dev/null 2>&1 || { echo "mkfs.xfs failed"; return 1; }
  mount -o loop "$dir.img" "$dir" 2>/dev/null || { echo "no loop device to mount it"; rm -f "$dir.img"; return 1; }
}
