module example.com/services/billing

go 1.22
