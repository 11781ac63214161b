# @summary Writes the gluster_vip fact as Prometheus metrics into node_exporter's textfile directory, on a timer.
#
# See the `metrics*` parameters of class `gluster_vip`.
#
# @api private
class gluster_vip::metrics {
  assert_private()

  $script = $gluster_vip::metrics_script
  # The script's path goes unquoted into a cron line or a systemd ExecStart, where spaces, `%`
  # and `$` have meanings of their own.
  unless $script =~ Pattern[/\A[A-Za-z0-9_.\/+-]+\z/] {
    fail("gluster_vip: metrics_script '${script}' must be a path of letters, digits and _ . / + - only (cron and systemd read it)")
  }

  file { $script:
    ensure  => file,
    owner   => 'root',
    group   => 'root',
    mode    => '0755',
    content => epp('gluster_vip/gluster-vip-textfile.sh.epp', {
        'command'     => pick($gluster_vip::metrics_command, gluster_vip::command()),
        'config_file' => $gluster_vip::config_file,
        'metrics_dir' => $gluster_vip::metrics_dir,
    }),
    require => File[$gluster_vip::config_file],
  }

  if $gluster_vip::metrics == 'cron' {
    file { $gluster_vip::metrics_cron_file:
      ensure  => file,
      owner   => 'root',
      group   => 'root',
      mode    => '0644',
      content => "# Managed by Puppet (class gluster_vip). Local changes will be overwritten.\n* * * * * root ${script}\n",
      require => File[$script],
    }
  } else {
    $unit = "${gluster_vip::metrics_unit_dir}/gluster-vip-metrics"
    $units = {
      "${unit}.service" => @("UNIT"),
        # Managed by Puppet (class gluster_vip). Local changes will be overwritten.
        [Unit]
        Description=Write gluster-vip metrics for node_exporter's textfile collector

        [Service]
        Type=oneshot
        ExecStart=${script}
        | UNIT
      "${unit}.timer"   => @("UNIT"),
        # Managed by Puppet (class gluster_vip). Local changes will be overwritten.
        [Unit]
        Description=Write gluster-vip metrics every ${gluster_vip::metrics_interval}

        [Timer]
        OnBootSec=10s
        OnUnitActiveSec=${gluster_vip::metrics_interval}
        AccuracySec=1s

        [Install]
        WantedBy=timers.target
        | UNIT
    }
    $units.each |$path, $content| {
      file { $path:
        ensure  => file,
        owner   => 'root',
        group   => 'root',
        mode    => '0644',
        content => $content,
      }
    }
    # Puppet's systemd provider runs `systemctl daemon-reload` when a unit file changed.
    service { 'gluster-vip-metrics.timer':
      ensure    => running,
      enable    => true,
      subscribe => File["${unit}.service", "${unit}.timer", $script],
    }
  }
}
