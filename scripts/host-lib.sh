# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
# scripts/host-check's look at the running host: its modules, which
# tdxgmem.ko to use and whether a loaded one is the same, and the report
# of CPU, kernel, direct map, IBT and TDX. Sourced after lib.sh, never run.

refuse() { echo "host-check: refused: $*" >&2; exit 2; }

is_loaded() { grep -q "^$1 " /proc/modules; }
module_names() { awk '{ print $1 }' /proc/modules | sort; }

# pick_module MODE BUILDDIR RELEASE: the tdxgmem.ko to load (MODE: build,
# dkms, a path, or empty: build/ if there, else dkms).
pick_module() {
	local mode=$1 b=$2 rel=$3 f
	case "$mode" in
	build|dkms|'') ;;
	*) [ -f "$mode" ] || refuse "$mode: no such file"; echo "$mode"; return ;;
	esac
	if [ "$mode" != dkms ] && [ -f "$b/tdxgmem.ko" ]; then
		echo "$b/tdxgmem.ko"
		return
	fi
	[ "$mode" = build ] && refuse "$b/tdxgmem.ko missing (make TESTS=1 module)"
	f=$(modinfo -k "$rel" -n tdxgmem 2>/dev/null) && [ -f "$f" ] && { echo "$f"; return; }
	refuse "no tdxgmem.ko for $rel: neither $b/tdxgmem.ko (make TESTS=1 module) nor one installed by dkms"
}

# plain_ko KO DIR: KO itself, or its decompressed copy in DIR (finit_module
# and readelf want the plain ELF; guest_test reloads from it).
plain_ko() {
	local ko=$1 out=$2/tdxgmem.ko
	case "$ko" in
	*.xz) xz -dc "$ko" >"$out" ;;
	*.zst) zstd -qdc "$ko" >"$out" ;;
	*.gz) gzip -dc "$ko" >"$out" ;;
	*) [ -r "$ko" ] && echo "$ko"; return ;;
	esac && echo "$out"
}

# A module's identity is its GNU build id: the file's, and the loaded one's
# from sysfs (a 16-byte note header, then the id).
ko_build_id() { readelf -n "$1" 2>/dev/null | awk '/Build ID:/ { print $3; exit }'; }
loaded_build_id() {
	local f=/sys/module/$1/notes/.note.gnu.build-id
	[ -r "$f" ] && od -An -v -tx1 "$f" | tr -d ' \n' | cut -c33-
}
# A test build exports the direct-map helpers tdxgmem_dmprobe needs.
# (grep without -q: under pipefail, nm killed by SIGPIPE would fail the test.)
ko_exports_dm() { nm "$1" 2>/dev/null | grep ' __ksymtab_tdxgmem_dm_' >/dev/null; }
# The KVM of patches/kvm/ has its tdxgmem glue in kvm.ko.
patched_kvm_loaded() { grep -q ' kvm_tdxgmem_file[[:space:]]*\[kvm\]' /proc/kallsyms; }

# make_ok PROGRAM HINT: the run needs PROGRAM, built on this machine.
make_ok() { [ -x "$1" ] || refuse "$1 missing ($2)"; }

# new_splat_taint OLD NEW: taint letters that mean a splat, set since OLD:
# B bad page (5), D die (7), W warning (9), L soft lockup (14).
new_splat_taint() {
	local old=$1 new=$2 bit letter out=
	for bit in 5:B 7:D 9:W 14:L; do
		letter=${bit#*:}
		bit=${bit%:*}
		(( (new >> bit) & 1 && !((old >> bit) & 1) )) && out+=$letter
	done
	echo "$out"
}

cpu_flag() { if grep -m1 '^flags' /proc/cpuinfo | grep -w "$1" >/dev/null; then echo yes; else echo no; fi; }
klog() { dmesg 2>/dev/null | grep -aE "$1" | tail -1 | sed 's/^\[[^]]*\] //'; }

# host_report KO: what a CI log must say about the machine the tests ran on.
host_report() {
	local ko=$1 ctl=$TDXGMEM_TOP/tools/tdxgmemctl/tdxgmemctl dm ibt tdx kvmi
	echo "CPU: $(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) CPUs"
	echo "kernel: $(uname -r) $(uname -v)"
	echo "tdxgmem: $ko (version $(cat /sys/module/tdxgmem/version 2>/dev/null))"
	dm=$([ -x "$ctl" ] && "$ctl" status 2>/dev/null | sed -n '1s/.*direct map backend: //p')
	[ -n "$dm" ] || dm=$(klog 'tdxgmem: direct map backend:' | sed 's/.*backend: //')
	echo "direct map backend: ${dm:-unknown}"
	ibt=$(klog 'Indirect Branch Tracking enabled')
	echo "IBT: CPU $(cpu_flag ibt), kernel ${ibt:+enforces it}${ibt:-does not enforce it}"
	kvmi=/sys/module/kvm_intel/parameters/tdx
	if [ -r "$kvmi" ]; then
		kvmi=$(cat "$kvmi")
	elif is_loaded kvm_intel; then
		kvmi="no such parameter (KVM without TDX)"
	else
		kvmi="kvm_intel not loaded"
	fi
	tdx=$(klog 'virt/tdx: (TDX-Module|module) initialized')
	[ -n "$tdx" ] && tdx="initialised ($tdx)"
	[ -n "$tdx" ] || tdx=$(klog 'virt/tdx: .*(failed|not supported|required)')
	echo "TDX: CPU flag tdx_host_platform $(cpu_flag tdx_host_platform), kvm_intel.tdx $kvmi," \
		"TDX module: ${tdx:-not initialised (nothing in the kernel log)}"
	echo "KVM: $(if patched_kvm_loaded; then echo "patched (patches/kvm/)"; elif [ -e /dev/kvm ]; then echo stock; else echo "not loaded"; fi)"
}

# tap_summary LOG: the totals line of make check, from LOG's TAP.
tap_summary() {
	awk '
		/^[ \t]*ok [0-9]+/ { if ($0 ~ /# (SKIP|skip)/) s++; else p++ }
		/^[ \t]*not ok [0-9]+/ { f++ }
		END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$1"
}
