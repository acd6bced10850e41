module example.com/libs/core

go 1.22
