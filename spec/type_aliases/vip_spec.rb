# frozen_string_literal: true

require 'spec_helper'

describe 'Gluster_vip::Vip' do
  ['203.0.113.10', '198.51.100.1', '2001:db8::10', '2001:db8:0:1::a', ''].each do |value|
    it { is_expected.to allow_value(value) }
  end
  ['203.0.113.10/32', '2001:db8::/64', '203.0.113.999', 'banana', ' ', '203.0.113.10 ', 10, nil].each do |value|
    it { is_expected.not_to allow_value(value) }
  end
end
