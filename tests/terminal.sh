#!/bin/sh
# make run's terminal (tools/emu.sh qemu: the serial line on stdio, as a
# person types into it): QEMU's own escape is Ctrl-], so Ctrl-A reaches
# the machine, and the serial driver's Ctrl-A 1 and Ctrl-A 2 send each
# line to its own VMM's guest (the switch suite's machine, tests/switch/,
# typed at through a terminal of `script` instead of a socket).
# The console guest echoes as typed: its prompt and echo must show before
# Enter, and the terminal's Backspace (0x7f) must erase.
#   tests/terminal.sh BUILD LOGDIR
set -u
build=$1 logs=$2
iso=$build/test-switch.iso
log=$logs/terminal-qemu.log
mkdir -p "$logs"
if [ ! -f "$iso" ]; then
	echo "not ok 1 qemu:terminal:ctrl_a_switches_consoles # no $iso"
	exit 0
fi
fifo=$(mktemp -u) && mkfifo "$fifo" || exit 1
rm -f "$log"
# script gives QEMU a terminal; its input is the FIFO, held open below.
script -qfec "tools/emu.sh qemu $iso" "$log" <"$fifo" >/dev/null 2>&1 &
pid=$!
exec 3>"$fifo"
rm -f "$fifo"

# The lines matching $1 in the log so far (0 before script has made it).
count() {
	c=$(grep -a -c -- "$1" "$log" 2>/dev/null)
	echo "${c:-0}"
}
# Waits up to $2 seconds for the Nth ($1) line matching $3 in the log.
wait_for() {
	n=$1 limit=$2 pattern=$3 t=0
	while [ "$(count "$pattern")" -lt "$n" ]; do
		[ $t -ge "$limit" ] && return 1
		sleep 1
		t=$((t + 1))
	done
}
ok=true shown=true
if wait_for 1 120 '# input please'; then
	# The console guest's prompt and its echo of each key reach the terminal
	# before Enter (the VMM writes a guest's unfinished line once the guest
	# polls for input), and the terminal's Backspace (0x7f) erases ("\b \b").
	wait_for 1 30 'console> ' || shown=false
	printf '\0011hello fix' >&3
	wait_for 1 30 'hello fix' || shown=false
	printf '\177' >&3
	wait_for 1 30 "$(printf 'fix\b \b')" || shown=false
	printf 'rst\r' >&3
	wait_for 1 60 'guest echo: hello first' && wait_for 2 60 '# input please' &&
		printf '\0012hello second\r' >&3
	wait_for 1 60 'guest echo: hello second' || ok=false
	printf 'exit\r' >&3 # the second guest ends, and with it the test
else
	ok=false shown=false
fi
# Each line whole, to its own guest: a Ctrl-A the terminal or QEMU ate
# would leave its digit in the line ("guest echo: 1hello first"), a
# Backspace the guest did not take would leave "hello fixrst".
grep -a -q '^guest echo: hello first' "$log" || ok=false
grep -a -q '^guest echo: hello second' "$log" || ok=false
if $ok; then
	echo "ok 1 qemu:terminal:ctrl_a_switches_consoles"
else
	echo "not ok 1 qemu:terminal:ctrl_a_switches_consoles # see $log"
fi
if $shown; then
	echo "ok 2 qemu:terminal:echo_shows_while_typing"
else
	echo "not ok 2 qemu:terminal:echo_shows_while_typing # see $log"
fi
# The machine ends the run itself once its guests are done; make sure.
sleep 2
printf '\035x' >&3
exec 3>&-
sleep 1
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
exit 0
