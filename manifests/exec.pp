# @summary An exec that runs only on the node that holds the cluster's virtual IP.
#
# It guards three times:
#
# * At compile time, with the `gluster_vip` fact: the exec is left out of the catalog of a node
#   whose fact says it does not hold. The fact describes the config of the previous run, so this
#   happens only when the fact's vip and mode are those that class `gluster_vip` writes now. On a
#   node's first run, or on the run that changes them, the exec stays in the catalog and the
#   apply-time checks alone decide.
# * At apply time, with `onlyif`: `<binary> check --config=... --vip=... [--mode=...] ...` is the
#   LAST of the exec's checks (after `creates`, `unless` and your own `onlyif`, which Puppet runs
#   first), with every setting of class `gluster_vip` as a flag. A node that does not hold skips
#   the exec quietly, as any exec whose `onlyif` fails.
# * When the command starts: the exec's command is `<binary> run <the same flags> -- <command>`.
#   `run` decides again, through the same code as `check`, and only on "run" replaces itself with
#   the command (execve: no shell, no window between the decision and the command). So each of
#   `tries` decides afresh, and so does `refresh`. When it decides not to run, it exits 124.
#
# The exec Puppet sees always has the `posix` provider and array commands: Puppet's `shell`
# provider would flatten an array `onlyif` into one `sh -c` string and break the check. The
# `provider` parameter chooses how *your* commands are run (see `provider` below).
#
# Exit codes, from Puppet's view: `run` exits 124 when it did not run the command (not the
# holder), 125 on an error (bad config, observation error), 126 when the command can't be
# executed, 127 when it is not found; otherwise the command's own status. A command that itself
# exits 124-127 can only be told apart by `run`'s stderr line; `returns` may not list them.
#
# The remaining windows of the guard:
#
# * A VIP is a lease without an epoch and there is no fencing token: the decision is taken when
#   the command starts, and a command that runs on while the VIP moves keeps running, while the
#   new holder may start its own. Keep commands idempotent at the resource (`unless`, `creates`).
# * Two nodes can both hold the VIP (a `kill -9` of keepalived, a silent partition). The settle
#   time, the conflict probe, quorum (`peers`) and keepalived liveness narrow this; without them,
#   both run.
# * The compile-time guard trusts facts collected when the run started; it only ever removes the
#   exec, and the two apply-time decisions still run on every node that has it.
# * `creates`, `unless` and your own `onlyif` run on every node that has the exec, before the
#   holder check: keep them free of side effects.
# * `refreshonly => true`: a refresh event that reaches the node while it does not hold runs
#   nothing, and Puppet does not replay it (see `refreshonly`).
# * Puppet ignores the exit status of a `refresh` command: a refresh that `run` refused (124) is
#   not reported as a failure.
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
# @example A command with a secret, redacted in Puppet's logs and reports
#   gluster_vip::exec { 'set the volume password':
#     command => Sensitive(['gluster', 'volume', 'set', 'gv0', 'auth.ssl-allow', $secret]),
#   }
#
# @param command
#   The command, as a string, an array (preferred), or either wrapped in `Sensitive`. Defaults to
#   the title. It runs as `<binary> run <flags> -- <command>`: an array runs as it is (looked up
#   in `path` when it has no slash); a string runs as `/bin/sh -c STRING`. A `Sensitive` command
#   keeps the exec's whole command `Sensitive`, so Puppet redacts it (and the output) in logs.
# @param refresh
#   A command to run instead of `command` on a refresh event, as for `exec`; also wrapped in
#   `run`, so it too runs only if the node holds at that moment. Puppet ignores its exit status.
# @param path
#   The search path for commands, as for `exec`.
# @param user
#   Run the command (and the checks, and the binary) as this user. The probes (class
#   `gluster_vip`'s `probe`, on by default) need root: a user other than root is refused at
#   compile time unless `probe => '0s'`. Otherwise run as root and drop privileges in the command
#   (`['runuser', '-u', 'app', '--', ...]`, `['setpriv', '--reuid=app', '--regid=app',
#   '--init-groups', ...]`). The user must be able to execute the binary (the fact's `command`,
#   under Puppet's vardir on agents, whose directories may not be open to other users): a
#   companion exec, `gluster_vip::exec[<title>]: user <user> can execute gluster-vip`, runs
#   `<binary> version` as the user first, and fails loudly when it can't (the guarded exec is then
#   skipped as a failed dependency); otherwise the holder check would fail like a non-holder's,
#   and the exec would be skipped without a word.
# @param group
#   Run the command (and the checks) as this group.
# @param cwd
#   The working directory.
# @param environment
#   Extra environment variables, `NAME=value`. The binary gets them too; its config comes from
#   the `--config` flag, which beats `GLUSTER_VIP_CONFIG`.
# @param timeout
#   Seconds (an Integer or a Float) before the command, and each check, is killed; 0 for no limit.
#   It applies to each try.
# @param tries
#   How many times to try the command. Each try is a new `run`, which decides again: a node that
#   lost the VIP after a failed try runs no further try (those tries exit 124).
# @param try_sleep
#   Seconds (an Integer or a Float) between tries.
# @param onlyif
#   More commands that must all exit 0. They run before the holder check, which is the last
#   check. A string is one command; an array is a list of commands, each a string or an array.
#   Under `provider => 'shell'` each runs through `/bin/sh -c`, as Puppet's shell provider does.
# @param unless
#   Commands that, if any exits 0, stop the command (as for `exec`); they run before the holder
#   check. Under `provider => 'shell'` each runs through `/bin/sh -c`.
# @param creates
#   A file whose existence stops the command.
# @param refreshonly
#   Run only when notified. The holder checks still apply, so a refresh event that reaches a node
#   that does not hold at that moment runs nothing anywhere: the event is not replayed on the
#   next run, nor on the node that holds. Compiling with `refreshonly => true` logs a warning;
#   prefer a command that runs every time and is kept idempotent by `unless` or `creates`.
# @param logoutput
#   Whether to log the command's output: `true`, `false` or `on_failure`.
# @param returns
#   The exit codes that mean success. 124-127 are refused at compile time: they are `run`'s own
#   "did not run" codes, so a node that did not run the command would report success.
# @param umask
#   The umask to run with, such as `0022`.
# @param provider
#   How your commands run, not the exec's provider (which is always `posix`). `posix` (the
#   default): an array runs as it is, a string through `/bin/sh -c`, and your `onlyif`/`unless`
#   run as Puppet's posix provider runs them. `shell`: the command, `refresh`, `onlyif` and
#   `unless` run through `/bin/sh -c` as Puppet's shell provider runs them (a string is the script;
#   for an array, the first element is the script and the rest `$0 $1 ...`).
# @param compile_time_guard
#   Whether to leave the exec out of the catalog of a node whose fact says it does not hold. The
#   apply-time checks always run.
define gluster_vip::exec (
  Variant[String[1], Array[String[1], 1], Sensitive[Variant[String[1], Array[String[1], 1]]]] $command = $title,
  Optional[Variant[String[1], Array[String[1], 1], Sensitive[Variant[String[1], Array[String[1], 1]]]]] $refresh = undef,
  Variant[String, Array[String]] $path = $facts['path'],
  Optional[String[1]] $user = undef,
  Optional[String[1]] $group = undef,
  Optional[Stdlib::Absolutepath] $cwd = undef,
  Optional[Variant[String[1], Array[String[1]]]] $environment = undef,
  Optional[Variant[Integer[0], Float[0]]] $timeout = undef,
  Optional[Integer[1]] $tries = undef,
  Optional[Variant[Integer[0], Float[0]]] $try_sleep = undef,
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

  $shell = $provider == 'shell'

  # Refused before anything else, on every node alike, whatever the fact says.
  $returns_list = $returns ? {
    undef   => [],
    Integer => [$returns],
    default => $returns,
  }
  $reserved = $returns_list.filter |$code| { $code >= 124 and $code <= 127 }
  unless $reserved.empty {
    fail(@("MSG"/L))
      gluster_vip::exec[${title}]: returns ${reserved} includes exit codes 124-127, which `gluster-vip run` \
      uses for "did not run" (124 not the holder, 125 error, 126 cannot execute, 127 not found): a node \
      that did not run the command would report success. Leave them out of returns
      | MSG
  }

  if $user =~ NotUndef and !($user in ['root', '0']) and $gluster_vip::backend == 'etcd' {
    fail(@("MSG"/L))
      gluster_vip::exec[${title}]: user => '${user}' can never pass the holder check: under backend etcd \
      it asks gluster-vip-elect on a socket only root may use. Leave user unset and drop privileges in \
      the command, e.g. command => ['runuser', '-u', '${user}', '--', ...] or ['setpriv', \
      '--reuid=${user}', '--regid=${user}', '--init-groups', ...]
      | MSG
  }
  if $user =~ NotUndef and !($user in ['root', '0']) and gluster_vip::probes_on($gluster_vip::settings) {
    $probe = pick($gluster_vip::settings['probe'], 'unset: the binary default 200ms')
    fail(@("MSG"/L))
      gluster_vip::exec[${title}]: user => '${user}' can never pass the holder check: the conflict and \
      quorum probes of class gluster_vip (probe ${probe}) need root. Either set probe => '0s' on class \
      gluster_vip, or leave user unset and drop privileges in the command, e.g. command => ['runuser', \
      '-u', '${user}', '--', ...] or ['setpriv', '--reuid=${user}', '--regid=${user}', '--init-groups', ...]
      | MSG
  }

  if $refreshonly {
    warning(@("MSG"/L))
      gluster_vip::exec[${title}]: refreshonly => true: a refresh event that reaches this node while it \
      does not hold the VIP runs nothing, on any node, and is not replayed. Prefer a command that runs \
      every time, made idempotent with unless or creates
      | MSG
  }

  $known_not_holder = ($facts.dig('gluster_vip', 'holder') == false
    and gluster_vip::fact_describes($gluster_vip::settings))

  unless $compile_time_guard and $known_not_holder {
    $binary = gluster_vip::command()
    $check = [$binary, 'check'] + $gluster_vip::check_flags
    $run = [$binary, 'run'] + $gluster_vip::check_flags + ['--']

    $plain_command = $command ? {
      Sensitive => $command.unwrap,
      default   => $command,
    }
    $run_command = $run + gluster_vip::argv($plain_command, $shell)

    $run_refresh = $refresh ? {
      undef     => undef,
      Sensitive => Sensitive($run + gluster_vip::argv($refresh.unwrap, $shell)),
      default   => $run + gluster_vip::argv($refresh, $shell),
    }

    # The user's checks, as lists of commands; under shell, each through /bin/sh -c.
    $user_onlyif = $onlyif ? {
      undef   => [],
      String  => [$onlyif],
      default => $onlyif,
    }
    $user_unless = $unless ? {
      undef   => undef,
      String  => [$unless],
      default => $unless,
    }
    $own_onlyif = $shell ? {
      true    => $user_onlyif.map |$c| { gluster_vip::argv($c, true) },
      default => $user_onlyif,
    }
    $own_unless = ($shell and $user_unless =~ NotUndef) ? {
      true    => $user_unless.map |$c| { gluster_vip::argv($c, true) },
      default => $unless,
    }

    $exec_command = $command ? {
      Sensitive => Sensitive($run_command),
      default   => $run_command,
    }

    # A user that can't execute the binary would fail the holder check like a node that does not
    # hold: the exec would be skipped without a word. This exec says so, loudly, and the guarded
    # exec depends on it.
    if $user =~ NotUndef and !($user in ['root', '0']) {
      $can_run = "gluster_vip::exec[${title}]: user ${user} can execute gluster-vip"
      $cannot = @(SH/L)
        echo "$1 cannot execute $2: the holder check cannot run as $1; make the binary and its \
        directories executable for $1, or run as root and drop privileges in the command \
        (runuser, setpriv)" >&2; exit 1
        | SH
      exec { $can_run:
        command   => ['/bin/sh', '-c', $cannot, 'sh', $user, $binary],
        unless    => [[$binary, 'version']],
        path      => $path,
        user      => $user,
        group     => $group,
        logoutput => true,
        provider  => 'posix',
        require   => Class['gluster_vip'],
        before    => Exec[$title],
      }
    }

    exec { $title:
      command     => $exec_command,
      refresh     => $run_refresh,
      path        => $path,
      user        => $user,
      group       => $group,
      cwd         => $cwd,
      environment => $environment,
      timeout     => $timeout,
      tries       => $tries,
      try_sleep   => $try_sleep,
      # The holder check last: Puppet runs creates, unless, then onlyif in order.
      onlyif      => $own_onlyif + [$check],
      unless      => $own_unless,
      creates     => $creates,
      refreshonly => $refreshonly,
      logoutput   => $logoutput,
      returns     => $returns,
      umask       => $umask,
      provider    => 'posix',
      require     => Class['gluster_vip'],
    }
  }
}
