module example.com/tools/cli

go 1.22
