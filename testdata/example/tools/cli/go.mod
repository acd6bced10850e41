module example.com/tools/cli

go 1.22

require example.com/libs/core v0.0.0

replace example.com/libs/core => ../../libs/core
