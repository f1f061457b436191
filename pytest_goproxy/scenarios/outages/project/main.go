// Command outage-demo is the bundled example: the default project of `pytest-goproxy matrix`,
// of the goproxy_matrix_project fixture and of the bundled outage scenarios. It needs four
// public modules: example.test/greet (which itself requires example.test/words),
// example.test/colour/v2 and example.test/clock, and one private module, corp.example/vault,
// whose import was just added: go.mod and go.sum do not name it yet, so `go mod tidy` must
// find it, fetch it and verify it (where GOPRIVATE, GONOPROXY and GONOSUMDB matter). It
// requires greet v1.1.0 although v1.2.0 exists, so `go get example.test/greet@latest` has a newer version to find (the
// stale_version_list scenario hides it). go.mod and go.sum are written by
// scripts/regenerate_example.py; scenarios about the checksum database use a generated project
// without go.sum instead.
package main

import (
	"fmt"
	"os"
	"time"

	"corp.example/vault"
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
	fmt.Println(vault.Motto())
	fmt.Println(clock.Took(time.Since(start)))
}
