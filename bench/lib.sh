# Shared by the benchmark scripts; sourced, never run.

# make_repo DIR FILES: a git repository at DIR (made) holding FILES small
# files in 200 directories, all committed.
make_repo() {
	mkdir -p "$1"
	(
		cd "$1" || exit 1
		git init -q .
		_d=0
		while [ "$_d" -lt 200 ]; do
			mkdir "d$_d"
			_d=$((_d + 1))
		done
		awk -v n="$2" 'BEGIN { for (i = 0; i < n; i++) { f = sprintf("d%d/f%d.txt", i % 200, i); print i > f; close(f) } }'
		git add -A
		git -c user.name=b -c user.email=b@example.invalid commit -q -m files
	)
}
