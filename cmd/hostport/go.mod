module github.com/ftpkit/hostport/cmd/hostport

go 1.24

require (
	github.com/ftpkit/hostport v0.0.0-00010101000000-000000000000
	github.com/gopacket/gopacket v1.4.0
	github.com/rogpeppe/go-internal v1.14.1
	github.com/stretchr/testify v1.12.1
	pgregory.net/rapid v1.3.0
)

require (
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/net v0.39.0 // indirect
	golang.org/x/sys v0.32.0 // indirect
	golang.org/x/tools v0.26.0 // indirect
)
