#!/bin/sh
# Includes run down the layers, never up (DESIGN.md, "Layers"). Reads every
# `#include "layer/..."` in DIR/**/*.c and DIR/**/*.h (DIR: src) and prints
#   file:line: include "x/y.h" runs up from LAYER to LAYER
# for each one that names a layer above the file's own; exits 1 if any did.
# A directory under DIR that is not in the order below is an error too: a
# new layer is placed here first.
#
# usage: scripts/check-layers.sh [DIR]
set -eu
dir=${1:-src}

# Lowest first. Layers on one rank (separated by ':') may include each
# other: net sits beside supervise. lib (liblatch) stands on session and
# links nothing above it.
order="base policy sandbox supervise:net session lib probe lab cli"

[ -d "$dir" ] || { echo "check-layers: no directory '$dir'" >&2; exit 2; }

find "$dir" -type f \( -name '*.c' -o -name '*.h' \) | LC_ALL=C sort | awk -v dir="$dir" -v order="$order" '
BEGIN {
	n = split(order, ranks, " ")
	for (i = 1; i <= n; i++) {
		m = split(ranks[i], same, ":")
		for (j = 1; j <= m; j++)
			rank[same[j]] = i
	}
	bad = 0
}
{
	file = $0
	rel = substr(file, length(dir) + 2)
	own = rel
	sub(/\/.*/, "", own)
	if (own == rel) {
		# A file directly in DIR belongs to no layer.
		printf "%s: not inside a layer directory\n", file
		bad = 1
		next
	}
	if (!(own in rank)) {
		printf "%s: layer \"%s\" is not in the layer order (%s)\n", file, own, order
		bad = 1
		next
	}
	line = 0
	while ((getline text < file) > 0) {
		line++
		if (text !~ /^[ \t]*#[ \t]*include[ \t]*"[^"\/]+\//)
			continue
		inc = text
		sub(/^[ \t]*#[ \t]*include[ \t]*"/, "", inc)
		sub(/".*/, "", inc)
		to = inc
		sub(/\/.*/, "", to)
		if (!(to in rank))
			continue
		if (rank[to] > rank[own]) {
			printf "%s:%d: include \"%s\" runs up from %s to %s\n", file, line, inc, own, to
			bad = 1
		}
	}
	close(file)
}
END { exit bad }
'
