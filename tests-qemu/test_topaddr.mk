# test_topaddr: heap regions that end in the last page of the 32-bit address
# space, on the i386 board (the one target that can map memory there: paging
# puts the top 4 MiB onto RAM). See test_topaddr.c.
test_topaddr_BOARDS := i386
