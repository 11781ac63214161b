# frozen_string_literal: true

RSpec.configure { |c| c.mock_with :rspec }

require 'puppetlabs_spec_helper/module_spec_helper'
require 'rspec-puppet-facts'
require 'open3'
require 'tmpdir'
include RspecPuppetFacts

# Facts for a Debian 12 node. rspec-puppet-facts ships no Debian 12 set, and on_supported_os
# silently yields nothing for it, so the specs use this one set of facts explicitly.
DEBIAN12_FACTS = {
  'os' => {
    'family' => 'Debian', 'name' => 'Debian',
    'release' => { 'full' => '12.5', 'major' => '12', 'minor' => '5' },
    'architecture' => 'amd64', 'hardware' => 'x86_64'
  },
  'kernel' => 'Linux',
  'osfamily' => 'Debian',
  'path' => '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  'networking' => {
    'fqdn' => 'n1.example.test', 'hostname' => 'n1', 'domain' => 'example.test',
    'primary' => 'eth0', 'ip' => '198.51.100.1', 'ip6' => '2001:db8::1'
  },
  'hostname' => 'n1',
  'fqdn' => 'n1.example.test',
  'domain' => 'example.test',
  # rspec-puppet's server facts ask Facter for these; without them Facter resolves the
  # real network (ip route, ip link) for every example.
  'ipaddress' => '198.51.100.1',
  'ipaddress6' => '2001:db8::1',
}.freeze

# The gluster_vip fact as the binary reports it, with overrides.
def gluster_vip_fact(overrides = {})
  fact = {
    'holder' => false, 'mode' => 'vip', 'vip' => '203.0.113.10', 'interface' => nil,
    'reason' => '203.0.113.10 is not on any up interface', 'conflict' => false, 'held_for' => nil,
    'command' => '/var/cache/puppet/facts.d/.gluster_vip/gluster-vip-linux-amd64',
    'version' => '0.1.0', 'error' => nil
  }.merge(overrides)
  { 'gluster_vip_holder' => fact['holder'], 'gluster_vip' => fact }
end

RSpec.configure do |c|
  c.default_facts = DEBIAN12_FACTS
  c.strict_variables = true
  c.before(:each) do
    Puppet[:strict] = :error
    # Puppet's compiler asks Facter for the server's fqdn and addresses on every compile, and
    # Facter then resolves the real network (ip link, ip route) each time: answer from the stubs.
    allow(Facter).to receive(:value).and_call_original
    %w[fqdn ipaddress ipaddress6].each do |name|
      allow(Facter).to receive(:value).with(name).and_return(DEBIAN12_FACTS[name])
    end
  end
end

# Checks a keepalived config with `keepalived -t -f`, in a private network namespace that has an
# eth0 (keepalived refuses a config whose interface does not exist). Returns [ok, output].
# Needs root, unshare, ip and keepalived: without them the example is skipped, and fails under CI=true.
def keepalived_check(content)
  missing = []
  missing << 'root' unless Process.euid.zero?
  %w[unshare ip keepalived].each do |tool|
    missing << tool unless ENV['PATH'].split(':').push('/usr/sbin', '/sbin').any? { |d| File.executable?(File.join(d, tool)) }
  end
  unless missing.empty?
    raise "keepalived -t needs #{missing.join(', ')}" if ENV['CI'] == 'true'

    skip "keepalived -t needs #{missing.join(', ')}"
  end
  Dir.mktmpdir('gluster_vip-keepalived') do |dir|
    conf = File.join(dir, 'keepalived.conf')
    File.write(conf, content)
    script = 'ip link add eth0 type veth peer name eth1 && ip link set eth0 up && ip link set eth1 up && ' \
             'exec keepalived -t -f "$1"'
    out, status = Open3.capture2e({ 'PATH' => "#{ENV['PATH']}:/usr/sbin:/sbin" }, 'timeout', '20', 'unshare', '--net', 'sh', '-c', script, 'sh', conf)
    [status.success?, out]
  end
end
