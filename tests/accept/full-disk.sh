#!/usr/bin/env bash
# full-disk.sh: mly-write on a disk that fills up, and onto files it may not
# replace.
#
# Full disk (as root, in a private mount namespace, `unshare -m`): photos of
# about 140 KB on a 4 MB tmpfs, with a filler file leaving room for only some
# of the new versions. mly-write must exit 1, name every photo it could not
# write on stderr ("PATH: not written: No space left on device"), leave each
# of those byte-identical, write the others completely (the bytes an
# unhindered run makes), list exactly those on stdout and the others in
# --rejected, and leave no temporary file. Once space is freed, the
# rejected records, given back to mly-write, are all written. Done with the
# default batch (all temporaries at once) and with --batch 3 (a batch
# committed with fewer photos than it was meant to hold).
#
# Read-only: as root, a read-only bind mount of the photos' directory (in the
# namespace) and an immutable photo (chattr +i, where the file system has
# it); as another user, a directory with mode 555. Each photo that cannot be
# replaced is named with the reason, left as it was, no temporary is left,
# and the other photos of the run are written.
if [ "${1-}" != --inside ] && [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null 2>&1 &&
  unshare -m --propagation private true 2>/dev/null; then
  exec unshare -m --propagation private -- bash "$0" --inside
fi
. "$(dirname "$0")/common.bash"
need_commands python3 cmp
need_build
inside=no
[ "${1-}" = --inside ] && inside=yes
scratch full
cd "$WORK" || exit 2
immutable=()
cleanup_hook() {
  local f
  for f in "${immutable[@]}"; do chattr -i "$f" 2>/dev/null; done
  chmod -R u+w "$WORK" 2>/dev/null
  for f in "$WORK/disk" "$WORK/ro"; do mountpoint -q "$f" 2>/dev/null && umount "$f"; done
}

# Photos and, for each, the bytes an unhindered mly-write makes of it.
"$MKPHOTOS" src 12 --kb 280 --seed 5 || { fail "mkphotos"; finish; }
records() { # records DIR: one record a photo of DIR (relative paths)
  local f i=0
  for f in "$WORK"/src/*.JPG; do
    i=$((i + 1))
    printf '{"path":"%s/%s","lat":%s,"lon":-%s,"alt":%s,"captured_at":"2024-05-0%dT10:00:00.250Z","utc_offset":"+02:00"}\n' \
      "$1" "${f##*/}" "$((40 + i)).123456789" "$((70 + i)).5" "$((10 + i)).5" $((i % 9 + 1))
  done
}
mkdir ref && cp -a src ref/d && (cd ref && records d | mly-write -q >/dev/null) ||
  { fail "reference run"; finish; }

# outcome DIR RC OUT ERR REJECTED REASON: the checks of one run that could
# not write some photos because of REASON (strerror text).
outcome() {
  local dir=$1 rc=$2 out=$3 err=$4 rej=$5 reason=$6
  check "$dir: exit status 1 (got $rc)" [ "$rc" -eq 1 ]
  python3 - "$dir" "$out" "$err" "$rej" "$reason" >checks.txt <<'EOF'
import json, os, re, sys
d, out, err, rej, reason = sys.argv[1:6]
names = sorted(n for n in os.listdir("src"))
written = [json.loads(l)["path"] for l in open(out)]
failed, other = [], []
for line in open(err):
    # The reason may name the temporary that could not be made (fs.cpp).
    m = re.fullmatch(r"mly-write: (.*): not written: (.*: )?(.*)\n", line)
    if m and m.group(3) == reason:
        failed.append(m.group(1))
    else:
        other.append(line.rstrip("\n"))
rejected = [json.loads(l) for l in open(rej)]
paths = ["%s/%s" % (d, n) for n in names]

def check(what, problems):
    print(("FAIL %s: %s: %s" % (d, what, "; ".join(problems))) if problems else "ok %s: %s" % (d, what))

check("every stderr line names a photo and says %r" % reason, ["unexpected: %r" % l for l in other])
check("each photo is either written (stdout) or named on stderr, not both",
      ["%s: %s" % (p, ("both" if p in written else "neither")) for p in paths
       if (p in written) == (p in failed)] + ["unknown path %s" % p for p in written + failed if p not in paths])
check("--rejected holds the photos not written, with the reason",
      [] if sorted(r.get("path") for r in rejected) == sorted(failed)
      and all(r.get("reason", "").endswith(reason) for r in rejected) else ["%r" % rejected[:3]])
bad = []
for n in names:
    p = "%s/%s" % (d, n)
    got = open(p, "rb").read()
    want = open(("ref/d/%s" if p in written else "src/%s") % n, "rb").read()
    if got != want:
        bad.append("%s (%s) differs from the %s" % (p, "written" if p in written else "not written",
                                                     "complete new version" if p in written else "original"))
check("photos not written are unchanged, the others complete", bad)
temps = [n for n in os.listdir(d) if n not in names]
check("no temporary or other file is left", temps)
print("   %s: %d written, %d not written" % (d, len(written), len(failed)))
EOF
  tally checks.txt $?
}

