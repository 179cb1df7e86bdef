#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Link wrapper proving that src/port/newlib_nano.c replaces newlib's
# allocator completely (docs: newlib-malloc-api.md §3, §9), or, with
# --picolibc first, that src/port/picolibc.c replaces picolibc's (§8).
#
#   link-no-libc-malloc.sh [--picolibc] <cross-gcc> <link arguments...> -o <elf>
#
# Runs the link with a map (-Map=<elf>.map) and a cross-reference table
# (--cref), then fails, deleting the ELF, unless:
#   1. the map's "Archive member included" list names none of libc's
#      allocator objects (nano-mallocr.o, nano-freer.o, ..., mallocr.o,
#      sbrkr.o, syssbrk.o, libnosys sbrk.o, and the public wrappers the
#      port defines itself: malloc.o, calloc.o, realloc.o, malign.o,
#      msize.o, aligned_alloc.o);
#   2. the cross-reference table shows every symbol of the replacement set
#      defined by newlib_nano.o;
#   3. nm finds none of __malloc_free_list, __malloc_sbrk_start,
#      __malloc_current_mallinfo, _sbrk_r, _sbrk in the image.
# For picolibc the same three checks, with picolibc's names: its
# nano-malloc-*.c.o objects (valloc, pvalloc and mallopt, thin wrappers,
# allowed), picosbrk and reallocf; the set picolibc.c defines; and
# __malloc_free_list, __malloc_sbrk_start, __malloc_sbrk_top,
# __malloc_malloc, __malloc_block and sbrk.
# Used as LINK for the tests that link a port (test_newlib.mk,
# test_picolibc.mk).
set -u

port=newlib_nano.o
libc_alloc='^(lib_a-|libc_a-|libnosys_a-)?(nano-)?(mallocr|freer|reallocr|callocr|malignr|msizer|mallinfor|mallstatsr|malloptr|vallocr|pvallocr|reallocf|sbrkr|syssbrk|sbrk|malloc|calloc|realloc|malign|msize|aligned_alloc)\.o$'
defined="_malloc_r _free_r _realloc_r _calloc_r _memalign_r _malloc_usable_size_r
         _mallinfo_r _malloc_stats_r _mallopt_r _malloc_trim_r posix_memalign
         _valloc_r _pvalloc_r _reallocf_r reallocf
         malloc free realloc calloc memalign aligned_alloc malloc_usable_size"
forbidden='^(__malloc_free_list|__malloc_sbrk_start|__malloc_current_mallinfo|_sbrk_r|_sbrk)$'
if [ "${1:-}" = "--picolibc" ]; then
    shift
    port=picolibc.o
    libc_alloc='^(nano-malloc-(malloc|free|calloc|realloc|memalign|posix_memalign|malloc_usable_size|mallinfo|malloc_stats)\.c|libc_picolib_picosbrk\.c|libc_stdlib_reallocf\.c)\.o$'
    defined="malloc free cfree realloc calloc memalign aligned_alloc posix_memalign reallocf
             malloc_usable_size mallinfo malloc_stats malloc_trim"
    forbidden='^(__malloc_free_list|__malloc_sbrk_start|__malloc_sbrk_top|__malloc_malloc|__malloc_block|sbrk)$'
fi

if [ $# -lt 3 ]; then
    echo "usage: link-no-libc-malloc.sh [--picolibc] <cross-gcc> <link arguments...> -o <elf>" >&2
    exit 2
fi
cc=$1
nm=${cc%gcc}nm
elf=""
prev=""
for a in "$@"; do
    [ "$prev" = "-o" ] && elf=$a
    prev=$a
done
if [ -z "$elf" ]; then
    echo "link-no-libc-malloc.sh: no -o <elf> in the link command" >&2
    exit 2
fi
map=${elf%.elf}.map

"$@" -Wl,-Map="$map" -Wl,--cref || exit 1

fail() {
    echo "link-no-libc-malloc.sh: $elf: $*" >&2
    rm -f "$elf"
    exit 1
}

# 1. Archive members: the map lists each as "<archive>(<member>)" on its
#    own line in the "Archive member included" section, before "Discarded".
members=$(sed -n '/^Archive member included/,/^Discarded input sections/p' "$map" |
          grep -o '([^()]*\.o)' | tr -d '()' | sort -u)
if [ -z "$members" ]; then
    fail "no archive members in $map (map format changed?)"
fi
# (newlib: valloc/pvalloc/cfree's public objects are allowed, thin
# wrappers over the port; their _r halves and reallocf are the port's.)
bad=$(printf '%s\n' "$members" | grep -E "$libc_alloc" || true)
if [ -n "$bad" ]; then
    fail "libc allocator objects linked: $(echo $bad)"
fi

# 2. Who defines the replacement set: the first file after the symbol in
#    the cross-reference table is its definition.
for sym in $defined; do
    def=$(awk -v s="$sym" '/^Cross Reference Table/ { t = 1; next }
                           t && $1 == s { print $2; exit }' "$map")
    case "$def" in
    *"$port") ;;
    "") fail "$sym is not in the cross-reference table" ;;
    *) fail "$sym is defined by $def, not by $port" ;;
    esac
done

# 3. The symbols only libc's allocator and sbrk define.
found=$("$nm" "$elf" | awk -v re="$forbidden" '$NF ~ re { print $NF }')
if [ -n "$found" ]; then
    fail "libc allocator symbols in the image: $(echo $found)"
fi
exit 0
