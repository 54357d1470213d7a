module github.com/ftpkit/hostport/examples/natproxy

go 1.24

require (
	github.com/ftpkit/hostport v0.0.0-00010101000000-000000000000
	github.com/google/nftables v0.3.0
	github.com/stretchr/testify v1.12.1
)

require (
	github.com/google/go-cmp v0.6.0 // indirect
	github.com/mdlayher/netlink v1.7.3-0.20250113171957-fbb4dce95f42 // indirect
	github.com/mdlayher/socket v0.5.0 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/net v0.33.0 // indirect
	golang.org/x/sync v0.6.0 // indirect
	golang.org/x/sys v0.28.0 // indirect
)
