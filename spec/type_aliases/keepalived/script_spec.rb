# frozen_string_literal: true

require 'spec_helper'

describe 'Gluster_vip::Keepalived::Script' do
  ['/usr/local/bin/vip-changed', '/usr/local/bin/vip-changed master', "/bin/echo 'two words'", '/x', '/a/b c d%e'].each do |value|
    it { is_expected.to allow_value(value) }
  end
  [
    '', 'vip-changed', ' /bin/true', '/bin/echo "x"', '/bin/echo \\"', '/bin/true }', '/bin/true {', '/bin/true # c',
    '/bin/true ! c', "/bin/true\nvrrp_instance evil {", "/bin/true\r", "/bin/true\t1", '/é', "/#{'a' * 1024}"
  ].each do |value|
    it { is_expected.not_to allow_value(value) }
  end
end
