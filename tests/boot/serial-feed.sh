#!/bin/bash
# Stands at the other end of an emulator's serial port for a test run:
# connects to 127.0.0.1:PORT (the emulator listens there) and copies every
# line the machine sends into LOG.  INPUT holds what to type, one line per
# step, in order: "TRIGGER<TAB>TEXT" sends TEXT once a line containing
# TRIGGER has come out since the previous step was sent (an empty TEXT only
# waits); "A && B<TAB>TEXT" waits for both, in either order; a line without a
# tab waits for "# input please".  Ends when the emulator closes the connection.
#   tests/boot/serial-feed.sh PORT LOG INPUT
port=$1 log=$2 input=$3
mapfile -t steps <"$input"
for _ in $(seq 400); do
	{ exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null && break
	sleep 0.05
done
: >"$log"
next=0 seen=""
# True once every trigger of $1 (" && "-separated) is in $seen.
all_seen() {
	local rest=$1 one
	while [ -n "$rest" ]; do
		one=${rest%% && *}
		[[ $seen == *"$one"* ]] || return 1
		[ "$one" = "$rest" ] && rest="" || rest=${rest#* && }
	done
}
while IFS= read -r line <&3 || [ -n "$line" ]; do
	printf '%s\n' "$line" >>"$log"
	[ "$next" -lt "${#steps[@]}" ] || continue
	seen+=$line$'\n'
	step=${steps[next]} trigger="# input please"
	if [[ $step == *$'\t'* ]]; then
		trigger=${step%%$'\t'*}
		step=${step#*$'\t'}
	fi
	if all_seen "$trigger"; then
		[ -z "$step" ] || printf '%b\n' "$step" >&3
		next=$((next + 1)) seen=""
	fi
done
