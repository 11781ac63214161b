# frozen_string_literal: true

require 'spec_helper'

describe 'Gluster_vip::Keepalived::Word' do
  ['n1', 'gv-n1.example.com', 'eth0', 'eth0:1', 'root', 's3cret', 'a' * 255, '@x%y'].each do |value|
    it { is_expected.to allow_value(value) }
  end
  ['', 'gv n1', 'a"b', "a'b", 'a\\b', 'a{', '}', 'a#b', 'a!b', "n1\n", "n1\r", "\tn1", 'é', 'a' * 256].each do |value|
    it { is_expected.not_to allow_value(value) }
  end
end
