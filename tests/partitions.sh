#!/bin/sh
# `make iso CONFIG=FILE` (docs/partitions.md, "Configuration") on
# iso/partitions.cfg, as `make run-partitions` uses it: two Linux
# partitions and a bare-metal one.  The configuration is copied to a
# temporary directory, the bare partition's greeting guest beside it (named
# by a relative path), and its console guest made the test (test=result);
# the ISO is built and booted in QEMU by tests/boot/run-suite.sh's
# `partitions` suite: each Linux partition must mount its own disk region
# (its /moat-id names it, tests/boot/partitions.disk), Ctrl-A 3 and Ctrl-A ?
# must name the consoles by partition, and a line typed after them must
# reach the bare partition's guest.  Then: the ISO is kept when nothing
# changed and remade when the configuration or a file it names changes,
# and a missing file or a machine of 17 CPUs is refused naming the file,
# line and option.  The machine has two CPUs (machine cpus=2,
# tests/boot/partitions.qemu.cpus), a Linux partition on each.
# Prints one line per case, as tests/boot/run-suite.sh does.
#   tests/partitions.sh BUILD_DIR LOGDIR
# The build works in a copy of BUILD_DIR's objects, so it compiles nothing
# and leaves BUILD_DIR's os.iso alone; Debian's kernel is BUILD_DIR's.
set -u
build=$1 logs=$2
here=$(dirname "$0")
unset MAKEFLAGS MFLAGS MAKELEVEL # not a sub-make of make test's
mkdir -p "$logs"
log=$logs/partitions.make.log
rm -f "$log"
if [ ! -f "$build/linux/vmlinuz" ] || [ ! -f "$build/linux/initramfs.gz" ]; then
	echo "skip 1 qemu:partitions:partitions # no Debian kernel at $build/linux/vmlinuz" \
		"and initramfs (the linux packages' work fetches them)"
	exit 0
fi
tmp=$(mktemp -d /tmp/moat-partitions.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT PIPE TERM
scratch=$tmp/build iso=$tmp/build/os.iso cfg=$tmp/partitions.cfg
mkdir -p "$scratch"
(cd "$build" && tar --exclude=./linux --exclude=./test-logs --exclude=./kut --exclude=./measure \
	--exclude=./guest --exclude=./partitions --exclude='./*.iso' --exclude='./*.img' -cf - .) |
	tar -C "$scratch" -xf -
cp "$build/guests/greeting.bin" "$tmp/greeting.bin"
sed -e "s|\${BUILD}/linux/|$build/linux/|" -e 's|${BUILD}/guests/greeting.bin|greeting.bin|' \
	-e '/^guest console /s/$/ test=result/' "$here/../iso/partitions.cfg" >"$cfg"

. "$(dirname "$0")/lib.sh" # case_line
case_prefix=qemu:partitions
# make_iso CONFIG: make iso in the scratch build; its output in the log and $tmp/out.
make_iso() {
	echo "+ make iso CONFIG=$1" >>"$log"
	make BUILD="$scratch" iso CONFIG="$1" >"$tmp/out" 2>&1
	status=$?
	cat "$tmp/out" >>"$log"
	return $status
}
iso_time() {
	stat -c %y "$iso" 2>/dev/null
}

# The ISO holds each partition's VMM configuration, its Linux command line among it.
make_iso "$cfg" && grep -q "moat.name=linux_b" "$iso"
case_line config_iso_built $? "make iso CONFIG=$cfg made no ISO with linux_b's configuration (log: $log)"
"$here/boot/run-suite.sh" qemu "$iso" partitions "$logs" 600 --no-skip

before=$(iso_time)
make_iso "$cfg" && [ "$(iso_time)" = "$before" ]
case_line iso_kept_when_nothing_changed $? "the ISO was remade with nothing changed (log: $log)"

before=$(iso_time)
printf 'moat-partitions-marker-%s' $$ >>"$tmp/greeting.bin"
make_iso "$cfg" && [ "$(iso_time)" != "$before" ] && grep -q "moat-partitions-marker-$$" "$iso"
case_line iso_remade_after_guest_file_change $? "the ISO was not remade with the changed greeting.bin"

before=$(iso_time)
sed -i 's/moat.name=linux_b/moat.name=linux_b2/' "$cfg"
make_iso "$cfg" && [ "$(iso_time)" != "$before" ] && grep -q "moat.name=linux_b2" "$iso"
case_line iso_remade_after_config_change $? "the ISO was not remade with the changed configuration"

# A file that is not there: refused before anything is built, naming line and option.
line=$(grep -n '^guest greeting ' "$cfg" | cut -d: -f1)
sed -i 's|greeting.bin|no-such-guest.bin|' "$cfg"
make_iso "$cfg"
status=$?
message="$cfg: line $line: option 'module': \"$tmp/no-such-guest.bin\": no such file"
[ $status -ne 0 ] && grep -qF -- "$message" "$tmp/out"
case_line missing_file_refused $? "make said (status $status): $(tr '\n' ' ' <"$tmp/out" | cut -c1-200)"

# A machine with a number of CPUs it cannot have: refused the same way.
sed -i 's|no-such-guest.bin|greeting.bin|; s|^\(machine .*\) cpus=2|\1 cpus=17|' "$cfg"
line=$(grep -n '^machine ' "$cfg" | cut -d: -f1)
make_iso "$cfg"
status=$?
message="$cfg: line $line: option 'cpus': \"17\" is not 1 to 16"
[ $status -ne 0 ] && grep -qF -- "$message" "$tmp/out"
case_line machine_cpus_refused $? "make said (status $status): $(tr '\n' ' ' <"$tmp/out" | cut -c1-200)"
