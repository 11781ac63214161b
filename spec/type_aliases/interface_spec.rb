# frozen_string_literal: true

require 'spec_helper'

describe 'Gluster_vip::Interface' do
  ['eth0', 'br-lan', 'eth0:1', 'enp0s31f6', 'a' * 15].each do |value|
    it { is_expected.to allow_value(value) }
  end
  ['', 'eth/0', 'eth0#1', 'eth 0', 'a' * 16, "eth0\n", 'ethé'].each do |value|
    it { is_expected.not_to allow_value(value) }
  end
end
