// Package rtnl reads this node's links and addresses over rtnetlink: the
// request and dump loop, the parsing of link and address messages, the
// single-address lookup and the kernel clock that address ages are read
// against.
//
// The loop that reads the socket sits behind Conn, so that a fake
// connection drives its every branch without root: an interrupted dump
// (NLM_F_DUMP_INTR) is taken again, an NLMSG_DONE carrying a negative
// errno is the kernel aborting the dump and an error (not the end of a
// complete list), a truncated datagram is an error, and replies of other
// requests or other senders are skipped. The kernel tests of package main
// prove the real socket.
//
// It is Linux only; elsewhere the package is empty.
package rtnl
