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

  it 'restarts the daemon when the config changes' do
    is_expected.to contain_file('/etc/gluster-vip/gluster-vip.conf').that_notifies('Service[gluster-vip-elect]')
  end

  context 'with class gluster_vip writing another config file' do
    let(:pre_condition) do
      "class { 'gluster_vip': backend => 'etcd', etcd_endpoints => ['http://198.51.100.11:2379'], config_file => '/srv/gv/gv.conf' }"
    end

    it('runs the daemon on that file') { expect(content).to match(%r{^ExecStart=/usr/local/sbin/gluster-vip-elect --config /srv/gv/gv.conf$}) }
    it { is_expected.to contain_file('/srv/gv/gv.conf').that_notifies('Service[gluster-vip-elect]') }
  end

  context 'with class gluster_vip on backend vrrp' do
    let(:pre_condition) { "class { 'gluster_vip': vip => '203.0.113.10' }" }

    it { is_expected.to compile.and_raise_error(%r{gluster_vip::etcd: class gluster_vip has backend vrrp; set backend => 'etcd'}) }
  end

  context 'without class gluster_vip (and no Hiera data for it)' do
    let(:pre_condition) { '' }

    it('fails on the vip class gluster_vip then lacks') { is_expected.to compile.and_raise_error(%r{backend vrrp needs a vip}) }
  end
end
