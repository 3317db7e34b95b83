#!/bin/bash
# Types on the emulated PS/2 keyboard for a test run: connects to QEMU's
# human monitor at 127.0.0.1:PORT (QEMU started with
# -monitor tcp:127.0.0.1:PORT,server=on,wait=off), waits until SERIAL_LOG
# (written by the emulator or by serial-feed.sh) has a line "# keys please",
# then types each line of INPUT with `sendkey`, Enter after each, a short
# pause between keys.  Exits when done, or when the machine never asks.
#
# QEMU only: Bochs has no headless way to press keys (its keyboard input
# comes from its display window), so the kbd suite runs in QEMU alone.
#   tests/boot/key-feed.sh PORT INPUT SERIAL_LOG
port=$1 input=$2 log=$3
trigger='# keys please'
key_pause=0.15  # seconds between keys: QEMU holds each key down for 100 ms
wait_limit=600  # 0.1 s rounds to wait for the monitor and for the trigger

# QEMU key names of the characters that are not their own key name.
declare -A key_names=(
	[' ']=spc [-]=minus [=]=equal [.]=dot [,]=comma [/]=slash [';']=semicolon
	["'"]=apostrophe ['[']=bracket_left [']']=bracket_right ['\']=backslash
	['`']=grave_accent
)

# The sendkey argument that types character $1 (empty if there is none).
key_of() {
	local c=$1
	case $c in
	[a-z0-9]) echo "$c" ;;
	[A-Z]) echo "shift-${c,}" ;;
	*) echo "${key_names[$c]:-}" ;;
	esac
}

# Sends one monitor command.
monitor() {
	printf '%s\n' "$1" >&3
}

# Types line $1, then Enter.
type_line() {
	local line=$1 key
	for ((i = 0; i < ${#line}; i++)); do
		key=$(key_of "${line:i:1}")
		if [ -z "$key" ]; then
			echo "key-feed: no key for '${line:i:1}'" >&2
			continue
		fi
		monitor "sendkey $key"
		sleep "$key_pause"
	done
	monitor "sendkey ret"
	sleep "$key_pause"
}

for ((n = 0; n < wait_limit; n++)); do
	{ exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null && break
	sleep 0.1
done
[ "$n" -lt "$wait_limit" ] || { echo "key-feed: no monitor at port $port" >&2; exit 1; }
cat <&3 >/dev/null & # the monitor's replies: read so that they never block it
reader=$!
trap 'kill "$reader" 2>/dev/null' EXIT
for ((n = 0; n < wait_limit; n++)); do
	grep -qF -- "$trigger" "$log" 2>/dev/null && break
	sleep 0.1
done
[ "$n" -lt "$wait_limit" ] || { echo "key-feed: no '$trigger' in $log" >&2; exit 1; }
while IFS= read -r line || [ -n "$line" ]; do
	type_line "$line"
done <"$input"
exec 3>&-
