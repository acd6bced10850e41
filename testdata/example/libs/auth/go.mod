module example.com/libs/auth

go 1.22
