// Command outage-demo is the bundled example: the default project of `pytest-goproxy matrix`,
// of the goproxy_matrix_project fixture and of the bundled outage scenarios. It needs four
// modules from the proxy: example.test/greet (which itself requires example.test/words),
// example.test/colour/v2 and example.test/clock. It requires greet v1.1.0 although v1.2.0
// exists, so `go get example.test/greet@latest` has a newer version to find (the
// stale_version_list scenario hides it). go.mod and go.sum are written by
// scripts/regenerate_example.py; scenarios about the checksum database use a generated project
// without go.sum instead.
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
