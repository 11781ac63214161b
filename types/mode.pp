# @summary How a node decides that it holds the lock.
#
# * `vip`: the VIP floats (keepalived); the node that has it on an up interface holds.
# * `master`: the VIP is one node's own fixed address; that node is the static master.
# * `all`: no lock; every node holds. Needs an empty VIP.
#
# Leave `mode` unset to let the binary infer `vip` or `master`.
type Gluster_vip::Mode = Enum['vip', 'master', 'all']
