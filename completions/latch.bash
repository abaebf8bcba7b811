# bash completion for latch(1)                            -*- shell-script -*-
#
# Everything is asked of the latch being completed, so that it cannot fall
# behind: the commands from `latch --help`, each command's options and what
# they take from `latch COMMAND --help` (the lines "  -p, --profile PROFILE
# ..."), profile names from `latch profile list --names`, probe ids from
# `latch probe --list --names`, a probe's own arguments from `latch probe ID
# --help`. Needs bash 4; bash-completion is not needed.

# _latch_help LATCH ARGS...: ARGS' help text.
_latch_help()
{
	"$@" --help 2>/dev/null
}

# _latch_files CUR [-d]: files (or directories) for CUR, as file names (a
# name may hold blanks: one per line).
_latch_files()
{
	local IFS=$'\n'

	compopt -o filenames 2>/dev/null
	if [[ ${2-} == -d ]]; then
		COMPREPLY+=($(compgen -d -- "$1"))
	else
		COMPREPLY+=($(compgen -f -- "$1"))
	fi
}

# _latch_value LATCH CMD ARGNAME CUR: complete the argument of an option
# whose help names it ARGNAME.
_latch_value()
{
	local latch=$1 cmd=$2 arg=$3 cur=$4

	case $arg in
	PROFILE)
		COMPREPLY=($(compgen -W "$("$latch" profile list --names 2>/dev/null)" -- "$cur"))
		[[ $cur == */* ]] && _latch_files "$cur"
		;;
	PLAN)
		COMPREPLY=($(compgen -W builtin -- "$cur"))
		_latch_files "$cur"
		;;
	DIR)
		_latch_files "$cur" -d
		;;
	FILE | PATH)
		_latch_files "$cur"
		;;
	PATH\|stdout\|stderr)
		COMPREPLY=($(compgen -W 'stdout stderr' -- "$cur"))
		_latch_files "$cur"
		;;
	OUTCOME)
		local outcomes
		outcomes=$("$latch" probe --list 2>/dev/null | sed -n 's/^outcomes: //p' | tr -d ,)
		COMPREPLY=($(compgen -W "$outcomes" -- "$cur"))
		;;
	NAME)
		# matrix --group: the groups the usage names for the built-in plan.
		local groups
		groups=$(_latch_help "$latch" "$cmd" | sed -n 's/.*plan has \(.*\))$/\1/p' | tr -d ,)
		COMPREPLY=($(compgen -W "$groups" -- "$cur"))
		;;
	*[a-z\|]*)
		# Literal values, as a probe's help lists them: a|b|c. A single
		# upper-case name (N, ID) has nothing to offer.
		COMPREPLY=($(compgen -W "${arg//|/ }" -- "$cur"))
		;;
	esac
}

# _latch_probe_args LATCH ID CUR PREV: a probe's own arguments, from its help
# ("  --op a|b|c", "  --path PATH", "  --allow-unsafe-path").
_latch_probe_args()
{
	local latch=$1 id=$2 cur=$3 prev=$4 line flags=
	local re='^  (--[a-z0-9-]+)( ([^ ]+))?$'
	local -A arg_of=()

	while IFS= read -r line; do
		if [[ $line =~ $re ]]; then
			flags+=" ${BASH_REMATCH[1]}"
			arg_of[${BASH_REMATCH[1]}]=${BASH_REMATCH[3]}
		fi
	done < <("$latch" probe "$id" --help 2>/dev/null)
	if [[ -n ${arg_of[$prev]-} ]]; then
		_latch_value "$latch" probe "${arg_of[$prev]}" "$cur"
	elif [[ $cur == -* || -z $cur ]]; then
		COMPREPLY=($(compgen -W "$flags" -- "$cur"))
	fi
}

_latch()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local latch=${COMP_WORDS[0]/#\~/$HOME} cmd=${COMP_WORDS[1]-}
	local help line w i ended=0 stop=0 opts= subs=
	local -a pos=()
	local -A arg_of=()
	local re='^  (-([a-zA-Z]), |    )(--[a-z0-9-]+)( ([^ ]+))?  '

	COMPREPLY=()
	if ((COMP_CWORD == 1)); then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W '--help --version' -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$(_latch_help "$latch" | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p')" -- "$cur"))
		fi
		return
	fi

	# The command's options and what each takes (arg_of: only those that
	# take one), and its subcommands: the words after "latch CMD" in its
	# usage lines.
	help=$(_latch_help "$latch" "$cmd") || return
	while IFS= read -r line; do
		if [[ $line =~ $re ]]; then
			opts+=" ${BASH_REMATCH[3]}"
			if [[ -n ${BASH_REMATCH[5]} ]]; then
				arg_of[${BASH_REMATCH[3]}]=${BASH_REMATCH[5]}
				[[ -n ${BASH_REMATCH[2]} ]] && arg_of[-${BASH_REMATCH[2]}]=${BASH_REMATCH[5]}
			fi
		elif [[ $line =~ ^(usage:)?\ +latch\ $cmd\ ([a-z][a-z-]*)(\ |$) ]]; then
			subs+=" ${BASH_REMATCH[2]}"
		fi
	done <<<"$help"

	# The operands before the current word. Options end at "--" and, for
	# run, learn, probe and matrix, at the first operand: what follows belongs to
	# the command, or to the probe. "--opt=value" is three words here.
	case $cmd in
	run | learn | probe | matrix) stop=1 ;;
	esac
	for ((i = 2; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if ((!ended)) && [[ $w == -- ]]; then
			ended=1
		elif ((!ended)) && [[ $w == -* ]]; then
			if [[ -n ${arg_of[$w]-} ]]; then
				[[ ${COMP_WORDS[i + 1]-} == = ]] && ((i++))
				((i++))
			fi
		else
			pos+=("$w")
			((stop)) && ended=1
		fi
	done
	[[ $prev == = ]] && prev=${COMP_WORDS[COMP_CWORD - 2]}
	[[ $cur == = ]] && cur=

	if ((!ended)) && [[ -n ${arg_of[$prev]-} ]]; then
		_latch_value "$latch" "$cmd" "${arg_of[$prev]}" "$cur"
		return
	fi
	if ((!ended)) && [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		return
	fi
	if [[ -n $subs ]] && ((${#pos[@]} == 0)); then
		COMPREPLY=($(compgen -W "$subs" -- "$cur"))
		return
	fi
	case $cmd in
	run | learn)
		if ((${#pos[@]} == 0)); then
			COMPREPLY=($(compgen -c -- "$cur"))
		else
			_latch_files "$cur"
		fi
		;;
	why)
		if ((${#pos[@]} == 0)); then
			# The usage's "ACCESS: read|write|... PATH, ...", without the
			# upper-case targets.
			local access
			access=$(sed -n '/^  ACCESS:/,/^$/p' <<<"$help" | sed 's/ACCESS://; s/[A-Z][A-Z|]*//g' | tr '|,' '  ')
			COMPREPLY=($(compgen -W "$access" -- "$cur"))
		elif ((${#pos[@]} == 1)); then
			_latch_files "$cur"
		fi
		;;
	profile)
		case ${pos[0]} in
		show | render) _latch_value "$latch" "$cmd" PROFILE "$cur" ;;
		check)
			_latch_value "$latch" "$cmd" PROFILE "$cur"
			[[ $cur == */* ]] || _latch_files "$cur"
			;;
		esac
		;;
	probe | matrix)
		if ((${#pos[@]} == 0)); then
			COMPREPLY=($(compgen -W "$("$latch" probe --list --names 2>/dev/null)" -- "$cur"))
		else
			_latch_probe_args "$latch" "${pos[0]}" "$cur" "$prev"
		fi
		;;
	lab)
		if ((${#pos[@]} == 1)); then
			case ${pos[0]} in
			show) _latch_files "$cur" -d ;;
			*) _latch_value "$latch" "$cmd" PLAN "$cur" ;;
			esac
		fi
		;;
	evidence)
		((${#pos[@]} == 1)) && _latch_files "$cur" -d
		;;
	log)
		# A session: ID, or the last one.
		((${#pos[@]} == 1)) && [[ ${pos[0]} != list ]] && COMPREPLY=($(compgen -W last -- "$cur"))
		;;
	diff | commit | discard)
		if ((${#pos[@]} == 0)); then
			COMPREPLY=($(compgen -W last -- "$cur"))
		elif [[ $cmd == commit ]]; then
			_latch_files "$cur"
		fi
		;;
	esac
}

complete -F _latch latch
