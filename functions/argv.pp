# @summary The argument vector that `gluster-vip run` execs for a command of `gluster_vip::exec`.
#
# `run` never involves a shell, so a command is turned into an argument vector here, once, at
# compile time:
#
# * a String runs through `/bin/sh -c STRING`, whatever the provider: Puppet's `posix` provider
#   runs a string with a shell too, as soon as it has a shell metacharacter;
# * an Array runs as it is (`posix`), looked up in `PATH` when it has no slash;
# * under `shell`, an Array runs as Puppet's `shell` provider runs it:
#   `/bin/sh -c FIRST REST...`, the first element being the script and the others `$0 $1 ...`.
#
# @api private
#
# @example
#   gluster_vip::argv('gluster volume info gv0 >/dev/null', false)
#   # => ['/bin/sh', '-c', 'gluster volume info gv0 >/dev/null']
#
# @param command
#   The command, as given to `gluster_vip::exec`.
# @param shell
#   Whether the exec has `provider => 'shell'`.
# @return [Array[String[1], 1]] the program and its arguments.
function gluster_vip::argv(
  Variant[String[1], Array[String[1], 1]] $command,
  Boolean $shell = false,
) >> Array[String[1], 1] {
  $command ? {
    String  => ['/bin/sh', '-c', $command],
    default => $shell ? {
      true    => ['/bin/sh', '-c'] + $command,
      default => $command,
    },
  }
}
