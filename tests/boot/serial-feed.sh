#!/bin/bash
# Stands at the other end of an emulator's serial port for a test run:
# connects to 127.0.0.1:PORT (the emulator listens there), copies every line
# the machine sends into LOG and, each time a line asks for it ("# input
# please"), sends the next line of INPUT as if typed.  Ends when the
# emulator closes the connection.
#   tests/boot/serial-feed.sh PORT LOG INPUT
port=$1 log=$2 input=$3
mapfile -t lines <"$input"
for _ in $(seq 400); do
	{ exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null && break
	sleep 0.05
done
: >"$log"
next=0
while IFS= read -r line <&3 || [ -n "$line" ]; do
	printf '%s\n' "$line" >>"$log"
	if [[ $line == *"# input please"* ]] && [ "$next" -lt "${#lines[@]}" ]; then
		printf '%s\n' "${lines[next]}" >&3
		next=$((next + 1))
	fi
done
