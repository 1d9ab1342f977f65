module gmp-metal/compare

go 1.23