# Full disk.
full_case() { # full_case NAME FREE_KB [mly-write options]
  local name=$1 free_kb=$2 avail rc
  shift 2
  rm -rf disk/* disk/.[!.]* 2>/dev/null
  mkdir "disk/$name" && cp -a src/. "disk/$name/"
  avail=$(df -k --output=avail disk | tail -n 1)
  head -c $(((avail - free_kb) * 1024)) /dev/zero >disk/filler 2>/dev/null
  records "disk/$name" | mly-write "$@" >out.jsonl 2>err.txt --rejected rej.jsonl
  rc=$?
  outcome "disk/$name" "$rc" out.jsonl err.txt rej.jsonl "No space left on device"
  check "disk/$name: some photos were written before the disk was full" [ -s out.jsonl ]
  # Room again: the rejected records, given back as they are, now go through.
  rm -f disk/filler
  mly-write -q rej.jsonl >/dev/null 2>err2.txt
  check "disk/$name: with room again the rejected records are written ($(head -c 200 err2.txt))" [ $? -eq 0 ]
  check "disk/$name: ... and every photo is complete" diff -r "disk/$name" ref/d
}
if [ "$inside" = yes ]; then
  mkdir disk
  if mount -t tmpfs -o size=4m,mode=0755 mly-accept-full disk; then
    full_case all 600          # one batch: room for about four temporaries
    full_case batch3 400 --batch 3
  else
    echo "SKIP full disk: cannot mount a tmpfs"
  fi
else
  echo "SKIP full disk: needs root and unshare -m for a private tmpfs (uid $(id -u))"
fi

# Read-only directory or file.
if [ "$inside" = yes ]; then
  # A read-only bind mount over a directory of photos.
  mkdir ro && cp -a src/. ro/
  if mount --bind ro ro && mount -o remount,bind,ro ro; then
    (records ro | mly-write >out.jsonl 2>err.txt --rejected rej.jsonl)
    outcome ro $? out.jsonl err.txt rej.jsonl "Read-only file system"
    check "ro: nothing was written" [ ! -s out.jsonl ]
  else
    echo "SKIP read-only bind mount: mount failed"
  fi
fi
if [ "$(id -u)" -eq 0 ]; then
  # Immutable photos among writable ones: the rename over them fails.
  mkdir imm && cp -a src/. imm/
  if command -v chattr >/dev/null && chattr +i imm/IMG_00002.JPG 2>/dev/null; then
    immutable+=("$WORK/imm/IMG_00002.JPG")
    chattr +i imm/IMG_00007.JPG && immutable+=("$WORK/imm/IMG_00007.JPG")
    (records imm | mly-write >out.jsonl 2>err.txt --rejected rej.jsonl)
    outcome imm $? out.jsonl err.txt rej.jsonl "Operation not permitted"
    check "imm: exactly the two immutable photos were not written" [ "$(wc -l <err.txt)" -eq 2 ]
  else
    echo "SKIP immutable file: chattr +i is not available here"
  fi
else
  # Not root: a directory without write permission.
  mkdir ro555 && cp -a src/. ro555/ && chmod 555 ro555
  (records ro555 | mly-write >out.jsonl 2>err.txt --rejected rej.jsonl)
  outcome ro555 $? out.jsonl err.txt rej.jsonl "Permission denied"
  check "ro555: nothing was written" [ ! -s out.jsonl ]
  chmod 755 ro555
fi
finish
