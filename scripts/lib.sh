# SPDX-License-Identifier: GPL-2.0
# Shared settings for tdxgmem's scripts: cache location, reference kernels.
# Sourced, never run.

TDXGMEM_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${TDXGMEM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tdxgmem}

# Reference kernels: short name -> kernel release. 7.3-debug is built from
# Debian's linux-source-7.3 by scripts/debug-kernel (KASAN, lockdep, ...).
declare -A KREL=(
	[6.12]=6.12.95+deb12-amd64
	[7.3]=7.3.4+deb13-amd64
	[7.3-debug]=7.3.4-tdxgmem-debug
)
# Kernel command line a reference kernel needs under QEMU. The debug
# kernel: its ACPI PCI routing times out under TCG (60 s per virtio
# device); and slub_debug=F (SLUB's consistency checks) takes 7.3's
# per-CPU "sheaves" out of the slab caches: a sheaf keeps a stale pointer
# to each object handed out from it, which kmemleak counts as a
# reference, so a leaked object stayed unreported; and no5lvl (4-level
# paging): with QEMU's LA57, an interrupt that lands while identify_cpu()
# has cleared the boot CPU's feature bits makes KASAN, whose shadow range
# follows pgtable_l5_enabled() = cpu_feature_enabled(LA57), report a
# wild-memory-access on the direct-map address of the IRQ descriptor's
# lock, 0.02 s into boot (see docs/debug-kernel.md).
declare -A KAPPEND=([7.3-debug]="pci=noacpi slub_debug=F no5lvl")
# Debian package version of each reference kernel (pins linux-source-*).
declare -A KSRC_VER=([6.12]=6.12.95-1~bpo12+1 [7.3]=7.3.4-1~bpo13+1)

# Console lines that mean the kernel is unhappy, whatever the tests said.
SPLAT_RE='BUG:|WARNING:|Oops|Kernel panic|general protection fault|UBSAN:|KASAN:'
SPLAT_RE+='|rcu: INFO|RCU stall|self-detected stall|hung task|blocked for more than'
SPLAT_RE+='|possible circular locking|possible recursive locking|inconsistent lock state'
SPLAT_RE+='|unreferenced object|kernel BUG at|Call Trace:|list_add corruption|list_del corruption'
SPLAT_RE+='|Bad page state|BUG .*: .*corrupted'
# Debug kernels (scripts/debug-kernel): DEBUG_VM's page dump, debugobjects,
# lockdep turning itself off. KASAN, KFENCE, lockdep and sleep-in-atomic
# reports begin with BUG: or WARNING:; kmemleak's report (printed by /init
# after its last scan) with "unreferenced object", its internal errors
# with a Call Trace.
SPLAT_RE+='|page dumped because|ODEBUG:'
SPLAT_RE+='|turning off the locking correctness validator'

# The project's version: dkms.conf's PACKAGE_VERSION, its only copy.
tdxgmem_version() { sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$TDXGMEM_TOP/dkms.conf"; }

# copy_checkout DIR: the checkout's files, tracked or new (not ignored),
# into DIR: what a release tarball of this tree holds.
copy_checkout() {
	(cd "$TDXGMEM_TOP" && git ls-files -z -c -o --exclude-standard |
		while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
		xargs -0 cp -a --parents -t "$1")
}

die() { echo "${0##*/}: $*" >&2; exit 1; }
log() { echo "${0##*/}: $*" >&2; }

# Resolve "6.12", "7.3" or a full release to the short name.
kshort() {
	local k
	for k in "${!KREL[@]}"; do
		if [ "$1" = "$k" ] || [ "$1" = "${KREL[$k]}" ]; then
			echo "$k"
			return 0
		fi
	done
	die "unknown reference kernel '$1' (known: ${!KREL[*]})"
}

# Private apt configuration: Debian's registry only, never /etc/apt.
APTDIR=$CACHE/apt
apt_opts() {
	echo -o Dir::Etc::sourcelist="$APTDIR/sources.list" \
	     -o Dir::Etc::sourceparts=- \
	     -o Dir::State::Lists="$APTDIR/lists" \
	     -o Dir::Cache="$APTDIR/cache" \
	     -o Dir::State::status="$APTDIR/status" \
	     -o APT::Get::List-Cleanup=0 \
	     -o Debug::NoLocking=1 \
	     -o APT::Sandbox::User=root
}

# chroot_exec DIR CMD...: run CMD in DIR with /proc, /dev, the checkout and
# the cache mounted, in a private mount namespace so nothing is left mounted.
chroot_exec() {
	local c=$1
	shift
	mkdir -p "$c/$TDXGMEM_TOP" "$c/$CACHE"
	unshare -m --propagation private -- sh -c '
		c=$1; top=$2; cache=$3; shift 3
		mount -t proc proc "$c/proc" &&
		mount --rbind /dev "$c/dev" &&
		mount --bind "$top" "$c/$top" &&
		mount --bind "$cache" "$c/$cache" &&
		cp /etc/resolv.conf "$c/etc/resolv.conf" 2>/dev/null
		cd "$c/$top" 2>/dev/null || true
		exec chroot "$c" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=/root TERM=dumb LANG=C.UTF-8 ${KBUILD_VERBOSE:+KBUILD_VERBOSE=$KBUILD_VERBOSE} \
			sh -c "cd \"\$0\" 2>/dev/null || cd /; exec \"\$@\"" "$PWD" "$@"
	' sh "$c" "$TDXGMEM_TOP" "$CACHE" "$@"
}
