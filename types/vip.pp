# @summary The cluster's virtual IP: a bare IPv4 or IPv6 address, or `''` for mode all.
#
# `''` means "no lock": every node runs every guarded operation.
# Prefixes (`/24`) are refused; keepalived's prefix is set in `gluster_vip::keepalived`.
#
# @example
#   Gluster_vip::Vip $vip = '203.0.113.10'
type Gluster_vip::Vip = Variant[Stdlib::IP::Address::Nosubnet, Enum['']]
