#!/bin/bash
# Makes this terminal the serial console of an emulator whose COM1 listens
# at 127.0.0.1:PORT: what is typed goes to it a key at a time (no echo: the
# machine echoes), and what it sends comes out here.  Ends when the emulator
# closes the line, or on Ctrl-C, which also stops the emulator (PID).
#   tools/serial-term.sh PORT PID
port=$1 pid=$2
for _ in $(seq 400); do
	{ exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null && break
	kill -0 "$pid" 2>/dev/null || exit 1
	sleep 0.05
done
saved=$(stty -g)
stty -icanon -echo min 1
exec 4<&0
cat <&4 >&3 & # the keyboard side (named: a background command would read /dev/null)
typist=$!
trap 'stty "$saved"; kill "$typist" "$pid" 2>/dev/null' EXIT
trap 'exit 130' INT TERM
cat <&3 # the screen side, until the emulator goes
