// Command outages is the project the bundled outage scenarios build. Its go.sum is not
// committed on purpose, so the go command asks the checksum database about every module.
package main

import (
	"fmt"

	"example.test/colour/v2"
	"example.test/greet"
)

func main() { fmt.Println(colour.Green(greet.Hello("outage"))) }
