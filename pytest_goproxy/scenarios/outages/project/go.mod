module example.test/outages

go 1.21

require (
	example.test/colour/v2 v2.1.0
	example.test/greet v1.1.0
)

require example.test/words v1.0.0 // indirect
