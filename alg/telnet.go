package alg

// Telnet bytes (RFC 854) that FTP clients send on the control connection.
const (
	iac  = 0xff // interpret as command
	dont = 0xfe
	do   = 0xfd
	wont = 0xfc
	will = 0xfb
	tIP  = 0xf4 // interrupt process, sent before ABOR
	tDM  = 0xf2 // data mark, sent before ABOR
)

// appendTelnet appends to dst the command body as an FTP server reads it
// after its Telnet layer (ProFTPD's pr_netio_telnet_gets2, RFC 854): IAC IAC
// is one 0xFF byte, and IAC WILL, WONT, DO or DONT with their option byte and
// IAC IP and IAC DM are dropped. It reports false for any other Telnet
// sequence — IAC followed by another byte, or IAC or an option negotiation
// cut off at the end of the line — which servers read in different ways
// (ProFTPD keeps the bytes, others drop or act on them), so that the command
// a server would see cannot be known.
func appendTelnet(dst, body []byte) ([]byte, bool) {
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c != iac {
			dst = append(dst, c)
			continue
		}
		if i+1 >= len(body) {
			return dst, false
		}
		i++
		switch body[i] {
		case iac:
			dst = append(dst, iac)
		case will, wont, do, dont:
			if i+1 >= len(body) {
				return dst, false
			}
			i++
		case tIP, tDM:
		default:
			return dst, false
		}
	}
	return dst, true
}
