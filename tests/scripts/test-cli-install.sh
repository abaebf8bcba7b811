#!/bin/sh
# `make install` into a DESTDIR: the binary, the man page (naming the
# README where this prefix puts it), the README under share/doc/latch, the
# completions where bash-completion, zsh and fish look for them, and the
# library. Needs the built tree (LATCH_BUILD, default build/). Prints TAP
# lines and `# counts: P F S`.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${LATCH_BUILD:-build}
D=$(mktemp -d /tmp/latch-install.XXXXXX) || exit 1
trap 'rm -rf "$D"' EXIT
. "$root/tests/scripts/tap.sh"

# A make of its own: not the jobserver of a `make check` that runs this.
if env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$root" --no-print-directory install \
	BUILD="$build" PREFIX=/usr DESTDIR="$D/root" >"$D/log" 2>&1; then
	ok "make install PREFIX=/usr DESTDIR=... succeeds"
else
	not_ok "make install PREFIX=/usr DESTDIR=... succeeds" "$(cat "$D/log")"
fi

R=$D/root/usr
check "the binary: bin/latch, executable" [ -x "$R/bin/latch" ]
check "it runs: latch --version" eval '"$R/bin/latch" --version >/dev/null'
# same INSTALLED SOURCE: installed as it is in the checkout, mode 0644.
same() {
	cmp -s "$1" "$root/$2" && [ "$(stat -c %a "$1")" = 644 ]
}
check "the README: share/doc/latch/README.md" same "$R/share/doc/latch/README.md" README.md
check "bash: share/bash-completion/completions/latch" same "$R/share/bash-completion/completions/latch" completions/latch.bash
check "zsh: share/zsh/site-functions/_latch" same "$R/share/zsh/site-functions/_latch" completions/_latch
check "fish: share/fish/vendor_completions.d/latch.fish" same "$R/share/fish/vendor_completions.d/latch.fish" completions/latch.fish
man1=$R/share/man/man1/latch.1
check "the man page: share/man/man1/latch.1, mode 0644" eval '[ -f "$man1" ] && [ "$(stat -c %a "$man1")" = 644 ]'
check "the man page names the README where it was installed" grep -q '^\.I /usr/share/doc/latch/README\.md' "$man1"
check "...and not where the default prefix would have put it" eval '! grep -q /usr/local/share/doc "$man1"'
check "...and is the checkout's otherwise" eval 'sed "s|/usr/local/share/doc/latch|/usr/share/doc/latch|g" "$root/man/latch.1" | cmp -s - "$man1"'
check "the installed man page renders: man -l" eval 'MANWIDTH=80 man -l "$man1" 2>/dev/null | grep -q "latch run"'
check "the library: lib/liblatch.so.0, include/latch.h, lib/pkgconfig/latch.pc" \
	eval '[ -e "$R/lib/liblatch.so.0" ] && [ -f "$R/include/latch.h" ] && [ -f "$R/lib/pkgconfig/latch.pc" ]'
check "nothing outside DESTDIR/usr" eval '[ "$(ls -A "$D/root")" = usr ]'

done_testing
