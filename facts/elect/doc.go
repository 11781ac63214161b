// Package elect is what the fact and gluster-vip-elect share about backend
// etcd: the answer the daemon gives on its unix socket, and how the fact
// asks for it. It does not link the etcd client: the fact that Facter runs
// on every node stays as small as the VRRP path needs.
//
// The protocol is one line each way. The client writes "confirm\n"; the
// daemon does a linearizable read of its leader key, then answers one JSON
// Answer and a newline, and closes. A dead daemon refuses the connection
// at once; a hung one runs into the client's time bound.
package elect
