# @summary Whether the `gluster_vip` fact says "holder" after every check that the given settings ask for.
#
# `gluster_vip::fact_describes` compares the vip and mode. A fact computed with a looser config
# (a shorter settle, no probe, no peers, no keepalived pidfile, another interface) can say "holder"
# where this catalog's settings would not; this tells, from the fact's own `checks`, `held_for`,
# `interface` and `quorum`, whether it was decided at least as strictly as `settings` ask:
#
# * `interface`: the VIP was found on that interface;
# * `settle`: `held_for` is at least the settle time (unset: the binary's default applied to both);
# * the probes on (`probe` unset or non-zero): the fact's `conflict` check passed;
# * `peers`: its `quorum` check passed, over as many peers;
# * `keepalived_pidfile`: its `keepalived` check passed.
#
# Under backend etcd: the fact is of backend etcd, for `node_name` when set, and `held_for` is at
# least `settle`. In mode `all` (`vip => ''`) nothing is checked but the mode. A fact without these fields (an older
# binary) does not pass a check it cannot show.
#
# @api private
#
# @example
#   gluster_vip::fact_holds($gluster_vip::settings)
#
# @param settings
#   The settings this catalog writes (`$gluster_vip::settings`).
# @return [Boolean] true when the fact's holder is the Boolean true and it shows every check.
function gluster_vip::fact_holds(Hash[String[1], String] $settings) >> Boolean {
  $fact = $facts['gluster_vip']
  if $fact =~ Hash and $fact['holder'] =~ Boolean and $fact['holder'] {
    if $settings['vip'] == '' {
      true
    } elsif $settings['backend'] == 'etcd' {
      # The daemon's leadership, its lease and the linearizable read are the binary's checks; the
      # catalog can only ask for a longer settle, or another node name.
      ($fact['backend'] == 'etcd'
        and ($settings['node_name'] =~ Undef or $fact['node_name'] == $settings['node_name'])
        and ($settings['settle'] =~ Undef or gluster_vip::seconds($settings['settle']) == 0.0
          or ($fact['held_for'] =~ Numeric and $fact['held_for'] >= gluster_vip::seconds($settings['settle']))))
    } else {
      $checks = $fact['checks'] ? {
        Array   => $fact['checks'].filter |$c| { $c =~ Hash and $c['ok'] == true }.map |$c| { $c['name'] },
        default => [],
      }
      $interface = $settings['interface'] ? {
        undef   => true,
        default => $fact['interface'] == $settings['interface'],
      }
      $settle = $settings['settle'] ? {
        undef   => true,
        default => (gluster_vip::seconds($settings['settle']) == 0.0
          or ($fact['held_for'] =~ Numeric and $fact['held_for'] >= gluster_vip::seconds($settings['settle']))),
      }
      $probe = !gluster_vip::probes_on($settings) or 'conflict' in $checks
      $quorum = $settings['peers'] ? {
        undef   => true,
        default => 'quorum' in $checks and $fact.dig('quorum', 'peers') == $settings['peers'].split(',').length,
      }
      $keepalived = $settings['keepalived_pidfile'] ? {
        undef   => true,
        default => 'keepalived' in $checks,
      }
      $interface and $settle and $probe and $quorum and $keepalived
    }
  } else {
    false
  }
}
