module example.com/services/api

go 1.22

require example.com/libs/auth v0.0.0

require example.com/libs/core v0.0.0 // indirect

replace (
	example.com/libs/auth => ../../libs/auth
	example.com/libs/core => ../../libs/core
)
