module example.test/realworld

go 1.22

require (
	github.com/acme/log v1.3.0
	github.com/acme/log/v2 v2.1.0
	github.com/acme/util v0.3.1-0.20240101000100-9f2a48f4e294
	github.com/charm/x/term v0.1.0
	github.com/pkg/errors v0.9.1
	go.uber.org/zap v1.27.0
	golang.org/x/exp v0.0.0-20240101000000-fd732c0fed24
	golang.org/x/sys v0.30.0
	golang.org/x/text v0.22.0
	gopkg.in/yaml.v3 v3.0.1
	mvdan.cc/sh/v3 v3.8.0
)

require (
	github.com/charm/x/ansi v0.2.0 // indirect
	go.uber.org/multierr v1.11.0 // indirect
)
