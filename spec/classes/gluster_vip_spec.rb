# frozen_string_literal: true

require 'spec_helper'

describe 'gluster_vip' do
  let(:config) { '/etc/gluster-vip/gluster-vip.conf' }

  context 'with a floating VIP' do
    let(:params) { { vip: '203.0.113.10' } }

    it { is_expected.to compile.with_all_deps }

    it 'writes the config as root, mode 0644' do
      is_expected.to contain_file(config).with(ensure: 'file', owner: 'root', group: 'root', mode: '0644')
    end

    it 'manages the root-owned config directory' do
      is_expected.to contain_file('/etc/gluster-vip').with(ensure: 'directory', owner: 'root', group: 'root', mode: '0755')
    end

    it 'writes only the vip, so the binary infers the mode and uses its defaults' do
      lines = catalogue.resource('File', config)[:content].lines.reject { |l| l.start_with?('#') }
      expect(lines).to eq(["vip = 203.0.113.10\n"])
    end

    it 'says who manages the file' do
      is_expected.to contain_file(config).with_content(%r{\A# Managed by Puppet \(class gluster_vip\)})
    end
  end

  context 'with every setting' do
    let(:params) do
      {
        vip: '203.0.113.10', mode: 'vip', interface: 'eth0', settle: '1m30s',
        peers: ['198.51.100.1', '198.51.100.2', '198.51.100.3'], probe: '300ms',
        keepalived_pidfile: '/run/keepalived.pid'
      }
    end

    it 'writes every key once, in the binary order' do
      lines = catalogue.resource('File', config)[:content].lines.reject { |l| l.start_with?('#') }
      expect(lines).to eq([
                            "vip = 203.0.113.10\n", "mode = vip\n", "interface = eth0\n", "settle = 1m30s\n",
                            "peers = 198.51.100.1,198.51.100.2,198.51.100.3\n", "probe = 300ms\n",
                            "keepalived_pidfile = /run/keepalived.pid\n",
                          ])
    end
  end

  context 'with an IPv6 VIP' do
    let(:params) { { vip: '2001:db8::10', settle: '0s' } }

    it { is_expected.to contain_file(config).with_content(%r{^vip = 2001:db8::10$}) }
    it { is_expected.to contain_file(config).with_content(%r{^settle = 0s$}) }
  end

  context 'with vip => "" (mode all)' do
    let(:params) { { vip: '' } }

    it { is_expected.to compile.with_all_deps }
    it('keeps the empty vip in the file: it configures the node') { is_expected.to contain_file(config).with_content(%r{^vip = $}) }

    context 'and mode => all' do
      let(:params) { { vip: '', mode: 'all' } }

      it { is_expected.to contain_file(config).with_content(%r{^mode = all$}) }
    end
  end

  context 'with master mode' do
    let(:params) { { vip: '198.51.100.1', mode: 'master' } }

    it { is_expected.to contain_file(config).with_content(%r{^mode = master$}) }
  end

  context 'with another config file' do
    let(:params) { { vip: '203.0.113.10', config_file: '/srv/node1/gluster-vip.conf' } }

    it { is_expected.to contain_file('/srv/node1/gluster-vip.conf').with_content(%r{^vip = 203\.0\.113\.10$}) }
    it { is_expected.to contain_file('/srv/node1').with_ensure('directory') }
    it { is_expected.not_to contain_file('/etc/gluster-vip') }
  end

  context 'with gluster_vip::keepalived writing to the same directory first' do
    let(:pre_condition) do
      "class { 'gluster_vip::keepalived': vip => '203.0.113.10', nodes => ['n1'], node_name => 'n1', config_file => '/srv/n1/keepalived.conf' }"
    end
    let(:params) { { vip: '203.0.113.10', config_file: '/srv/n1/gluster-vip.conf' } }

    it('shares the directory without a duplicate declaration') { is_expected.to compile.with_all_deps }
    it('turns the keepalived liveness check on') { is_expected.to contain_file('/srv/n1/gluster-vip.conf').with_content(%r{^keepalived_pidfile = /run/keepalived\.pid$}) }
  end

  context 'with gluster_vip::keepalived declared first, with the harness pidfile and no service' do
    let(:pre_condition) do
      "class { 'gluster_vip::keepalived': vip => '203.0.113.10', nodes => ['n1'], node_name => 'n1', manage_service => false, pidfile => '/srv/n1/ka.pid' }"
    end
    let(:params) { { vip: '203.0.113.10' } }
    let(:facts) { gluster_vip_fact('holder' => true) }
    let(:post_condition) { "gluster_vip::exec { 'x': command => ['/bin/true'] }" }

    it { is_expected.to contain_file(config).with_content(%r{^keepalived_pidfile = /srv/n1/ka\.pid$}) }
    it('passes it to the apply-time check') { is_expected.to contain_exec('x').with_onlyif([[gluster_vip_fact['gluster_vip']['command'], 'check', "--config=#{config}", '--vip=203.0.113.10', '--keepalived_pidfile=/srv/n1/ka.pid']]) }
  end

  context 'with manage_config_dir => false' do
    let(:params) { { vip: '203.0.113.10', manage_config_dir: false } }

    it { is_expected.not_to contain_file('/etc/gluster-vip') }
    it { is_expected.to contain_file(config) }
  end

  context 'without a vip' do
    it { is_expected.to compile.and_raise_error(%r{gluster_vip: backend vrrp needs a vip}) }
  end

  {
    '203.0.113.999' => 'not an address',
    '203.0.113.10/24' => 'a prefix',
    '2001:db8::/64' => 'an IPv6 prefix',
    'vip.example.test' => 'a name',
    ' 203.0.113.10' => 'padded',
  }.each do |bad, what|
    context "with vip => #{bad.inspect} (#{what})" do
      let(:params) { { vip: bad } }

      it 'fails and names the value' do
        is_expected.to compile.and_raise_error(%r{vip '#{Regexp.escape(bad)}' is not a bare IPv4 or IPv6 address})
      end
    end
  end

  context 'with mode vip and an empty vip' do
    let(:params) { { vip: '', mode: 'vip' } }

    it { is_expected.to compile.and_raise_error(%r{mode vip needs a vip, but vip is ''}) }
  end

  context 'with mode master and an empty vip' do
    let(:params) { { vip: '', mode: 'master' } }

    it { is_expected.to compile.and_raise_error(%r{mode master needs a vip}) }
  end

  context 'with mode all and a vip' do
    let(:params) { { vip: '203.0.113.10', mode: 'all' } }

    it { is_expected.to compile.and_raise_error(%r{mode all needs vip => '', but vip is '203\.0\.113\.10'}) }
  end

  context 'with a settle that is not a Go duration' do
    let(:params) { { vip: '203.0.113.10', settle: '5 seconds' } }

    it { is_expected.to compile.and_raise_error(%r{settle}) }
  end

  context 'with an interface that contains a slash' do
    let(:params) { { vip: '203.0.113.10', interface: 'eth0/1' } }

    it { is_expected.to compile.and_raise_error(%r{interface}) }
  end

  context 'with a peer that is a prefix' do
    let(:params) { { vip: '203.0.113.10', peers: ['198.51.100.0/24'] } }

    it { is_expected.to compile.and_raise_error(%r{peers}) }
  end

  ['0s', '0', '0ms', '0h0m0s'].each do |zero|
    context "with peers and probe => '#{zero}'" do
      let(:params) { { vip: '203.0.113.10', peers: ['198.51.100.1', '198.51.100.2'], probe: zero } }

      it { is_expected.to compile.and_raise_error(%r{peers need the probe for quorum, but probe is '#{zero}'}) }
    end
  end

  context 'with probe => 0s and no peers' do
    let(:params) { { vip: '203.0.113.10', probe: '0s' } }

    it { is_expected.to compile.with_all_deps }
  end

  context 'with a relative keepalived_pidfile' do
    let(:params) { { vip: '203.0.113.10', keepalived_pidfile: 'run/keepalived.pid' } }

    it { is_expected.to compile.and_raise_error(%r{keepalived_pidfile}) }
  end

  # Issue 11, item 3: the node that has the VIP but does not run says why, in its report.
  describe 'the warning when a check stops a node that has the VIP' do
    let(:params) { { vip: '203.0.113.10' } }
    let(:title) { 'gluster_vip: a check stops this node' }
    let(:address_ok) { { 'name' => 'address', 'ok' => true, 'detail' => '203.0.113.10/32 is on eth0 (up)' } }
    let(:config_ok) { { 'name' => 'config', 'ok' => true, 'detail' => 'vip 203.0.113.10 (flag --vip)' } }

    {
      'conflict' => 'conflict: 02:42:c6:33:64:0c also answers for 203.0.113.10 on eth0, so two nodes hold it; nobody should run',
      'quorum' => 'quorum not reached: 1 of 3 peers answered, 2 needed (198.51.100.2, 198.51.100.3)',
      'keepalived' => 'keepalived is not running (/run/keepalived.pid: no such process), so the VIP may be stale',
      'settle' => '203.0.113.10 held for 1.2s, less than settle 5s',
    }.each do |check, detail|
      context "stopped by the #{check} check" do
        let(:facts) do
          gluster_vip_fact('holder' => false, 'interface' => 'eth0', 'reason' => detail, 'conflict' => check == 'conflict',
                           'checks' => [config_ok, address_ok, { 'name' => check, 'ok' => false, 'detail' => detail }])
        end

        it 'warns in the report, naming the check and its detail' do
          is_expected.to contain_notify(title).with(
            loglevel: 'warning',
            message: "gluster_vip: this node has the VIP 203.0.113.10 but runs no guarded operation: the #{check} check stops it: #{detail}",
          )
        end
        it { is_expected.to compile.with_all_deps }
      end
    end

    context 'with the binary fact file of the conflict case (facts/testdata/conflict.json)' do
      let(:facts) { JSON.parse(File.read(File.join(__dir__, '../../facts/testdata/conflict.json'))) }

      it { is_expected.to contain_notify(title).with_message(%r{the conflict check stops it: conflict: 02:42:c6:33:64:0c also answers for 203\.0\.113\.10}) }
    end

    context 'on the holder' do
      let(:facts) { JSON.parse(File.read(File.join(__dir__, '../../facts/testdata/holder.json'))) }

      it { is_expected.not_to contain_notify(title) }
    end

    context 'on a node without the VIP (nothing is wrong)' do
      let(:facts) { JSON.parse(File.read(File.join(__dir__, '../../facts/testdata/nonholder.json'))) }

      it { is_expected.not_to contain_notify(title) }
    end

    context 'on a fresh node (unconfigured, no error)' do
      let(:facts) { JSON.parse(File.read(File.join(__dir__, '../../facts/testdata/unconfigured.json'))) }

      it { is_expected.not_to contain_notify(title) }
    end

    context 'on a node whose fact carries an error' do
      let(:facts) { JSON.parse(File.read(File.join(__dir__, '../../facts/testdata/error.json'))) }

      it { is_expected.to contain_notify(title).with(loglevel: 'warning', message: %r{\Agluster_vip: this node runs no guarded operation: the gluster_vip fact reports an error: /etc/gluster-vip/gluster-vip\.conf: file is writable}) }
    end

    context "with nulls sanitized to '' (Puppet's fact sanitizer)" do
      let(:facts) { gluster_vip_fact('error' => '', 'checks' => [config_ok, { 'name' => 'address', 'ok' => false, 'detail' => 'not here' }]) }

      it { is_expected.not_to contain_notify(title) }
    end

    context 'without the fact (pluginsync has not run yet)' do
      it { is_expected.not_to contain_notify(title) }
    end

    context 'with warn_blocked => false' do
      let(:params) { { vip: '203.0.113.10', warn_blocked: false } }
      let(:facts) { JSON.parse(File.read(File.join(__dir__, '../../facts/testdata/conflict.json'))) }

      it { is_expected.not_to contain_notify(title) }
    end
  end

  describe 'the metrics for node_exporter' do
    let(:script) { '/usr/local/sbin/gluster-vip-textfile' }
    let(:facts) { gluster_vip_fact }

    context 'by default' do
      let(:params) { { vip: '203.0.113.10' } }

      it { is_expected.not_to contain_file(script) }
      it { is_expected.not_to contain_service('gluster-vip-metrics.timer') }
      it { is_expected.not_to contain_file('/etc/cron.d/gluster-vip-metrics') }
    end

    context 'with metrics => systemd' do
      let(:params) { { vip: '203.0.113.10', metrics: 'systemd', metrics_interval: '15s' } }

      it { is_expected.to compile.with_all_deps }
      it { is_expected.to contain_file(script).with(owner: 'root', mode: '0755') }

      it 'has the fact binary write the textfile (atomically, itself), with the config' do
        content = catalogue.resource('File', script)[:content]
        expect(content).to start_with("#!/bin/sh\n")
        expect(content).to end_with(
          %(\nexec '#{gluster_vip_fact['gluster_vip']['command']}' --config='/etc/gluster-vip/gluster-vip.conf' --format=prometheus ) +
          %(--textfile='/var/lib/prometheus/node-exporter/gluster_vip.prom'\n),
        )
      end

      it { is_expected.to contain_file('/etc/systemd/system/gluster-vip-metrics.service').with_content(%r{^ExecStart=/usr/local/sbin/gluster-vip-textfile$}) }
      it { is_expected.to contain_file('/etc/systemd/system/gluster-vip-metrics.service').with_content(%r{^Type=oneshot$}) }
      it { is_expected.to contain_file('/etc/systemd/system/gluster-vip-metrics.timer').with_content(%r{^OnUnitActiveSec=15s$}) }
      it { is_expected.to contain_file('/etc/systemd/system/gluster-vip-metrics.timer').with_content(%r{^WantedBy=timers\.target$}) }
      it { is_expected.to contain_service('gluster-vip-metrics.timer').with(ensure: 'running', enable: true).that_subscribes_to("File[#{script}]") }
      it { is_expected.not_to contain_file('/etc/cron.d/gluster-vip-metrics') }
    end

    context 'with metrics => cron, another directory and command' do
      let(:params) { { vip: '203.0.113.10', metrics: 'cron', metrics_dir: "/srv/it's here", metrics_command: '/opt/gv/gluster-vip' } }

      it { is_expected.to contain_file('/etc/cron.d/gluster-vip-metrics').with_content(%r{^\* \* \* \* \* root /usr/local/sbin/gluster-vip-textfile$}) }
      it { is_expected.to contain_file(script).with_content(%r{^exec '/opt/gv/gluster-vip' --config=.* --textfile='/srv/it'\\''s here/gluster_vip\.prom'$}) }
      it { is_expected.not_to contain_service('gluster-vip-metrics.timer') }
    end

    context 'with a metrics_script that cron would misread' do
      let(:params) { { vip: '203.0.113.10', metrics: 'cron', metrics_script: '/usr/local/sbin/gv 100%' } }

      it { is_expected.to compile.and_raise_error(%r{metrics_script '/usr/local/sbin/gv 100%' must be a path of letters}) }
    end

    context 'with a metrics_interval that is not a time span' do
      let(:params) { { vip: '203.0.113.10', metrics: 'systemd', metrics_interval: '30 s; rm' } }

      it { is_expected.to compile.and_raise_error(%r{metrics_interval}) }
    end
  end
end
