# frozen_string_literal: true

require 'puppetlabs_spec_helper/module_spec_helper'
require 'rspec-puppet-facts'
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
  end
end
