# The VMM's guest lines for kvm-unit-tests: reads x86/unittests.cfg and
# prints, for each case named in the file `cases` (in its order), a line
#   guest NAME kernel=IMAGE cmdline="ARGS" memory=128M vcpus=N test=debug-exit timeout=S alone
# from the case's section: file (the image), smp (vCPUs, 1 if absent),
# test_args (the command line, as QEMU's -append) and timeout (90 seconds
# if absent, as kvm-unit-tests' runner has it, times 4: the limits are for
# hardware, and the emulated CPUs here run some 50 million instructions a
# second, kvm-unit-tests' vmexit loops up to 2^31 TSC counts); 128 MiB is
# QEMU's default RAM.  Each runs alone, so that its lines in the log are
# its own.  Of QEMU's own settings (qemu_params) two are carried over:
# a CPU without x2APIC ("-x2apic") is x2apic=off, and one of AMD's
# ("vendor=AuthenticAMD") vendor=amd.  hostcpus (awk -v,
# 1 if not given) is the number of CPUs the emulator has: a case of
# several vCPUs gets cpus=0,1,... (one host CPU per vCPU, in turn when
# there are fewer), so that its vCPUs run at once, as on hardware, and a
# vCPU that spins waiting for another does not wait out the other's time
# slice (docs/vmm.md, "Host CPUs").  A case without a section is an error.
function flush() {
	if (name != "")
		line[name] = sprintf("guest %s kernel=%s cmdline=\"%s\" memory=128M vcpus=%d%s test=debug-exit timeout=%d%s alone",
				     name, file, args, smp, host_cpus(smp), 4 * timeout,
				     (params ~ /,-x2apic/ ? " x2apic=off" : "") \
				     (params ~ /vendor=AuthenticAMD/ ? " vendor=amd" : ""))
}
# " cpus=0,1,..." for n vCPUs on hostcpus CPUs; nothing for one of them.
function host_cpus(n,    s, i) {
	if (n < 2 || hostcpus + 0 < 2)
		return ""
	s = " cpus=0"
	for (i = 1; i < n && i < hostcpus; i++)
		s = s "," i
	return s
}
/^\[.*\]$/ {
	flush()
	name = substr($0, 2, length($0) - 2)
	file = ""; args = ""; smp = 1; timeout = 90; params = ""
	next
}
/^file *=/      { file = value($0) }
/^smp *=/       { smp = value($0) + 0 }
/^test_args *=/ { args = value($0) }
/^timeout *=/   { timeout = value($0) + 0 }
/^qemu_params *=/ { params = value($0) }
function value(s) {
	sub(/^[^=]*= */, "", s)
	sub(/ *$/, "", s)
	if (s ~ /^'.*'$/ || s ~ /^".*"$/)
		s = substr(s, 2, length(s) - 2)
	return s
}
END {
	flush()
	while ((getline c < cases) > 0) {
		if (!(c in line)) {
			print "kvm-unit-tests has no case " c > "/dev/stderr"
			exit 1
		}
		print line[c]
	}
}
