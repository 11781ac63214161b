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
  end

  context 'with manage_config_dir => false' do
    let(:params) { { vip: '203.0.113.10', manage_config_dir: false } }

    it { is_expected.not_to contain_file('/etc/gluster-vip') }
    it { is_expected.to contain_file(config) }
  end

  context 'without a vip' do
    it { is_expected.to compile.and_raise_error(%r{expects a value for parameter 'vip'}) }
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

  context 'with a relative keepalived_pidfile' do
    let(:params) { { vip: '203.0.113.10', keepalived_pidfile: 'run/keepalived.pid' } }

    it { is_expected.to compile.and_raise_error(%r{keepalived_pidfile}) }
  end
end
