package main

import (
	"fmt"

	log "github.com/acme/log"
	log2 "github.com/acme/log/v2"
	util "github.com/acme/util"
	term "github.com/charm/x/term"
	errors "github.com/pkg/errors"
	zap "go.uber.org/zap"
	exp "golang.org/x/exp"
	unix "golang.org/x/sys/unix"
	text "golang.org/x/text"
	yaml "gopkg.in/yaml.v3"
	syntax "mvdan.cc/sh/v3/syntax"
)

func main() { fmt.Println(log.Name, log2.Name, util.Name, term.Name, errors.Name, zap.Name, exp.Name, unix.Name, text.Name, yaml.Name, syntax.Name) }
