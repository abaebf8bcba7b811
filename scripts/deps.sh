#!/bin/sh
# Make sure the Debian packages latch builds and tests with are installed.
# As root: installs what is missing with apt-get. Otherwise: prints the exact
# command and fails, so that `make` stops with a clear line instead of a
# compiler error about a missing header.
#
# usage: scripts/deps.sh build|check|bench|fuzz
set -eu

build_pkgs="gcc libc6-dev make pkg-config libseccomp-dev libjansson-dev nettle-dev"
check_pkgs="libcmocka-dev util-linux python3 python3-pip python3-venv git procps tmux mawk nodejs iproute2 less vim groff-base man-db zsh fish chromium fonts-dejavu-core curl openssl"
bench_pkgs="hyperfine bubblewrap firejail"
# libFuzzer and the sanitizers' runtimes come with clang's compiler-rt.
fuzz_pkgs="clang libclang-rt-dev"

case "${1:-build}" in
build) want="$build_pkgs" ;;
check) want="$build_pkgs $check_pkgs" ;;
bench) want="$build_pkgs $bench_pkgs" ;;
fuzz) want="$build_pkgs $fuzz_pkgs" ;;
*) echo "usage: scripts/deps.sh build|check|bench|fuzz" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
	echo "deps: missing packages:$missing (and no apt-get on this system)" >&2
	exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages:$missing" >&2
	echo "deps: run: sudo apt-get install -y$missing" >&2
	exit 1
fi
echo "deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >&2
