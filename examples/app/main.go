// Command outage-demo is the Go program whose build pytest-goproxy's example suite puts under
// module-proxy outages. It needs four modules from the proxy: example.test/greet (which itself
// requires example.test/words), example.test/colour/v2 and example.test/clock.
package main

import (
	"fmt"
	"os"
	"time"

	"example.test/clock"
	"example.test/colour/v2"
	"example.test/greet"
)

func main() {
	start := time.Now()
	name := "outage"
	if len(os.Args) > 1 {
		name = os.Args[1]
	}
	fmt.Println(colour.Paint(greet.Hello(name), colour.Green))
	fmt.Println(clock.Took(time.Since(start)))
}
