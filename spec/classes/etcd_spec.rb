# frozen_string_literal: true

require 'spec_helper'

describe 'gluster_vip::etcd' do
  let(:unit) { '/etc/systemd/system/gluster-vip-elect.service' }
  let(:facts) { DEBIAN12_FACTS.merge(gluster_vip_fact) }
  let(:pre_condition) { "class { 'gluster_vip': backend => 'etcd', etcd_endpoints => ['http://198.51.100.11:2379'] }" }

  def content
    c = catalogue.resource('File', unit)[:content]
    c.respond_to?(:unwrap) ? c.unwrap : c
  end

  it { is_expected.to compile.with_all_deps }

  it 'installs the daemon from beside the fact binary that pluginsync delivered' do
    is_expected.to contain_file('/usr/local/sbin/gluster-vip-elect').with(
      ensure: 'file', owner: 'root', group: 'root', mode: '0755',
      source: '/var/cache/puppet/facts.d/.gluster_vip/gluster-vip-elect-linux-amd64',
    )
  end

  it { is_expected.to contain_file(unit).with(owner: 'root', group: 'root', mode: '0644') }
  it { expect(content).to match(%r{^ExecStart=/usr/local/sbin/gluster-vip-elect --config /etc/gluster-vip/gluster-vip.conf$}) }
  it { expect(content).to match(%r{^Restart=always$}) }
  it { expect(content).to match(%r{^RuntimeDirectory=gluster-vip$}) }
  it { expect(content).to match(%r{^RuntimeDirectoryMode=0700$}) }
  it { expect(content).to match(%r{^ProtectSystem=strict$}) }
  it('needs no other writable path for the default socket') { expect(content).not_to match(%r{ReadWritePaths}) }
  it { is_expected.to contain_exec('gluster-vip-elect systemctl daemon-reload').with(refreshonly: true).that_subscribes_to("File[#{unit}]") }

  it 'runs the daemon, enabled, restarted when the binary or the unit change' do
    is_expected.to contain_service('gluster-vip-elect').with(ensure: 'running', enable: true)
      .that_subscribes_to(['File[/usr/local/sbin/gluster-vip-elect]', "File[#{unit}]"])
  end

  context 'with no binary for this node, the fact names the dispatcher' do
    let(:facts) { DEBIAN12_FACTS.merge(gluster_vip_fact('command' => '/var/cache/puppet/facts.d/gluster_vip')) }

    it { is_expected.to contain_file('/usr/local/sbin/gluster-vip-elect').with_source('/var/cache/puppet/facts.d/.gluster_vip/gluster-vip-elect-linux-amd64') }
  end

  context 'in a modulepath (puppet apply)' do
    let(:facts) { DEBIAN12_FACTS.merge(gluster_vip_fact('command' => '/etc/puppet/code/modules/gluster_vip/facts.d/.gluster_vip/gluster-vip-linux-amd64')) }

    it { is_expected.to contain_file('/usr/local/sbin/gluster-vip-elect').with_source('/etc/puppet/code/modules/gluster_vip/facts.d/.gluster_vip/gluster-vip-elect-linux-amd64') }
  end

  context 'on arm64' do
    let(:facts) { DEBIAN12_FACTS.merge('os' => DEBIAN12_FACTS['os'].merge('hardware' => 'aarch64')).merge(gluster_vip_fact) }

    it { is_expected.to contain_file('/usr/local/sbin/gluster-vip-elect').with_source('/var/cache/puppet/facts.d/.gluster_vip/gluster-vip-elect-linux-arm64') }
  end

  context 'on an architecture with no binary' do
    let(:facts) { DEBIAN12_FACTS.merge('os' => DEBIAN12_FACTS['os'].merge('hardware' => 'riscv64')).merge(gluster_vip_fact) }

    it { is_expected.to compile.and_raise_error(%r{gluster_vip::etcd: no gluster-vip-elect binary for architecture riscv64}) }
  end

  context 'without the gluster_vip fact' do
    let(:facts) { DEBIAN12_FACTS }

    it { is_expected.to compile.and_raise_error(%r{gluster_vip::etcd: the gluster_vip fact names no command}) }
  end

  context 'with an explicit binary_source' do
    let(:params) { { binary_source: '/opt/gv/gluster-vip-elect' } }
    let(:facts) { DEBIAN12_FACTS }

    it { is_expected.to contain_file('/usr/local/sbin/gluster-vip-elect').with_source('/opt/gv/gluster-vip-elect') }
  end

  it 'writes the config before the daemon starts, but a change of it alone restarts nothing' do
    is_expected.to contain_file('/etc/gluster-vip/gluster-vip.conf').that_comes_before('Service[gluster-vip-elect]')
    is_expected.not_to contain_file('/etc/gluster-vip/gluster-vip.conf').that_notifies('Service[gluster-vip-elect]')
  end

  it 'names in the unit what the daemon reads, so that a change of one restarts it through the unit' do
    expect(content).to include("#   backend = etcd\n#   etcd_endpoints = http://198.51.100.11:2379\n")
  end

  context 'with settle and the etcd settings' do
    let(:pre_condition) do
      "class { 'gluster_vip': backend => 'etcd', etcd_endpoints => ['http://198.51.100.11:2379'], settle => '30s', lease_ttl => '10s', node_name => 'gv1' }"
    end

    it('names lease_ttl and node_name, not settle, which only the fact reads') do
      expect(content).to include("#   node_name = gv1\n#   lease_ttl = 10s\n")
      expect(content).not_to include('settle')
    end
  end

  context 'with class gluster_vip writing another config file' do
    let(:pre_condition) do
      "class { 'gluster_vip': backend => 'etcd', etcd_endpoints => ['http://198.51.100.11:2379'], config_file => '/srv/gv/gv.conf' }"
    end

    it('runs the daemon on that file') { expect(content).to match(%r{^ExecStart=/usr/local/sbin/gluster-vip-elect --config /srv/gv/gv.conf$}) }
    it { is_expected.to contain_file('/srv/gv/gv.conf').that_comes_before('Service[gluster-vip-elect]') }
  end

  context 'with class gluster_vip on backend vrrp' do
    let(:pre_condition) { "class { 'gluster_vip': vip => '203.0.113.10' }" }

    it { is_expected.to compile.and_raise_error(%r{gluster_vip::etcd: class gluster_vip has backend vrrp; set backend => 'etcd'}) }
  end

  context 'without class gluster_vip (and no Hiera data for it)' do
    let(:pre_condition) { '' }

    it('fails on the vip class gluster_vip then lacks') { is_expected.to compile.and_raise_error(%r{backend vrrp needs a vip}) }
  end

  context 'with manage_service => false (no systemd to ask: an image, another supervisor, a test)' do
    let(:params) { { manage_service: false } }

    it { is_expected.to compile.with_all_deps }
    it { is_expected.to contain_file('/usr/local/sbin/gluster-vip-elect').with(mode: '0755') }
    it { is_expected.to contain_file(unit) }
    it { is_expected.not_to contain_service('gluster-vip-elect') }
    it { is_expected.not_to contain_exec('gluster-vip-elect systemctl daemon-reload') }
  end

  context 'with unit_dir' do
    let(:params) { { unit_dir: '/srv/units' } }

    it { is_expected.to contain_file('/srv/units/gluster-vip-elect.service') }
    it { is_expected.to contain_exec('gluster-vip-elect systemctl daemon-reload').that_subscribes_to('File[/srv/units/gluster-vip-elect.service]') }
  end

  # The socket's directory is the only place the unit lets the daemon write (ProtectSystem=strict).
  describe 'elect_socket' do
    def with_socket(path, extra = '')
      "class { 'gluster_vip': backend => 'etcd', etcd_endpoints => ['http://198.51.100.11:2379'], elect_socket => '#{path}'#{extra} }"
    end

    context 'in another directory under /run' do
      let(:pre_condition) { with_socket('/run/gv-b/elect.sock') }

      it('systemd creates it at every start, as the runtime directory') { expect(content).to match(%r{^RuntimeDirectory=gv-b$}) }
      it { expect(content).not_to match(%r{^RuntimeDirectory=gluster-vip$}) }
      it { expect(content).not_to match(%r{ReadWritePaths}) }
      it { expect(content).to match(%r{^# Its socket, root's only: /run/gv-b/elect\.sock \(elect_socket\)\.$}) }
    end

    context 'nested under /run/gluster-vip' do
      let(:pre_condition) { with_socket('/run/gluster-vip/a/elect.sock') }

      it { expect(content).to match(%r{^RuntimeDirectory=gluster-vip/a$}) }
    end

    context 'under /var/run (a link to /run)' do
      let(:pre_condition) { with_socket('/var/run/gv-c/elect.sock') }

      it { expect(content).to match(%r{^RuntimeDirectory=gv-c$}) }
    end

    context 'outside /run' do
      let(:pre_condition) { with_socket('/var/lib/gv/elect.sock') }

      it('the unit makes that directory writable') { expect(content).to match(%r{^ReadWritePaths=/var/lib/gv$}) }
      it { expect(content).not_to match(%r{RuntimeDirectory}) }
      it { expect(content).to match(%r{^ProtectSystem=strict$}) }
    end

    ['/elect.sock', '/run/elect.sock', '/var/run/elect.sock'].each do |path|
      context "directly in #{File.dirname(path)}" do
        let(:pre_condition) { with_socket(path) }

        it { is_expected.to compile.and_raise_error(%r{gluster_vip::etcd: elect_socket '#{Regexp.escape(path)}' is directly in #{Regexp.escape(File.dirname(path))}, which the unit would have to make writable as a whole}) }
      end
    end

    { '/tmp/gv/elect.sock' => 'tmp', '/var/tmp/gv/e.sock' => 'var/tmp', '/home/gv/e.sock' => 'home', '/root/e.sock' => 'root',
      '/run/user/0/e.sock' => 'run/user' }.each do |path, top|
      context "under /#{top}, which the unit hides" do
        let(:pre_condition) { with_socket(path) }

        it { is_expected.to compile.and_raise_error(%r{gluster_vip::etcd: elect_socket '#{Regexp.escape(path)}' is under /#{Regexp.escape(top)}, which the unit hides from the daemon}) }
      end
    end

    ['/run/gv b/e.sock', '/run/gv%n/e.sock', '/run/gv/../x/e.sock', '/run/./gv/e.sock', '/run//gv/e.sock'].each do |path|
      context "with #{path.inspect}" do
        let(:pre_condition) { with_socket(path) }

        it { is_expected.to compile.and_raise_error(%r{gluster_vip::etcd: elect_socket '#{Regexp.escape(path)}': the unit can only take a normalized path}) }
      end
    end
  end

  context 'with a binary under /tmp' do
    let(:params) { { binary: '/tmp/gluster-vip-elect' } }

    it { is_expected.to compile.and_raise_error(%r{gluster_vip::etcd: binary '/tmp/gluster-vip-elect' is under /tmp, which the unit hides}) }
  end

  context 'with a config file under /home' do
    let(:params) { { config_file: '/home/gv/gv.conf' } }

    it { is_expected.to compile.and_raise_error(%r{gluster_vip::etcd: config_file '/home/gv/gv.conf' is under /home, which the unit hides}) }
  end

  context 'with a binary path systemd would split' do
    let(:params) { { binary: '/opt/gv bin/gluster-vip-elect' } }

    it { is_expected.to compile.and_raise_error(%r{gluster_vip::etcd: binary '/opt/gv bin/gluster-vip-elect': the unit can only take a normalized path}) }
  end

  context 'with a TLS key under /root' do
    let(:pre_condition) do
      "class { 'gluster_vip': backend => 'etcd', etcd_endpoints => ['https://198.51.100.11:2379'], etcd_cert => '/etc/gv/c.pem', etcd_key => '/root/k.pem' }"
    end

    it { is_expected.to compile.and_raise_error(%r{gluster_vip::etcd: etcd_key '/root/k.pem' is under /root, which the unit hides}) }
  end

  context 'with TLS files in /etc' do
    let(:pre_condition) do
      "class { 'gluster_vip': backend => 'etcd', etcd_endpoints => ['https://198.51.100.11:2379'], etcd_ca => '/etc/gv/ca.pem', etcd_cert => '/etc/gv/c.pem', etcd_key => '/etc/gv/k.pem' }"
    end

    it { is_expected.to compile.with_all_deps }
  end
end
