#!/bin/sh
# Build bench/sha256.c against src/base/hash.c and nettle (static, as latch
# links it) and run it: the MB/s of latch's SHA-256 and nettle's.
#
# usage: bench/sha256.sh [MiB] [runs]     (defaults: 256 MiB, best of 5)
set -eu
cd "$(dirname "$0")/.."
out=${BUILD:-build}/bench
mkdir -p "$out"
${CC:-cc} -O2 -std=gnu17 -Wall -Wextra -Werror -D_GNU_SOURCE -Isrc -o "$out/sha256" \
	bench/sha256.c src/base/hash.c -Wl,-Bstatic $(pkg-config --libs nettle) -Wl,-Bdynamic
"$out/sha256" "$@"
