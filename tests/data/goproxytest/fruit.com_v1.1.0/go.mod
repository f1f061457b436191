module fruit.com

go 1.21
