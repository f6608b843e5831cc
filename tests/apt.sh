# A private apt configuration for the tests that fetch Debian's packages (check-real.sh,
# check-corpus.sh): its own sources, lists, archives and an empty dpkg status under the
# cache, so that the suites the tests need (bookworm's kernels and files, trixie-backports,
# sid) come from the archive whatever release the host runs, and the host's own sources,
# lists and pins are neither used nor changed (its apt.conf.d settings, a proxy or
# Check-Valid-Until, still apply). Sourced by POSIX sh; the
# caller defines fail() (one line, then exit). The configurations live in the test cache
# (AMDGPU_TUNE_TEST_CACHE), shared by the scripts that use them.
#
#   papt_setup NAME [--contents] SUITE...   a configuration in CACHE/apt-NAME for the
#                                           suites (main only; *-security suites from
#                                           the security archive); --contents also
#                                           fetches the Contents lists (what apt-file
#                                           reads; the security archive has none),
#                                           without apt-file
#   papt_update                             fetches the lists when any suite's list is
#                                           missing, a previous update did not finish,
#                                           or they are a day old; a suite that cannot
#                                           be fetched fails the test, named
#   papt TOOL ARG...                        apt-get or apt-cache on that configuration
#   papt_newest PATTERN                     the newest package name matching PATTERN
#   papt_contents                           every Contents line of the suites, as text
#
# AMDGPU_TUNE_MIRROR and AMDGPU_TUNE_SECURITY_MIRROR name other mirrors, as for the stock
# roots (tests/stock/root.sh).

papt_mirror=${AMDGPU_TUNE_MIRROR:-http://deb.debian.org/debian}
papt_security=${AMDGPU_TUNE_SECURITY_MIRROR:-http://deb.debian.org/debian-security}

papt_setup() { # NAME [--contents] SUITE...
	papt_dir=${AMDGPU_TUNE_TEST_CACHE:-/var/tmp/amdgpu-tune-test-cache}/apt-$1
	shift
	papt_with_contents=false
	if [ "${1:-}" = --contents ]; then
		papt_with_contents=true
		shift
	fi
	papt_suites=$*
	mkdir -p "$papt_dir/lists/partial" "$papt_dir/archives/partial" || fail "cannot create $papt_dir"
	[ -f "$papt_dir/status" ] || : > "$papt_dir/status"
	: > "$papt_dir/sources.list.new"
	for s in $papt_suites; do
		case $s in
		*-security) m=$papt_security ;;
		*) m=$papt_mirror ;;
		esac
		echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $m $s main" >> "$papt_dir/sources.list.new"
	done
	# Other sources than last time: the lists are fetched again.
	if ! cmp -s "$papt_dir/sources.list.new" "$papt_dir/sources.list"; then
		rm -f "$papt_dir/updated"
		mv "$papt_dir/sources.list.new" "$papt_dir/sources.list"
	else
		rm -f "$papt_dir/sources.list.new"
	fi
}

papt() { # TOOL ARG...
	papt_tool=$1
	shift
	# Contents-deb is the index target apt-file defines (its 50apt-file.conf): the
	# Contents-ARCH lists of each suite and component, with arch all's beside them.
	if $papt_with_contents; then
		set -- -o 'Acquire::IndexTargets::deb::Contents-deb::MetaKey=$(COMPONENT)/Contents-$(ARCHITECTURE)' \
			-o 'Acquire::IndexTargets::deb::Contents-deb::ShortDescription=Contents-$(ARCHITECTURE)' \
			-o 'Acquire::IndexTargets::deb::Contents-deb::Description=$(RELEASE)/$(COMPONENT) $(ARCHITECTURE) Contents (deb)' \
			-o 'Acquire::IndexTargets::deb::Contents-deb::DefaultEnabled=true' "$@"
	else
		set -- -o Acquire::IndexTargets::deb::Contents-deb::DefaultEnabled=false "$@"
	fi
	"$papt_tool" -q -o Dir::Etc::SourceList="$papt_dir/sources.list" -o Dir::Etc::SourceParts=/nonexistent \
		-o Dir::State::Lists="$papt_dir/lists" -o Dir::Cache="$papt_dir" \
		-o Dir::Cache::Archives="$papt_dir/archives" -o Dir::State::status="$papt_dir/status" \
		-o Dir::Etc::Preferences=/nonexistent -o Dir::Etc::PreferencesParts=/nonexistent \
		-o APT::Architecture=amd64 -o APT::Architectures=amd64 \
		-o Acquire::Languages=none -o Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false \
		-o Acquire::IndexTargets::deb::DEP-11-icons::DefaultEnabled=false \
		-o Acquire::IndexTargets::deb::DEP-11-icons-small::DefaultEnabled=false \
		-o Acquire::IndexTargets::deb::DEP-11-icons-hidpi::DefaultEnabled=false "$@"
}

# The list files of SUITE's main component (Packages, and Contents when asked for: the
# security archive publishes none).
papt_suite_listed() { # SUITE
	ls "$papt_dir/lists/"*"_dists_${1}_main_binary-amd64_Packages"* > /dev/null 2>&1 || return 1
	$papt_with_contents || return 0
	case $1 in *-security) return 0 ;; esac
	ls "$papt_dir/lists/"*"_dists_${1}_main_Contents-amd64"* > /dev/null 2>&1
}

papt_update() {
	missing=
	for s in $papt_suites; do
		papt_suite_listed "$s" || missing="$missing $s"
	done
	# "updated" is written only after an update that fetched every suite: a failed or
	# killed one leaves none, and the next run fetches again.
	if [ -z "$missing" ] && [ -n "$(find "$papt_dir/updated" -mtime -1 2> /dev/null)" ]; then
		return 0
	fi
	rm -f "$papt_dir/updated"
	rc=0
	papt apt-get update > "$papt_dir/update.log" 2>&1 || rc=$?
	# A suite apt could not fetch may still have an old list ("old ones used instead"):
	# it counts as missing too.
	missing=$(sed -n 's|.*Failed to fetch .*/dists/\([^/]*\)/.*|\1|p' "$papt_dir/update.log" | sort -u | tr '\n' ' ')
	for s in $papt_suites; do
		papt_suite_listed "$s" || missing="$missing $s"
	done
	missing=$(echo $missing | tr ' ' '\n' | sort -u | paste -sd ' ')
	if [ "$rc" != 0 ] || [ -n "$missing" ]; then
		grep -E '^(E|W|Err):' "$papt_dir/update.log" | sed 's/^/# /'
		fail "apt-get update of the private configuration $papt_dir (exit $rc): could not fetch ${missing:-(every list is there, but apt failed)}; see $papt_dir/update.log"
	fi
	touch "$papt_dir/updated"
}

papt_newest() { # PATTERN
	papt apt-cache search --names-only "$1" | awk '{print $1}' | sort -V | tail -n 1
}

papt_contents() {
	for f in "$papt_dir/lists/"*_Contents-*; do
		[ -e "$f" ] || continue
		case $f in *.diff_Index) continue ;; esac
		/usr/lib/apt/apt-helper cat-file "$f" || fail "cannot read $f"
	done
}
