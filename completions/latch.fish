# fish completion for latch(1).
#
# Everything is asked of the latch being completed, so that it cannot fall
# behind: the commands from `latch --help`, each command's options and what
# they take from `latch COMMAND --help` (the lines "  -p, --profile PROFILE
# ..."), profile names from `latch profile list --names`, probe ids from
# `latch probe --list --names`, a probe's own arguments from `latch probe ID
# --help`.

# __latch_value LATCH CMD ARG CUR: candidates for an argument its help names ARG.
function __latch_value
    set -l latch $argv[1]
    set -l cmd $argv[2]
    set -l cur $argv[4]
    switch $argv[3]
        case PROFILE
            $latch profile list --names 2>/dev/null
            string match -q -- '*/*' $cur; and __fish_complete_path $cur
        case PLAN
            echo builtin
            __fish_complete_path $cur
        case DIR
            __fish_complete_directories $cur
        case FILE PATH
            __fish_complete_path $cur
        case 'PATH|stdout|stderr'
            printf '%s\n' stdout stderr
            __fish_complete_path $cur
        case OUTCOME
            $latch probe --list 2>/dev/null | string replace -rf '^outcomes: ' '' | string split ', '
        case NAME
            # matrix --group: the groups the usage names for the built-in plan.
            $latch $cmd --help 2>/dev/null | string replace -rf '.*plan has (.*)\)$' '$1' | string split ', '
        case '*'
            # A probe's literal values, a|b|c; a single upper-case name (N,
            # ID) has nothing to offer.
            string match -qr '[a-z|]' -- $argv[3]; and string split '|' -- $argv[3]
    end
end

# __latch_probe_args LATCH ID CUR PREV: a probe's own arguments, from its help.
function __latch_probe_args
    set -l latch $argv[1]
    set -l cur $argv[3]
    set -l prev $argv[4]
    set -l flags
    # "  --op a|b|c", "  --path PATH", "  --allow-unsafe-path": a group that
    # matches nothing is kept as an empty string, so the indices hold.
    for line in ($latch probe $argv[2] --help 2>/dev/null)
        set -l m (string match -r '^  (--[a-z0-9-]+)(?: (\S+)|())$' -- $line)
        or continue
        if test "$m[2]" = "$prev"; and test -n "$m[3]"
            __latch_value $latch probe $m[3] $cur
            return
        end
        set -a flags $m[2]
    end
    string match -q -- '-*' $cur; or test -z "$cur"; and printf '%s\n' $flags
end

function __latch_complete
    set -l words (commandline -opc)
    set -l cur (commandline -ct)
    set -l latch $words[1]
    if test (count $words) -eq 1
        $latch --help 2>/dev/null | string replace -rf '^  ([a-z][a-z-]*) +(.*)$' '$1\t$2'
        string match -q -- '-*' $cur; and printf '%s\n' --help --version
        return
    end
    set -l cmd $words[2]
    set -l opts
    set -l takes
    set -l args
    set -l subs
    set -l help ($latch $cmd --help 2>/dev/null)
    for line in $help
        # "  -p, --profile PROFILE  ...", "      --strict  ...": m[2] the
        # letter, m[3] the name, m[4] the argument, m[5] the description
        # (a group that matches nothing is kept, empty).
        set -l m (string match -r '^  (?:-([a-zA-Z]), |    ())(--[a-z0-9-]+)(?: (\S+)|())  +(.*)$' -- $line)
        if set -q m[1]
            set -a opts $m[3]\t$m[5]
            if test -n "$m[4]"
                set -a takes $m[3]
                set -a args $m[4]
                if test -n "$m[2]"
                    set -a takes -$m[2]
                    set -a args $m[4]
                end
            end
        else if set -l s (string match -r "^(?:usage:)? +latch $cmd ([a-z][a-z-]*)(?: |\$)" -- $line)
            set -a subs $s[2]
        end
    end

    # The operands before the current word. Options end at "--" and, for
    # run, probe and matrix, at the first operand: what follows belongs to
    # the command, or to the probe.
    set -l stop 0
    contains -- $cmd run learn probe matrix; and set stop 1
    set -l ended 0
    set -l pos
    set -l i 3
    while test $i -le (count $words)
        set -l w $words[$i]
        if test $ended -eq 0; and test "$w" = --
            set ended 1
        else if test $ended -eq 0; and string match -q -- '-*' $w
            contains -- (string split -m1 = -- $w)[1] $takes; and not string match -q -- '*=*' $w; and set i (math $i + 1)
        else
            set -a pos $w
            test $stop -eq 1; and set ended 1
        end
        set i (math $i + 1)
    end
    set -l prev $words[-1]

    # --opt=VALUE in one word.
    if test $ended -eq 0; and string match -qr -- '^--[a-z0-9-]+=' $cur
        set -l parts (string split -m1 = -- $cur)
        if set -l k (contains -i -- $parts[1] $takes)
            for v in (__latch_value $latch $cmd $args[$k] $parts[2])
                echo $parts[1]=$v
            end
        end
        return
    end
    if test $ended -eq 0; and set -l k (contains -i -- $prev $takes)
        __latch_value $latch $cmd $args[$k] $cur
        return
    end
    if test $ended -eq 0; and string match -q -- '-*' $cur
        printf '%s\n' $opts
        return
    end
    if set -q subs[1]; and not set -q pos[1]
        printf '%s\n' $subs
        return
    end
    switch $cmd
        case run learn
            if not set -q pos[1]
                __fish_complete_command
            else
                __fish_complete_path $cur
            end
        case why
            if not set -q pos[1]
                # The usage's "ACCESS: read|write|... PATH, ...", without the
                # upper-case targets.
                set -l on 0
                for line in $help
                    if string match -q '  ACCESS:*' -- $line
                        set on 1
                    else if test $on -eq 1; and not string match -qr '^ {10}[a-z]' -- $line
                        break
                    end
                    test $on -eq 1; and string replace -r 'ACCESS:' '' -- $line | string replace -ra '[A-Z][A-Z|]*|[|,]' ' ' | string split -n ' '
                end
            else if test (count $pos) -eq 1
                __fish_complete_path $cur
            end
        case profile
            switch $pos[1]
                case show render
                    __latch_value $latch $cmd PROFILE $cur
                case check
                    __latch_value $latch $cmd PROFILE $cur
                    string match -q -- '*/*' $cur; or __fish_complete_path $cur
            end
        case probe matrix
            if not set -q pos[1]
                $latch probe --list --names 2>/dev/null
            else
                __latch_probe_args $latch $pos[1] $cur $prev
            end
        case lab
            if test (count $pos) -eq 1
                if test $pos[1] = show
                    __fish_complete_directories $cur
                else
                    __latch_value $latch $cmd PLAN $cur
                end
            end
        case evidence
            test (count $pos) -eq 1; and __fish_complete_directories $cur
        case log
            # A session: ID, or the last one.
            test (count $pos) -eq 1; and test $pos[1] != list; and echo last
        case diff commit discard
            if not set -q pos[1]
                echo last
            else if test $cmd = commit
                __fish_complete_path $cur
            end
    end
end

complete -c latch -f -a '(__latch_complete)'
