module github.com/ftpkit/hostport

go 1.24
