# @summary The VRRP priority of one node, derived from its place in the sorted list of the cluster's nodes.
#
# The nodes are sorted as strings, so every node computes the same order from the same list,
# whatever order it was written in. The first node gets `base`, the next `base - step`, and so on:
# no two nodes share a priority, so VRRP elections never tie.
#
# @example
#   gluster_vip::priority(['n3', 'n1', 'n2'], 'n2') # => 190
#
# @param nodes
#   Every node of the cluster (names or addresses), each once.
# @param node
#   This node, as it is spelled in `nodes`.
# @param base
#   The priority of the first node.
# @param step
#   How much lower each following node is.
# @return [Integer[1, 254]] the priority of `node`.
function gluster_vip::priority(
  Array[String[1], 1] $nodes,
  String[1] $node,
  Integer[1, 254] $base = 200,
  Integer[1, 253] $step = 10,
) >> Integer[1, 254] {
  if $nodes.unique.length != $nodes.length {
    fail("gluster_vip::priority: nodes ${nodes} list a node more than once")
  }
  # Checked for the whole list, so every node fails alike, not only the last ones.
  if $base - ($nodes.length - 1) * $step < 1 {
    fail("gluster_vip::priority: ${nodes.length} nodes do not fit below base ${base} with step ${step}")
  }
  $position = $nodes.sort.index |$n| { $n == $node }
  if $position =~ Undef {
    fail("gluster_vip::priority: node '${node}' is not in nodes ${nodes.sort}")
  }
  $base - $position * $step
}
