# @summary An exec that runs only on the node that holds the cluster's virtual IP.
#
# It guards twice:
#
# * At compile time, with the `gluster_vip` fact: the exec is left out of the catalog of a node
#   whose fact says it does not hold. The fact describes the config of the previous run, so this
#   happens only when the fact's vip and mode are those that class `gluster_vip` writes now. On a
#   node's first run, or on the run that changes them, the exec stays in the catalog and the
#   apply-time check alone decides.
# * At apply time, with `onlyif`: `<binary> check --config=... --vip=... [--mode=...] ...` runs just
#   before the command, with every setting of class `gluster_vip` as a flag, and the exec runs
#   only if it exits 0. The VIP can move between fact collection and the exec. Your own `onlyif`
#   commands are added after it, and `unless`, `creates` and `refreshonly` work as for `exec`.
#
# A VIP is a lease without a fencing token: keep the command idempotent (`unless`, `creates`).
#
# The define includes class `gluster_vip`, which needs a `vip` (declare the class first or set
# `gluster_vip::vip` in Hiera), and the exec requires it, so the config is written first.
#
# @example Create a Gluster volume once, from whichever node holds the VIP
#   gluster_vip::exec { 'create volume gv0':
#     command => ['gluster', 'volume', 'create', 'gv0', 'replica', '3',
#                 'n1:/bricks/gv0', 'n2:/bricks/gv0', 'n3:/bricks/gv0'],
#     unless  => 'gluster volume info gv0',
#   }
#
# @param command
#   The command, as a string or an array (preferred). Defaults to the title.
# @param path
#   The search path for commands, as for `exec`.
# @param user
#   Run the command (and the checks) as this user.
# @param group
#   Run the command (and the checks) as this group.
# @param cwd
#   The working directory.
# @param environment
#   Extra environment variables, `NAME=value`.
# @param timeout
#   Seconds before the command (and each check) is killed; 0 for no limit.
# @param tries
#   How many times to try the command.
# @param try_sleep
#   Seconds between tries.
# @param onlyif
#   More commands that must all exit 0, after the holder check. A string is one command; an array is
#   a list of commands, each a string or an array.
# @param unless
#   Commands that, if any exits 0, stop the command (as for `exec`).
# @param creates
#   A file whose existence stops the command.
# @param refreshonly
#   Run only when notified. The holder check still applies.
# @param logoutput
#   Whether to log the command's output: `true`, `false` or `on_failure`.
# @param returns
#   The exit codes that mean success.
# @param umask
#   The umask to run with, such as `0022`.
# @param provider
#   The exec provider (`posix` or `shell`).
# @param compile_time_guard
#   Whether to leave the exec out of the catalog of a node whose fact says it does not hold. The
#   apply-time check always runs.
define gluster_vip::exec (
  Variant[String[1], Array[String[1], 1]] $command = $title,
  Variant[String, Array[String]] $path = $facts['path'],
  Optional[String[1]] $user = undef,
  Optional[String[1]] $group = undef,
  Optional[Stdlib::Absolutepath] $cwd = undef,
  Optional[Variant[String[1], Array[String[1]]]] $environment = undef,
  Optional[Integer[0]] $timeout = undef,
  Optional[Integer[1]] $tries = undef,
  Optional[Integer[0]] $try_sleep = undef,
  Optional[Variant[String[1], Array[Variant[String[1], Array[String[1], 1]]]]] $onlyif = undef,
  Optional[Variant[String[1], Array[Variant[String[1], Array[String[1], 1]]]]] $unless = undef,
  Optional[Variant[Stdlib::Absolutepath, Array[Stdlib::Absolutepath, 1]]] $creates = undef,
  Boolean $refreshonly = false,
  Variant[Boolean, Enum['on_failure']] $logoutput = 'on_failure',
  Optional[Variant[Integer, Array[Integer, 1]]] $returns = undef,
  Optional[Pattern[/\A[0-7]{3,4}\z/]] $umask = undef,
  Optional[Enum['posix', 'shell']] $provider = undef,
  Boolean $compile_time_guard = true,
) {
  include gluster_vip

  $known_not_holder = ($facts.dig('gluster_vip', 'holder') == false
    and gluster_vip::fact_describes($gluster_vip::settings))

  unless $compile_time_guard and $known_not_holder {
    $check = [gluster_vip::command(), 'check'] + $gluster_vip::check_flags
    $more_onlyif = $onlyif ? {
      undef   => [],
      String  => [$onlyif],
      default => $onlyif,
    }

    exec { $title:
      command     => $command,
      path        => $path,
      user        => $user,
      group       => $group,
      cwd         => $cwd,
      environment => $environment,
      timeout     => $timeout,
      tries       => $tries,
      try_sleep   => $try_sleep,
      onlyif      => [$check] + $more_onlyif,
      unless      => $unless,
      creates     => $creates,
      refreshonly => $refreshonly,
      logoutput   => $logoutput,
      returns     => $returns,
      umask       => $umask,
      provider    => $provider,
      require     => Class['gluster_vip'],
    }
  }
}
