package hostport

import "strconv"

// appendHostPort appends the six numbers of hp, separated by commas.
func appendHostPort(b []byte, hp HostPort) []byte {
	b = appendByte(b, hp[0])
	for _, v := range hp[1:] {
		b = appendByte(append(b, ','), v)
	}
	return b
}

// appendByte appends v in decimal without leading zeros.
func appendByte(b []byte, v byte) []byte {
	switch {
	case v >= 100:
		return append(b, '0'+v/100, '0'+v/10%10, '0'+v%10)
	case v >= 10:
		return append(b, '0'+v/10, '0'+v%10)
	default:
		return append(b, '0'+v)
	}
}

// appendPort appends port in decimal.
func appendPort(b []byte, port uint16) []byte {
	return strconv.AppendUint(b, uint64(port), 10)
}
