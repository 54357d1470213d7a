//go:build !linux

package main

import "errors"

// newKernelMapper fails: the kernel data path needs Linux's nftables.
func newKernelMapper(name string) (Mapper, error) {
	return nil, errors.New("the kernel data path needs Linux and nftables")
}
