module example.test/outage-demo

go 1.21

require (
	example.test/clock v0.3.0
	example.test/colour/v2 v2.1.0
	example.test/greet v1.1.0
)

require example.test/words v1.0.0 // indirect
